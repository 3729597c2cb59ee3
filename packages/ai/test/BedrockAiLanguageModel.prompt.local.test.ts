import { BedrockAiError, BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { Chat, LanguageModel, Prompt, Tool, Toolkit } from "@effect/ai"
import { assert, describe, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Schema, Stream } from "effect"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockAiLanguageModel.layer({ model: MODEL, config: { maxTokens: 512 } }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const reset = Effect.flatMap(local, (server) => server.reset)
const bodies = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((list) => list.map((r) => r.body as any))
)
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2])
const pdf = new TextEncoder().encode("%PDF-1.4 tiny")

layer(Env, { excludeTestServices: true })("BedrockAiLanguageModel prompts", (it) => {
  it.effect("maps every @effect/ai message and part to Converse, checked on the server", () =>
    Effect.gen(function*() {
      yield* reset
      const prompt = Prompt.make([
        { role: "system", content: "You are a travel assistant.", options: { effectBedrock: { cachePoint: true } } },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in these?" },
            { type: "file", mediaType: "image/*", data: png },
            { type: "file", mediaType: "image/jpeg", data: "s3://my-bucket/dog.jpg?bucketOwner=123456789012" },
            { type: "file", mediaType: "application/pdf", data: base64(pdf), fileName: "q3_report.final.pdf" },
            {
              type: "file",
              mediaType: "text/plain",
              data: new TextEncoder().encode("notes"),
              options: { effectBedrock: { documentName: "Trip notes (draft)", cachePoint: "1h" } }
            }
          ]
        },
        {
          role: "assistant",
          content: [
            { type: "reasoning", text: "Check the weather.", options: { effectBedrock: { signature: "sig-9" } } },
            { type: "text", text: "Let me check." },
            { type: "tool-call", id: "tu-1", name: "get_weather", params: { city: "Porto" } },
            { type: "tool-call", id: "tu-2", name: "get_time", params: { city: "Porto" } }
          ]
        },
        {
          role: "tool",
          content: [
            {
              type: "tool-result",
              id: "tu-1",
              name: "get_weather",
              result: { celsius: 18 },
              isFailure: false,
              providerExecuted: false
            },
            {
              type: "tool-result",
              id: "tu-2",
              name: "get_time",
              result: "clock broken",
              isFailure: true,
              providerExecuted: false
            }
          ],
          options: { effectBedrock: { cachePoint: "5m" } }
        },
        { role: "system", content: "Answer briefly." },
        { role: "user", content: "Thanks!" }
      ])
      // The history's tools offered again, so their calls and results go as blocks (without tools,
      // Bedrock rejects them and they go as text).
      const GetWeather = Tool.make("get_weather", { parameters: { city: Schema.String }, success: Schema.Unknown })
      const GetTime = Tool.make("get_time", { parameters: { city: Schema.String }, success: Schema.String })
      const toolkit = Toolkit.make(GetWeather, GetTime)
      yield* LanguageModel.generateText({ prompt, toolkit }).pipe(
        Effect.provide(toolkit.toLayer({
          get_weather: () => Effect.succeed({ celsius: 18 }),
          get_time: () => Effect.succeed("noon")
        }))
      )
      const [body] = yield* bodies
      assert.deepStrictEqual(body.system, [{ text: "You are a travel assistant." }, {
        cachePoint: { type: "default" }
      }])
      assert.deepStrictEqual(body.messages[0], {
        role: "user",
        content: [
          { text: "What is in these?" },
          // image/* bytes: the type is read from the bytes.
          { image: { format: "png", source: { bytes: base64(png) } } },
          {
            image: {
              format: "jpeg",
              source: { s3Location: { uri: "s3://my-bucket/dog.jpg", bucketOwner: "123456789012" } }
            }
          },
          // A cache point cannot follow a document: it goes before the trailing run of documents.
          { cachePoint: { type: "default", ttl: "1h" } },
          // The file name without its extension, characters Bedrock rejects as spaces.
          { document: { name: "q3 report final", format: "pdf", source: { bytes: base64(pdf) } } },
          {
            document: {
              name: "Trip notes (draft)",
              format: "txt",
              source: { bytes: base64(new TextEncoder().encode("notes")) }
            }
          }
        ]
      })
      assert.deepStrictEqual(body.messages[1], {
        role: "assistant",
        content: [
          { reasoningContent: { reasoningText: { text: "Check the weather.", signature: "sig-9" } } },
          { text: "Let me check." },
          { toolUse: { toolUseId: "tu-1", name: "get_weather", input: { city: "Porto" } } },
          { toolUse: { toolUseId: "tu-2", name: "get_time", input: { city: "Porto" } } }
        ]
      })
      assert.deepStrictEqual(body.messages[2], {
        role: "user",
        content: [
          { toolResult: { toolUseId: "tu-1", content: [{ text: "{\"celsius\":18}" }], status: "success" } },
          { toolResult: { toolUseId: "tu-2", content: [{ text: "clock broken" }], status: "error" } },
          { cachePoint: { type: "default", ttl: "5m" } },
          { text: "<system>Answer briefly.</system>" },
          { text: "Thanks!" }
        ]
      })
      assert.strictEqual(body.messages.length, 3)
      // The same request streamed: the same body, documents named too.
      yield* LanguageModel.streamText({ prompt, toolkit }).pipe(
        Stream.runDrain,
        Effect.provide(toolkit.toLayer({
          get_weather: () => Effect.succeed({ celsius: 18 }),
          get_time: () => Effect.succeed("noon")
        }))
      )
      const [, streamed] = yield* bodies
      assert.deepStrictEqual(streamed.messages, body.messages)
      // Without tools, the same history: its calls and results as text, the rest as it was.
      yield* LanguageModel.generateText({ prompt })
      const [, , plain] = yield* bodies
      assert.isUndefined(plain.toolConfig)
      assert.deepStrictEqual(plain.messages[0], body.messages[0])
      assert.deepStrictEqual(plain.messages[1].content.slice(-2), [
        { text: "[tool call get_weather (id tu-1): {\"city\":\"Porto\"}]" },
        { text: "[tool call get_time (id tu-2): {\"city\":\"Porto\"}]" }
      ])
      assert.deepStrictEqual(plain.messages[2].content.slice(0, 3), [
        { text: "[tool result for tu-1: {\"celsius\":18}]" },
        { text: "[tool error for tu-2: clock broken]" },
        { cachePoint: { type: "default", ttl: "5m" } }
      ])
    }))

  it.effect("bad input fails with MalformedInput before any request", () =>
    Effect.gen(function*() {
      yield* reset
      const badName = yield* LanguageModel.generateText({
        prompt: [{
          role: "user",
          content: [{
            type: "file",
            mediaType: "application/pdf",
            data: pdf,
            options: { effectBedrock: { documentName: "report.pdf" } }
          }]
        }]
      }).pipe(Effect.flip)
      assert.strictEqual(badName._tag, "MalformedInput")
      assert.include(badName.message, "report.pdf")
      const audio = yield* LanguageModel.streamText({
        prompt: [{ role: "user", content: [{ type: "file", mediaType: "audio/mpeg", data: new Uint8Array([1]) }] }]
      }).pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(audio._tag, "MalformedInput")
      assert.include(audio.message, "audio/mpeg")
      assert.strictEqual(Option.getOrThrow(BedrockAiError.cause(audio))._tag, "InvalidRequestError")
      const typo = yield* LanguageModel.generateText({ prompt: "x" }).pipe(
        BedrockAiLanguageModel.withConfigOverride({ temprature: 0 } as never),
        Effect.flip
      )
      assert.strictEqual(typo._tag, "MalformedInput")
      assert.include(typo.message, "did you mean \"temperature\"")
      assert.deepStrictEqual(yield* bodies, [])
    }))

  it.effect("withConfigOverride sets settings for every call inside it, nested ones merging", () =>
    Effect.gen(function*() {
      yield* reset
      yield* LanguageModel.generateText({ prompt: "a" }).pipe(
        Effect.zipRight(LanguageModel.streamText({ prompt: "b" }).pipe(Stream.runDrain)),
        BedrockAiLanguageModel.withConfigOverride({ temperature: 0.7, stopSequences: ["STOP"] }),
        BedrockAiLanguageModel.withConfigOverride({ temperature: 0, topP: 0.9 })
      )
      yield* LanguageModel.streamText({ prompt: "c" }).pipe(
        Stream.provideService(BedrockAiLanguageModel.Config, { maxTokens: 32 }),
        Stream.runDrain
      )
      const [first, second, third] = yield* bodies
      const expected = { maxTokens: 512, temperature: 0.7, topP: 0.9, stopSequences: ["STOP"] }
      assert.deepStrictEqual(first.inferenceConfig, expected)
      assert.deepStrictEqual(second.inferenceConfig, expected)
      assert.deepStrictEqual(third.inferenceConfig, { maxTokens: 32 })
    }))

  it.effect("tool names Bedrock rejects are sent fixed and come back as the toolkit's own", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const Lookup = Tool.make("city.lookup", {
        parameters: { city: Schema.String },
        success: Schema.String
      })
      const Weather = Tool.make("weather", { parameters: { city: Schema.String }, success: Schema.String })
      const toolkit = Toolkit.make(Lookup, Weather)
      yield* server.script(Script.json({
        output: {
          message: {
            role: "assistant",
            content: [{ toolUse: { toolUseId: "t", name: "city_lookup", input: { city: "Faro" } } }]
          }
        },
        stopReason: "tool_use",
        usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 }
      }, { operation: "converse" }))
      const response = yield* LanguageModel.generateText({
        prompt: "Where is Faro?",
        toolkit,
        toolChoice: { tool: "city.lookup" }
      }).pipe(
        Effect.provide(toolkit.toLayer({
          "city.lookup": ({ city }) => Effect.succeed(`${city} is in Portugal`),
          weather: () => Effect.succeed("sunny")
        }))
      )
      assert.deepStrictEqual(response.toolResults.map((r) => [r.name, r.result]), [[
        "city.lookup",
        "Faro is in Portugal"
      ]])
      const [body] = yield* bodies
      assert.strictEqual(body.toolConfig.tools[0].toolSpec.name, "city_lookup")
      assert.deepStrictEqual(body.toolConfig.toolChoice, { tool: { name: "city_lookup" } })
    }))

  it.effect("a failing handler with the default failure mode fails generateText with its own error", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      class Closed extends Schema.TaggedError<Closed>()("Closed", { until: Schema.String }) {}
      const Book = Tool.make("book", { parameters: { city: Schema.String }, failure: Closed })
      const toolkit = Toolkit.make(Book)
      yield* server.script(Script.json({
        output: {
          message: {
            role: "assistant",
            content: [{ toolUse: { toolUseId: "b", name: "book", input: { city: "Faro" } } }]
          }
        },
        stopReason: "tool_use",
        usage: { inputTokens: 3, outputTokens: 3, totalTokens: 6 }
      }, { operation: "converse" }))
      const error = yield* LanguageModel.generateText({ prompt: "Book Faro", toolkit }).pipe(
        Effect.provide(toolkit.toLayer({ book: () => Effect.fail(new Closed({ until: "Monday" })) })),
        Effect.flip
      )
      assert.strictEqual(error._tag, "Closed")
    }))

  it.effect("a Chat with thinking keeps the signatures its history drops, so a tool loop continues", () =>
    Effect.gen(function*() {
      yield* reset
      const claude37 = yield* BedrockAiLanguageModel.make({
        model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        config: { thinking: "low" }
      })
      const chat = yield* Chat.empty.pipe(Effect.provideService(LanguageModel.LanguageModel, claude37))
      const first = yield* chat.generateText({ prompt: "Think, then answer: 2+2?" }).pipe(
        Effect.provideService(LanguageModel.LanguageModel, claude37)
      )
      const [reasoning] = first.reasoning
      const signature = reasoning!.metadata.effectBedrock?.signature
      assert.isString(signature)
      const history = yield* chat.export
      // @effect/ai's history keeps only the reasoning text...
      assert.notInclude(JSON.stringify(history), signature!)
      yield* chat.generateText({ prompt: "And 3+3?" }).pipe(
        Effect.provideService(LanguageModel.LanguageModel, claude37)
      )
      // ...and the model sends it back signed all the same.
      const [, second] = yield* bodies
      assert.deepStrictEqual(second.messages[1].content[0], {
        reasoningContent: { reasoningText: { text: reasoning!.text, signature } }
      })
    }))
})

