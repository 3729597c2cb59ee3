/**
 * Reads an SDK event-stream iterator ahead of its consumer, a bounded number of events at a time,
 * and hands them over in batches, so that a stream costs one Effect pull per batch instead of one
 * per event (an event is a few hundred nanoseconds of SDK decoding; an Effect pull with its own
 * promise and timeout fibers is tens of microseconds).
 *
 * - Back-pressure: at most `highWaterMark` events are read ahead; the pump stops calling `next()`
 *   until the consumer takes them.
 * - Latency: a waiting consumer is woken once per macrotask (`setImmediate`) after the first event
 *   arrives, so events already decoded from the same socket read join the batch, and the first
 *   event of a stream is not held back for more.
 * - Idle timeout: only while a `next()` is pending (time spent by the consumer does not count),
 *   like an Effect timeout around each `next()` did.
 * - A failure is delivered after the events read before it. Nothing thrown while an event is
 *   read or held escapes the promise callbacks: it becomes the pump's failure.
 * - What is held: `hold` maps each event as it is stored (events wait in the buffer across young
 *   GCs; see deltaObjects.ts).
 *
 * @since 0.1.0
 * @internal
 */

/** @internal */
export type Take<A> =
  | { readonly _tag: "Events"; readonly events: Array<A> }
  | { readonly _tag: "End" }
  | { readonly _tag: "Failure"; readonly error: unknown; readonly timeout: boolean }

const END: Take<never> = { _tag: "End" }

/** The longest delay `setTimeout` takes; anything longer would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * A stream's idle timeout as a timer's milliseconds: at least 1, rounded; `undefined` (no timer) for an
 * infinite one or one longer than a timer can wait (over 24.8 days: as good as none).
 *
 * @internal
 */
export const idleTimerMillis = (ms: number): number | undefined => {
  if (!Number.isFinite(ms)) return undefined
  const rounded = Math.max(1, Math.round(ms))
  return rounded > MAX_TIMER_MS ? undefined : rounded
}

/**
 * The message of the `TransportError` (kind `"Timeout"`) of a ConverseStream with no answer or no next event
 * within its idle timeout, in both Effect lines.
 *
 * @internal
 */
export const idleTimeoutMessage = (ms: number | undefined): string =>
  `Stream timed out because of no activity for ${ms} ms`

/** @internal */
export class EventPump<A> {
  private buffer: Array<A> = []
  private finished = false
  private failure: { readonly error: unknown; readonly timeout: boolean } | undefined
  private waiter: ((take: Take<A>) => void) | undefined
  private wakeScheduled = false
  private reading = false
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private inFlight = false

  private iterator: AsyncIterator<A> | undefined

  constructor(
    iterator: AsyncIterator<A>,
    private readonly options: {
      readonly highWaterMark: number
      readonly idleTimeoutMs: number | undefined
      readonly onIdleTimeout: () => void
      readonly hold: (event: A) => A
    }
  ) {
    this.iterator = iterator
  }

  /** Starts reading ahead (before anyone polls). */
  start(): void {
    this.read()
  }

  /** Whatever is ready now, or undefined when the consumer has to wait. */
  poll(): Take<A> | undefined {
    if (this.buffer.length > 0) {
      const events = this.buffer
      this.buffer = []
      this.read()
      return { _tag: "Events", events }
    }
    if (this.failure !== undefined) return { _tag: "Failure", ...this.failure }
    if (this.finished) return END
    this.read()
    return undefined
  }

  /** Registers the (single) consumer waiting for the next take. */
  await(waiter: (take: Take<A>) => void): void {
    this.waiter = waiter
    // Something may have arrived since `poll` (the consumer's fiber can yield in between).
    if (this.buffer.length > 0 || this.finished || this.failure !== undefined) this.wake()
    else this.read()
  }

  /** The consumer gave up waiting (interruption). */
  cancel(): void {
    this.waiter = undefined
  }

  /**
   * Stops reading, clears the timer and drops the iterator and the events not taken: a `next()`
   * still pending in the SDK holds this pump, but then nothing else. The caller aborts the request.
   */
  stop(): void {
    this.stopped = true
    this.waiter = undefined
    this.iterator = undefined
    this.buffer = []
    this.clearTimer()
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private read(): void {
    if (this.reading || this.stopped || this.finished || this.failure !== undefined) return
    if (this.buffer.length >= this.options.highWaterMark) return
    this.reading = true
    this.next()
  }

  private next(): void {
    const iterator = this.iterator
    if (iterator === undefined) return
    this.armTimer()
    let promise: Promise<IteratorResult<A>>
    try {
      promise = iterator.next()
    } catch (error) {
      return this.onError(error)
    }
    promise.then(this.onResult, this.onErrorBound)
  }

  private readonly onResult = (result: IteratorResult<A>): void => {
    this.inFlight = false
    if (this.stopped || this.failure !== undefined) return
    if (result.done === true) {
      this.finished = true
      this.reading = false
      this.clearTimer()
      return this.wake()
    }
    let held: A
    try {
      held = this.options.hold(result.value)
    } catch (error) {
      // Nothing that arrives may throw out of this promise callback (an unhandled rejection).
      return this.onError(error)
    }
    this.buffer.push(held)
    this.wake()
    if (this.buffer.length >= this.options.highWaterMark) {
      this.reading = false
      return
    }
    this.next()
  }

  private readonly onErrorBound = (error: unknown): void => this.onError(error)

  private onError(error: unknown): void {
    this.inFlight = false
    this.reading = false
    if (this.stopped || this.failure !== undefined) return
    this.failure = { error, timeout: false }
    this.clearTimer()
    this.wake()
  }

  private armTimer(): void {
    this.inFlight = true
    const ms = this.options.idleTimeoutMs
    if (ms === undefined) return
    if (this.timer === undefined) this.timer = setTimeout(this.onTimer, ms)
    else this.timer.refresh()
  }

  private readonly onTimer = (): void => {
    if (!this.inFlight || this.stopped || this.failure !== undefined || this.finished) return
    this.failure = { error: undefined, timeout: true }
    this.reading = false
    this.wake()
    this.options.onIdleTimeout()
  }

  private wake(): void {
    if (this.waiter === undefined || this.wakeScheduled) return
    this.wakeScheduled = true
    setImmediate(this.deliver)
  }

  private readonly deliver = (): void => {
    this.wakeScheduled = false
    const waiter = this.waiter
    if (waiter === undefined) return
    const take = this.poll()
    if (take === undefined) return
    this.waiter = undefined
    waiter(take)
  }
}
