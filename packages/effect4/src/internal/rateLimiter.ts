/**
 * The admission of `BedrockRateLimiter` for Effect 4, with the Effect 3 limiter's semantics: per model id, a
 * requests bucket and a tokens bucket in `effect/persistence`'s `RateLimiter` (token buckets), a concurrency
 * semaphore, a bounded count of waiting calls and a deadline (`maxWait`); the token reservation corrected with
 * the real usage; the adaptive rate (AIMD) driven by Bedrock's `ThrottlingError`s; and the counters `stats`
 * reports. Every rule that is plain arithmetic and the per-model bookkeeping are the engine's
 * (`@effect-bedrock/converse/limits/admission` and `limits/models`, shared with the Effect 3 limiter); this module
 * only waits.
 *
 * @internal
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as Models from "@effect-bedrock/converse/limits/models"
import * as TokenEstimate from "@effect-bedrock/converse/limits/tokenEstimate"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../BedrockClient.js"
import * as BedrockError from "../BedrockError.js"

/** @internal */
export type Settings = Models.Settings

type Bucket = Models.Bucket

const now = Effect.clockWith((clock) => clock.currentTimeMillis)

// =============================================================================
// Per model
// =============================================================================

/**
 * One model's state: the engine's bookkeeping (`limits`: budgets, waiting calls, adaptive rate, counters), its
 * concurrency slots, and the line in which its calls ask the store for tokens.
 */
class ModelState {
  /** One waiter at a time asks the store for tokens, the others queue behind it (first come, first served). */
  readonly tokenLine = Semaphore.makeUnsafe(1)
  readonly slots: Semaphore.Semaphore | undefined

  constructor(
    private readonly limiter: RateLimiter.RateLimiter,
    private readonly settings: Settings,
    readonly limits: Models.ModelLimits
  ) {
    const concurrency = limits.concurrency
    this.slots = concurrency === undefined ? undefined : Semaphore.makeUnsafe(Math.max(1, Math.floor(concurrency)))
  }

  /**
   * One `consume` of the engine's bucket request: the milliseconds to wait, or, in "fail" mode, a failure with
   * the milliseconds until the bucket has the tokens. A store that fails or does not answer in time lets the
   * call through (0), with a logged warning.
   */
  private consume(
    bucket: Bucket,
    tokens: number,
    onExceeded: "delay" | "fail",
    callTokens: number
  ): Effect.Effect<number, number> {
    const settings = this.settings
    // Sized for the call whose tokens these are, also when they are given back: Effect 4's stores treat a bucket
    // holding more than the `limit` of a request as expired (a fresh, full bucket for the next one), so a
    // give-back sized for the burst alone would refill the bucket at once.
    const request = this.limits.bucketRequest(settings, bucket, tokens, onExceeded, Math.max(tokens, callTokens))
    const storeFailed = (why: string, cause?: unknown) =>
      Effect.as(
        Effect.logWarning(
          `BedrockRateLimiter: the store ${why}; the call to ${this.limits.modelId} goes through`,
          cause
        ),
        0
      )
    return this.limiter.consume({ ...request, window: Duration.millis(request.windowMillis) }).pipe(
      Effect.timeoutOption(Duration.millis(settings.storeTimeoutMillis)),
      Effect.flatMap((result) =>
        result._tag === "Some" ? Effect.succeed(Duration.toMillis(result.value.delay)) : storeFailed("did not answer")
      ),
      Effect.catch((error: RateLimiter.RateLimiterError) =>
        error.reason._tag === "RateLimitExceeded"
          ? Effect.fail(Math.max(1, Duration.toMillis(error.reason.retryAfter)))
          : storeFailed("failed", error)
      )
    )
  }

  /**
   * Takes `tokens` (a negative amount gives them back) whatever the bucket holds, for a call that reserved
   * `callTokens`: the milliseconds to wait.
   */
  reserve(bucket: Bucket, tokens: number, callTokens = 1): Effect.Effect<number> {
    return Effect.catch(this.consume(bucket, tokens, "delay", callTokens), () => Effect.succeed(0))
  }

