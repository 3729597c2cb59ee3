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
 * `modelBuckets.ts`, `concurrencySlots.ts`, `waitLine.ts`, `adaptiveRate.ts`, `admissionStats.ts`);
 * `make` wires them to the calls.
 *
 * @internal
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
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
import type { Adaptive } from "./adaptiveRate.js"
import { type ModelState, ModelStates, positive } from "./modelState.js"

// =============================================================================
// Settings
// =============================================================================

interface Settings {
  readonly budgets: Readonly<Record<string, BedrockRateLimiter.Budget>>
  readonly maxWaitMillis: number
  readonly maxQueued: number
  readonly burstMillis: number
  readonly defaultMaxTokens: number
  readonly estimate: (request: BedrockRateLimiter.TokenEstimateRequest) => number
  readonly adaptive: Adaptive | undefined
  readonly keyPrefix: string
  readonly storeTimeout: Duration.Duration
}

// =============================================================================
// Options
// =============================================================================

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const show = (value: unknown): string =>
  value === null ? "null" : typeof value === "string" ? JSON.stringify(value).slice(0, 60) : String(value)

/** A number in a range (`whole`: an integer), or `undefined`. */
const numberIn = (
  value: unknown,
  path: Array<string>,
  min: number,
  max: number,
  whole: boolean,
  minExclusive = false
): ConfigError.ConfigError | undefined => {
  if (value === undefined) return undefined
  const ok = typeof value === "number" && Number.isFinite(value) && (minExclusive ? value > min : value >= min) &&
    value <= max && (!whole || Number.isInteger(value))
  if (ok) return undefined
  const range = max === Infinity
    ? `${minExclusive ? "more than" : "at least"} ${min}`
    : `from ${min}${minExclusive ? " (excluded)" : ""} to ${max}`
  return OptionsValidation.invalid(
    path,
    `expected ${whole ? "a whole number" : "a number"} ${range}, got ${show(value)}`
  )
}

const checkBudget = (budget: unknown, path: Array<string>): ConfigError.ConfigError | undefined => {
  if (!isRecord(budget)) {
    return OptionsValidation.invalid(
      path,
      `expected { requestsPerMinute?, tokensPerMinute?, concurrency? }, got ${show(budget)}`
    )
  }
  for (const key of Object.keys(budget)) {
    if (
      key !== "requestsPerMinute" && key !== "tokensPerMinute" && key !== "concurrency" && budget[key] !== undefined
    ) {
      return OptionsValidation.invalid(
        [...path, key],
        "unknown budget (requestsPerMinute, tokensPerMinute or concurrency)"
      )
    }
  }
  return numberIn(budget.requestsPerMinute, [...path, "requestsPerMinute"], 0, Infinity, false, true) ??
    numberIn(budget.tokensPerMinute, [...path, "tokensPerMinute"], 0, Infinity, false, true) ??
    numberIn(budget.concurrency, [...path, "concurrency"], 1, Infinity, true)
}

/**
 * The first invalid option, as a `ConfigError` naming it: a budget of 0, a negative or NaN rate (which
 * would mean no limit at all), a `maxWait` that is not a duration, `budgets: null`...
 *
 * @internal
 */
export const checkOptions = (options: unknown): ConfigError.ConfigError | undefined => {
  if (!isRecord(options)) {
    return OptionsValidation.invalid([], `expected options ({ budgets, ... }), got ${show(options)}`)
  }
  const budgets = options.budgets
  if (!isRecord(budgets)) {
    return OptionsValidation.invalid(
      ["budgets"],
      `expected { [modelId]: { requestsPerMinute?, ... } }, got ${show(budgets)}`
    )
  }
  for (const modelId of Object.keys(budgets)) {
    const problem = checkBudget(budgets[modelId], ["budgets", modelId])
    if (problem !== undefined) return problem
  }
  const { adaptive, estimateTokens, keyPrefix } = options
  if (estimateTokens !== undefined && typeof estimateTokens !== "function") {
    return OptionsValidation.invalid(["estimateTokens"], `expected a function, got ${show(estimateTokens)}`)
  }
  if (keyPrefix !== undefined && typeof keyPrefix !== "string") {
    return OptionsValidation.invalid(["keyPrefix"], `expected a string, got ${show(keyPrefix)}`)
  }
  if (adaptive !== undefined && adaptive !== false && !isRecord(adaptive)) {
    return OptionsValidation.invalid(
      ["adaptive"],
      `expected false or { decrease, increase, interval, min, max }, got ${show(adaptive)}`
    )
  }
  const adaptiveProblem = isRecord(adaptive)
    ? numberIn(adaptive.decrease, ["adaptive", "decrease"], 0.01, 0.99, false) ??
      numberIn(adaptive.increase, ["adaptive", "increase"], 0.001, 1, false) ??
      numberIn(adaptive.min, ["adaptive", "min"], 0.001, 1, false) ??
      numberIn(
        adaptive.max,
        ["adaptive", "max"],
        typeof adaptive.min === "number" ? adaptive.min : 0.001,
        100,
        false
      ) ??
      OptionsValidation.duration(false)(adaptive.interval, ["adaptive", "interval"])
    : undefined
  return adaptiveProblem ??
    OptionsValidation.duration(true)(options.maxWait, ["maxWait"]) ??
    OptionsValidation.duration(false)(options.burst, ["burst"]) ??
    OptionsValidation.duration(false)(options.storeTimeout, ["storeTimeout"]) ??
    numberIn(options.maxQueued, ["maxQueued"], 1, Infinity, true) ??
    numberIn(options.defaultMaxTokens, ["defaultMaxTokens"], 1, Infinity, true) ??
    (Schedule.isSchedule(options.retry) ? undefined : OptionsValidation.retry(options.retry, ["retry"]))
}

