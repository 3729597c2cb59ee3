/**
 * The per-model state of `BedrockRateLimiter`, one per model id with a budget, made on its first
 * call: it composes the model's buckets (`ModelBuckets`), concurrency slots (`ConcurrencySlots`),
 * waiting calls (`WaitLine`), adaptive rate (`AdaptiveRate`) and counters (`AdmissionStats`), the last two
 * from the engine (`@effect-bedrock/converse/limits/admission`).
 * `ModelStates` owns the map from model id to state; only `stateOf` adds to it.
 *
 * @internal
 */
import { AdaptiveRate, AdmissionStats, budgetOf, positive } from "@effect-bedrock/converse/limits/admission"
import type * as BedrockRateLimiter from "../../BedrockRateLimiter.js"
import { ConcurrencySlots } from "./concurrencySlots.js"
import { type BucketSettings, ModelBuckets } from "./modelBuckets.js"
import type { TokenBuckets } from "./rateLimiter.js"
import { WaitLine } from "./waitLine.js"

/** @internal */
export interface ModelState {
  readonly modelId: string
  readonly buckets: ModelBuckets
  readonly slots: ConcurrencySlots | undefined
  readonly line: WaitLine
  readonly rate: AdaptiveRate
  readonly stats: AdmissionStats
}

/** @internal */
export { positive }

/** @internal */
export interface StatesSettings extends BucketSettings {
  readonly budgets: Readonly<Record<string, BedrockRateLimiter.Budget>>
}

/** @internal */
export class ModelStates {
  /** `null`: a model without budget (its calls go straight through). */
  private readonly states = new Map<string, ModelState | null>()

  constructor(private readonly limiter: TokenBuckets, private readonly settings: StatesSettings) {}

  stateOf(modelId: string | undefined): ModelState | undefined {
    if (modelId === undefined) return undefined
    const existing = this.states.get(modelId)
    if (existing !== undefined) return existing ?? undefined
    const budget = budgetOf(this.settings.budgets, modelId)
    const requestsPerMinute = positive(budget?.requestsPerMinute)
    const tokensPerMinute = positive(budget?.tokensPerMinute)
    const concurrency = positive(budget?.concurrency)
    if (requestsPerMinute === undefined && tokensPerMinute === undefined && concurrency === undefined) {
      this.states.set(modelId, null)
      return undefined
    }
    const rate = new AdaptiveRate()
    const state: ModelState = {
      modelId,
      buckets: new ModelBuckets(this.limiter, this.settings, modelId, requestsPerMinute, tokensPerMinute, rate),
      slots: concurrency === undefined ? undefined : new ConcurrencySlots(concurrency),
      line: new WaitLine(),
      rate,
      stats: new AdmissionStats()
    }
    this.states.set(modelId, state)
    return state
  }

  /** What `BedrockRateLimiter.stats` reports, one entry per model with a budget. */
  snapshot(): Array<BedrockRateLimiter.ModelStats> {
    const out: Array<BedrockRateLimiter.ModelStats> = []
    for (const state of this.states.values()) {
      if (state === null) continue
      out.push({
        modelId: state.modelId,
        rate: state.rate.factor,
        waiting: state.line.waiting,
        inFlight: state.stats.inFlight,
        admitted: state.stats.admitted,
        throttled: state.stats.throttled,
        rejected: state.stats.rejected
      })
    }
    return out
  }
}