  /** Takes `tokens` if the bucket has them: 0; otherwise nothing, and the milliseconds until it would. */
  tryTake(bucket: Bucket, tokens: number): Effect.Effect<number> {
    return Effect.catch(Effect.as(this.consume(bucket, tokens, "fail", tokens), 0), (wait) => Effect.succeed(wait))
  }

  /** Gives back a place in the requests line and `tokens` of a call that reserved them. */
  giveBack(requests: number, tokens: number): Effect.Effect<void> {
    return Effect.all([
      requests > 0 && this.limits.requestsPerMinute !== undefined ? this.reserve("requests", -requests) : Effect.void,
      tokens > 0 && this.limits.tokensPerMinute !== undefined ? this.reserve("tokens", -tokens, tokens) : Effect.void
    ], { discard: true })
  }
}

// =============================================================================
// The limited service
// =============================================================================

/** @internal */
export interface Limited {
  readonly client: BedrockClient.Service
  readonly stats: Effect.Effect<ReadonlyArray<Models.ModelStats>>
}

/**
 * `underlying` (single attempts: retries belong outside, so that each attempt is admitted) with admission
 * against `limiter`.
 *
 * @internal
 */
export const make = (
  underlying: BedrockClient.Service,
  limiter: RateLimiter.RateLimiter,
  settings: Settings
): Limited => {
  const states = new Models.Models(settings.budgets, (limits) => new ModelState(limiter, settings, limits))

  const exhausted = (
    state: ModelState,
    operation: string,
    budget: BedrockError.Budget,
    retryAfterMillis?: number
  ): BedrockError.BudgetExhaustedError =>
    new BedrockError.BudgetExhaustedError({
      message: state.limits.refused(settings, budget, retryAfterMillis),
      position: "request",
      operation,
      retryable: false,
      budget,
      modelId: state.limits.modelId,
      ...(retryAfterMillis === undefined ? {} : { retryAfterMillis: Math.ceil(retryAfterMillis) })
    })

  /** Counted as waiting until admitted or refused; at most `maxQueued` wait at once. */
  const admit = (
    state: ModelState,
    operation: string,
    tokens: number
  ): Effect.Effect<void, BedrockError.BudgetExhaustedError, Scope.Scope> =>
    Effect.suspend(() => {
      if (!state.limits.enter(settings.maxQueued)) return Effect.fail(exhausted(state, operation, "queue"))
      return Effect.ensuring(
        waitForBudget(state, operation, tokens),
        Effect.sync(() => {
          state.limits.leave()
        })
      )
    })

  /** A slot (held until the scope closes), a place in the requests line, then the tokens, within `maxWait`. */
  const waitForBudget = (
    state: ModelState,
    operation: string,
    tokens: number
  ): Effect.Effect<void, BedrockError.BudgetExhaustedError, Scope.Scope> =>
    Effect.gen(function*() {
      const start = yield* now
      const left = (at: number) => settings.maxWaitMillis - (at - start)
      const { limits, slots } = state
      if (slots !== undefined) {
        yield* Effect.acquireRelease(Effect.interruptible(slots.take(1)), () => slots.release(1)).pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(settings.maxWaitMillis),
            orElse: () => Effect.fail(exhausted(state, operation, "concurrency"))
          })
        )
      }
      // Requests: a place in line (first come, first served), then the wait for it.
      if (limits.requestsPerMinute !== undefined) {
        const delay = yield* state.reserve("requests", 1)
        if (delay > left(yield* now)) {
          yield* state.giveBack(1, 0)
          return yield* exhausted(state, operation, "requests", delay)
        }
        // Interrupted while waiting: the place is given back.
        if (delay > 0) yield* Effect.onInterrupt(Effect.sleep(Duration.millis(delay)), () => state.giveBack(1, 0))
      }
      // Tokens: taken only when the bucket has them, so that what running calls give back (their estimate was
      // above their usage) serves the calls waiting now. The first in line asks again when the bucket should
      // have them.
      if (limits.tokensPerMinute !== undefined) {
        const takeTokens = Effect.gen(function*() {
          while (true) {
            const wait = yield* state.tryTake("tokens", tokens)
            if (wait === 0) return
            const remaining = left(yield* now)
            // Nothing will come back soon: no call of this model in flight here, and too long a wait.
            if (remaining <= 0 || (wait > remaining && limits.stats.inFlight === 0)) {
              return yield* exhausted(state, operation, "tokens", wait)
            }
            yield* Effect.sleep(Duration.millis(Math.min(wait, remaining)))
          }
        })
        const remaining = left(yield* now)
        yield* state.tokenLine.withPermits(1)(takeTokens).pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(Math.max(0, remaining)),
            orElse: () => Effect.fail(exhausted(state, operation, "tokens"))
          }),
          Effect.tapError(() => state.giveBack(1, 0))
        )
      }
      limits.stats.admitted++
      limits.stats.inFlight++
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          limits.stats.inFlight--
        })
      )
    })

  // ---------------------------------------------------------------------------
  // After the call: usage and adaptation
  // ---------------------------------------------------------------------------

  const onSuccess = (state: ModelState, reserved: number, used: number | undefined): Effect.Effect<void> =>
    Effect.flatMap(now, (at) => {
      const correction = state.limits.succeeded(settings.adaptive, at, reserved, used)
      // More than reserved is taken now (the bucket may go into debt); less is given back.
      return correction === 0 ? Effect.void : Effect.asVoid(state.reserve("tokens", correction, reserved))
    })

  const onFailure = (state: ModelState, reserved: number, error: BedrockError.BedrockError): Effect.Effect<void> =>
    Effect.flatMap(now, (at) => {
      const refund = state.limits.failed(settings.adaptive, at, error, reserved)
      return refund > 0 ? state.giveBack(0, refund) : Effect.void
    })

  const estimator = new Models.Estimator(settings)
  /** The engine's estimate; its warning (an estimate replaced by the default, the first time) is logged. */
  const estimateOf = (input: ConverseCommandInput | ConverseStreamCommandInput): Effect.Effect<number> =>
    Effect.suspend(() => {
      const { tokens, warning } = estimator.estimate(input)
      return warning === undefined ? Effect.succeed(tokens) : Effect.as(Effect.logWarning(warning), tokens)
    })

  // The call's options (headers, `onResponse`) go to the wrapped client as they are.
  const converse: BedrockClient.Service["converse"] = (input, options) => {
    const state = states.stateOf(input.modelId)
    if (state === undefined) return underlying.converse(input, options)
    return Effect.scoped(Effect.flatMap(estimateOf(input), (tokens) =>
      Effect.andThen(
        admit(state, "converse", tokens),
        underlying.converse(input, options).pipe(
          Effect.tapError((error) => onFailure(state, tokens, error)),
          Effect.tap((output) => onSuccess(state, tokens, TokenEstimate.usedTokens(output.usage)))
        )
      )))
  }

  const converseStream: BedrockClient.Service["converseStream"] = (input, options) => {
    const state = states.stateOf(input.modelId)
    if (state === undefined) return underlying.converseStream(input, options)
    // The stream's scope holds the concurrency slot until the stream ends.
    return Stream.unwrap(Effect.flatMap(estimateOf(input), (tokens) =>
      Effect.as(
        admit(state, "converseStream", tokens),
        Stream.suspend(() => {
          let used: number | undefined
          let failed = false
          return underlying.converseStream(input, options).pipe(
            // Per batch of events: the usage arrives with the last one, `metadata`.
            Stream.mapArray((events) => {
              for (let i = events.length - 1; i >= 0; i--) {
                const usage = events[i]!.metadata?.usage
                if (usage !== undefined) {
                  used = TokenEstimate.usedTokens(usage)
                  break
                }
              }
              return events
            }),
            Stream.tapError((error) => {
              failed = true
              return onFailure(state, tokens, error)
            }),
            Stream.ensuring(
              Effect.suspend(() => failed || used === undefined ? Effect.void : onSuccess(state, tokens, used))
            )
          )
        })
      )))
  }

  const stats = Effect.sync(() => states.snapshot())

  return {
    client: { client: underlying.client, converse, converseStream, countTokens: underlying.countTokens },
    stats
  }
}
