// Traces, metrics and logs as a user exports them: @effect/opentelemetry's NodeSdk with in-memory
// exporters, the real SDK against the local Bedrock. Every attribute is checked.
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { NodeSdk } from "@effect/opentelemetry"
import { assert, describe, it, layer } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { ConsoleMetricExporter, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, ConsoleSpanExporter } from "@opentelemetry/sdk-trace-base"
import { Effect, Fiber, Layer, Redacted, Schema, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import type * as Response from "../src/Response.js"
import * as Telemetry from "../src/Telemetry.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"
import { makeOtel, millis, withDebugLogs } from "./utils/otel.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
// The bundled price of MODEL (a regional profile): US dollars per million tokens.
const PRICE = { input: 3.3, output: 16.5, cacheRead: 0.33, cacheWrite: 4.125 }

const otel = makeOtel()
const local = LocalBedrock.LocalBedrock
const Env = Layer.mergeAll(
  BedrockLanguageModel.layer({
    model: MODEL,
    settings: { maxTokens: 512, temperature: 0.2, topP: 0.9, topK: 40, stopSequences: ["END"] }
  }),
  otel.layer
).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: { maxAttempts: 3, baseDelay: "5 millis" } } })),
  Layer.orDie
)

const usage = {
  inputTokens: 1000,
  outputTokens: 200,
  totalTokens: 1800,
  cacheReadInputTokens: 500,
  cacheWriteInputTokens: 100
}
const expectedCost = {
  input: 1000 * PRICE.input / 1e6,
  output: 200 * PRICE.output / 1e6,
  cacheRead: 500 * PRICE.cacheRead / 1e6,
  cacheWrite: 100 * PRICE.cacheWrite / 1e6
}
const expectedTotal = expectedCost.input + expectedCost.output + expectedCost.cacheRead + expectedCost.cacheWrite

const assertCost = (cost: Response.Cost | undefined) => {
  assert.isDefined(cost)
  assert.strictEqual(cost!.currency, "USD")
  assert.closeTo(cost!.input, expectedCost.input, 1e-12)
  assert.closeTo(cost!.output, expectedCost.output, 1e-12)
  assert.closeTo(cost!.cacheRead, expectedCost.cacheRead, 1e-12)
  assert.closeTo(cost!.cacheWrite, expectedCost.cacheWrite, 1e-12)
  assert.closeTo(cost!.total, expectedTotal, 1e-12)
}

const answer = (text: string, stopReason = "end_turn") =>
  Script.json({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason,
    usage,
    metrics: { latencyMs: 7 }
  }, { operation: "converse" })

const streamed = (pieces: ReadonlyArray<string>, delayBetweenMs: number) =>
  Script.stream([
    Script.event("messageStart", { role: "assistant" }),
    ...pieces.map((text) => Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } })),
    Script.event("contentBlockStop", { contentBlockIndex: 0 }),
    Script.event("messageStop", { stopReason: "end_turn" }),
    Script.event("metadata", { usage, metrics: { latencyMs: 7 } })
  ], { delayBetweenMs })

const lastRequestId = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests[requests.length - 1]!.requestId)
)

const reset = Effect.zipRight(Effect.flatMap(local, (server) => server.reset), otel.reset)

/** The attributes every chat span starts with (request settings from the layer). */
const chatRequest = (port: number) => ({
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "aws.bedrock",
  "gen_ai.request.model": MODEL,
  "server.address": "127.0.0.1",
  "server.port": port,
  "cloud.region": "us-east-1",
  "gen_ai.request.max_tokens": 512,
  "gen_ai.request.temperature": 0.2,
  "gen_ai.request.top_p": 0.9,
  "gen_ai.request.top_k": 40,
  // Arrays are recorded as JSON text (@effect/opentelemetry 0.64 exports no array attributes).
  "gen_ai.request.stop_sequences": "[\"END\"]"
})

const chatResponse = (requestId: string) => ({
  "gen_ai.response.id": requestId,
  "gen_ai.response.model": MODEL,
  "gen_ai.response.finish_reasons": "[\"end_turn\"]",
  "gen_ai.usage.input_tokens": 1600,
  "gen_ai.usage.output_tokens": 200,
  "gen_ai.usage.cache_read.input_tokens": 500,
  "gen_ai.usage.cache_creation.input_tokens": 100,
  "effect_bedrock.cost.total": expectedTotal,
  "effect_bedrock.cost.currency": "USD"
})

