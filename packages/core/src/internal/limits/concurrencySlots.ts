/**
 * The concurrency slots of one model in `BedrockRateLimiter` (its `concurrency` budget): a
 * semaphore with that many permits. Owned by the model's `ModelState`; a call takes one slot during
 * admission (`acquire`) and gives it back when its scope closes.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"

/** @internal */
export class ConcurrencySlots {
  /** One slot, waited for (interruptibly), held until the scope closes. */
  readonly acquire: Effect.Effect<number, never, Scope.Scope>

  constructor(concurrency: number) {
    const semaphore = Effect.unsafeMakeSemaphore(Math.max(1, Math.floor(concurrency)))
    this.acquire = Effect.acquireRelease(Effect.interruptible(semaphore.take(1)), () => semaphore.release(1))
  }
}
