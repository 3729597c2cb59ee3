/**
 * The bookkeeping of a client-side rate limiter, per model id, as plain data, shared by the Effect 3 and Effect 4
 * `BedrockRateLimiter`s (each keeps only the waiting and the store, in its own Effect line): the settings from the
 * options (durations already in milliseconds), the model's budget, its waiting calls, adaptive rate and counters,
 * the request a bucket makes to the store, what a call's end does to the rate and the buckets, the refusal's
 * message, the token estimate a call reserves, and the `stats` snapshot.
 *
 * @since 0.1.0
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as Admission from "./admission.js"
import * as TokenEstimate from "./tokenEstimate.js"

// =============================================================================
// Settings
// =============================================================================

/**
 * What a token estimate is given: the request, a cheap estimate of its input tokens and the most it may generate.
 *
 * @since 0.1.0
 * @category Models
 */
export interface EstimateRequest {
  readonly input: ConverseCommandInput | ConverseStreamCommandInput
  readonly inputTokens: number
  readonly maxTokens: number
}

/**
 * The limiter's settings, every default applied and every duration in milliseconds.
 *
 * @since 0.1.0
 * @category Settings
 */
export interface Settings {
  readonly budgets: Readonly<Record<string, Admission.Budget>>
  readonly maxWaitMillis: number
  readonly maxQueued: number
  readonly burstMillis: number
  readonly defaultMaxTokens: number
  readonly estimate: ((request: EstimateRequest) => number) | undefined
  readonly adaptive: Admission.Adaptive | undefined
  readonly keyPrefix: string
  readonly storeTimeoutMillis: number
}

/**
 * The options once checked (`Admission.checkOptions`), with their durations decoded to milliseconds by the
 * Effect line (`undefined`: not given).
 *
 * @since 0.1.0
 * @category Settings
 */
export interface SettingsInput {
  readonly budgets: Readonly<Record<string, Admission.Budget>>
  readonly maxWaitMillis?: number | undefined
  readonly burstMillis?: number | undefined
  readonly storeTimeoutMillis?: number | undefined
  readonly maxQueued?: number | undefined
  readonly defaultMaxTokens?: number | undefined
  readonly estimateTokens?: ((request: EstimateRequest) => number) | undefined
  readonly adaptive?: Admission.AdaptiveInput | false | undefined
  readonly keyPrefix?: string | undefined
}

/**
 * The settings of checked options: the defaults (`Admission.defaults`, `TokenEstimate.defaultMaxTokens`, the
 * adaptive defaults) under what was given.
 *
 * @since 0.1.0
 * @category Settings
 */
export const settings = (options: SettingsInput): Settings => ({
  budgets: options.budgets,
  maxWaitMillis: options.maxWaitMillis ?? Admission.defaults.maxWaitMillis,
  maxQueued: Math.floor(Admission.positive(options.maxQueued) ?? Admission.defaults.maxQueued),
  burstMillis: Math.max(1, options.burstMillis ?? Admission.defaults.burstMillis),
  defaultMaxTokens: Admission.positive(options.defaultMaxTokens) ?? TokenEstimate.defaultMaxTokens,
  estimate: options.estimateTokens,
  adaptive: Admission.adaptiveSettings(options.adaptive),
  keyPrefix: options.keyPrefix ?? Admission.defaults.keyPrefix,
  storeTimeoutMillis: options.storeTimeoutMillis ?? Admission.defaults.storeTimeoutMillis
})

// =============================================================================
// Estimates
// =============================================================================

/**
 * The tokens a call reserves: the caller's estimate, clamped (`Admission.clampEstimate`), or the default (input +
 * max tokens) when there is none, or it throws or is not a finite number; then with the warning to log, the first
 * time only.
 *
 * @since 0.1.0
 * @category Estimates
 */
export class Estimator {
  private warned = false

  constructor(private readonly settings: Pick<Settings, "defaultMaxTokens" | "estimate">) {}

