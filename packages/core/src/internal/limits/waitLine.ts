/**
 * The waiting calls of one model in `BedrockRateLimiter`: how many wait for budget (bounded by
 * `maxQueued`), and the line (a one-permit semaphore, first come, first served) in which they ask
 * the store for tokens, one at a time. Owned by the model's `ModelState`; mutated only by the
 * limiter's admission (`enter` / `leave`, `tokens.withPermits`).
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** @internal */
export class WaitLine {
  waiting = 0
  /** One waiter at a time asks the store for tokens, the others queue behind it (first come, first served). */
  readonly tokens: Effect.Semaphore = Effect.unsafeMakeSemaphore(1)

  /** Counts one more waiting call, unless `maxQueued` already wait: `false`. */
  enter(maxQueued: number): boolean {
    if (this.waiting >= maxQueued) return false
    this.waiting++
    return true
  }

  leave(): void {
    this.waiting--
  }
}