const withoutCost = (attributes: Record<string, unknown>) => {
  const { "effect_bedrock.cost.total": total, ...rest } = attributes
  return { rest, total: total as number }
}

layer(Env, { excludeTestServices: true })("telemetry against the local Bedrock", (it) => {
  it.effect("generate: one client span with every GenAI attribute, the cost on the response", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(answer("Lisbon is sunny."))
      const response = yield* LanguageModel.generate({ prompt: "Weather in Lisbon?" })
      const requestId = yield* lastRequestId
      assertCost(response.cost)

      const span = otel.span(`chat ${MODEL}`)
      assert.strictEqual(span.kind, SpanKind.CLIENT)
      assert.strictEqual(span.status.code, SpanStatusCode.OK)
      const { rest, total } = withoutCost(span.attributes)
      assert.closeTo(total, expectedTotal, 1e-12)
      assert.deepStrictEqual(rest, withoutCost({ ...chatRequest(server.port), ...chatResponse(requestId) }).rest)
      // No contents unless opted in.
      assert.isUndefined(span.attributes["gen_ai.input.messages"])
    }))

  it.effect("stream: the span covers the whole stream, time to first chunk is an event, the Finish has the cost", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(streamed(["Lis", "bon ", "is ", "sunny."], 40))
      const parts = yield* LanguageModel.stream({ prompt: "Weather in Lisbon?" }).pipe(
        Stream.mapEffect((part) => Effect.map(Effect.sync(() => Date.now()), (at) => ({ part, at }))),
        Stream.runCollect,
        Effect.map((chunk) => Array.from(chunk))
      )
      const requestId = yield* lastRequestId
      const finish = parts[parts.length - 1]!.part
      assert.strictEqual(finish._tag, "Finish")
      if (finish._tag === "Finish") assertCost(finish.response.cost)

      const span = otel.span(`chat ${MODEL}`)
      assert.strictEqual(span.kind, SpanKind.CLIENT)
      const { rest, total } = withoutCost(span.attributes)
      assert.closeTo(total, expectedTotal, 1e-12)
      const ttft = rest["gen_ai.response.time_to_first_chunk"] as number
      assert.deepStrictEqual(
        rest,
        withoutCost({
          ...chatRequest(server.port),
          "gen_ai.request.stream": true,
          ...chatResponse(requestId),
          "gen_ai.response.time_to_first_chunk": ttft
        }).rest
      )
      // The span ends after the last part, and the first chunk came long before the end.
      const start = millis(span.startTime)
      const end = millis(span.endTime)
      assert.isAtLeast(end, parts[parts.length - 1]!.at - 1)
      assert.isAbove(ttft, 0)
      assert.isBelow(ttft * 1000, end - start - 100)
      assert.strictEqual(span.events.length, 1)
      const event = span.events[0]!
      assert.strictEqual(event.name, "first_chunk")
      assert.deepStrictEqual(event.attributes, { "gen_ai.response.time_to_first_chunk": ttft })
      assert.closeTo(millis(event.time) - start, ttft * 1000, 1)
    }))

  it.effect("stream left early: the span ends when the consumer stops, without response attributes", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(streamed(["a", "b", "c", "d"], 20))
      yield* LanguageModel.stream({ prompt: "Hi" }).pipe(Stream.take(2), Stream.runDrain)
      const span = otel.span(`chat ${MODEL}`)
      assert.isUndefined(span.attributes["gen_ai.response.id"])
      assert.isNumber(span.attributes["gen_ai.response.time_to_first_chunk"])
      assert.isUndefined(span.attributes["error.type"])
    }))

  it.effect("stream interrupted: the span ends at the interruption, marked interrupted", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(streamed(["a", "b", "c", "d"], 200))
      const fiber = yield* LanguageModel.stream({ prompt: "Hi" }).pipe(Stream.runDrain, Effect.fork)
      yield* Effect.sleep("300 millis")
      yield* Fiber.interrupt(fiber)
      const span = otel.span(`chat ${MODEL}`)
      assert.strictEqual(span.attributes["status.interrupted"], true)
      assert.isUndefined(span.attributes["error.type"])
      assert.isBelow(millis(span.endTime) - millis(span.startTime), 1000)
    }))

  it.effect("countTokens: a count_tokens span with the count", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.countTokens(321))
      const count = yield* LanguageModel.countTokens({ prompt: "How long is this?" })
      assert.strictEqual(count, 321)
      const span = otel.span(`count_tokens ${MODEL}`)
      assert.strictEqual(span.kind, SpanKind.CLIENT)
      assert.deepStrictEqual(span.attributes, {
        "gen_ai.operation.name": "count_tokens",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "cloud.region": "us-east-1",
        "gen_ai.usage.input_tokens": 321
      })
    }))

  it.effect("a failure: error.type is the error's tag, the span's status is an error", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.failure("ValidationException", { operation: "converse" }))
      const error = yield* Effect.flip(LanguageModel.generate({ prompt: "Hi" }))
      assert.strictEqual(error._tag, "ValidationError")
      const span = otel.span(`chat ${MODEL}`)
      assert.strictEqual(span.status.code, SpanStatusCode.ERROR)
      assert.deepStrictEqual(span.attributes, { ...chatRequest(server.port), "error.type": "ValidationError" })
      // Invalid input never reaches the network, and says so too.
      yield* otel.reset
      const invalid = yield* Effect.flip(LanguageModel.generate({ prompt: "Hi", settings: { temperature: 7 } }))
      assert.strictEqual(invalid._tag, "InvalidRequestError")
      assert.strictEqual(otel.span(`chat ${MODEL}`).attributes["error.type"], "InvalidRequestError")
    }))

  it.effect("each retry is an event on the call's span and a warning log", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.failure("ThrottlingException", { operation: "converse" }), answer("OK"))
      yield* LanguageModel.generate({ prompt: "Hi" })
      const [throttled] = yield* server.requests
      const span = otel.span(`chat ${MODEL}`)
      assert.strictEqual(span.status.code, SpanStatusCode.OK)
      // The retry event, then the warning (Effect records a span's logs as its events too).
      assert.deepStrictEqual(span.events.map((e) => e.name), [
        "retry",
        `Bedrock converse failed with ThrottlingError (request ${throttled!.requestId}); retry 1 in ${
          span.events[0]!.attributes!["effect_bedrock.retry.delay_ms"]
        } ms`
      ])
      const event = span.events[0]!
      const delay = event.attributes!["effect_bedrock.retry.delay_ms"] as number
      assert.isAtLeast(delay, 0)
      assert.isAtMost(delay, 10)
      assert.deepStrictEqual(event.attributes, {
        "error.type": "ThrottlingError",
        "effect_bedrock.retry.attempt": 1,
        "effect_bedrock.retry.delay_ms": delay,
        "aws.request_id": throttled!.requestId
      })
      const warnings = otel.logLines.filter((line) => line.level === "WARN")
      assert.deepStrictEqual(warnings, [{
        level: "WARN",
        message: `Bedrock converse failed with ThrottlingError (request ${
          throttled!.requestId
        }); retry 1 in ${delay} ms`,
        annotations: {
          "gen_ai.request.model": MODEL,
          "effect_bedrock.operation": "converse",
          "error.type": "ThrottlingError",
          "effect_bedrock.retry.attempt": 1,
          "effect_bedrock.retry.delay_ms": delay,
          "aws.request_id": throttled!.requestId
        }
      }])
      // Silent otherwise at the default level: no debug line was printed.
      assert.strictEqual(otel.logLines.length, 1)
    }))

  it.effect("a throttling that ends the call is a warning", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(...Array.from({ length: 3 }, () => Script.failure("ThrottlingException")))
      const error = yield* Effect.flip(LanguageModel.generate({ prompt: "Hi" }))
      assert.strictEqual(error._tag, "ThrottlingError")
      const warnings = otel.logLines.filter((line) => line.level === "WARN")
      assert.strictEqual(warnings.length, 3) // two retries, then the final throttling
      const last = warnings[2]!
      const requestId = yield* lastRequestId
      assert.match(
        last.message,
        new RegExp(
          `^Bedrock chat ${
            MODEL.replace(/\./g, "\\.")
          } \\(request ${requestId}\\) failed with ThrottlingError after \\d+ ms$`
        )
      )
      assert.deepStrictEqual(Object.keys(last.annotations).sort(), [
        "effect_bedrock.latency_ms",
        "error.type",
        "gen_ai.operation.name",
        "gen_ai.request.model",
        "gen_ai.response.id"
      ])
      assert.strictEqual(last.annotations["error.type"], "ThrottlingError")
    }))

  it.effect("a debug log line per request: model, operation, request id, latency, tokens, cost", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(answer("Hi"), Script.countTokens(12))
      yield* LanguageModel.generate({ prompt: "Hi" }).pipe(withDebugLogs)
      yield* LanguageModel.countTokens({ prompt: "Hi" }).pipe(withDebugLogs)
      const [chat, count] = otel.logLines
      const [first, second] = yield* server.requests
      assert.strictEqual(otel.logLines.length, 2)
      assert.strictEqual(chat!.level, "DEBUG")
      const latency = chat!.annotations["effect_bedrock.latency_ms"] as number
      assert.strictEqual(
        chat!.message,
        `Bedrock chat ${MODEL} (request ${first!.requestId}): 1600 input + 200 output tokens, $${
          expectedTotal.toFixed(6)
        } in ${latency} ms`
      )
      assert.deepStrictEqual(chat!.annotations, {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.id": first!.requestId,
        "effect_bedrock.latency_ms": latency,
        "gen_ai.usage.input_tokens": 1600,
        "gen_ai.usage.output_tokens": 200,
        "effect_bedrock.cost.total": chat!.annotations["effect_bedrock.cost.total"],
        "effect_bedrock.cost.currency": "USD"
      })
      assert.closeTo(chat!.annotations["effect_bedrock.cost.total"] as number, expectedTotal, 1e-12)
      assert.strictEqual(count!.level, "DEBUG")
      assert.match(
        count!.message,
        new RegExp(`^Bedrock count_tokens ${MODEL.replace(/\./g, "\\.")}: 12 input tokens in \\d+ ms$`)
      )
      assert.isDefined(second)
    }))

  it.effect("metrics: token usage, operation duration and time to first chunk, per the conventions", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const labels = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.request.model": MODEL,
        "gen_ai.response.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": String(server.port)
      }
      const point = (name: string, attributes: Record<string, string>) =>
        Effect.map(otel.metric(name), ({ points, unit }) => ({
          unit,
          point: points.find((p) =>
            JSON.stringify(Object.entries(p.attributes).sort()) === JSON.stringify(Object.entries(attributes).sort())
          )
        }))
      const inputBefore =
        (yield* point("gen_ai.client.token.usage", { ...labels, "gen_ai.token.type": "input", unit: "{token}" })).point
      const durationBefore = (yield* point("gen_ai.client.operation.duration", { ...labels, unit: "s" })).point
      const ttftBefore = (yield* point("gen_ai.client.operation.time_to_first_chunk", { ...labels, unit: "s" })).point

      yield* server.script(answer("Hi"), streamed(["a", "b"], 5))
      yield* LanguageModel.generate({ prompt: "Hi" })
      yield* LanguageModel.stream({ prompt: "Hi" }).pipe(Stream.runDrain)

      const input = yield* point("gen_ai.client.token.usage", {
        ...labels,
        "gen_ai.token.type": "input",
        unit: "{token}"
      })
      const output = yield* point("gen_ai.client.token.usage", {
        ...labels,
        "gen_ai.token.type": "output",
        unit: "{token}"
      })
      assert.strictEqual(input.unit, "{token}")
      assert.strictEqual(input.point!.value.count - (inputBefore?.value.count ?? 0), 2)
      assert.strictEqual(input.point!.value.sum! - (inputBefore?.value.sum ?? 0), 3200)
      assert.isAtLeast(output.point!.value.sum!, 400)
      assert.deepStrictEqual(input.point!.value.buckets.boundaries, [
        1,
        4,
        16,
        64,
        256,
        1024,
        4096,
        16384,
        65536,
        262144,
        1048576,
        4194304,
        16777216,
        67108864
      ])
      const duration = yield* point("gen_ai.client.operation.duration", { ...labels, unit: "s" })
      assert.strictEqual(duration.unit, "s")
      assert.strictEqual(duration.point!.value.count - (durationBefore?.value.count ?? 0), 2)
      assert.deepStrictEqual(duration.point!.value.buckets.boundaries, [
        0.01,
        0.02,
        0.04,
        0.08,
        0.16,
        0.32,
        0.64,
        1.28,
        2.56,
        5.12,
        10.24,
        20.48,
        40.96,
        81.92
      ])
      const ttft = yield* point("gen_ai.client.operation.time_to_first_chunk", { ...labels, unit: "s" })
      assert.strictEqual(ttft.point!.value.count - (ttftBefore?.value.count ?? 0), 1)

      // A failure is counted with its error.type.
      yield* server.script(Script.failure("AccessDeniedException", { operation: "converse" }))
      yield* Effect.flip(LanguageModel.generate({ prompt: "Hi" }))
      const failed = yield* point("gen_ai.client.operation.duration", {
        ...labels,
        unit: "s",
        "error.type": "AccessDeniedError"
      })
      assert.isAtLeast(failed.point!.value.count, 1)
    }))

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
