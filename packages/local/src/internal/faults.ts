/**
 * Fault injection: how a scripted stream goes wrong once its plan has written `fault.after` event
 * frames (see `LocalBedrockScript.Fault`).
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import * as eventStream from "./eventStream.js"
import { type Exchange, sleep, untilAborted } from "./exchange.js"

const RESET_GRACE_MS = 30

/** The frame cut or corrupted when the stream had no next frame of its own. */
const filler = (): Buffer =>
  eventStream.encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "..." } }, false)

/**
 * Ends the response with the fault. `next` is the frame the stream would have written next.
 *
 * @internal
 */
export const inject = async (ex: Exchange, fault: Script.Fault, next: Buffer | undefined): Promise<void> => {
  switch (fault._tag) {
    case "ExceptionEvent":
      return ex.end(eventStream.encodeException(fault.exceptionType, fault.message))
    case "Reset":
      // A peer's RST_STREAM discards what the client has buffered but not yet read, so give it a
      // moment to read the events before the reset (they were delivered in real life).
      await sleep(RESET_GRACE_MS, ex.signal)
      return ex.reset()
    case "Truncate": {
      const frame = next ?? filler()
      return ex.end(frame.subarray(0, Math.floor(frame.length / 2)))
    }
    case "BadCrc":
      return ex.end(eventStream.corruptCrc(next ?? filler()))
    case "Hang":
      return untilAborted(ex.signal)
  }
}
