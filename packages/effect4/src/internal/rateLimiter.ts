/**
 * The admission of `BedrockRateLimiter` for Effect 4, with the Effect 3 limiter's semantics: per model id, a
 * requests bucket and a tokens bucket in `effect/persistence`'s `RateLimiter` (token buckets), a concurrency
 * semaphore, a bounded count of waiting calls and a deadline (`maxWait`); the token reservation corrected with
 * the real usage; the adaptive rate (AIMD) driven by Bedrock's `ThrottlingError`s; and the counters `stats`
 * reports. Every rule that is plain arithmetic is the engine's (`@effect-bedrock/converse/limits/admission`,
 * shared with the Effect 3 limiter); this module only waits.
 *
 * @internal
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as Admission from "@effect-bedrock/converse/limits/admission"
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
export interface Settings {
  readonly budgets: Readonly<Record<string, Admission.Budget>>
  readonly maxWaitMillis: number
  readonly maxQueued: number
  readonly burstMillis: number
  readonly defaultMaxTokens: number
  readonly estimate: ((request: EstimateRequest) => number) | undefined
  readonly adaptive: Admission.Adaptive | undefined
  readonly keyPrefix: string
  readonly storeTimeout: Duration.Duration
}

/** @internal */
export interface EstimateRequest {
  readonly input: ConverseCommandInput | ConverseStreamCommandInput
  readonly inputTokens: number
  readonly maxTokens: number
}

/** @internal */
export interface ModelStats {
  readonly modelId: string
  readonly rate: number
  readonly waiting: number
  readonly inFlight: number
  readonly admitted: number
  readonly throttled: number
  readonly rejected: number
}

type Bucket = "requests" | "tokens"

const now = Effect.clockWith((clock) => clock.currentTimeMillis)

// =============================================================================
// Per model
// =============================================================================

/** One model's buckets, concurrency slots, waiting calls, adaptive rate and counters. */
class ModelState {
  readonly rate = new Admission.AdaptiveRate()
  readonly stats = new Admission.AdmissionStats()
  waiting = 0
  /** One waiter at a time asks the store for tokens, the others queue behind it (first come, first served). */
  readonly tokenLine = Semaphore.makeUnsafe(1)
  readonly slots: Semaphore.Semaphore | undefined

  constructor(
    private readonly limiter: RateLimiter.RateLimiter,
    private readonly settings: Settings,
    readonly modelId: string,
    readonly requestsPerMinute: number | undefined,
    readonly tokensPerMinute: number | undefined,
    concurrency: number | undefined
  ) {
    this.slots = concurrency === undefined ? undefined : Semaphore.makeUnsafe(Math.max(1, Math.floor(concurrency)))
  }

  /**
   * One `consume` on a bucket sized by the engine (`bucketShape`) from the budget times the adaptive rate: the
   * milliseconds to wait, or, in "fail" mode, a failure with the milliseconds until the bucket has the tokens. A
   * store that fails or does not answer in time lets the call through (0), with a logged warning.
   */
  private consume(
    bucket: Bucket,
    tokens: number,
    onExceeded: "delay" | "fail",
    callTokens: number
  ): Effect.Effect<number, number> {
    const settings = this.settings
    const perMinute = (bucket === "requests" ? this.requestsPerMinute! : this.tokensPerMinute!) * this.rate.factor
    // Sized for the call whose tokens these are, also when they are given back: Effect 4's stores treat a bucket
    // holding more than the `limit` of a request as expired (a fresh, full bucket for the next one), so a
    // give-back sized for the burst alone would refill the bucket at once.
    const { limit, windowMillis } = Admission.bucketShape(perMinute, settings.burstMillis, Math.max(tokens, callTokens))
    const storeFailed = (why: string, cause?: unknown) =>
      Effect.as(
        Effect.logWarning(`BedrockRateLimiter: the store ${why}; the call to ${this.modelId} goes through`, cause),
        0
      )
    return this.limiter.consume({
      algorithm: "token-bucket",
      onExceeded,
      key: `${settings.keyPrefix}${this.modelId}:${bucket}`,
      limit,
      window: Duration.millis(windowMillis),
      tokens
    }).pipe(
      Effect.timeoutOption(settings.storeTimeout),
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
      requests > 0 && this.requestsPerMinute !== undefined ? this.reserve("requests", -requests) : Effect.void,
      tokens > 0 && this.tokensPerMinute !== undefined ? this.reserve("tokens", -tokens, tokens) : Effect.void
    ], { discard: true })
  }
}

