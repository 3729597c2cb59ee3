/**
 * The cassette file: recorded Bedrock exchanges as JSON, one interaction per entry, versioned, written
 * to be read and diffed in code review (request bodies pretty-printed, one event-stream frame per line).
 *
 * ```json
 * {
 *   "version": 1,
 *   "interactions": [
 *     {
 *       "operation": "converse-stream",
 *       "modelId": "us.amazon.nova-micro-v1:0",
 *       "request": { "body": { "messages": [...] } },
 *       "response": {
 *         "status": 200,
 *         "headers": { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": "..." },
 *         "frames": [
 *           { "event": "messageStart", "payload": { "p": "abc", "role": "assistant" }, "bytes": "AAAA..." },
 *           { "exception": "throttlingException", "payload": { "message": "..." }, "bytes": "AAAA..." }
 *         ]
 *       }
 *     }
 *   ]
 * }
 * ```
 *
 * A recorded frame keeps its exact bytes (base64) next to its words; a frame written by hand may give the
 * words alone (`event` or `exception`, and `payload`) and is encoded when the cassette is read. When
 * both are there they must agree (an edited payload with stale bytes is refused, not replayed).
 *
 * @since 0.1.0
 */
import * as Frames from "./frames.js"

/**
 * The format version this code writes and reads.
 *
 * @since 0.1.0
 * @category Models
 */
export const version = 1

/**
 * The operations a cassette records (the path segment after the model id).
 *
 * @since 0.1.0
 * @category Models
 */
export type Operation = "converse" | "converse-stream" | "count-tokens"

/**
 * @since 0.1.0
 * @category Models
 */
export const operations: ReadonlyArray<Operation> = ["converse", "converse-stream", "count-tokens"]

/**
 * One event-stream frame: its words (`event` or `exception` with its JSON `payload`), its exact bytes
 * (`bytes`, base64), or both. `scrubbed` marks a frame whose payload held a secret: it was encoded again
 * from the scrubbed payload, so its bytes differ from the wire's.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Frame {
  readonly event?: string | undefined
  readonly exception?: string | undefined
  readonly payload?: unknown
  readonly bytes?: string | undefined
  readonly scrubbed?: true | undefined
}

/**
 * The response as recorded. `body` is the JSON answer (or error) of `converse` / `count-tokens` and of
 * every non-2xx answer; `bodyText` a body that was not JSON; `frames` the event stream of a successful
 * `converse-stream`. `end: "reset"` says the exchange was cut after what is recorded (the connection
 * failed, or the client left the stream early): a replay sends the same and then resets the stream.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Response {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body?: unknown
  readonly bodyText?: string | undefined
  readonly frames?: ReadonlyArray<Frame> | undefined
  readonly end?: "reset" | undefined
}

/**
 * One exchange. The request keeps its JSON body only (its headers are signatures and SDK noise); requests
 * are matched by `operation`, `modelId` and the body compared canonically (key order does not matter).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Interaction {
  readonly operation: Operation
  readonly modelId: string
  readonly request: { readonly body: unknown }
  readonly response: Response
  /** ISO time of the recording, for people reading the file. */
  readonly recordedAt?: string | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Cassette {
  readonly version: typeof version
  readonly interactions: ReadonlyArray<Interaction>
}

/**
 * A read cassette, or what is wrong with it (with the JSON path of the first problem).
 *
 * @since 0.1.0
 * @category Models
 */
export type ParseResult =
  | { readonly ok: true; readonly cassette: Cassette }
  | { readonly ok: false; readonly message: string }

// =============================================================================
// Canonical JSON
// =============================================================================

/**
 * A copy of a JSON value with every object's keys sorted, so two values that differ only in key order
 * are equal as text.
 *
 * @since 0.1.0
 * @category Canonical
 */
export const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical)
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key])
    return out
  }
  return value
}

/**
 * The canonical JSON text of a value (keys sorted, no spaces); `indent` for a pretty form.
 *
 * @since 0.1.0
 * @category Canonical
 */
export const canonicalText = (value: unknown, indent?: number): string =>
  JSON.stringify(canonical(value), null, indent) ?? "undefined"

// =============================================================================
// Writing
// =============================================================================

const INDENT = "  "

/** Pretty JSON, except that each item of a `frames` array stays on one line. */
const pretty = (value: unknown, depth: number, compactItems: boolean): string => {
  const pad = INDENT.repeat(depth + 1)
  const end = INDENT.repeat(depth)
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]"
    const items = value.map((item) => compactItems ? JSON.stringify(item) : pretty(item, depth + 1, false))
    return `[\n${pad}${items.join(`,\n${pad}`)}\n${end}]`
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined)
    if (entries.length === 0) return "{}"
    const items = entries.map(([key, item]) => `${JSON.stringify(key)}: ${pretty(item, depth + 1, key === "frames")}`)
    return `{\n${pad}${items.join(`,\n${pad}`)}\n${end}}`
  }
  return JSON.stringify(value) ?? "null"
}

/**
 * The file's text: pretty JSON with one frame per line, and a final newline.
 *
 * @since 0.1.0
 * @category Writing
 */
export const serialize = (cassette: Cassette): string => `${pretty(cassette, 0, false)}\n`

// =============================================================================
// Reading (the file is input: every field is checked)
// =============================================================================

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const base64 = /^[A-Za-z0-9+/]*={0,2}$/

class Problem extends Error {}

const problem = (path: string, message: string): never => {
  throw new Problem(`${path}: ${message}`)
}

