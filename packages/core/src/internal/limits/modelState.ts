/**
 * The per-model state of `BedrockRateLimiter`, one per model id with a budget, made on its first
 * call (the engine's `Models`, `@effect-bedrock/converse/limits/models`, owns the map from model id to
 * state): the engine's bookkeeping (`ModelLimits`: budgets, waiting calls, adaptive rate, counters), the
 * model's buckets (`ModelBuckets`), concurrency slots (`ConcurrencySlots`) and the line in which its calls
 * ask the store for tokens.
 *
 * @internal
 */
import type { ModelLimits, Settings } from "@effect-bedrock/converse/limits/models"
import * as Effect from "effect/Effect"
import { ConcurrencySlots } from "./concurrencySlots.js"
import { ModelBuckets } from "./modelBuckets.js"
import type { TokenBuckets } from "./rateLimiter.js"

/** @internal */
export interface ModelState {
  readonly limits: ModelLimits
  readonly buckets: ModelBuckets
  readonly slots: ConcurrencySlots | undefined
  /** One waiter at a time asks the store for tokens, the others queue behind it (first come, first served). */
  readonly tokenLine: Effect.Semaphore
}

/** The state of a model with `limits`, its buckets in `limiter`. @internal */
export const makeState = (limiter: TokenBuckets, settings: Settings) => (limits: ModelLimits): ModelState => ({
  limits,
  buckets: new ModelBuckets(limiter, settings, limits),
  slots: limits.concurrency === undefined ? undefined : new ConcurrencySlots(limits.concurrency),
  tokenLine: Effect.unsafeMakeSemaphore(1)
})