  /** The tokens to reserve, and a warning to log (`undefined` but for the first estimate that was replaced). */
  estimate(input: ConverseCommandInput | ConverseStreamCommandInput): {
    readonly tokens: number
    readonly warning: string | undefined
  } {
    const inputTokens = TokenEstimate.inputTokens(input)
    const maxTokens = TokenEstimate.maxTokens(input, this.settings.defaultMaxTokens)
    const fallback = inputTokens + maxTokens
    const estimate = this.settings.estimate
    if (estimate === undefined) return { tokens: fallback, warning: undefined }
    let value: unknown
    try {
      value = estimate({ input, inputTokens, maxTokens })
    } catch (error) {
      value = error
    }
    const clamped = Admission.clampEstimate(value)
    if (clamped !== undefined) return { tokens: clamped, warning: undefined }
    if (this.warned) return { tokens: fallback, warning: undefined }
    this.warned = true
    return { tokens: fallback, warning: Admission.estimateWarning(value) }
  }
}

// =============================================================================
// One model
// =============================================================================

/**
 * One of a model's two token buckets.
 *
 * @since 0.1.0
 * @category Models
 */
export type Bucket = "requests" | "tokens"

/**
 * What `stats` reports of one model.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ModelStats {
  readonly modelId: string
  readonly rate: number
  readonly waiting: number
  readonly inFlight: number
  readonly admitted: number
  readonly throttled: number
  readonly rejected: number
}

/**
 * One `consume` of a token bucket in a rate limiter's store: its key, size, refill window, the tokens taken
 * (negative: given back) and whether to wait for them (`"delay"`) or not take them when the bucket lacks them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BucketRequest {
  readonly algorithm: "token-bucket"
  readonly onExceeded: "delay" | "fail"
  readonly key: string
  readonly limit: number
  readonly windowMillis: number
  readonly tokens: number
}

/**
 * The admission state of one model with a budget: its per-minute budgets and concurrency, the calls waiting for
 * budget (at most `maxQueued`), its adaptive rate and its counters.
 *
 * @since 0.1.0
 * @category Models
 */
export class ModelLimits {
  readonly rate = new Admission.AdaptiveRate()
  readonly stats = new Admission.AdmissionStats()
  waiting = 0

  constructor(
    readonly modelId: string,
    readonly requestsPerMinute: number | undefined,
    readonly tokensPerMinute: number | undefined,
    readonly concurrency: number | undefined
  ) {}

  /** Counts one more waiting call, unless `maxQueued` already wait: `false`. */
  enter(maxQueued: number): boolean {
    if (this.waiting >= maxQueued) return false
    this.waiting++
    return true
  }

  leave(): void {
    this.waiting--
  }

  /**
   * The store request that takes `tokens` from `bucket` (a negative amount gives them back): a bucket sized by
   * `Admission.bucketShape` from the budget times the adaptive rate, for a call of `sizeTokens`.
   */
  bucketRequest(
    settings: Pick<Settings, "keyPrefix" | "burstMillis">,
    bucket: Bucket,
    tokens: number,
    onExceeded: "delay" | "fail",
    sizeTokens = tokens
  ): BucketRequest {
    const perMinute = (bucket === "requests" ? this.requestsPerMinute! : this.tokensPerMinute!) * this.rate.factor
    const { limit, windowMillis } = Admission.bucketShape(perMinute, settings.burstMillis, sizeTokens)
    return {
      algorithm: "token-bucket",
      onExceeded,
      key: `${settings.keyPrefix}${this.modelId}:${bucket}`,
      limit,
      windowMillis,
      tokens
    }
  }

