/**
 * The admission of `BedrockRateLimiter`: per model id, a requests bucket and a tokens bucket in a
 * `@effect/experimental` `RateLimiter` (token bucket, "delay" mode: a call reserves its share and
 * waits until the bucket has it), a concurrency semaphore, a bounded count of waiting calls and a
 * deadline; the token reservation corrected with the real usage; and the adaptive rate (AIMD)
 * driven by Bedrock's `ThrottlingError`s.
 *
 * The store is whatever the `RateLimiter` was built over (memory, or Redis for a fleet); this
 * module only sees its `consume`, so it never loads `@effect/experimental` itself.
 *
 * The per-model state lives in small modules beside this one (`modelState.ts` composes
 * `modelBuckets.ts`, `concurrencySlots.ts`); the rules that are plain arithmetic (option checks, the adaptive
 * rate, bucket sizes, estimate clamping, usage corrections, refunds, the refusal's message) and the per-model
 * bookkeeping (settings, budgets, waiting calls, counters, estimates, stats) are the engine's
 * (`@effect-bedrock/converse/limits/admission` and `limits/models`), shared with the Effect 4 limiter. `make`
 * wires them to the calls.
 *
 * @internal
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as Admission from "@effect-bedrock/converse/limits/admission"
import * as Models from "@effect-bedrock/converse/limits/models"
import * as TokenEstimate from "@effect-bedrock/converse/limits/tokenEstimate"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"
import type * as BedrockRateLimiter from "../../BedrockRateLimiter.js"
import * as OptionsValidation from "../client/optionsValidation.js"
import { makeState, type ModelState } from "./modelState.js"

// =============================================================================
// Options
// =============================================================================

/**
 * The first invalid option, as a `ConfigError` naming it: a budget of 0, a negative or NaN rate (which
 * would mean no limit at all), a `maxWait` that is not a duration, `budgets: null`... The engine checks
 * everything but the durations and `retry` (`Admission.checkOptions`, shared with the Effect 4 limiter).
 *
 * @internal
 */
export const checkOptions = (options: unknown): ConfigError.ConfigError | undefined => {
  const problem = Admission.checkOptions(options)
  if (problem !== undefined) return OptionsValidation.invalid([...problem.path], problem.message)
  const checked = options as Record<string, unknown>
  const adaptive = checked.adaptive
  return (typeof adaptive === "object" && adaptive !== null
    ? OptionsValidation.duration(false)((adaptive as Record<string, unknown>).interval, ["adaptive", "interval"])
    : undefined) ??
    OptionsValidation.duration(true)(checked.maxWait, ["maxWait"]) ??
    OptionsValidation.duration(false)(checked.burst, ["burst"]) ??
    OptionsValidation.duration(false)(checked.storeTimeout, ["storeTimeout"]) ??
    (Schedule.isSchedule(checked.retry) ? undefined : OptionsValidation.retry(checked.retry, ["retry"]))
}

const millisOf = (duration: Duration.DurationInput | undefined): number | undefined =>
  duration === undefined ? undefined : Duration.toMillis(Duration.decode(duration))

const settingsOf = (options: BedrockRateLimiter.Options): Models.Settings => {
  const adaptive = options.adaptive
  return Models.settings({
    ...options,
    maxWaitMillis: millisOf(options.maxWait),
    burstMillis: millisOf(options.burst),
    storeTimeoutMillis: millisOf(options.storeTimeout),
    adaptive: adaptive === false || adaptive === undefined
      ? adaptive
      : { ...adaptive, intervalMillis: millisOf(adaptive.interval) }
  })
}

/** What an admitted call reserved. */
interface Ticket {
  readonly tokens: number
}

// =============================================================================
// The limited service
// =============================================================================

/**
 * The part of `@effect/experimental`'s `RateLimiter` this module uses, written out here so that
 * the package's declaration files never name the optional peer (users without it still type-check).
 *
 * @internal
 */
export interface TokenBuckets {
  readonly consume: (options: {
    readonly algorithm?: "fixed-window" | "token-bucket" | undefined
    readonly onExceeded?: "delay" | "fail" | undefined
    readonly window: Duration.DurationInput
    readonly limit: number
    readonly key: string
    readonly tokens?: number | undefined
  }) => Effect.Effect<{ readonly delay: Duration.Duration }, LimiterError>
}

