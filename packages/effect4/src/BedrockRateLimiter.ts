/**
 * Bedrock's quotas (requests and tokens per minute, per model and account) on the client side, for Effect 4, with
 * the Effect 3 limiter's semantics (the rules are the engine's, `@effect-bedrock/converse/limits/admission`,
 * shared by both): a Layer over `BedrockClient` that admits every `converse` and `converseStream` call against a
 * requests-per-minute and a tokens-per-minute budget of its model id (or inference profile), plus an optional
 * concurrency limit, so calls wait for budget instead of being throttled by Bedrock. Built on
 * `effect/persistence`'s `RateLimiter` (token buckets): in memory (`layer`), in Redis (`layerRedis`, over the
 * `Redis` service of `effect/persistence`, which `@effect/platform-node` provides) so every instance of a fleet
 * shares one budget, or on any `RateLimiterStore` (`layerStore`).
 *
 * - Tokens are reserved on admission (the engine's estimate of the input plus `maxTokens`, or your own estimate)
 *   and corrected with the real usage when the call ends (a stream's `metadata` event): what a call did not use
 *   is given back, what it used beyond its estimate is taken.
 * - A call waits at most `maxWait`, in a queue of at most `maxQueued` calls per model; one that could not start in
 *   time fails with `BedrockError.BudgetExhaustedError` naming the budget, before anything is sent.
 * - Adaptive: a `ThrottlingError` from Bedrock lowers the admitted rate of that model, and calls that keep
 *   succeeding raise it again (additive increase, multiplicative decrease), so instances converge on the real
 *   quota even when the configured numbers are too high.
 * - Retry is applied once, outside the limiter, so that every attempt is admitted: the limiter takes the wrapped
 *   client apart, limits its attempts, and applies one retry policy around them (`options.retry`, by default the
 *   client's own) and the client's `deadline` around it all, so the deadline covers the wait for budget too.
 *   `BedrockClient.withRetry` over the limited client replaces that policy.
 * - `BedrockRateLimiter` (the service, provided beside the limited client) reports each model's `stats`.
 * - Options are checked when the Layer is built: a rate of 0, negative or NaN, a `maxWait` that is not a
 *   duration, `budgets` that is not an object fail it with `OptionsError` naming the option.
 * - A store that fails or does not answer within `storeTimeout` lets the call through, with a logged warning.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockRateLimiter } from "@effect-bedrock/effect4"
 * import * as Layer from "effect/Layer"
 *
 * const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 *
 * const Bedrock = BedrockRateLimiter.layer({
 *   budgets: { [model]: { requestsPerMinute: 50, tokensPerMinute: 200_000, concurrency: 8 } },
 *   maxWait: "30 seconds"
 * }).pipe(Layer.provide(BedrockClient.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 */
import * as Admission from "@effect-bedrock/converse/limits/admission"
import * as Models from "@effect-bedrock/converse/limits/models"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Redis from "effect/persistence/Redis"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as BedrockClient from "./BedrockClient.js"
import * as ClientRetry from "./internal/clientRetry.js"
import * as internal from "./internal/rateLimiter.js"

// =============================================================================
// Models
// =============================================================================

/**
 * One model's budget. `requestsPerMinute` and `tokensPerMinute` are Bedrock's quotas for the model (or inference
 * profile) in your account and region; `concurrency` caps the calls in flight at once in this instance (with a
 * shared store the per-minute budgets are fleet-wide, the concurrency limit is not). Any of them may be left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Budget extends Admission.Budget {}

/**
 * What a token estimate is given: the request, the engine's cheap estimate of its input tokens (about four
 * characters a token, 1,600 an image) and the most it may generate (`maxTokens`, or `defaultMaxTokens`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface TokenEstimateRequest extends Models.EstimateRequest {}

/**
 * The adaptive rate, as a fraction of the configured budgets (1 = as configured).
 *
 * - `decrease`: the fraction is multiplied by it on a `ThrottlingError` (default 0.7), at most once per
 *   `interval`.
 * - `increase`: added to the fraction by a successful call once `interval` has passed since the last change
 *   (default 0.05).
 * - `interval`: default 2 seconds.
 * - `min` / `max`: the range of the fraction (default 0.1 to 1; a `max` above 1 lets the rate climb over budgets
 *   that are known to be too low).
 *
 * @since 0.1.0
 * @category Models
 */