describe("BedrockAiLanguageModel construction", () => {
  layer(LocalBedrock.layerWithClient(), { excludeTestServices: true })("layers", (it) => {
    it.effect("layerConfig reads the model id from Config; a Model names its provider", () =>
      Effect.gen(function*() {
        const server = yield* LocalBedrock.LocalBedrock
        yield* server.reset
        const response = yield* LanguageModel.generateText({ prompt: "hello" }).pipe(
          Effect.provide(BedrockAiLanguageModel.layerConfig()),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["BEDROCK_MODEL_ID", "us.amazon.nova-lite-v1:0"]])))
        )
        assert.isAbove(response.text.length, 0)
        const [request] = yield* server.requests
        assert.strictEqual(request!.modelId, "us.amazon.nova-lite-v1:0")
        const model = BedrockAiLanguageModel.model("us.amazon.nova-lite-v1:0", { temperature: 0 })
        assert.strictEqual(model.provider, "bedrock")
        yield* LanguageModel.generateText({ prompt: "hi" }).pipe(Effect.provide(model))
        const [, second] = yield* server.requests
        assert.strictEqual((second!.body as any).inferenceConfig.temperature, 0)
      }))

    it.effect("invalid model config: the layer fails, a Model fails each call, both with MalformedInput", () =>
      Effect.gen(function*() {
        const layerError = yield* LanguageModel.generateText({ prompt: "x" }).pipe(
          Effect.provide(BedrockAiLanguageModel.layer({ model: MODEL, config: { topP: 2 } })),
          Effect.flip
        )
        assert.strictEqual(layerError._tag, "MalformedInput")
        const model = BedrockAiLanguageModel.model("openai.gpt-4o")
        const callError = yield* LanguageModel.generateText({ prompt: "x" }).pipe(Effect.provide(model), Effect.flip)
        assert.strictEqual(callError._tag, "MalformedInput")
        assert.include(callError.message, "Converse")
      }))
  })
})
