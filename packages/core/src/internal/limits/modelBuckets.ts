/**
 * The two token buckets of one model in `BedrockRateLimiter` (requests and tokens), as keys in the
 * store the `RateLimiter` was built over, as the engine's `ModelLimits.bucketRequest` names and
 * sizes them (the model's per-minute budgets times its adaptive rate). Owned by the model's
 * `ModelState`; holds no mutable state of its own (the store holds the buckets' contents): the
 * limiter's admission and after-call hooks take from and give back to them.
 *
 * @internal
 */
import type * as Models from "@effect-bedrock/converse/limits/models"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { LimiterError, TokenBuckets } from "./rateLimiter.js"

/** @internal */
export type Bucket = Models.Bucket

const storeFailed = (error: unknown) =>
  Effect.as(
    Effect.logWarning(`BedrockRateLimiter: the store failed (${String(error)}); the call goes through`),
    0
  )

/** @internal */
export class ModelBuckets {
  readonly requestsPerMinute: number | undefined
  readonly tokensPerMinute: number | undefined

  constructor(
    private readonly limiter: TokenBuckets,
    private readonly settings: Models.Settings,
    private readonly limits: Models.ModelLimits
  ) {
    this.requestsPerMinute = limits.requestsPerMinute
    this.tokensPerMinute = limits.tokensPerMinute
  }

  /**
   * One `consume` of the engine's bucket request (a bucket that holds `burst` worth of the current
   * rate, at least one request, at least this call's tokens). A store that fails or does not answer
   * in time lets the call through.
   */
  private consume(bucket: Bucket, tokens: number, onExceeded: "delay" | "fail"): Effect.Effect<number, LimiterError> {
    const storeTimeout = Duration.millis(this.settings.storeTimeoutMillis)
    const request = this.limits.bucketRequest(this.settings, bucket, tokens, onExceeded)
    return this.limiter.consume({ ...request, window: Duration.millis(request.windowMillis) }).pipe(
      Effect.map((result) => Duration.toMillis(result.delay)),
      Effect.timeoutFail({
        duration: storeTimeout,
        onTimeout: () => new Error(`no answer within ${Duration.format(storeTimeout)}`)
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
