// BedrockRateLimiter in front of the real SDK, against a local Bedrock with a quota (real 429s).
// One instance, budgets in memory; the fleet (Redis, several processes) is BedrockRateLimiter.redis.test.ts.
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"
import * as LanguageModel from "../src/LanguageModel.js"

const MODEL = "us.amazon.nova-micro-v1:0"
// 10 requests a second, 10 at once; 1,000 tokens a second, 1,000 at once (each call reserves about
// 25: requests are the budget that binds). Low enough for a busy 2-core machine to keep up with.
const quota = { requestsPerMinute: 600, tokensPerMinute: 60_000, burstSeconds: 1 }

const server = LocalBedrock.layer({ quotas: { [MODEL]: quota } })

const model = BedrockLanguageModel.layer({ model: MODEL, settings: { maxTokens: 20 } })
const client = LocalBedrock.layerBedrockClient({ retry: false })

/** The app without a limiter. */
const unlimited = model.pipe(Layer.provideMerge(client), Layer.provideMerge(server))

/** The app: a LanguageModel over the limited client. */
const limited = (options: BedrockRateLimiter.Options) =>
  model.pipe(
    Layer.provideMerge(BedrockRateLimiter.layer(options)),
    Layer.provideMerge(client),
    Layer.provideMerge(server)
  )

/**
 * Streams and generates, alternately, `calls` times with `concurrency` in flight, after a first
 * call to a model without a quota (a cold SDK client holds its first requests back, then sends
 * them at once). Only the quota'd model's requests stay in the server's log.
 */
const load = (calls: number, concurrency: number) =>
  Effect.zipRight(
    warmUp,
    Effect.forEach(
      Array.from({ length: calls }, (_, i) => i),
      (i) =>
        Effect.either(
          i % 2 === 0
            ? LanguageModel.generate({ prompt: `hello ${i}` })
            : Stream.runDrain(LanguageModel.stream({ prompt: `hello ${i}` }))
        ),
      { concurrency }
    )
  )

const warmUp = Effect.zipRight(
  LanguageModel.generate({ prompt: "warm up" }).pipe(
    BedrockLanguageModel.withConfigOverride({ inferenceProfile: "local.small" })
  ),
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) => local.reset)
)

const serverLog = Effect.flatMap(LocalBedrock.LocalBedrock, (local) => local.requests)

/** Load from `loops` concurrent callers until `seconds` have passed. */
const loadFor = (seconds: number, loops: number) =>
  Effect.flatMap(Clock.currentTimeMillis, (start) => {
    const loop: Effect.Effect<void, never, LanguageModel.LanguageModel> = Effect.flatMap(
      Clock.currentTimeMillis,
      (now) =>
        now - start >= seconds * 1000
          ? Effect.void
          : Effect.zipRight(Effect.either(LanguageModel.generate({ prompt: "hello" })), Effect.suspend(() => loop))
    )
    return Effect.zipRight(
      warmUp,
      Effect.all(Array.from({ length: loops }, () => loop), { concurrency: "unbounded", discard: true })
    )
  })

describe("BedrockRateLimiter against a local Bedrock with a quota", () => {
  it.live("without it, a burst over the quota is throttled", () =>
    Effect.gen(function*() {
      const results = yield* load(30, 30)
      const log = yield* serverLog
      const throttled = log.filter((r) => r.throttled === true).length
      assert.isTrue(throttled > 0, `throttled ${throttled}`)
      assert.strictEqual(results.filter((r) => r._tag === "Left").length, throttled)
    }).pipe(Effect.provide(unlimited)))

  it.live("with it, the same burst waits for budget: nothing throttled, at about the quota's rate", () =>
    Effect.gen(function*() {
      const results = yield* load(30, 30)
      assert.deepStrictEqual(results.filter((r) => r._tag === "Left"), [])
      const log = yield* serverLog
      const timeline = log.map((r) => `${r.receivedAt - log[0]!.receivedAt}${r.throttled === true ? "T" : ""}`)
      assert.strictEqual(log.filter((r) => r.throttled === true).length, 0, `received at (ms): ${timeline.join(" ")}`)
      // After the first burst (2 at once), 10 a second.
      const times = log.map((r) => r.receivedAt).sort((a, b) => a - b)
      const rate = (times.length - 2) / ((times[times.length - 1]! - times[0]!) / 1000)
      assert.isTrue(rate >= 10 * 0.7, `rate ${rate.toFixed(1)}/s`)
      const [stats] = yield* Effect.flatMap(BedrockRateLimiter.BedrockRateLimiter, (limiter) => limiter.stats)
      assert.deepStrictEqual([stats!.admitted, stats!.throttled, stats!.rate], [30, 0, 1])
    }).pipe(Effect.provide(limited({
      budgets: { [MODEL]: { requestsPerMinute: quota.requestsPerMinute, tokensPerMinute: quota.tokensPerMinute } },
      // A fifth of the server's burst: a busy machine may hold requests back and send them together.
      burst: "200 millis"
    }))))

  it.live("adaptive: configured at twice the real quota, it backs off to it", () =>
    Effect.gen(function*() {
      yield* loadFor(4, 20)
      const log = yield* serverLog
      const start = log[0]!.receivedAt
      const share = (from: number, to: number) => {
        const part = log.filter((r) => r.receivedAt - start >= from && r.receivedAt - start < to)
        return part.filter((r) => r.throttled === true).length / Math.max(1, part.length)
      }
      const [stats] = yield* Effect.flatMap(BedrockRateLimiter.BedrockRateLimiter, (limiter) => limiter.stats)
      assert.isTrue(stats!.rate < 0.8, `rate ${stats!.rate}`)
      // Unadapted, half of the requests would be throttled.
      assert.isTrue(share(2000, 4000) < 0.2, `throttled share in the last 2 s: ${share(2000, 4000).toFixed(2)}`)
    }).pipe(Effect.provide(limited({
      budgets: { [MODEL]: { requestsPerMinute: 2 * quota.requestsPerMinute } },
      burst: "250 millis",
      adaptive: { interval: "300 millis" },
      retry: false
    }))))
})
