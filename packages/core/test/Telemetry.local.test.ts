// Traces, metrics and logs of model calls as a user exports them: @effect/opentelemetry's NodeSdk
// with in-memory exporters, the real SDK against the local Bedrock. Every attribute is checked.
import { LocalBedrockScript as Script } from "@effect-bedrock/local"
import { layer } from "@effect/vitest"
import { assert } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { Effect, Fiber, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as BedrockPricing from "../src/BedrockPricing.js"
import * as LanguageModel from "../src/LanguageModel.js"
import { millis, withDebugLogs } from "./utils/otel.js"
import {
  answer,
  assertCost,
  chatRequest,
  chatResponse,
  Env,
  expectedTotal,
  lastRequestId,
  local,
  MODEL,
  otel,
  reset,
  streamed,
  withoutCost
} from "./utils/telemetryFixtures.js"

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

  it.effect("the effective service tier (bedrockServiceTier over serviceTier) is the span's and the priced one", () =>
    Effect.gen(function*() {
      const server = yield* local
      // A tier-aware price list that records the tier it is asked for.
      const asked: Array<string | undefined> = []
      const pricing: BedrockPricing.Service = {
        cost: (query) => {
          asked.push(query.serviceTier)
          return undefined
        }
      }
      const model = yield* BedrockLanguageModel.make({ model: MODEL, settings: { serviceTier: "flex" } }).pipe(
        Effect.provideService(BedrockPricing.BedrockPricing, pricing)
      )
      const settings = { bedrockServiceTier: { type: "priority" as const } }
      for (const run of ["generate", "stream"] as const) {
        yield* reset
        asked.length = 0
        if (run === "generate") {
          yield* server.script(answer("Hi"))
          yield* model.generate({ prompt: "Hi", settings }).pipe(
            BedrockLanguageModel.withConfigOverride({ temperature: 0.5 })
          )
        } else {
          yield* server.script(streamed(["Hi"], 0))
          yield* Stream.runDrain(model.stream({ prompt: "Hi", settings })).pipe(
            BedrockLanguageModel.withConfigOverride({ temperature: 0.5 })
          )
        }
        const sent = (yield* server.requests).at(-1)!
        assert.deepStrictEqual((sent.body as { serviceTier?: unknown }).serviceTier, { type: "priority" })
        assert.strictEqual(otel.span(`chat ${MODEL}`).attributes["aws.bedrock.service_tier"], "priority", run)
        assert.deepStrictEqual(asked, ["priority"], run)
        // The same merged settings: the scoped override is the span's too.
        assert.strictEqual(otel.span(`chat ${MODEL}`).attributes["gen_ai.request.temperature"], 0.5, run)
      }
      // Invalid settings: the call fails before it is sent, and its span has no settings attributes.
      yield* reset
      const error = yield* Effect.flip(model.generate({ prompt: "Hi", settings: { maxTokens: -1 } }))
      assert.strictEqual(error._tag, "InvalidRequestError")
      const failed = otel.span(`chat ${MODEL}`).attributes
      assert.isUndefined(failed["gen_ai.request.max_tokens"])
      assert.isUndefined(failed["aws.bedrock.service_tier"])
      assert.strictEqual(failed["error.type"], "InvalidRequestError")
    }))
})