export interface AdaptiveOptions {
  readonly decrease?: number | undefined
  readonly increase?: number | undefined
  readonly interval?: Duration.Input | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
}

/**
 * How calls are admitted.
 *
 * - `budgets`: by model id or inference profile, as sent in `modelId`; `"*"` gives every other model id its own
 *   budget of that size. Calls to a model without a budget, and `countTokens`, pass straight through.
 * - `maxWait`: how long a call may wait for its budget (default 60 seconds); one that would start later fails at
 *   once with `BudgetExhaustedError`.
 * - `maxQueued`: how many calls per model may wait at once in this instance (default 1,000).
 * - `burst`: how much of a budget may be spent at once: the buckets hold this long's worth of their rate (default
 *   1 second; at least one request, at least one call's tokens).
 * - `estimateTokens`: the tokens reserved on admission (default `inputTokens + maxTokens`, what Bedrock
 *   reserves); the real usage corrects it when the call ends. A result below 0 counts as 0; one that is not a
 *   finite number, or a throw, as the default, with a warning.
 * - `defaultMaxTokens`: what a request without `maxTokens` may generate (default 4,096).
 * - `adaptive`: see `AdaptiveOptions`; `false` keeps the configured rates.
 * - `retry`: the retry policy around the admitted attempts (as for `BedrockClient.withRetry`), in place of the
 *   wrapped client's own, which is the default (a client built with `retry: false` gets the default policy here;
 *   give `retry: false` here for none).
 * - `keyPrefix`: prefix of the store's keys (default `"effect-bedrock:ratelimit:"`).
 * - `storeTimeout`: a store that fails or does not answer within it lets the call through, with a logged warning
 *   (default 1 second).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly budgets: Readonly<Record<string, Budget>>
  readonly maxWait?: Duration.Input | undefined
  readonly maxQueued?: number | undefined
  readonly burst?: Duration.Input | undefined
  readonly estimateTokens?: ((request: TokenEstimateRequest) => number) | undefined
  readonly defaultMaxTokens?: number | undefined
  readonly adaptive?: AdaptiveOptions | false | undefined
  readonly retry?: BedrockClient.RetryPolicy | undefined
  readonly keyPrefix?: string | undefined
  readonly storeTimeout?: Duration.Input | undefined
}

/**
 * Options the Layer cannot work with (`option` names which, `message` says why); the Layer fails to build.
 *
 * @since 0.1.0
 * @category Errors
 */
export class OptionsError extends Schema.TaggedError<OptionsError>()("BedrockRateLimiterOptionsError", {
  option: Schema.String,
  message: Schema.String
}) {}

/**
 * One model's admission in this instance: the adaptive `rate` (fraction of the configured budgets), calls
 * `waiting` for budget and `inFlight`, and counts of calls `admitted`, `throttled` by Bedrock and `rejected` with
 * `BudgetExhaustedError`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ModelStats extends Models.ModelStats {}

/**
 * What the limiter offers beside the limited client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Every model with a budget that was called so far. */
  readonly stats: Effect.Effect<ReadonlyArray<ModelStats>>
}

/**
 * The limiter's own service, provided next to the limited `BedrockClient`.
 *
 * @since 0.1.0
 * @category Services
 */
export class BedrockRateLimiter
  extends Context.Service<BedrockRateLimiter, Service>()("@effect-bedrock/effect4/BedrockRateLimiter")
{}

// =============================================================================
// Options
// =============================================================================

const problem = (path: ReadonlyArray<string>, message: string) =>
  new OptionsError({ option: path.join("."), message: `Invalid option "${path.join(".")}": ${message}` })

/** A duration in milliseconds (`undefined`: not given), or the problem with it. */
const millisOf = (
  path: ReadonlyArray<string>,
  value: unknown,
  allowZero: boolean
): number | undefined | OptionsError => {
  if (value === undefined) return undefined
  let millis = Number.NaN
  try {
    millis = Duration.toMillis(Duration.fromInputUnsafe(value as Duration.Input))
  } catch {
    millis = Number.NaN
  }
  if (!Number.isFinite(millis) || millis < 0 || (!allowZero && millis === 0)) {
    return problem(path, `expected a finite duration${allowZero ? "" : " above 0"}, got ${String(value)}`)
  }
  return millis
}

