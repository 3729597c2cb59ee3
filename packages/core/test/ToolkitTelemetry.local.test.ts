// Traces of the tool loop (invoke_agent, steps, tool calls), contents recorded only when opted in,
// a client without a region, and the README's setup.
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { NodeSdk } from "@effect/opentelemetry"
import { assert, describe, it, layer } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { ConsoleMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Redacted, Schema } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Telemetry from "../src/Telemetry.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"
import { makeOtel } from "./utils/otel.js"
import { answer, Env, expectedTotal, local, MODEL, otel, reset, usage, withoutCost } from "./utils/telemetryFixtures.js"

layer(Env, { excludeTestServices: true })("tool-loop telemetry against the local Bedrock", (it) => {
  it.effect("the tool loop: invoke_agent > step > chat and execute_tool spans, usage and cost summed", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.json({
          output: {
            message: {
              role: "assistant",
              content: [{ toolUse: { toolUseId: "tu-1", name: "get_weather", input: { city: "Porto" } } }]
            }
          },
          stopReason: "tool_use",
          usage,
          metrics: { latencyMs: 3 }
        }, { operation: "converse" }),
        answer("It is 18 degrees in Porto.")
      )
      const getWeather = Tool.make("get_weather", {
        description: "Current weather for a city",
        parameters: Schema.Struct({ city: Schema.String }),
        handler: ({ city }) => Effect.succeed({ city, celsius: 18 })
      })
      const result = yield* Toolkit.generate(Toolkit.make(getWeather), { prompt: "Weather in Porto?" })
      assert.strictEqual(result.steps.length, 2)
      assert.closeTo(result.cost!.total, 2 * expectedTotal, 1e-12)
      assert.strictEqual(result.usage.inputTokens, 3200)

      const loop = otel.span("invoke_agent")
      assert.strictEqual(loop.kind, SpanKind.INTERNAL)
      const { rest, total } = withoutCost(loop.attributes)
      assert.closeTo(total, 2 * expectedTotal, 1e-12)
      assert.deepStrictEqual(rest, {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.request.model": MODEL,
        "effect_bedrock.steps": 2,
        "gen_ai.usage.input_tokens": 3200,
        "gen_ai.usage.output_tokens": 400,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cache_creation.input_tokens": 200,
        "effect_bedrock.cost.currency": "USD"
      })
      const steps = otel.childrenOf(loop)
      assert.deepStrictEqual(steps.map((s) => [s.name, s.attributes]), [
        ["step 1", { "effect_bedrock.step": 1 }],
        ["step 2", { "effect_bedrock.step": 2 }]
      ])
      const step1 = steps.find((s) => s.name === "step 1")!
      assert.deepStrictEqual(otel.childrenOf(step1).map((s) => s.name).sort(), [
        `chat ${MODEL}`,
        "execute_tool get_weather"
      ])
      const tool = otel.span("execute_tool get_weather")
      assert.strictEqual(tool.kind, SpanKind.INTERNAL)
      assert.deepStrictEqual(tool.attributes, {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.call.id": "tu-1",
        "gen_ai.tool.type": "function",
        "gen_ai.tool.description": "Current weather for a city"
      })
      const step2 = steps.find((s) => s.name === "step 2")!
      assert.deepStrictEqual(otel.childrenOf(step2).map((s) => s.name), [`chat ${MODEL}`])
      const toolMetric = yield* otel.metric("gen_ai.execute_tool.duration")
      assert.isTrue(toolMetric.points.some((p) => p.attributes["gen_ai.tool.name"] === "get_weather"))
    }))

  it.effect("a tool call sent back as a retry request, and a failing tool: error.type on execute_tool", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const toolUse = (id: string, input: unknown) =>
        Script.json({
          output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: id, name: "divide", input } }] } },
          stopReason: "tool_use",
          usage,
          metrics: { latencyMs: 3 }
        }, { operation: "converse" })
      class DivisionByZero extends Schema.TaggedError<DivisionByZero>()("DivisionByZero", {}) {}
      const divide = Tool.make("divide", {
        parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
        handler: ({ a, b }): Effect.Effect<number, DivisionByZero> =>
          b === 0 ? Effect.fail(new DivisionByZero()) : Effect.succeed(a / b)
      })
      yield* server.script(toolUse("tu-1", { a: "one" }), toolUse("tu-2", { a: 1, b: 0 }))
      const error = yield* Effect.flip(Toolkit.generate(Toolkit.make(divide), { prompt: "1 / 0?" }))
      assert.strictEqual(error._tag, "DivisionByZero")
      const [retried, failed] = otel.spans().filter((s) => s.name === "execute_tool divide")
      assert.strictEqual(retried!.attributes["error.type"], "retry")
      assert.strictEqual(retried!.attributes["gen_ai.tool.call.id"], "tu-1")
      assert.strictEqual(failed!.attributes["error.type"], "DivisionByZero")
      assert.strictEqual(failed!.status.code, SpanStatusCode.ERROR)
      assert.strictEqual(otel.span("step 2").attributes["error.type"], "DivisionByZero")
      assert.strictEqual(otel.span("invoke_agent").attributes["error.type"], "DivisionByZero")
    }))

  it.effect("contents are recorded only when opted in; credentials never", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.json({
          output: {
            message: {
              role: "assistant",
              content: [{ toolUse: { toolUseId: "tu-9", name: "lookup", input: { q: "secret plans" } } }]
            }
          },
          stopReason: "tool_use",
          usage,
          metrics: { latencyMs: 3 }
        }, { operation: "converse" }),
        answer("Done.")
      )
      const lookup = Tool.make("lookup", {
        parameters: Schema.Struct({ q: Schema.String }),
        handler: ({ q }) => Effect.succeed(`found ${q}`)
      })
      yield* Toolkit.generate(Toolkit.make(lookup), { prompt: "Find my plans", instructions: "Be brief." }).pipe(
        Telemetry.withRecordContents(true)
      )
      const [first] = otel.spans().filter((s) => s.name === `chat ${MODEL}`)
      assert.strictEqual(
        first!.attributes["gen_ai.input.messages"],
        JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Find my plans" }] }])
      )
      assert.strictEqual(
        first!.attributes["gen_ai.system_instructions"],
        JSON.stringify([{ type: "text", content: "Be brief." }])
      )
      assert.strictEqual(
        first!.attributes["gen_ai.output.messages"],
        JSON.stringify([{
          role: "assistant",
          parts: [{ type: "tool_call", id: "tu-9", name: "lookup", arguments: { q: "secret plans" } }],
          finish_reason: "tool-calls"
        }])
      )
      const tool = otel.span("execute_tool lookup")
      assert.strictEqual(tool.attributes["gen_ai.tool.call.arguments"], JSON.stringify({ q: "secret plans" }))
      assert.strictEqual(tool.attributes["gen_ai.tool.call.result"], "found secret plans")

      // Nothing anywhere holds the credentials or the authorization header.
      const everything = JSON.stringify([
        otel.spans().map((s) => [s.name, s.attributes, s.events]),
        otel.logLines
      ])
      assert.notInclude(everything, Redacted.value(LocalBedrock.localCredentials.secretAccessKey))
      assert.notInclude(everything, LocalBedrock.localCredentials.accessKeyId)
      assert.notInclude(everything.toLowerCase(), "authorization")
    }))
})

