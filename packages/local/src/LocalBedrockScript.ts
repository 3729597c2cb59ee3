/**
 * Scripts tell the local Bedrock server how to answer the next matching request. They are kept in
 * a FIFO queue; each request takes the first queued script whose `operation` / `modelId` filters
 * (when set) match it and whose kind fits the operation (a `Stream` only answers converse-stream,
 * a `Json` only converse or count-tokens; `Failure`, `Hang`, `Reset` and `Delayed` answer any).
 * Requests that find no script are answered by the deterministic default model.
 *
 * @since 0.1.0
 */
import * as errors from "./internal/errors.js"
import * as internal from "./internal/scriptBuilders.js"

// =============================================================================
// Models
// =============================================================================

/**
 * @since 0.1.0
 * @category Models
 */
export type Operation = "converse" | "converse-stream" | "count-tokens"

/**
 * The modelled Bedrock Runtime exceptions that can be answered as HTTP errors.
 *
 * @since 0.1.0
 * @category Models
 */
export type ExceptionName = keyof typeof errors.exceptionStatus

/**
 * The HTTP status Bedrock uses for each modelled exception.
 *
 * @since 0.1.0
 * @category Models
 */
export const exceptionStatus: { readonly [K in ExceptionName]: number } = errors.exceptionStatus

/**
 * The exception events a ConverseStream can carry (`:exception-type` header).
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamExceptionType =
  | "throttlingException"
  | "validationException"
  | "modelStreamErrorException"
  | "internalServerException"
  | "serviceUnavailableException"

/**
 * @since 0.1.0
 * @category Models
 */
export type EventType =
  | "messageStart"
  | "contentBlockStart"
  | "contentBlockDelta"
  | "contentBlockStop"
  | "messageStop"
  | "metadata"

/**
 * Which requests a script may answer. Unset fields match everything.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Filter {
  readonly operation?: Operation | undefined
  /** The decoded model id, e.g. `us.amazon.nova-micro-v1:0`. */
  readonly modelId?: string | undefined
}

/**
 * An exact JSON response body (converse or count-tokens).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Json extends Filter {
  readonly _tag: "Json"
  readonly body: unknown
  readonly status?: number | undefined
  readonly delayMs?: number | undefined
}

/**
 * A modelled exception answered as an HTTP error (`x-amzn-errortype` + `{"message"}`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Failure extends Filter {
  readonly _tag: "Failure"
  readonly name: string
  readonly message: string
  readonly status: number
  readonly delayMs?: number | undefined
}

/**
 * The value of a raw frame header: a string, a boolean, a number (a 32-bit integer header, a 64-bit
 * one outside that range) or bytes (a binary header).
 *
 * @since 0.1.0
 * @category Models
 */
export type RawHeaderValue = string | boolean | number | Uint8Array

/**
 * One entry of a scripted event stream.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamEntry =
  | {
    readonly _tag: "Event"
    readonly eventType: EventType | (string & {})
    readonly payload: unknown
    /** Add Bedrock's random `"p"` padding field (default true). */
    readonly padding?: boolean | undefined
  }
  | {
    readonly _tag: "Exception"
    readonly exceptionType: StreamExceptionType | (string & {})
    readonly message: string
  }
  | {
    /** A frame with exactly these headers and this body, e.g. an invalid JSON payload. */
    readonly _tag: "Raw"
    readonly headers: Readonly<Record<string, RawHeaderValue>>
    readonly body: string | Uint8Array
  }
  | {
    /**
     * Bytes written as they are, `repeat` times (default 1), with back-pressure: broken framing, or
     * a frame declaring a huge length followed by that many bytes. Each write counts as one frame
     * for a fault's `after`.
     */
    readonly _tag: "Bytes"
    readonly bytes: Uint8Array
    readonly repeat?: number | undefined
  }

/**
 * What goes wrong after `after` event frames were written.
 *
 * - `ExceptionEvent`: an exception message, then the stream ends.
 * - `Reset`: HTTP/2 RST_STREAM (INTERNAL_ERROR), or the socket is destroyed on HTTP/1.1.
 * - `Truncate`: the first half of the next frame, then a clean end of the body.
 * - `BadCrc`: the next frame with its message CRC corrupted, then the end of the body.
 * - `Hang`: nothing more is ever written (until the client gives up).
 *
 * @since 0.1.0
 * @category Models
 */
