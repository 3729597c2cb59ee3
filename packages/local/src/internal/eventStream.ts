/**
 * Event-stream framing for ConverseStream answers: the real binary format (prelude, headers,
 * payload, CRCs) encoded with `@smithy/eventstream-codec`, plus Bedrock's padding field.
 *
 * @internal
 */
import { EventStreamCodec, Int64 } from "@smithy/eventstream-codec"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"

const codec = new EventStreamCodec(toUtf8, fromUtf8)

const PADDING_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

/**
 * Real Bedrock adds `"p": "abcdef..."` of random length to every event payload, so decoders
 * must ignore unknown fields; we do the same.
 *
 * @internal
 */
export const padding = (length: number = Math.floor(Math.random() * 40) + 1): string =>
  PADDING_ALPHABET.repeat(Math.ceil(length / PADDING_ALPHABET.length)).slice(0, length)

/** @internal */
export const encodeEvent = (eventType: string, payload: unknown, withPadding: boolean): Buffer => {
  const body = withPadding && typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? { ...(payload as Record<string, unknown>), p: padding() }
    : payload
  return encodeRaw({
    ":message-type": "event",
    ":event-type": eventType,
    ":content-type": "application/json"
  }, JSON.stringify(body))
}

/** @internal */
export const encodeException = (exceptionType: string, message: string): Buffer =>
  encodeRaw({
    ":message-type": "exception",
    ":exception-type": exceptionType,
    ":content-type": "application/json"
  }, JSON.stringify({ message }))

type HeaderValue = string | boolean | number | Uint8Array

const headerOf = (value: HeaderValue): Parameters<EventStreamCodec["encode"]>[0]["headers"][string] => {
  if (typeof value === "string") return { type: "string", value }
  if (typeof value === "boolean") return { type: "boolean", value }
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
      ? { type: "integer", value }
      : { type: "long", value: Int64.fromNumber(value) }
  }
  return { type: "binary", value }
}

/** @internal */
export const encodeRaw = (headers: Readonly<Record<string, HeaderValue>>, body: string | Uint8Array): Buffer => {
  const messageHeaders: Parameters<EventStreamCodec["encode"]>[0]["headers"] = {}
  for (const [name, value] of Object.entries(headers)) {
    messageHeaders[name] = headerOf(value)
  }
  const bytes = codec.encode({ headers: messageHeaders, body: typeof body === "string" ? fromUtf8(body) : body })
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

// CRC-32 (IEEE), as the event-stream prelude and message checksums use it.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

const crc32 = (bytes: Uint8Array): number => {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/**
 * A frame's bytes with its prelude's declared lengths replaced, both CRCs computed over the
 * result (see `LocalBedrockScript.frameBytes`).
 *
 * @internal
 */
export const frameBytes = (
  headers: Readonly<Record<string, HeaderValue>>,
  body: string | Uint8Array,
  options?: { readonly totalLength?: number | undefined; readonly headersLength?: number | undefined }
): Uint8Array => {
  const frame = new Uint8Array(encodeRaw(headers, body))
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  if (options?.totalLength !== undefined) view.setUint32(0, options.totalLength, false)
  if (options?.headersLength !== undefined) view.setUint32(4, options.headersLength, false)
  view.setUint32(8, crc32(frame.subarray(0, 8)), false)
  view.setUint32(frame.length - 4, crc32(frame.subarray(0, frame.length - 4)), false)
  return frame
}

/**
 * A copy of the frame with one byte of its trailing message CRC flipped.
 *
 * @internal
 */
export const corruptCrc = (frame: Buffer): Buffer => {
  const copy = Buffer.from(frame)
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff
  return copy
}

/**
 * Splits a complete body into frames and decodes each (for tests and diagnostics).
 *
 * @internal
 */
export const decodeFrames = (
  bytes: Uint8Array
): Array<{ readonly headers: Record<string, string>; readonly body: string }> => {
  const out: Array<{ headers: Record<string, string>; body: string }> = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let offset = 0
  while (offset + 4 <= bytes.byteLength) {
    const length = view.getUint32(offset, false)
    const message = codec.decode(bytes.subarray(offset, offset + length))
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(message.headers)) headers[name] = String(value.value)
    out.push({ headers, body: toUtf8(message.body) })
    offset += length
  }
  return out
}

// =============================================================================
// Pre-encoded text deltas (load generation)
// =============================================================================

/**
 * A batch of `size` identical text-delta frames (with a few padding lengths cycled), encoded once
 * and written many times. `offsets[k]` is the byte length of the first `k` frames, so a partial
 * batch is a `subarray` of the same buffer.
 *
 * @internal
 */
export interface DeltaBatch {
  readonly single: Buffer
  readonly batch: Buffer
  readonly offsets: ReadonlyArray<number>
  readonly size: number
}

const BATCH_SIZE = 256
const batchCache = new Map<string, DeltaBatch>()

/** @internal */
export const deltaBatch = (text: string, withPadding: boolean): DeltaBatch => {
  const key = `${withPadding ? "p" : "n"}:${text}`
  const cached = batchCache.get(key)
  if (cached !== undefined) return cached
  const variants: Array<Buffer> = []
  for (let i = 0; i < 8; i++) {
    variants.push(encodeRaw(
      {
        ":message-type": "event",
        ":event-type": "contentBlockDelta",
        ":content-type": "application/json"
      },
      JSON.stringify(
        withPadding
          ? { contentBlockIndex: 0, delta: { text }, p: padding(1 + ((i * 7) % 30)) }
          : { contentBlockIndex: 0, delta: { text } }
      )
    ))
  }
  const frames: Array<Buffer> = []
  const offsets: Array<number> = [0]
  let total = 0
  for (let i = 0; i < BATCH_SIZE; i++) {
    const frame = variants[i % variants.length]!
    frames.push(frame)
    total += frame.length
    offsets.push(total)
  }
  const result: DeltaBatch = { single: variants[0]!, batch: Buffer.concat(frames), offsets, size: BATCH_SIZE }
  if (batchCache.size > 64) batchCache.clear()
  batchCache.set(key, result)
  return result
}
