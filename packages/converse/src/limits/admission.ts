/**
 * The rules of a client-side rate limiter for Bedrock's quotas, as plain data and arithmetic, shared by the
 * Effect 3 and Effect 4 `BedrockRateLimiter`s (each keeps only the waiting, in its own Effect line): the options
 * and their checks, the adaptive rate (additive increase on success, multiplicative decrease on
 * `ThrottlingError`), the size of a token bucket, the estimate a call reserves and the correction once its usage
 * is known, what a refused call gives back, the counters `stats` reports, and the message of a call that could
 * not be admitted.
 *
 * @since 0.1.0
 */

// =============================================================================
// Options
// =============================================================================

/**
 * One model's budget: requests and tokens per minute (Bedrock's quotas for the model or inference profile) and
 * the calls in flight at once in this instance. Any of them may be left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Budget {
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
  readonly concurrency?: number | undefined
}

/**
 * An option the limiter cannot work with: `path` names it (`["budgets", "model", "concurrency"]`), `message`
 * says what was expected and what was given.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OptionProblem {
  readonly path: ReadonlyArray<string>
  readonly message: string
}

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const show = (value: unknown): string =>
  value === null ? "null" : typeof value === "string" ? JSON.stringify(value).slice(0, 60) : String(value)

/** A number in a range (`whole`: an integer), or `undefined`. */
const numberIn = (
  value: unknown,
  path: ReadonlyArray<string>,
  min: number,
  max: number,
  whole: boolean,
  minExclusive = false
): OptionProblem | undefined => {
  if (value === undefined) return undefined
  const ok = typeof value === "number" && Number.isFinite(value) && (minExclusive ? value > min : value >= min) &&
    value <= max && (!whole || Number.isInteger(value))
  if (ok) return undefined
  const range = max === Infinity
    ? `${minExclusive ? "more than" : "at least"} ${min}`
    : `from ${min}${minExclusive ? " (excluded)" : ""} to ${max}`
  return { path, message: `expected ${whole ? "a whole number" : "a number"} ${range}, got ${show(value)}` }
}

const checkBudget = (budget: unknown, path: ReadonlyArray<string>): OptionProblem | undefined => {
  if (!isRecord(budget)) {
    return { path, message: `expected { requestsPerMinute?, tokensPerMinute?, concurrency? }, got ${show(budget)}` }
  }
  for (const key of Object.keys(budget)) {
    if (
      key !== "requestsPerMinute" && key !== "tokensPerMinute" && key !== "concurrency" && budget[key] !== undefined
    ) {
      return { path: [...path, key], message: "unknown budget (requestsPerMinute, tokensPerMinute or concurrency)" }
    }
  }
  return numberIn(budget.requestsPerMinute, [...path, "requestsPerMinute"], 0, Infinity, false, true) ??
    numberIn(budget.tokensPerMinute, [...path, "tokensPerMinute"], 0, Infinity, false, true) ??
    numberIn(budget.concurrency, [...path, "concurrency"], 1, Infinity, true)
}

/**
 * The first invalid option among those that are not durations (each Effect line decodes its own durations:
 * `maxWait`, `burst`, `storeTimeout`, `adaptive.interval`, and checks its `retry`): the options object, `budgets`
 * and every budget (a rate of 0, negative or NaN would mean no limit at all), `estimateTokens`, `keyPrefix`,
 * `adaptive` and its numbers, `maxQueued`, `defaultMaxTokens`.
 *
 * @since 0.1.0
 * @category Options
 */