export type Fault =
  | {
    readonly _tag: "ExceptionEvent"
    readonly after: number
    readonly exceptionType: StreamExceptionType | (string & {})
    readonly message: string
  }
  | { readonly _tag: "Reset"; readonly after: number }
  | { readonly _tag: "Truncate"; readonly after: number }
  | { readonly _tag: "BadCrc"; readonly after: number }
  | { readonly _tag: "Hang"; readonly after: number }

/**
 * @since 0.1.0
 * @category Models
 */
export interface StreamTiming {
  /** Delay before the response headers and the first byte. */
  readonly delayFirstMs?: number | undefined
  /** Delay between two events. */
  readonly delayBetweenMs?: number | undefined
  readonly fault?: Fault | undefined
}

/**
 * A ConverseStream answer: exact events, or (without `events`) the default model's events for the
 * request, with optional delays and a fault.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Stream extends Filter, StreamTiming {
  readonly _tag: "Stream"
  readonly events?: ReadonlyArray<StreamEntry> | undefined
}

/**
 * A generated text stream for load: `messageStart`, `deltas` text deltas of `text`,
 * `contentBlockStop`, `messageStop`, `metadata`. The deltas come from pre-encoded frame buffers and
 * respect backpressure. With `pauseAfterFirstMs` the first delta is written at once and the rest
 * after the pause (time-to-first-token measurements).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Generated extends Filter, StreamTiming {
  readonly _tag: "Generated"
  readonly deltas: number
  readonly text: string
  readonly pauseAfterFirstMs?: number | undefined
}

/**
 * Never answer; the request stays open until the client aborts or the server closes.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Hang extends Filter {
  readonly _tag: "Hang"
}

/**
 * Reset the request (HTTP/2 RST_STREAM or socket destroy) without answering.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Reset extends Filter {
  readonly _tag: "Reset"
  readonly delayMs?: number | undefined
}

/**
 * The default model's answer, after a delay.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Delayed extends Filter {
  readonly _tag: "Delayed"
  readonly delayMs: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export type Script = Json | Failure | Stream | Generated | Hang | Reset | Delayed

// =============================================================================
// Constructors
// =============================================================================

/**
 * An exact JSON body for converse or count-tokens (status 200 unless given).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const json: (
  body: unknown,
  options?: Filter & { readonly status?: number | undefined; readonly delayMs?: number | undefined }
) => Json = internal.json

/**
 * A complete ConverseResponse whose message is a single text block.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const converseText: (
  text: string,
  options?: Filter & {
    readonly stopReason?: string | undefined
    readonly inputTokens?: number | undefined
    readonly outputTokens?: number | undefined
    readonly delayMs?: number | undefined
  }
) => Json = internal.converseText

/**
 * A CountTokens answer `{ inputTokens }`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const countTokens: (inputTokens: number, options?: Omit<Filter, "operation">) => Json = internal.countTokens

/**
 * A modelled exception as an HTTP error. Status and message default to Bedrock's.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const failure: (
  name: ExceptionName,
  options?: Filter & {
    readonly message?: string | undefined
    readonly status?: number | undefined
    readonly delayMs?: number | undefined
  }
) => Failure = internal.failure

/**
 * An event entry for {@link stream}.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const event: (
  eventType: EventType | (string & {}),
  payload: unknown,
  options?: { readonly padding?: boolean | undefined }
) => StreamEntry = internal.event

/**
 * An exception entry for {@link stream}; the stream ends after it.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const exception: (exceptionType: StreamExceptionType | (string & {}), message?: string) => StreamEntry =
  internal.exception

/**
 * A raw frame entry for {@link stream}: these headers (strings, or other header types, see
 * `RawHeaderValue`) and this body as given (may be invalid JSON, `null`, anything), framed with
 * valid lengths and CRCs.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const raw: (headers: Readonly<Record<string, RawHeaderValue>>, body: string | Uint8Array) => StreamEntry =
  internal.raw

/**
 * A bytes entry for {@link stream}: `bytes` written as they are, `repeat` times (default 1), with
 * back-pressure. With {@link frameBytes}, any framing a client must survive: a frame of length 0,
 * headers past its end, a prelude declaring 1.5 GB followed by hundreds of megabytes.
 *
 * @example
 * ```ts
 * import { LocalBedrockScript as Script } from "@effect-bedrock/local"
 *
 * // A frame declaring 1.5 GB, then 64 MiB of its bytes.
 * const huge = Script.stream([
 *   Script.event("messageStart", { role: "assistant" }),
 *   Script.bytes(Script.frameBytes({}, "", { totalLength: 1_500_000_000 }).subarray(0, 12)),
 *   Script.bytes(new Uint8Array(64 * 1024), { repeat: 1024 })
 * ])
 * ```
 *
 * @since 0.1.0
 * @category Constructors
 */