/**
 * A failure of the limiter: `reason` is `"Exceeded"` (the bucket is empty, in "fail" mode) or a
 * store failure.
 *
 * @internal
 */
export interface LimiterError {
  readonly _tag: string
  readonly reason: string
  readonly message: string
  /** With `reason: "Exceeded"`: how long until the bucket has the tokens. */
  readonly retryAfter?: Duration.Duration | undefined
}

/** @internal */
export interface Limited {
  readonly client: BedrockClient.Service
  readonly stats: Effect.Effect<ReadonlyArray<BedrockRateLimiter.ModelStats>>
}

/**
 * Wraps `underlying` (single attempts, normally: retries belong outside, so that each attempt is
 * admitted) with admission against `limiter`.
 *
 * @internal
 */
export const make = (
  underlying: BedrockClient.Service,
  limiter: TokenBuckets,
  options: BedrockRateLimiter.Options
): Effect.Effect<Limited> =>
  Effect.sync(() => {
    const settings = settingsOf(options)
    const states = new Models.Models(settings.budgets, makeState(limiter, settings))

    // -------------------------------------------------------------------------
    // Admission
    // -------------------------------------------------------------------------

    const exhausted = (
      state: ModelState,
      operation: string,
      budget: BedrockError.Budget,
      retryAfterMillis?: number
    ): BedrockError.BudgetExhaustedError =>
      new BedrockError.BudgetExhaustedError({
        message: state.limits.refused(settings, budget, retryAfterMillis),
        budget,
        modelId: state.limits.modelId,
        operation,
        ...(retryAfterMillis === undefined ? {} : { retryAfter: Duration.millis(Math.ceil(retryAfterMillis)) })
      }, { disableValidation: true })

    /**
     * Waits for a permit, then for budget; the permit is held until the scope closes. Counted as
     * waiting until admitted or refused.
     */
    const admit = (
      state: ModelState,
      operation: string,
      tokens: number
    ): Effect.Effect<Ticket, BedrockError.BudgetExhaustedError, Scope.Scope> =>
      Effect.suspend(() => {
        const limits = state.limits
        if (!limits.enter(settings.maxQueued)) return Effect.fail(exhausted(state, operation, "queue"))
        return Effect.ensuring(
          waitForBudget(state, operation, tokens),
          Effect.sync(() => {
            limits.leave()
          })
        )
      })

    const waitForBudget = (
      state: ModelState,
      operation: string,
      tokens: number
    ): Effect.Effect<Ticket, BedrockError.BudgetExhaustedError, Scope.Scope> =>
      Effect.gen(function*() {
        const start = yield* Clock.currentTimeMillis
        const left = (now: number) => settings.maxWaitMillis - (now - start)
        const { buckets, slots } = state
        const stats = state.limits.stats
        if (slots !== undefined) {
          yield* slots.acquire.pipe(
            Effect.timeoutFail({
              duration: Duration.millis(settings.maxWaitMillis),
              onTimeout: () => exhausted(state, operation, "concurrency")
            })
          )
        }
        // Requests: a place in line (first come, first served), then the wait for it.
        if (buckets.requestsPerMinute !== undefined) {
          const delay = yield* buckets.reserve("requests", 1)
          if (delay > left(yield* Clock.currentTimeMillis)) {
            yield* buckets.giveBack(1, 0)
            return yield* Effect.fail(exhausted(state, operation, "requests", delay))
          }
          // Interrupted while waiting: the place is given back.
          if (delay > 0) yield* Effect.onInterrupt(Effect.sleep(Duration.millis(delay)), () => buckets.giveBack(1, 0))
        }
        // Tokens: taken only when the bucket has them, so that what running calls give back (their
        // estimate was above their usage) serves the calls waiting now, not only later ones. The
        // calls wait in line here; the first in line asks again when the bucket should have them.
        if (buckets.tokensPerMinute !== undefined) {
          const takeTokens = Effect.gen(function*() {
            while (true) {
              const wait = yield* buckets.tryTake("tokens", tokens)
              if (wait === 0) return
              const remaining = left(yield* Clock.currentTimeMillis)
              // Nothing will come back soon: no call of this model in flight here, and too long a wait.
              if (remaining <= 0 || (wait > remaining && stats.inFlight === 0)) {
                return yield* Effect.fail(exhausted(state, operation, "tokens", wait))
              }
              yield* Effect.sleep(Duration.millis(Math.min(wait, remaining)))
            }
          })
          const remaining = left(yield* Clock.currentTimeMillis)
          yield* state.tokenLine.withPermits(1)(takeTokens).pipe(
            Effect.timeoutFail({
              duration: Duration.millis(Math.max(0, remaining)),
              onTimeout: () => exhausted(state, operation, "tokens")
            }),
            Effect.tapError(() => buckets.giveBack(1, 0))
          )
        }
        stats.admitted++
        stats.inFlight++
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            stats.inFlight--
          })
        )
        return { tokens }
      })

    // -------------------------------------------------------------------------
    // After the call: usage and adaptation
    // -------------------------------------------------------------------------

    const onSuccess = (state: ModelState, ticket: Ticket, used: number | undefined): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const correction = state.limits.succeeded(settings.adaptive, now, ticket.tokens, used)
        // More than reserved is taken now (the bucket may go into debt); less is given back.
        return correction === 0 ? Effect.void : Effect.asVoid(state.buckets.reserve("tokens", correction))
      })

    const onFailure = (state: ModelState, ticket: Ticket, error: BedrockError.BedrockError): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const refund = state.limits.failed(settings.adaptive, now, error, ticket.tokens)
        return refund > 0 ? state.buckets.giveBack(0, refund) : Effect.void
      })

    const estimator = new Models.Estimator(settings)
    /** The engine's estimate; its warning (an estimate replaced by the default, the first time) is logged. */
    const estimateOf = (input: ConverseCommandInput | ConverseStreamCommandInput): Effect.Effect<number> =>
      Effect.suspend(() => {
        const { tokens, warning } = estimator.estimate(input)
        return warning === undefined ? Effect.succeed(tokens) : Effect.as(Effect.logWarning(warning), tokens)
      })

    // -------------------------------------------------------------------------
    // Operations
    // -------------------------------------------------------------------------

    const converse: BedrockClient.Service["converse"] = (input, options) => {
      const state = states.stateOf(input.modelId)
      if (state === undefined) return underlying.converse(input, options)
      return Effect.scoped(Effect.flatMap(
        Effect.flatMap(estimateOf(input), (tokens) => admit(state, "converse", tokens)),
        (ticket) =>
          underlying.converse(input, options).pipe(
            Effect.tapBoth({
              onFailure: (error) => onFailure(state, ticket, error),
              onSuccess: (output) => onSuccess(state, ticket, TokenEstimate.usedTokens(output.usage))
            })
          )
      ))
    }

    const converseStream: BedrockClient.Service["converseStream"] = (input, options) => {
      const state = states.stateOf(input.modelId)
      if (state === undefined) return underlying.converseStream(input, options)
      return Stream.unwrapScoped(Effect.map(
        Effect.flatMap(estimateOf(input), (tokens) => admit(state, "converseStream", tokens)),
        (ticket) => {
          let used: number | undefined
          let failed = false
          return underlying.converseStream(input, options).pipe(
            Stream.mapChunks((chunk) => {
              // The usage arrives with the last event, `metadata`.
              const metadata = Chunk.findLast(chunk, (event) => event.metadata?.usage !== undefined)
              if (metadata._tag === "Some") used = TokenEstimate.usedTokens(metadata.value.metadata!.usage)
              return chunk
            }),
            Stream.tapError((error) => {
              failed = true
              return onFailure(state, ticket, error)
            }),
            Stream.ensuring(
              Effect.suspend(() => failed || used === undefined ? Effect.void : onSuccess(state, ticket, used))
            )
          )
        }
      ))
    }

    const stats = Effect.sync((): ReadonlyArray<BedrockRateLimiter.ModelStats> => states.snapshot())

    return { client: { converse, converseStream, countTokens: underlying.countTokens }, stats }
  })