const between = (n: number | undefined, fallback: number, min: number, max: number): number =>
  n !== undefined && Number.isFinite(n) && n >= min && n <= max ? n : fallback

/** @internal */
export const defaultKeyPrefix = "effect-bedrock:ratelimit:"

const settingsOf = (options: BedrockRateLimiter.Options): Settings => {
  const adaptive = options.adaptive === false ? undefined : options.adaptive ?? {}
  const min = adaptive === undefined ? 1 : between(adaptive.min, 0.1, 0.001, 1)
  return {
    budgets: options.budgets,
    maxWaitMillis: Duration.toMillis(Duration.decode(options.maxWait ?? "60 seconds")),
    maxQueued: Math.floor(positive(options.maxQueued) ?? 1000),
    burstMillis: Math.max(1, Duration.toMillis(Duration.decode(options.burst ?? "1 second"))),
    defaultMaxTokens: positive(options.defaultMaxTokens) ?? TokenEstimate.defaultMaxTokens,
    estimate: options.estimateTokens ?? ((request) => request.inputTokens + request.maxTokens),
    adaptive: adaptive === undefined ? undefined : {
      decrease: between(adaptive.decrease, 0.7, 0.01, 0.99),
      increase: between(adaptive.increase, 0.05, 0.001, 1),
      intervalMillis: Math.max(1, Duration.toMillis(Duration.decode(adaptive.interval ?? "2 seconds"))),
      min,
      max: between(adaptive.max, 1, min, 100)
    },
    keyPrefix: options.keyPrefix ?? defaultKeyPrefix,
    storeTimeout: Duration.decode(options.storeTimeout ?? "1 second")
  }
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
    const states = new ModelStates(limiter, settings)

    // -------------------------------------------------------------------------
    // Admission
    // -------------------------------------------------------------------------

    const exhausted = (
      state: ModelState,
      operation: string,
      budget: BedrockError.Budget,
      retryAfterMillis?: number
    ): BedrockError.BudgetExhaustedError => {
      state.stats.rejected++
      const wait = settings.maxWaitMillis
      const message = budget === "queue"
        ? `${settings.maxQueued} calls to ${state.modelId} already wait for budget`
        : retryAfterMillis === undefined
        ? `The ${budget} budget of ${state.modelId} stayed exhausted for ${wait} ms, the call's deadline`
        : `The ${budget} budget of ${state.modelId} is exhausted: the call would wait ${
          Math.ceil(retryAfterMillis)
        } ms, more than its deadline (${wait} ms)`
      return new BedrockError.BudgetExhaustedError({
        message,
        budget,
        modelId: state.modelId,
        operation,
        ...(retryAfterMillis === undefined ? {} : { retryAfter: Duration.millis(Math.ceil(retryAfterMillis)) })
      }, { disableValidation: true })
    }

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
        const line = state.line
        if (!line.enter(settings.maxQueued)) return Effect.fail(exhausted(state, operation, "queue"))
        return Effect.ensuring(
          waitForBudget(state, operation, tokens),
          Effect.sync(() => {
            line.leave()
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
        const { buckets, slots, stats } = state
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
          yield* state.line.tokens.withPermits(1)(takeTokens).pipe(
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
        if (settings.adaptive !== undefined) state.rate.increase(settings.adaptive, now)
        const buckets = state.buckets
        if (used === undefined || buckets.tokensPerMinute === undefined || used === ticket.tokens) return Effect.void
        // More than reserved is taken now (the bucket may go into debt); less is given back.
        return buckets.reserve("tokens", used - ticket.tokens).pipe(Effect.asVoid)
      })

    const onFailure = (state: ModelState, ticket: Ticket, error: BedrockError.BedrockError): Effect.Effect<void> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (error._tag === "ThrottlingError") {
          state.stats.throttled++
          if (settings.adaptive !== undefined) state.rate.decrease(settings.adaptive, now)
        }
        // Refused before any generation: Bedrock counts none of its tokens.
        return error.position === "request" && error._tag !== "BudgetExhaustedError"
          ? state.buckets.giveBack(0, ticket.tokens)
          : Effect.void
      })

    let warnedEstimate = false
    /**
     * The caller's estimate, clamped to 0 or more; one that throws or is not a finite number is
     * replaced by the default estimate (input + max tokens), with a warning the first time: a NaN
     * would lift the token budget, a negative one would fill the bucket.
     */
    const estimateOf = (input: ConverseCommandInput | ConverseStreamCommandInput): Effect.Effect<number> =>
      Effect.suspend(() => {
        const inputTokens = TokenEstimate.inputTokens(input)
        const maxTokens = TokenEstimate.maxTokens(input, settings.defaultMaxTokens)
        let estimate: unknown
        try {
          estimate = settings.estimate({ input, inputTokens, maxTokens })
        } catch (error) {
          estimate = error
        }
        if (typeof estimate === "number" && Number.isFinite(estimate)) {
          return Effect.succeed(Math.max(0, Math.ceil(estimate)))
        }
        const fallback = inputTokens + maxTokens
        if (warnedEstimate) return Effect.succeed(fallback)
        warnedEstimate = true
        return Effect.as(
          Effect.logWarning(
            `BedrockRateLimiter: estimateTokens ${
              estimate instanceof Error ? `threw (${estimate.message})` : `returned ${String(estimate)}`
            }, not a finite number; the default estimate (input + max tokens) is used instead`
          ),
          fallback
        )
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

    const stats = Effect.sync(() => states.snapshot())

    return { client: { converse, converseStream, countTokens: underlying.countTokens }, stats }
  })
