// The README's examples, kept honest: they import the packages by name, as users do.
import { BedrockLanguageModel, LanguageModel, Response, Tool, Toolkit } from "@effect-bedrock/core"
import { BedrockClientStub, TestLanguageModel } from "@effect-bedrock/core/testing"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"

const greet = (name: string) => LanguageModel.generate({ prompt: `Greet ${name}` }).pipe(Effect.map(Response.text))

// The Structured output section.
const City = Schema.Struct({
  name: Schema.String,
  population: Schema.Number.pipe(Schema.positive()),
  founded: Schema.optional(Schema.Number)
})

const city = LanguageModel.generateObject({ prompt: "The largest city of Portugal", schema: City, maxRetries: 2 }).pipe(
  Effect.catchTag("StructuredOutputError", (error) => Effect.fail(`unusable answer: ${error.text}`))
)

const textAnswer = (text: string) => ({
  output: { message: { role: "assistant" as const, content: [{ text }] } },
  stopReason: "end_turn" as const,
  usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
  metrics: { latencyMs: 1 },
  $metadata: {}
})

const claudeWith = (...answers: ReadonlyArray<string>) =>
  BedrockLanguageModel.layer({ model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
    Layer.provideMerge(BedrockClientStub.layer({ converse: answers.map(textAnswer) }))
  )

describe("README examples", () => {
  it.effect("greets the user (the stub Layer test)", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* greet("Ada"), "Hello, Ada!")
      const [request] = yield* TestLanguageModel.requests
      assert.strictEqual(request!.prompt, "Greet Ada")
    }).pipe(Effect.provide(TestLanguageModel.layerScripted("Hello, Ada!"))))

  it.effect("the real BedrockLanguageModel over a stubbed BedrockClient", () =>
    Effect.gen(function*() {
      const getWeather = Tool.make("get_weather", {
        description: "Current weather for a city",
        parameters: Schema.Struct({ city: Schema.String }),
        success: Schema.Struct({ city: Schema.String, celsius: Schema.Number, observedAt: Schema.Date }),
        handler: ({ city }) => Effect.succeed({ city, celsius: 18, observedAt: new Date("2026-05-01T12:00:00.000Z") })
      })
      const answer = yield* Toolkit.generate(Toolkit.make(getWeather), { prompt: "Weather in Porto?" }).pipe(
        Effect.map((result) => Response.text(result.response))
      )
      assert.strictEqual(answer, "18 degrees in Porto.")
      const stub = yield* BedrockClientStub.BedrockClientStub
      const requests = yield* stub.requests
      assert.strictEqual(requests.length, 2)
      // The tool result went back to Bedrock, its Date as an ISO string.
      assert.include(JSON.stringify(requests[1]), "2026-05-01T12:00:00.000Z")
    }).pipe(
      Effect.provide(
        BedrockLanguageModel.layer({ model: "us.amazon.nova-pro-v1:0" }).pipe(
          Layer.provideMerge(BedrockClientStub.layer({
            converse: [
              {
                output: {
                  message: {
                    role: "assistant",
                    content: [{ toolUse: { toolUseId: "t1", name: "get_weather", input: { city: "Porto" } } }]
                  }
                },
                stopReason: "tool_use",
                usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
                metrics: { latencyMs: 1 },
                $metadata: {}
              },
              {
                output: { message: { role: "assistant", content: [{ text: "18 degrees in Porto." }] } },
                stopReason: "end_turn",
                usage: { inputTokens: 5, outputTokens: 5, totalTokens: 10 },
                metrics: { latencyMs: 1 },
                $metadata: {}
              }
            ]
          }))
        )
      )
    ))

  it.effect("generateObject with a Schema (the Structured output section)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* city, { name: "Lisbon", population: 545000 })
      const [request] = yield* Effect.flatMap(BedrockClientStub.BedrockClientStub, (stub) => stub.requests)
      // `auto`: a forced output tool, as in pydantic-ai (native output is `mode: "native"` away).
      const tool = (request as any).input.toolConfig.tools[0].toolSpec
      assert.strictEqual(tool.name, "final_result")
      assert.strictEqual(tool.inputSchema.json.properties.population.exclusiveMinimum, 0)
    }).pipe(Effect.provide(claudeWith("{\"name\":\"Lisbon\",\"population\":545000}"))))

  it.effect("generateObject: after maxRetries the typed error carries the raw text", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* Effect.flip(city), "unusable answer: still no JSON")
    }).pipe(Effect.provide(claudeWith("no JSON", "no JSON either", "still no JSON"))))
})
