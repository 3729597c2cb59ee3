/**
 * The event-stream frames of a ConverseStream answer as a cassette keeps them: cut from the bytes as
 * they passed (each frame's prelude gives its length), described in words for people reading the file
 * (`event` or `exception`, its type and the JSON payload), and encoded again from those words for a
 * cassette written by hand. Only the string headers Bedrock uses are read; a frame with anything else
 * keeps its bytes alone.
 *
 * @since 0.1.0
 */

/**
 * A frame in words: what kind of message it is, its type and its JSON payload.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Described {
  /** `event` (`:event-type`) or `exception` (`:exception-type`, a failure inside the stream). */
  readonly kind: "event" | "exception"
  readonly type: string
  readonly payload: unknown
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/**
 * The CRC-32 (IEEE) of `bytes` from `from` to `to` (excluded), as the event-stream prelude and message checksums
 * use it.
 *
 * @since 0.1.0
 * @category Encoding
 */
export const crc32 = (bytes: Uint8Array, from = 0, to = bytes.length): number => {
  let crc = 0xffffffff
  for (let i = from; i < to; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const uint32 = (bytes: Uint8Array, at: number): number =>
  bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!)

/** Prelude (8) + prelude CRC (4) + message CRC (4). */
const MIN_FRAME = 16

/**
 * Cuts whole frames off the front of `bytes`: the frames, and the bytes of an unfinished one left
 * over (a stream cut in the middle of a frame). A declared length under the minimum stops the cut
 * (what follows is kept as the rest).
 *
 * @since 0.1.0
 * @category Decoding
 */
export const split = (bytes: Uint8Array): { readonly frames: Array<Uint8Array>; readonly rest: Uint8Array } => {
  const frames: Array<Uint8Array> = []
  let at = 0
  while (bytes.length - at >= 4) {
    const length = uint32(bytes, at)
    if (length < MIN_FRAME || bytes.length - at < length) break
    frames.push(bytes.subarray(at, at + length))
    at += length
  }
  return { frames, rest: bytes.subarray(at) }
}

const decoder = new TextDecoder("utf-8", { fatal: true })
const encoder = new TextEncoder()

/** The frame's headers when every one is a string (type 7), else `undefined`. */
const stringHeaders = (frame: Uint8Array, end: number): Record<string, string> | undefined => {
  const headers: Record<string, string> = {}
  let at = 12
  try {
    while (at < end) {
      const nameLength = frame[at]!
      const name = decoder.decode(frame.subarray(at + 1, at + 1 + nameLength))
      at += 1 + nameLength
      if (frame[at] !== 7) return undefined
      const valueLength = (frame[at + 1]! << 8) | frame[at + 2]!
      headers[name] = decoder.decode(frame.subarray(at + 3, at + 3 + valueLength))
      at += 3 + valueLength
    }
  } catch {
    return undefined
  }
  return at === end ? headers : undefined
}

/**
 * Whether a frame is whole and sound: its length, both checksums.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const isValid = (frame: Uint8Array): boolean => {
  if (frame.length < MIN_FRAME || uint32(frame, 0) !== frame.length) return false
  const headersLength = uint32(frame, 4)
  if (12 + headersLength > frame.length - 4) return false
  return uint32(frame, 8) === crc32(frame, 0, 8) &&
    uint32(frame, frame.length - 4) === crc32(frame, 0, frame.length - 4)
}

/**
 * A frame in words, or `undefined` when it is not a sound frame with string headers and a JSON payload.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const describe = (frame: Uint8Array): Described | undefined => {
  if (!isValid(frame)) return undefined
  const headersEnd = 12 + uint32(frame, 4)
  const headers = stringHeaders(frame, headersEnd)
  if (headers === undefined) return undefined
  let payload: unknown
  try {
    payload = JSON.parse(decoder.decode(frame.subarray(headersEnd, frame.length - 4)))
  } catch {
    return undefined
  }
  const kind = headers[":message-type"]
  if (kind !== "event" && kind !== "exception") return undefined
  const type = headers[kind === "event" ? ":event-type" : ":exception-type"]
  return type === undefined ? undefined : { kind, type, payload }
}

const writeHeader = (out: Array<number>, name: string, value: string) => {
  const nameBytes = encoder.encode(name)
  const valueBytes = encoder.encode(value)
  out.push(nameBytes.length)
  for (const byte of nameBytes) out.push(byte)
  out.push(7, (valueBytes.length >> 8) & 0xff, valueBytes.length & 0xff)
  for (const byte of valueBytes) out.push(byte)
}

const writeUint32 = (bytes: Uint8Array, at: number, value: number) => {
  bytes[at] = (value >>> 24) & 0xff
  bytes[at + 1] = (value >>> 16) & 0xff
  bytes[at + 2] = (value >>> 8) & 0xff
  bytes[at + 3] = value & 0xff
}

/**
 * The bytes of a frame from its words, the way Bedrock writes them: `:event-type` (or
 * `:exception-type`), `:content-type: application/json`, `:message-type`, then the payload as
 * compact JSON.
 *
 * @since 0.1.0
 * @category Encoding
 */
export const encode = (described: Described): Uint8Array => encodeText(described, JSON.stringify(described.payload))

/**
 * As `encode`, with the payload's text given (kept exactly as it was written).
 *
 * @since 0.1.0
 * @category Encoding
 */
export const encodeText = (described: Omit<Described, "payload">, payloadText: string): Uint8Array => {
  const headers: Array<number> = []
  const typeHeader = described.kind === "event" ? ":event-type" : ":exception-type"
  writeHeader(headers, typeHeader, described.type)
  writeHeader(headers, ":content-type", "application/json")
  writeHeader(headers, ":message-type", described.kind)
  const payload = encoder.encode(payloadText)
  const length = 12 + headers.length + payload.length + 4
  const frame = new Uint8Array(length)
  writeUint32(frame, 0, length)
  writeUint32(frame, 4, headers.length)
  writeUint32(frame, 8, crc32(frame, 0, 8))
  frame.set(headers, 12)
  frame.set(payload, 12 + headers.length)
  writeUint32(frame, length - 4, crc32(frame, 0, length - 4))
  return frame
}
