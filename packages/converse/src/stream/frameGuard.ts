/**
 * A guard over the body of an event-stream response, in front of the SDK's own framing
 * (`@smithy/core` event streams). It reads only each frame's 8-byte prelude (total length, headers
 * length) as the bytes pass, and refuses a frame before the SDK sees its first byte when:
 *
 * - its declared length is over the cap (`maxEventBytes`): the SDK allocates a buffer of the
 *   declared length as soon as it reads the prelude, so a frame declaring 1.5 GB took 1.5 GB, and
 *   kept filling it for as long as bytes came;
 * - it is shorter than an empty message (16 bytes: prelude, prelude CRC, message CRC): the SDK
 *   threw a `RangeError` from a `DataView` for 0 to 3;
 * - its headers would end past its payload: the SDK threw a `RangeError` while cutting it.
 *
 * The error thrown carries `code: malformedFrameCode`, which `fromSdk` classifies as a
 * `MalformedEventStream`. Cost: a few integer operations per frame, nothing allocated per chunk
 * beyond what an async generator does; the bytes are passed on as they came.
 *
 * @since 0.1.0
 */
import { malformedFrameCode } from "@effect-bedrock/converse/errors/transport"

/** Prelude (8) + prelude CRC (4) + message CRC (4): the length of a message with no headers and no payload. */
const MIN_FRAME = 16

/**
 * The default cap on one event-stream frame: Bedrock's events are a few hundred bytes to a few
 * kilobytes (a guardrail trace in `metadata` is the largest).
 *
 * @internal
 */
export const defaultMaxEventBytes = 4 * 1024 * 1024

const frameError = (message: string): Error =>
  Object.assign(new Error(`Malformed event stream message: ${message}`), { code: malformedFrameCode })

/** @internal */
export const tooLarge = (declared: number, max: number): Error =>
  frameError(
    `an event frame declares ${declared} bytes, over the limit of ${max} bytes per event ` +
      "(BedrockClient option maxEventBytes); it was refused before it was read"
  )

/** A big-endian unsigned 32-bit integer (a number, never negative). */
const uint32 = (bytes: Uint8Array, at: number): number =>
  bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)

const sourceKey: unique symbol = Symbol.for("@effect-bedrock/core/FrameGuard/source")

/**
 * The body, passed on chunk by chunk, each checked before it is handed over. The guarded body keeps
 * the original under a symbol (`sourceOf`), for tests that look at the HTTP/2 stream itself.
 *
 * @internal
 */
export const guard = (body: AsyncIterable<Uint8Array>, maxEventBytes: number): AsyncIterable<Uint8Array> =>
  Object.defineProperty(guarded(body, maxEventBytes), sourceKey, { value: body })

/**
 * The response body under a guard, or the value itself.
 *
 * @internal
 */
export const sourceOf = (body: unknown): unknown =>
  typeof body === "object" && body !== null && sourceKey in body ? (body as { [sourceKey]: unknown })[sourceKey] : body

async function* guarded(body: AsyncIterable<Uint8Array>, maxEventBytes: number): AsyncGenerator<Uint8Array> {
  // Bytes of the current frame still to pass after its prelude; while 0, a prelude is being read.
  let remaining = 0
  // The prelude read so far: its byte count and the two lengths accumulated big-endian.
  let preludeBytes = 0
  let total = 0
  let headers = 0
  for await (const chunk of body) {
    const size = chunk.length
    let offset = 0
    // Where the frame whose prelude is being read starts in this chunk (0 when it began in an earlier one).
    let frameStart = 0
    while (offset < size) {
      if (remaining > 0) {
        const left = size - offset
        if (left <= remaining) {
          remaining -= left
          break
        }
        offset += remaining
        remaining = 0
        continue
      }
      if (preludeBytes === 0) {
        frameStart = offset
        if (offset + 8 <= size) {
          // The whole prelude is in this chunk (nearly always): read both lengths at once.
          total = uint32(chunk, offset)
          headers = uint32(chunk, offset + 4)
          offset += 8
          preludeBytes = 8
        }
      }
      if (preludeBytes < 8) {
        const byte = chunk[offset++]!
        // Multiplication, not shifts: a length of 2^31 or more stays positive.
        if (preludeBytes < 4) total = total * 256 + byte
        else headers = headers * 256 + byte
        if (++preludeBytes < 8) continue
      }
      const problem = total > maxEventBytes
        ? tooLarge(total, maxEventBytes)
        : total < MIN_FRAME
        ? frameError(`an event frame declares ${total} bytes, less than the ${MIN_FRAME} of an empty message`)
        : headers > total - MIN_FRAME
        ? frameError(`an event frame of ${total} bytes declares ${headers} bytes of headers, past its end`)
        : undefined
      if (problem !== undefined) {
        // The frames before this one are delivered first, as the SDK delivers events before a fault.
        if (frameStart > 0) yield chunk.subarray(0, frameStart)
        throw problem
      }
      remaining = total - 8
      preludeBytes = 0
      total = 0
      headers = 0
    }
    yield chunk
  }
}