export const checkOptions = (options: unknown): OptionProblem | undefined => {
  if (!isRecord(options)) return { path: [], message: `expected options ({ budgets, ... }), got ${show(options)}` }
  const budgets = options.budgets
  if (!isRecord(budgets)) {
    return { path: ["budgets"], message: `expected { [modelId]: { requestsPerMinute?, ... } }, got ${show(budgets)}` }
  }
  for (const modelId of Object.keys(budgets)) {
    const problem = checkBudget(budgets[modelId], ["budgets", modelId])
    if (problem !== undefined) return problem
  }
  const { adaptive, estimateTokens, keyPrefix } = options
  if (estimateTokens !== undefined && typeof estimateTokens !== "function") {
    return { path: ["estimateTokens"], message: `expected a function, got ${show(estimateTokens)}` }
  }
  if (keyPrefix !== undefined && typeof keyPrefix !== "string") {
    return { path: ["keyPrefix"], message: `expected a string, got ${show(keyPrefix)}` }
  }
  if (adaptive !== undefined && adaptive !== false && !isRecord(adaptive)) {
    return {
      path: ["adaptive"],
      message: `expected false or { decrease, increase, interval, min, max }, got ${show(adaptive)}`
    }
  }
  const adaptiveProblem = isRecord(adaptive)
    ? numberIn(adaptive.decrease, ["adaptive", "decrease"], 0.01, 0.99, false) ??
      numberIn(adaptive.increase, ["adaptive", "increase"], 0.001, 1, false) ??
      numberIn(adaptive.min, ["adaptive", "min"], 0.001, 1, false) ??
      numberIn(adaptive.max, ["adaptive", "max"], typeof adaptive.min === "number" ? adaptive.min : 0.001, 100, false)
    : undefined
  return adaptiveProblem ??
    numberIn(options.maxQueued, ["maxQueued"], 1, Infinity, true) ??
    numberIn(options.defaultMaxTokens, ["defaultMaxTokens"], 1, Infinity, true)
}

/**
 * `n` when it is a finite number above 0.
 *
 * @since 0.1.0
 * @category Options
 */
export const positive = (n: number | undefined): number | undefined =>
  n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined

/**
 * The budget of a model id: its own, else the `"*"` budget (every other model id gets one of that size).
 *
 * @since 0.1.0
 * @category Options
 */
export const budgetOf = (budgets: Readonly<Record<string, Budget>>, modelId: string): Budget | undefined =>
  Object.prototype.hasOwnProperty.call(budgets, modelId) ? budgets[modelId] : budgets["*"]

/**
 * The defaults: `maxWait` 60 s, `maxQueued` 1,000, `burst` 1 s, `storeTimeout` 1 s, and the store's key prefix.
 *
 * @since 0.1.0
 * @category Defaults
 */
export const defaults = {
  maxWaitMillis: 60_000,
  maxQueued: 1000,
  burstMillis: 1000,
  storeTimeoutMillis: 1000,
  keyPrefix: "effect-bedrock:ratelimit:"
} as const

// =============================================================================
// Adaptive rate
// =============================================================================

/**
 * The adaptive rate's settings: the fraction of the configured budgets is multiplied by `decrease` on a
 * `ThrottlingError` and raised by `increase` after a success, each at most once per `intervalMillis`, within
 * `min` to `max`.
 *
 * @since 0.1.0
 * @category Adaptive
 */
export interface Adaptive {
  readonly decrease: number
  readonly increase: number
  readonly intervalMillis: number
  readonly min: number
  readonly max: number
}

const between = (n: number | undefined, fallback: number, min: number, max: number): number =>
  n !== undefined && Number.isFinite(n) && n >= min && n <= max ? n : fallback

/**
 * The user's `adaptive` option, its `interval` in milliseconds.
 *
 * @since 0.1.0
 * @category Adaptive
 */
export interface AdaptiveInput {
  readonly decrease?: number | undefined
  readonly increase?: number | undefined
  readonly intervalMillis?: number | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
}

/**
 * The settings from the user's `adaptive` option (its `interval` already in milliseconds): `undefined` for
 * `false` (the configured rates are kept), else the defaults (0.7, 0.05, 2 s, 0.1 to 1) under what was given.
 *
 * @since 0.1.0
 * @category Adaptive
 */
export const adaptiveSettings = (options: AdaptiveInput | false | undefined): Adaptive | undefined => {
  if (options === false) return undefined
  const min = between(options?.min, 0.1, 0.001, 1)
  return {
    decrease: between(options?.decrease, 0.7, 0.01, 0.99),
    increase: between(options?.increase, 0.05, 0.001, 1),
    intervalMillis: Math.max(1, options?.intervalMillis ?? 2000),
    min,
    max: between(options?.max, 1, min, 100)
  }
}

/**
 * The adaptive rate of one model (AIMD): the factor applied to its per-minute budgets, and when it last
 * changed. `increase` after a success (additive), `decrease` after a `ThrottlingError` (multiplicative).
 *
 * @since 0.1.0
 * @category Adaptive
 */
export class AdaptiveRate {
  factor = 1
  private lastDecrease = -Infinity
  private lastChange = -Infinity

