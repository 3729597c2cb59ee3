// Retry is applied once, outermost: a stack of clients, `withRetry` and `BedrockRateLimiter` makes exactly
// the attempts its outermost schedule says, and the limiter admits every one of them. Counted at the local
// Bedrock, through the real SDK.
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Clock, Context, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"
import { MODEL, requests, throttle } from "./utils/attempts.js"

const input = { modelId: MODEL, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] }
const TIMEOUT = 20_000

/** A client of the local Bedrock, closed with the test's scope. Without `retry`: the default policy. */
const client = (options: Partial<BedrockClient.Options> = {}) =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
    BedrockClient.make({
      region: "us-east-1",
      endpoint: local.endpoint,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
      ...options
    }))

/** `service` under a limiter with a budget far above what the tests send (nothing waits for it). */
const limit = (service: BedrockClient.Service, options: Partial<BedrockRateLimiter.Options> = {}) =>
  Effect.map(
    Layer.build(
      BedrockRateLimiter.layer({ budgets: { [MODEL]: { requestsPerMinute: 6000 } }, ...options }).pipe(
        Layer.provide(Layer.succeed(BedrockClient.BedrockClient, service))
      )
    ),
    (context) => ({
      client: Context.get(context, BedrockClient.BedrockClient),
      stats: Effect.map(
        Context.get(context, BedrockRateLimiter.BedrockRateLimiter).stats,
        (all) => all.find((stats) => stats.modelId === MODEL)
      )
    })
  )

layer(LocalBedrock.layer(), { excludeTestServices: true })("retry applied once, outermost", (it) => {
  it.scoped(
    "a client with the default retry under a limiter with maxAttempts 2: 2 requests, both admitted",
    () =>
      Effect.gen(function*() {
        const limited = yield* limit(yield* client(), { retry: { maxAttempts: 2, baseDelay: "1 millis" } })
        yield* throttle("converse")
        const error = yield* Effect.flip(limited.client.converse(input))
        assert.strictEqual(error._tag, "ThrottlingError")
        assert.strictEqual(yield* requests("converse"), 2)
        const stats = yield* limited.stats
        assert.deepStrictEqual([stats?.admitted, stats?.throttled], [2, 2])
      }),
    TIMEOUT
  )

  it.scoped("the same for converseStream failing before its first event", () =>
    Effect.gen(function*() {
      const limited = yield* limit(yield* client(), { retry: { maxAttempts: 2, baseDelay: "1 millis" } })
      yield* throttle("converse-stream")
      const error = yield* Effect.flip(Stream.runDrain(limited.client.converseStream(input)))
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(yield* requests("converse-stream"), 2)
      const stats = yield* limited.stats
      assert.deepStrictEqual([stats?.admitted, stats?.throttled], [2, 2])
    }), TIMEOUT)

  it.scoped(
    "withRetry(Schedule.recurs(2)) over retry { maxAttempts: 5 } replaces it: 3 requests",
    () =>
      Effect.gen(function*() {
        const bedrock = BedrockClient.withRetry(
          yield* client({ retry: { maxAttempts: 5, baseDelay: "1 millis" } }),
          Schedule.recurs(2)
        )
        yield* throttle("converse")
        assert.strictEqual((yield* Effect.flip(bedrock.converse(input)))._tag, "ThrottlingError")
        assert.strictEqual(yield* requests("converse"), 3)
        yield* throttle("converse-stream")
        yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input)))
        assert.strictEqual(yield* requests("converse-stream"), 3)
      }),
    TIMEOUT
  )

  it.scoped(
    "a limiter without its own retry applies the client's policy once, every attempt admitted",
    () =>
      Effect.gen(function*() {
        const bedrock = BedrockClient.withRetry(
          yield* client({ retry: { maxAttempts: 5, baseDelay: "1 millis" } }),
          Schedule.recurs(2)
        )
        const limited = yield* limit(bedrock)
        yield* throttle("converse")
        yield* Effect.flip(limited.client.converse(input))
        assert.strictEqual(yield* requests("converse"), 3)
        const stats = yield* limited.stats
        assert.deepStrictEqual([stats?.admitted, stats?.throttled], [3, 3])
      }),
    TIMEOUT
  )

  it.scoped(
    "withRetry over the limited client replaces the limiter's policy, still every attempt admitted",
    () =>
      Effect.gen(function*() {
        const limited = yield* limit(yield* client({ retry: { baseDelay: "1 millis" } }), {
          retry: { maxAttempts: 4, baseDelay: "1 millis" }
        })
        const bedrock = BedrockClient.withRetry(limited.client, Schedule.recurs(1))
        yield* throttle("converse")
        yield* Effect.flip(bedrock.converse(input))
        assert.strictEqual(yield* requests("converse"), 2)
        const stats = yield* limited.stats
        assert.deepStrictEqual([stats?.admitted, stats?.throttled], [2, 2])
      }),
    TIMEOUT
  )

  it.scoped(
    "a client built with retry: false keeps the limiter's default policy (3 attempts)",
    () =>
      Effect.gen(function*() {
        const limited = yield* limit(yield* client({ retry: false }))
        yield* throttle("converse")
        yield* Effect.flip(limited.client.converse(input))
        assert.strictEqual(yield* requests("converse"), 3)
        const stats = yield* limited.stats
        assert.strictEqual(stats?.admitted, 3)
      }),
    TIMEOUT
  )

  it.scoped(
    "the client's deadline covers the time a call waits for budget in the limiter",
    () =>
      Effect.gen(function*() {
        // One request a second: the second call waits about a second for budget.
        const limited = yield* limit(yield* client({ deadline: "300 millis" }), {
          budgets: { [MODEL]: { requestsPerMinute: 60 } },
          adaptive: false
        })
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* limited.client.converse(input)
        const start = yield* Clock.currentTimeMillis
        const error = yield* Effect.flip(limited.client.converse(input))
        const elapsed = (yield* Clock.currentTimeMillis) - start
        assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
        assert.include(error.message, "deadline")
        assert.isBelow(elapsed, 900)
        assert.strictEqual(yield* requests("converse"), 1)
      }),
    TIMEOUT
  )
})
