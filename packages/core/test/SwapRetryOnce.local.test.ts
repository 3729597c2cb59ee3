// A rate limiter (or `withRetry`) over a `BedrockClientSwap` client applies its retry once, over the swapped
// clients' unretried base: the attempts its policy says reach the local Bedrock, not a product with the
// swapped client's own retry. Counted at the local Bedrock, through the real SDK.
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Redacted, Schedule, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientSwap from "../src/BedrockClientSwap.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"
import { MODEL, requests, throttle } from "./utils/attempts.js"

const input = { modelId: MODEL, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] }
const TIMEOUT = 20_000

/** Options of a client of the local Bedrock; without `retry`: the default policy (3 attempts). */
const options = (endpoint: string, accessKeyId = "AKIDLOCAL"): BedrockClient.Options => ({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId, secretAccessKey: Redacted.make("local-secret") },
  retry: { baseDelay: "1 millis" }
})

/** A swappable client of the local Bedrock under a limiter that retries `maxAttempts: 2`. */
const limitedSwap = Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
  Effect.map(
    Layer.build(
      BedrockRateLimiter.layer({
        budgets: { [MODEL]: { requestsPerMinute: 6000 } },
        retry: { maxAttempts: 2, baseDelay: "1 millis" }
      }).pipe(Layer.provideMerge(BedrockClientSwap.layer(options(local.endpoint))))
    ),
    (context) => ({
      client: Context.get(context, BedrockClient.BedrockClient),
      swap: Context.get(context, BedrockClientSwap.BedrockClientSwap),
      endpoint: local.endpoint,
      stats: Effect.map(
        Context.get(context, BedrockRateLimiter.BedrockRateLimiter).stats,
        (all) => all.find((stats) => stats.modelId === MODEL)
      )
    })
  ))

layer(LocalBedrock.layer(), { excludeTestServices: true })("BedrockClientSwap: retry applied once", (it) => {
  it.scoped(
    "under a limiter with maxAttempts 2: 2 requests (not 2 x 3), all admitted, also after a swap",
    () =>
      Effect.gen(function*() {
        const limited = yield* limitedSwap
        yield* throttle("converse")
        const error = yield* Effect.flip(limited.client.converse(input))
        assert.strictEqual(error._tag, "ThrottlingError")
        assert.strictEqual(yield* requests("converse"), 2)
        assert.deepStrictEqual((yield* limited.stats)?.admitted, 2)
        yield* limited.swap.swap(options(limited.endpoint, "AKIDROTATED"))
        yield* throttle("converse")
        yield* Effect.flip(limited.client.converse(input))
        assert.strictEqual(yield* requests("converse"), 2)
        assert.deepStrictEqual((yield* limited.stats)?.admitted, 4)
      }),
    TIMEOUT
  )

  it.scoped("the same for converseStream failing before its first event", () =>
    Effect.gen(function*() {
      const limited = yield* limitedSwap
      yield* throttle("converse-stream")
      const error = yield* Effect.flip(Stream.runDrain(limited.client.converseStream(input)))
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(yield* requests("converse-stream"), 2)
    }), TIMEOUT)

  it.scoped(
    "withRetry over the swappable client replaces its policy; alone, it keeps the swapped client's",
    () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const swappable = yield* BedrockClientSwap.make(options(local.endpoint))
        yield* throttle("converse")
        yield* Effect.flip(BedrockClient.withRetry(swappable.service, Schedule.recurs(1)).converse(input))
        assert.strictEqual(yield* requests("converse"), 2)
        yield* throttle("converse")
        yield* Effect.flip(swappable.service.converse(input))
        assert.strictEqual(yield* requests("converse"), 3)
      }),
    TIMEOUT
  )
})
