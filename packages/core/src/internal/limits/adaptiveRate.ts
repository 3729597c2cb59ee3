/**
 * The adaptive rate (AIMD) of one model in `BedrockRateLimiter`: the factor applied to its
 * per-minute budgets, and when it last changed. Owned by the model's `ModelState`; mutated only by
 * the limiter's after-call hooks: `increase` after a success (additive), `decrease` after a
 * `ThrottlingError` (multiplicative). The buckets read `factor`.
 *
 * @internal
 */

/** @internal */
export interface Adaptive {
  readonly decrease: number
  readonly increase: number
  readonly intervalMillis: number
  readonly min: number
  readonly max: number
}

/** @internal */
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
