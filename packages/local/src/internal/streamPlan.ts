/**
 * Writing an event-stream answer: a plan of pre-encoded frames, generated text deltas and pauses,
 * with the script's delays, backpressure, and the fault that ends it early.
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import type * as eventStream from "./eventStream.js"
import { type Exchange, sleep } from "./exchange.js"
import * as faults from "./faults.js"

/** @internal */
export type Segment =
  | { readonly _tag: "Frames"; readonly frames: ReadonlyArray<Buffer> }
  | { readonly _tag: "Deltas"; readonly count: number; readonly batch: eventStream.DeltaBatch }
  | { readonly _tag: "Pause"; readonly ms: number }
  | { readonly _tag: "Repeat"; readonly bytes: Buffer; readonly count: number }

/** @internal */
export interface Plan {
  readonly segments: ReadonlyArray<Segment>
  readonly delayFirstMs?: number | undefined
  readonly delayBetweenMs?: number | undefined
  readonly fault?: Script.Fault | undefined
}

/**
 * A plan of frames only, with no delay or fault.
 *
 * @internal
 */
export const ofFrames = (frames: ReadonlyArray<Buffer>): Plan => ({ segments: [{ _tag: "Frames", frames }] })

/** @internal */
export const run = async (ex: Exchange, plan: Plan, requestId: string): Promise<void> => {
  const { signal } = ex
  if (plan.delayFirstMs !== undefined) await sleep(plan.delayFirstMs, signal)
  if (signal.aborted) return
  ex.head(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId })
  const between = plan.delayBetweenMs !== undefined && plan.delayBetweenMs > 0 ? plan.delayBetweenMs : undefined
  const limit = plan.fault?.after ?? Infinity
  let written = 0
  let next: Buffer | undefined
  const one = async (frame: Buffer): Promise<boolean> => {
    if (between !== undefined && written > 0) await sleep(between, signal)
    if (!(await ex.write(frame))) return false
    written++
    return true
  }
  outer: for (const segment of plan.segments) {
    switch (segment._tag) {
      case "Pause":
        await sleep(segment.ms, signal)
        if (signal.aborted) return
        break
      case "Frames":
        for (const frame of segment.frames) {
          if (written >= limit) {
            next = frame
            break outer
          }
          if (!(await one(frame))) return
        }
        break
      case "Repeat":
        for (let i = 0; i < segment.count; i++) {
          if (written >= limit) {
            next = segment.bytes
            break outer
          }
          if (!(await one(segment.bytes))) return
        }
        break
      case "Deltas": {
        const { batch } = segment
        let remaining = segment.count
        while (remaining > 0) {
          if (written >= limit) {
            next = batch.single
            break outer
          }
          if (between !== undefined) {
            if (!(await one(batch.single))) return
            remaining--
          } else {
            const k = Math.min(remaining, batch.size, limit - written)
            if (!(await ex.write(k === batch.size ? batch.batch : batch.batch.subarray(0, batch.offsets[k]!)))) return
            remaining -= k
            written += k
          }
        }
        break
      }
    }
  }
  if (signal.aborted) return
  if (plan.fault === undefined) return ex.end()
  return faults.inject(ex, plan.fault, next)
}
