/**
 * Open-request accounting: how many requests are received and not yet finished or closed, and
 * who waits for that number to reach zero.
 *
 * @internal
 */

/** @internal */
export class OpenRequests {
  private readonly idleWaiters = new Set<() => void>()
  private open = 0

  get count(): number {
    return this.open
  }

  /**
   * Counts a request as open; the returned function (idempotent) counts it as closed.
   */
  begin(): () => void {
    this.open++
    let closed = false
    return () => {
      if (closed) return
      closed = true
      this.open--
      if (this.open === 0) { for (const waiter of [...this.idleWaiters]) waiter() }
    }
  }

  awaitIdle(): Promise<void> {
    if (this.open === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter = () => {
        this.idleWaiters.delete(waiter)
        resolve()
      }
      this.idleWaiters.add(waiter)
    })
  }

  /** Calls `waiter` once no request is open; the returned function cancels the wait. */
  onIdle(waiter: () => void): () => void {
    if (this.open === 0) {
      waiter()
      return () => {}
    }
    const wrapped = () => {
      this.idleWaiters.delete(wrapped)
      waiter()
    }
    this.idleWaiters.add(wrapped)
    return () => this.idleWaiters.delete(wrapped)
  }
}