describe("telemetry without a region", () => {
  const otel = makeOtel()
  const reset = Effect.zipRight(Effect.flatMap(local, (server) => server.reset), otel.reset)
  // A client whose region and server are unknown (for example a stub) still traces; it just has
  // no server attributes and no cost.
  layer(
    Layer.mergeAll(BedrockLanguageModel.layer({ model: MODEL }), otel.layer).pipe(
      Layer.provideMerge(Layer.effect(
        BedrockClient.BedrockClient,
        Effect.map(BedrockClient.BedrockClient, ({ converse, converseStream, countTokens }) => ({
          converse,
          converseStream,
          countTokens
        }))
      )),
      Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
      Layer.orDie
    ),
    { excludeTestServices: true }
  )("unknown region", (it) => {
    it.effect("no cost and no server attributes", () =>
      Effect.gen(function*() {
        yield* reset
        const server = yield* local
        yield* server.script(answer("Hi"))
        const response = yield* LanguageModel.generate({ prompt: "Hi" })
        assert.isUndefined(response.cost)
        const span = otel.span(`chat ${MODEL}`)
        assert.isUndefined(span.attributes["server.address"])
        assert.isUndefined(span.attributes["effect_bedrock.cost.total"])
      }))
  })
})

describe("the README's setup", () => {
  it("is a layer, as written there", () => {
    const Telemetry = NodeSdk.layer(() => ({
      resource: { serviceName: "my-app" },
      spanProcessor: new BatchSpanProcessor(new ConsoleSpanExporter()), // or an OTLP exporter
      metricReader: new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter() })
    }))
    assert.isTrue(Layer.isLayer(Telemetry))
  })
})