const checkFrame = (frame: unknown, path: string): Frame => {
  if (!isRecord(frame)) return problem(path, "a frame is an object ({ event, payload, bytes })")
  const { bytes, event, exception, payload, scrubbed } = frame
  if (bytes !== undefined && (typeof bytes !== "string" || !base64.test(bytes))) {
    problem(`${path}.bytes`, "expected the frame's bytes in base64")
  }
  if (event !== undefined && typeof event !== "string") problem(`${path}.event`, "expected a string")
  if (exception !== undefined && typeof exception !== "string") problem(`${path}.exception`, "expected a string")
  if (event !== undefined && exception !== undefined) problem(path, "a frame is an event or an exception, not both")
  if (scrubbed !== undefined && scrubbed !== true) problem(`${path}.scrubbed`, "expected true or nothing")
  if (bytes === undefined) {
    if (event === undefined && exception === undefined) problem(path, "a frame needs its bytes, or event/exception")
    if (payload === undefined) problem(`${path}.payload`, "a frame without bytes needs its payload")
    return frame as Frame
  }
  const raw = Buffer.from(bytes as string, "base64")
  if (!Frames.isValid(raw)) problem(`${path}.bytes`, "not a whole event-stream frame (length or checksum wrong)")
  if (event !== undefined || exception !== undefined || payload !== undefined) {
    const described = Frames.describe(raw)
    const kind = event !== undefined ? "event" : "exception"
    if (
      described === undefined || described.kind !== kind || described.type !== (event ?? exception) ||
      canonicalText(described.payload) !== canonicalText(payload)
    ) {
      problem(
        path,
        "its event/exception and payload do not match its bytes (edited by hand?): remove `bytes` to have the " +
          "frame encoded from its words"
      )
    }
  }
  return frame as Frame
}

const checkHeaders = (headers: unknown, path: string): Record<string, string> => {
  if (!isRecord(headers)) return problem(path, "expected an object of header names to strings")
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") problem(`${path}.${name}`, "expected a string")
    if (!/^[a-z0-9-]+$/.test(name)) problem(`${path}.${name}`, "header names are lower case (a-z, 0-9, -)")
  }
  return headers as Record<string, string>
}

const checkInteraction = (item: unknown, path: string): Interaction => {
  if (!isRecord(item)) return problem(path, "an interaction is an object")
  const { modelId, operation, recordedAt, request, response } = item
  if (!operations.includes(operation as Operation)) {
    problem(`${path}.operation`, `expected one of ${operations.join(", ")}, got ${JSON.stringify(operation)}`)
  }
  if (typeof modelId !== "string" || modelId === "") problem(`${path}.modelId`, "expected a model id")
  if (recordedAt !== undefined && typeof recordedAt !== "string") problem(`${path}.recordedAt`, "expected a string")
  if (!isRecord(request) || !("body" in request)) problem(`${path}.request`, "expected { body }")
  if (!isRecord(response)) return problem(`${path}.response`, "expected { status, headers, body | frames }")
  const { body, bodyText, end, frames, headers, status } = response
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    problem(`${path}.response.status`, "expected an HTTP status (200-599)")
  }
  checkHeaders(headers ?? {}, `${path}.response.headers`)
  if (bodyText !== undefined && typeof bodyText !== "string") problem(`${path}.response.bodyText`, "expected a string")
  if (end !== undefined && end !== "reset") problem(`${path}.response.end`, "expected \"reset\" or nothing")
  const bodies = [body, bodyText, frames].filter((b) => b !== undefined).length
  if (bodies > 1) problem(`${path}.response`, "give one of body, bodyText and frames")
  if (frames !== undefined) {
    if (!Array.isArray(frames)) problem(`${path}.response.frames`, "expected an array")
    if (operation !== "converse-stream") problem(`${path}.response.frames`, "only converse-stream answers with frames")
    ;(frames as Array<unknown>).forEach((frame, i) => checkFrame(frame, `${path}.response.frames[${i}]`))
  }
  return { ...item, response: { ...response, headers: headers ?? {} } } as Interaction
}

/**
 * Reads a cassette's text, checking every field; `source` names it in messages.
 *
 * @since 0.1.0
 * @category Reading
 */
export const parse = (text: string, source = "cassette"): ParseResult => {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    return { ok: false, message: `${source} is not JSON: ${error instanceof Error ? error.message : String(error)}` }
  }
  try {
    if (!isRecord(document)) return problem("$", "a cassette is an object { version, interactions }")
    if (document.version !== version) {
      problem("$.version", `this reader knows version ${version}, the file says ${JSON.stringify(document.version)}`)
    }
    if (!Array.isArray(document.interactions)) problem("$.interactions", "expected an array")
    const interactions = (document.interactions as Array<unknown>).map((item, i) =>
      checkInteraction(item, `$.interactions[${i}]`)
    )
    return { ok: true, cassette: { version, interactions } }
  } catch (error) {
    if (error instanceof Problem) return { ok: false, message: `${source}: ${error.message}` }
    throw error
  }
}

/**
 * The bytes of a frame: its recorded bytes, or the frame encoded from its words.
 *
 * @since 0.1.0
 * @category Reading
 */
export const frameBytes = (frame: Frame): Uint8Array =>
  frame.bytes !== undefined
    ? Buffer.from(frame.bytes, "base64")
    : Frames.encode({
      kind: frame.event !== undefined ? "event" : "exception",
      type: (frame.event ?? frame.exception)!,
      payload: frame.payload
    })