  /** A success: one step up, at most once per interval, up to `max`. */
  increase(adaptive: Adaptive, now: number): void {
    if (this.factor < adaptive.max && now - this.lastChange >= adaptive.intervalMillis) {
      this.factor = Math.min(adaptive.max, this.factor + adaptive.increase)
      this.lastChange = now
    }
  }

  /** A throttle: scaled down, at most once per interval, down to `min`. */
  decrease(adaptive: Adaptive, now: number): void {
    if (now - this.lastDecrease >= adaptive.intervalMillis) {
      this.factor = Math.max(adaptive.min, this.factor * adaptive.decrease)
      this.lastDecrease = now
      this.lastChange = now
    }
  }
}

// =============================================================================
// Buckets, estimates, corrections
// =============================================================================

/**
 * The token bucket for a rate of `perMinute` (already times the adaptive factor): it holds `burstMillis` worth
 * of the rate, at least 1 and at least `tokens` (so one call above the burst can still be admitted, when the
 * bucket is full), refilled at that rate over `windowMillis`.
 *
 * @since 0.1.0
 * @category Buckets
 */
export const bucketShape = (
  perMinute: number,
  burstMillis: number,
  tokens: number
): { readonly limit: number; readonly windowMillis: number } => {
  const limit = Math.max(1, Math.floor((perMinute * burstMillis) / 60_000), tokens)
  return { limit, windowMillis: (limit / perMinute) * 60_000 }
}

/**
 * What a call reserves from the caller's `estimateTokens` result: a finite number, rounded up, at least 0;
 * `undefined` for anything else (a NaN would lift the budget, a negative number fill the bucket), for which the
 * default estimate (input + max tokens) is used.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const clampEstimate = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) ? Math.max(0, Math.ceil(value)) : undefined

/**
 * The warning logged (once per limiter) when `estimateTokens` threw or did not return a finite number.
 *
 * @since 0.1.0
 * @category Estimates
 */
export const estimateWarning = (value: unknown): string =>
  `BedrockRateLimiter: estimateTokens ${
    value instanceof Error ? `threw (${value.message})` : `returned ${String(value)}`
  }, not a finite number; the default estimate (input + max tokens) is used instead`

/**
 * The tokens to take from the bucket once a call's real usage is known: `used - reserved` (negative: given
 * back); 0 when the usage is unknown.
 *
 * @since 0.1.0
 * @category Corrections
 */
export const usageCorrection = (reserved: number, used: number | undefined): number =>
  used === undefined ? 0 : used - reserved

/**
 * The tokens a failed call gives back: all it reserved when it was refused before any generation (a failure
 * of the request, not of a stream, and not the limiter's own refusal), since Bedrock counts none; else none.
 *
 * @since 0.1.0
 * @category Corrections
 */
export const refundOnFailure = (
  failure: { readonly _tag: string; readonly position?: string | undefined },
  reserved: number
): number => failure.position === "request" && failure._tag !== "BudgetExhaustedError" ? reserved : 0

// =============================================================================
// Stats and refusals
// =============================================================================

/**
 * The counters of one model: calls in flight, admitted, throttled by Bedrock and rejected by the limiter.
 *
 * @since 0.1.0
 * @category Stats
 */
export class AdmissionStats {
  inFlight = 0
  admitted = 0
  throttled = 0
  rejected = 0
}

/**
 * The message of a call that could not be admitted: the queue was full, or `budget` could not admit it within
 * `maxWaitMillis` (`retryAfterMillis`: how long it would have had to wait, when known).
 *
 * @since 0.1.0
 * @category Refusals
 */
export const exhaustedMessage = (options: {
  readonly budget: "requests" | "tokens" | "concurrency" | "queue"
  readonly modelId: string
  readonly maxQueued: number
  readonly maxWaitMillis: number
  readonly retryAfterMillis?: number | undefined
}): string =>
  options.budget === "queue"
    ? `${options.maxQueued} calls to ${options.modelId} already wait for budget`
    : options.retryAfterMillis === undefined
    ? `The ${options.budget} budget of ${options.modelId} stayed exhausted for ${options.maxWaitMillis} ms, the ` +
      "call's deadline"
    : `The ${options.budget} budget of ${options.modelId} is exhausted: the call would wait ${
      Math.ceil(options.retryAfterMillis)
    } ms, more than its deadline (${options.maxWaitMillis} ms)`