  /**
   * A call that reserved `reserved` tokens succeeded at `now`, having used `used`: the rate goes up, and the
   * tokens to take from the tokens bucket are returned (negative: given back; 0: nothing to do).
   */
  succeeded(adaptive: Admission.Adaptive | undefined, now: number, reserved: number, used: number | undefined) {
    if (adaptive !== undefined) this.rate.increase(adaptive, now)
    return this.tokensPerMinute === undefined ? 0 : Admission.usageCorrection(reserved, used)
  }

  /**
   * A call that reserved `reserved` tokens failed at `now`: a `ThrottlingError` is counted and lowers the rate;
   * the tokens to give back are returned (`Admission.refundOnFailure`).
   */
  failed(
    adaptive: Admission.Adaptive | undefined,
    now: number,
    failure: { readonly _tag: string; readonly position?: string | undefined },
    reserved: number
  ): number {
    if (failure._tag === "ThrottlingError") {
      this.stats.throttled++
      if (adaptive !== undefined) this.rate.decrease(adaptive, now)
    }
    return Admission.refundOnFailure(failure, reserved)
  }

  /** A call refused by `budget`: counted, and the refusal's message (`Admission.exhaustedMessage`). */
  refused(
    settings: Pick<Settings, "maxQueued" | "maxWaitMillis">,
    budget: "requests" | "tokens" | "concurrency" | "queue",
    retryAfterMillis?: number
  ): string {
    this.stats.rejected++
    return Admission.exhaustedMessage({
      budget,
      modelId: this.modelId,
      maxQueued: settings.maxQueued,
      maxWaitMillis: settings.maxWaitMillis,
      retryAfterMillis
    })
  }

  snapshot(): ModelStats {
    return {
      modelId: this.modelId,
      rate: this.rate.factor,
      waiting: this.waiting,
      inFlight: this.stats.inFlight,
      admitted: this.stats.admitted,
      throttled: this.stats.throttled,
      rejected: this.stats.rejected
    }
  }
}

/**
 * The limits of a model id from `budgets` (its own budget, else `"*"`'s), or `undefined` when it has none that
 * limits anything (its calls go straight through).
 *
 * @since 0.1.0
 * @category Models
 */
export const limitsOf = (
  budgets: Readonly<Record<string, Admission.Budget>>,
  modelId: string
): ModelLimits | undefined => {
  const budget = Admission.budgetOf(budgets, modelId)
  const requestsPerMinute = Admission.positive(budget?.requestsPerMinute)
  const tokensPerMinute = Admission.positive(budget?.tokensPerMinute)
  const concurrency = Admission.positive(budget?.concurrency)
  return requestsPerMinute === undefined && tokensPerMinute === undefined && concurrency === undefined
    ? undefined
    : new ModelLimits(modelId, requestsPerMinute, tokensPerMinute, concurrency)
}

/**
 * The states of the models called so far, made on a model's first call by `make` from its `ModelLimits` (what
 * the Effect line adds: its buckets, semaphores); a model without budget is remembered as such.
 *
 * @since 0.1.0
 * @category Models
 */
export class Models<S extends { readonly limits: ModelLimits }> {
  /** `null`: a model without budget. */
  private readonly states = new Map<string, S | null>()

  constructor(
    private readonly budgets: Readonly<Record<string, Admission.Budget>>,
    private readonly make: (limits: ModelLimits) => S
  ) {}

  /** The state of `modelId`; `undefined` for a model without budget (or a model id that is not a string). */
  stateOf(modelId: unknown): S | undefined {
    if (typeof modelId !== "string") return undefined
    const existing = this.states.get(modelId)
    if (existing !== undefined) return existing ?? undefined
    const limits = limitsOf(this.budgets, modelId)
    const state = limits === undefined ? null : this.make(limits)
    this.states.set(modelId, state)
    return state ?? undefined
  }

  /** What `stats` reports: one entry per model with a budget called so far. */
  snapshot(): Array<ModelStats> {
    const out: Array<ModelStats> = []
    for (const state of this.states.values()) if (state !== null) out.push(state.limits.snapshot())
    return out
  }
}