// =============================================================================
// The limited service
// =============================================================================

/** @internal */
export interface Limited {
  readonly client: BedrockClient.Service
  readonly stats: Effect.Effect<ReadonlyArray<ModelStats>>
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
  /** `null`: a model without budget (its calls go straight through). */
  const states = new Map<string, ModelState | null>()
  const stateOf = (modelId: string | undefined): ModelState | undefined => {
    if (typeof modelId !== "string") return undefined
    const existing = states.get(modelId)
    if (existing !== undefined) return existing ?? undefined
    const budget = Admission.budgetOf(settings.budgets, modelId)
    const requestsPerMinute = Admission.positive(budget?.requestsPerMinute)
    const tokensPerMinute = Admission.positive(budget?.tokensPerMinute)
    const concurrency = Admission.positive(budget?.concurrency)
    if (requestsPerMinute === undefined && tokensPerMinute === undefined && concurrency === undefined) {
      states.set(modelId, null)
      return undefined
    }
    const state = new ModelState(limiter, settings, modelId, requestsPerMinute, tokensPerMinute, concurrency)
    states.set(modelId, state)
    return state
  }

  const exhausted = (
    state: ModelState,
    operation: string,
    budget: BedrockError.Budget,
    retryAfterMillis?: number
  ): BedrockError.BudgetExhaustedError => {
    state.stats.rejected++
    return new BedrockError.BudgetExhaustedError({
      message: Admission.exhaustedMessage({
        budget,
        modelId: state.modelId,
        maxQueued: settings.maxQueued,
        maxWaitMillis: settings.maxWaitMillis,
        retryAfterMillis
      }),
      position: "request",
      operation,
      retryable: false,
      budget,
      modelId: state.modelId,
      ...(retryAfterMillis === undefined ? {} : { retryAfterMillis: Math.ceil(retryAfterMillis) })
    })
  }

