/**
 * Event-stream framing for ConverseStream answers: the real binary format (prelude, headers,
 * payload, CRCs); events and exceptions encoded by the engine (`@effect-bedrock/converse/cassette/frames`,
 * string headers in Bedrock's order), frames with any other headers by `@smithy/eventstream-codec`, plus
 * Bedrock's padding field.
 *
 * @internal
 */
import * as Frames from "@effect-bedrock/converse/cassette/frames"
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

/** The bytes as a Buffer (no copy). */
const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)

/**
 * An event frame as Bedrock writes it (the engine's `cassette/frames` encoding), its payload padded or not.
 *
 * @internal
 */
export const encodeEvent = (eventType: string, payload: unknown, withPadding: boolean): Buffer => {
  const body = withPadding && typeof payload === "object" && payload !== null && !Array.isArray(payload)
    ? { ...(payload as Record<string, unknown>), p: padding() }
    : payload
  return toBuffer(Frames.encodeText({ kind: "event", type: eventType }, JSON.stringify(body)))
}

/**
 * An exception frame inside the stream, as Bedrock writes it (the engine's `cassette/frames` encoding).
 *
 * @internal
 */
export const encodeException = (exceptionType: string, message: string): Buffer =>
  toBuffer(Frames.encodeText({ kind: "exception", type: exceptionType }, JSON.stringify({ message })))

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
  view.setUint32(8, Frames.crc32(frame, 0, 8), false)
  view.setUint32(frame.length - 4, Frames.crc32(frame, 0, frame.length - 4), false)
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
    variants.push(toBuffer(Frames.encodeText(
      { kind: "event", type: "contentBlockDelta" },
      JSON.stringify(
        withPadding
          ? { contentBlockIndex: 0, delta: { text }, p: padding(1 + ((i * 7) % 30)) }
          : { contentBlockIndex: 0, delta: { text } }
      )
    )))
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