const checkRetry = (retry: unknown): OptionsError | undefined => {
  if (retry === undefined || retry === false || Schedule.isSchedule(retry)) return undefined
  if (typeof retry !== "object" || retry === null) {
    return problem(
      ["retry"],
      `expected a Schedule, false or { maxAttempts, baseDelay, maxDelay }, got ${String(retry)}`
    )
  }
  const { maxAttempts, timeoutRetries } = retry as BedrockClient.RetryOptions
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    return problem(["retry", "maxAttempts"], `expected a whole number of attempts, at least 1, got ${maxAttempts}`)
  }
  if (timeoutRetries !== undefined && !(Number.isInteger(timeoutRetries) && timeoutRetries >= 0)) {
    return problem(["retry", "timeoutRetries"], `expected a whole number, 0 or more, got ${timeoutRetries}`)
  }
  return undefined
}

/** The settings, or the first invalid option: the engine checks everything but the durations and `retry`. */
const settingsOf = (options: Options): internal.Settings | OptionsError => {
  const invalid = Admission.checkOptions(options)
  if (invalid !== undefined) return problem(invalid.path, invalid.message)
  const maxWait = millisOf(["maxWait"], options.maxWait, true)
  if (maxWait instanceof OptionsError) return maxWait
  const burst = millisOf(["burst"], options.burst, false)
  if (burst instanceof OptionsError) return burst
  const storeTimeout = millisOf(["storeTimeout"], options.storeTimeout, false)
  if (storeTimeout instanceof OptionsError) return storeTimeout
  const adaptive = options.adaptive
  const interval = adaptive === false || adaptive === undefined
    ? undefined
    : millisOf(["adaptive", "interval"], adaptive.interval, false)
  if (interval instanceof OptionsError) return interval
  const retryProblem = checkRetry(options.retry)
  if (retryProblem !== undefined) return retryProblem
  return Models.settings({
    ...options,
    maxWaitMillis: maxWait,
    burstMillis: burst,
    storeTimeoutMillis: storeTimeout,
    adaptive: adaptive === false || adaptive === undefined ? adaptive : { ...adaptive, intervalMillis: interval }
  })
}

// =============================================================================
// Layers
// =============================================================================

/**
 * The limited `BedrockClient` over the one it is given, and the `BedrockRateLimiter` service, on any
 * `RateLimiterStore` of `effect/persistence`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerStore = (
  options: Options
): Layer.Layer<
  BedrockClient.BedrockClient | BedrockRateLimiter,
  OptionsError,
  BedrockClient.BedrockClient | RateLimiter.RateLimiterStore
> =>
  Layer.effectContext(Effect.gen(function*() {
    const settings = settingsOf(options)
    if (settings instanceof OptionsError) return yield* settings
    const limiter = yield* RateLimiter.make
    // Retry (and the call deadline) once, outermost, around the limited unretried client: every attempt is
    // admitted, and the deadline covers the wait for budget too.
    const underlying = ClientRetry.unretried(yield* BedrockClient.BedrockClient)
    const limited = internal.make(underlying.base, limiter, settings)
    const client = ClientRetry.assemble(
      limited.client,
      // A client built with `retry: false` keeps the default policy here (give `retry: false` here for none).
      options.retry ?? (underlying.policy === false ? undefined : underlying.policy),
      underlying.deadline
    )
    return Context.make(BedrockClient.BedrockClient, client).pipe(
      Context.add(BedrockRateLimiter, { stats: limited.stats })
    )
  }))

/**
 * The limited `BedrockClient` over the one it is given, with the budgets in this process's memory.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<BedrockClient.BedrockClient | BedrockRateLimiter, OptionsError, BedrockClient.BedrockClient> =>
  layerStore(options).pipe(Layer.provide(Layer.fresh(RateLimiter.layerStoreMemory)))

/**
 * The limited `BedrockClient` with the budgets in Redis (`effect/persistence`'s Redis store), shared by every
 * instance that uses the same Redis and `keyPrefix`. Provide `effect/persistence`'s `Redis` service (for example
 * `@effect/platform-node`'s `NodeRedis` layer).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerRedis = (
  options: Options
): Layer.Layer<
  BedrockClient.BedrockClient | BedrockRateLimiter,
  OptionsError,
  BedrockClient.BedrockClient | Redis.Redis
> => layerStore(options).pipe(Layer.provide(RateLimiter.layerStoreRedis()))