  /** Counted as waiting until admitted or refused; at most `maxQueued` wait at once. */
  const admit = (
    state: ModelState,
    operation: string,
    tokens: number
  ): Effect.Effect<void, BedrockError.BudgetExhaustedError, Scope.Scope> =>
    Effect.suspend(() => {
      if (state.waiting >= settings.maxQueued) return Effect.fail(exhausted(state, operation, "queue"))
      state.waiting++
      return Effect.ensuring(
        waitForBudget(state, operation, tokens),
        Effect.sync(() => {
          state.waiting--
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
      const slots = state.slots
      if (slots !== undefined) {
        yield* Effect.acquireRelease(Effect.interruptible(slots.take(1)), () => slots.release(1)).pipe(
          Effect.timeoutOrElse({
            duration: Duration.millis(settings.maxWaitMillis),
            orElse: () => Effect.fail(exhausted(state, operation, "concurrency"))
          })
        )
      }
      // Requests: a place in line (first come, first served), then the wait for it.
      if (state.requestsPerMinute !== undefined) {
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
      if (state.tokensPerMinute !== undefined) {
        const takeTokens = Effect.gen(function*() {
          while (true) {
            const wait = yield* state.tryTake("tokens", tokens)
            if (wait === 0) return
            const remaining = left(yield* now)
            // Nothing will come back soon: no call of this model in flight here, and too long a wait.
            if (remaining <= 0 || (wait > remaining && state.stats.inFlight === 0)) {
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
      state.stats.admitted++
      state.stats.inFlight++
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          state.stats.inFlight--
        })
      )
    })

  // ---------------------------------------------------------------------------
  // After the call: usage and adaptation
  // ---------------------------------------------------------------------------

  const onSuccess = (state: ModelState, reserved: number, used: number | undefined): Effect.Effect<void> =>
    Effect.flatMap(now, (at) => {
      if (settings.adaptive !== undefined) state.rate.increase(settings.adaptive, at)
      const correction = Admission.usageCorrection(reserved, used)
      if (state.tokensPerMinute === undefined || correction === 0) return Effect.void
      // More than reserved is taken now (the bucket may go into debt); less is given back.
      return Effect.asVoid(state.reserve("tokens", correction, reserved))
    })

  const onFailure = (state: ModelState, reserved: number, error: BedrockError.BedrockError): Effect.Effect<void> =>
    Effect.flatMap(now, (at) => {
      if (error._tag === "ThrottlingError") {
        state.stats.throttled++
        if (settings.adaptive !== undefined) state.rate.decrease(settings.adaptive, at)
      }
      // Refused before any generation: Bedrock counts none of its tokens.
      const refund = Admission.refundOnFailure(error, reserved)
      return refund > 0 ? state.giveBack(0, refund) : Effect.void
    })

  let warnedEstimate = false
  /** The caller's estimate, clamped by the engine; one that throws or is not a number: the default, warned once. */
  const estimateOf = (input: ConverseCommandInput | ConverseStreamCommandInput): Effect.Effect<number> =>
    Effect.suspend(() => {
      const inputTokens = TokenEstimate.inputTokens(input)
      const maxTokens = TokenEstimate.maxTokens(input, settings.defaultMaxTokens)
      const fallback = inputTokens + maxTokens
      if (settings.estimate === undefined) return Effect.succeed(fallback)
      let estimate: unknown
      try {
        estimate = settings.estimate({ input, inputTokens, maxTokens })
      } catch (error) {
        estimate = error
      }
      const clamped = Admission.clampEstimate(estimate)
      if (clamped !== undefined) return Effect.succeed(clamped)
      if (warnedEstimate) return Effect.succeed(fallback)
      warnedEstimate = true
      return Effect.as(Effect.logWarning(Admission.estimateWarning(estimate)), fallback)
    })

  const converse: BedrockClient.Service["converse"] = (input) => {
    const state = stateOf(input.modelId)
    if (state === undefined) return underlying.converse(input)
    return Effect.scoped(Effect.flatMap(estimateOf(input), (tokens) =>
      Effect.andThen(
        admit(state, "converse", tokens),
        underlying.converse(input).pipe(
          Effect.tapError((error) => onFailure(state, tokens, error)),
          Effect.tap((output) => onSuccess(state, tokens, TokenEstimate.usedTokens(output.usage)))
        )
      )))
  }

  const converseStream: BedrockClient.Service["converseStream"] = (input) => {
    const state = stateOf(input.modelId)
    if (state === undefined) return underlying.converseStream(input)
    // The stream's scope holds the concurrency slot until the stream ends.
    return Stream.unwrap(Effect.flatMap(estimateOf(input), (tokens) =>
      Effect.as(
        admit(state, "converseStream", tokens),
        Stream.suspend(() => {
          let used: number | undefined
          let failed = false
          return underlying.converseStream(input).pipe(
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

  const stats = Effect.sync(() => {
    const out: Array<ModelStats> = []
    for (const state of states.values()) {
      if (state === null) continue
      out.push({
        modelId: state.modelId,
        rate: state.rate.factor,
        waiting: state.waiting,
        inFlight: state.stats.inFlight,
        admitted: state.stats.admitted,
        throttled: state.stats.throttled,
        rejected: state.stats.rejected
      })
    }
    return out
  })

  return {
    client: { client: underlying.client, converse, converseStream, countTokens: underlying.countTokens },
    stats
  }
}