export const bytes: (bytes: Uint8Array, options?: { readonly repeat?: number | undefined }) => StreamEntry =
  internal.bytes

/**
 * The bytes of one event-stream frame with these headers and this body, its prelude's declared
 * lengths optionally replaced (`totalLength`, `headersLength`), both CRCs computed over the bytes
 * as they then are: a frame whose only fault is the one asked for. Write it with {@link bytes}.
 *
 * @since 0.1.0
 * @category Encoding
 */
export const frameBytes: (
  headers: Readonly<Record<string, RawHeaderValue>>,
  body: string | Uint8Array,
  options?: { readonly totalLength?: number | undefined; readonly headersLength?: number | undefined }
) => Uint8Array = internal.frameBytes

/**
 * The events of a text answer: `messageStart`, one `contentBlockDelta` per given piece,
 * `contentBlockStop`, `messageStop`, `metadata`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const textEvents: (
  pieces: ReadonlyArray<string>,
  options?: {
    readonly stopReason?: string | undefined
    readonly inputTokens?: number | undefined
    readonly outputTokens?: number | undefined
  }
) => Array<StreamEntry> = internal.textEvents

/**
 * A ConverseStream answer. Without `events`, the default model's events for the request are used
 * (so a fault or delay can be applied to an ordinary answer).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const stream: (
  events?: ReadonlyArray<StreamEntry> | undefined,
  options?: Omit<Filter, "operation"> & StreamTiming
) => Stream = internal.stream

/**
 * A generated, pre-encoded text stream of `deltas` deltas (load generation).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const generated: (
  options: Omit<Filter, "operation"> & StreamTiming & {
    readonly deltas: number
    readonly text?: string | undefined
    readonly pauseAfterFirstMs?: number | undefined
  }
) => Generated = internal.generated

/**
 * Time to first token: the first delta at once, the remaining `deltas - 1` after `waitMs`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const ttft: (
  options: Omit<Filter, "operation"> & {
    readonly waitMs: number
    readonly deltas?: number | undefined
    readonly text?: string | undefined
  }
) => Generated = internal.ttft

/**
 * @since 0.1.0
 * @category Constructors
 */
export const hang: (options?: Filter) => Hang = internal.hang

/**
 * @since 0.1.0
 * @category Constructors
 */
export const reset: (options?: Filter & { readonly delayMs?: number | undefined }) => Reset = internal.reset

/**
 * @since 0.1.0
 * @category Constructors
 */
export const delayed: (delayMs: number, options?: Filter) => Delayed = internal.delayed

// =============================================================================
// Faults
// =============================================================================

/**
 * An exception event after `after` events.
 *
 * @since 0.1.0
 * @category Faults
 */
export const exceptionAfter: (
  after: number,
  exceptionType: StreamExceptionType | (string & {}),
  message?: string
) => Fault = internal.exceptionAfter

/**
 * HTTP/2 stream reset (socket destroy on HTTP/1.1) after `after` events.
 *
 * @since 0.1.0
 * @category Faults
 */
export const resetAfter: (after: number) => Fault = internal.resetAfter

/**
 * Half of the next frame, then the end of the body, after `after` events.
 *
 * @since 0.1.0
 * @category Faults
 */
export const truncateAfter: (after: number) => Fault = internal.truncateAfter

/**
 * The next frame with a corrupted message CRC, after `after` events.
 *
 * @since 0.1.0
 * @category Faults
 */
export const badCrcAfter: (after: number) => Fault = internal.badCrcAfter

/**
 * Stop writing forever after `after` events.
 *
 * @since 0.1.0
 * @category Faults
 */
export const hangAfter: (after: number) => Fault = internal.hangAfter
