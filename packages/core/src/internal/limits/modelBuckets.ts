/**
 * The two token buckets of one model in `BedrockRateLimiter` (requests and tokens), as keys in the
 * store the `RateLimiter` was built over, sized from the model's per-minute budgets times its
 * adaptive rate. Owned by the model's `ModelState`; holds no mutable state of its own (the store
 * holds the buckets' contents): the limiter's admission and after-call hooks take from and give
 * back to them.
 *
 * @internal
 */
import { type AdaptiveRate, bucketShape } from "@effect-bedrock/converse/limits/admission"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { LimiterError, TokenBuckets } from "./rateLimiter.js"

/** @internal */
export type Bucket = "requests" | "tokens"

/** The settings the buckets read. @internal */
export interface BucketSettings {
  readonly burstMillis: number
  readonly keyPrefix: string
  readonly storeTimeout: Duration.Duration
}

const storeFailed = (error: unknown) =>
  Effect.as(
    Effect.logWarning(`BedrockRateLimiter: the store failed (${String(error)}); the call goes through`),
    0
  )

/** @internal */
export class ModelBuckets {
  constructor(
    private readonly limiter: TokenBuckets,
    private readonly settings: BucketSettings,
    readonly modelId: string,
    readonly requestsPerMinute: number | undefined,
    readonly tokensPerMinute: number | undefined,
    private readonly rate: AdaptiveRate
  ) {}

  /**
   * One `consume` on a bucket that holds `burst` worth of the current rate (at least one
   * request, at least this call's tokens), refilled at that rate. A store that fails or does not
   * answer in time lets the call through.
   */
  private consume(bucket: Bucket, tokens: number, onExceeded: "delay" | "fail"): Effect.Effect<number, LimiterError> {
    const settings = this.settings
    const perMinute = (bucket === "requests" ? this.requestsPerMinute! : this.tokensPerMinute!) * this.rate.factor
    const { limit, windowMillis } = bucketShape(perMinute, settings.burstMillis, tokens)
    return this.limiter.consume({
      algorithm: "token-bucket",
      onExceeded,
      key: `${settings.keyPrefix}${this.modelId}:${bucket}`,
      limit,
      window: Duration.millis(windowMillis),
      tokens
    }).pipe(
      Effect.map((result) => Duration.toMillis(result.delay)),
      Effect.timeoutFail({
        duration: settings.storeTimeout,
        onTimeout: () => new Error(`no answer within ${Duration.format(settings.storeTimeout)}`)
      }),
      Effect.catchAll((error) =>
        "reason" in error && error.reason === "Exceeded" ? Effect.fail(error) : storeFailed(error)
      )
    )
  }

  /**
   * Takes `tokens` (a negative amount gives them back) whatever the bucket holds, which may go
   * into debt: the milliseconds until they are covered.
   */
  reserve(bucket: Bucket, tokens: number): Effect.Effect<number> {
    return this.consume(bucket, tokens, "delay").pipe(Effect.catchAll(storeFailed))
  }

  /** Takes `tokens` if the bucket has them: 0; otherwise nothing, and the milliseconds until it would. */
  tryTake(bucket: Bucket, tokens: number): Effect.Effect<number> {
    return this.consume(bucket, tokens, "fail").pipe(
      Effect.map(() => 0),
      Effect.catchAll((exceeded) =>
        Effect.succeed(Math.max(1, Duration.toMillis(exceeded.retryAfter ?? Duration.zero)))
      )
    )
  }

  giveBack(requests: number, tokens: number): Effect.Effect<void> {
    return Effect.all([
      requests > 0 && this.requestsPerMinute !== undefined ? this.reserve("requests", -requests) : Effect.void,
      tokens > 0 && this.tokensPerMinute !== undefined ? this.reserve("tokens", -tokens) : Effect.void
    ], { discard: true })
  }
}
