/**
 * A batch job's output, read back: each line of an output file (`{ recordId, modelInput, modelOutput }`, or
 * `{ recordId, modelInput, error: { errorCode, errorMessage } }`) decoded into the same `Response` an on-demand
 * call gives (the engine's `decodeAnswer`: parts, usage, finish reason, structured output unwrapped), and the
 * job's `manifest.json.out` summary. Nothing read here is trusted: every field is checked, and a line that is
 * not a record is a problem, never a defect.
 *
 * `modelOutput` is Converse's response body in JSON, so bytes (redacted reasoning) arrive as base64 and become
 * bytes again, as the AWS SDK would decode them.
 *
 * @since 0.1.0
 */
import type { ConverseResponse } from "@aws-sdk/client-bedrock-runtime"
import { decodeAnswer } from "../response/answer.js"
import type { Response } from "../response/types.js"

/**
 * A record that failed inside the job: Bedrock's error code (an HTTP status such as `400`, or a name) and
 * message.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RecordError {
  readonly code: number | string
  readonly message: string
}

/**
 * One decoded output line.
 *
 * @since 0.1.0
 * @category Models
 */
export type RecordResult =
  | { readonly _tag: "Success"; readonly recordId: string; readonly response: Response }
  | { readonly _tag: "Failure"; readonly recordId: string; readonly error: RecordError }

/**
 * What decoding a line needs: the job's model, whether its family sends leading whitespace, and which records
 * asked for a wrapped (non-object) structured output.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OutputContext {
  readonly modelId: string
  readonly trimLeadingWhitespace?: boolean | undefined
  readonly unwrap?: ((recordId: string) => boolean) | undefined
  /** When the output was read (the response's `timestamp`); default now. */
  readonly timestamp?: Date | undefined
}

/**
 * A line that is not a record (not JSON, not an object, no record id): the message; the file's other lines
 * are still read.
 *
 * @since 0.1.0
 * @category Models
 */
export type LineResult =
  | { readonly ok: true; readonly value: RecordResult }
  | { readonly ok: false; readonly message: string }

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const malformed = (recordId: string, message: string): LineResult => ({
  ok: true,
  value: { _tag: "Failure", recordId, error: { code: "MalformedOutput", message } }
})

const maxMessage = 2000

/** The base64 `redactedContent` of reasoning blocks as bytes; anything else is left for the checks. */
const withBytes = (output: Record<string, unknown>): ConverseResponse => {
  const wrapper = output.output
  const message = isObject(wrapper) ? wrapper.message : undefined
  const content = isObject(message) ? message.content : undefined
  if (!Array.isArray(content)) return output as unknown as ConverseResponse
  let copy: Array<unknown> | undefined
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i]
    const reasoning = isObject(block) ? block.reasoningContent : undefined
    if (!isObject(reasoning) || typeof reasoning.redactedContent !== "string") continue
    copy ??= [...content]
    copy[i] = {
      ...(block as Record<string, unknown>),
      reasoningContent: {
        ...reasoning,
        redactedContent: new Uint8Array(Buffer.from(reasoning.redactedContent, "base64"))
      }
    }
  }
  if (copy === undefined) return output as unknown as ConverseResponse
  return {
    ...output,
    output: {
      ...(wrapper as Record<string, unknown>),
      message: { ...(message as Record<string, unknown>), content: copy }
    }
  } as ConverseResponse
}

/**
 * Decodes one line of an output file (without its line break).
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeLine = (line: string, context: OutputContext): LineResult => {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch {
    return { ok: false, message: "the line is not JSON" }
  }
  if (!isObject(parsed)) return { ok: false, message: "the line is not a JSON object" }
  const recordId = parsed.recordId
  if (typeof recordId !== "string" || recordId === "") return { ok: false, message: "the line has no recordId" }
  const error = parsed.error
  if (error !== undefined) {
    if (!isObject(error)) return malformed(recordId, "error is not an object")
    const code = error.errorCode
    const message = error.errorMessage
    if (!(typeof code === "string" || (typeof code === "number" && Number.isFinite(code)))) {
      return malformed(recordId, "error.errorCode is not a code")
    }
    if (message !== undefined && typeof message !== "string") {
      return malformed(recordId, "error.errorMessage is not a string")
    }
    return {
      ok: true,
      value: {
        _tag: "Failure",
        recordId,
        error: { code, message: message === undefined ? "" : message.slice(0, maxMessage) }
      }
    }
  }
  const output = parsed.modelOutput
  if (!isObject(output)) return malformed(recordId, "the line has neither modelOutput nor error")
  const unwrap = context.unwrap?.(recordId) === true
  const answer = decodeAnswer(withBytes(output), unwrap ? wrappedOutput : noOutput, {
    modelId: context.modelId,
    trimLeadingWhitespace: context.trimLeadingWhitespace
  })
  if (!answer.ok) return malformed(recordId, answer.message)
  const response = context.timestamp === undefined ? answer.value : { ...answer.value, timestamp: context.timestamp }
  return { ok: true, value: { _tag: "Success", recordId, response } }
}

const noOutput = {}
const wrappedOutput = { output: { _tag: "Native" as const, name: "", unwrapKey: "response" } }

// =============================================================================
// Lines of a file
// =============================================================================

/**
 * Cuts UTF-8 chunks of a file into lines (a chunk may end inside a line or a character); blank lines are
 * skipped. `maxLineChars` bounds what one line may hold in memory.
 *
 * @since 0.1.0
 * @category Decoding
 */
export class LineReader {
  private readonly decoder = new TextDecoder("utf-8")
  private rest = ""

  constructor(readonly maxLineChars: number = 64 * 1024 * 1024) {}

  /** The complete lines in `chunk` (and what came before it), or a message when a line is too long. */
  push(chunk: Uint8Array): { readonly ok: true; readonly lines: Array<string> } | {
    readonly ok: false
    readonly message: string
  } {
    const text = this.rest + this.decoder.decode(chunk, { stream: true })
    const lines: Array<string> = []
    let start = 0
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      const line = text.slice(start, end).trim()
      if (line !== "") lines.push(line)
      start = end + 1
    }
    this.rest = text.slice(start)
    if (this.rest.length > this.maxLineChars) {
      return { ok: false, message: `a line is longer than ${this.maxLineChars} characters` }
    }
    return { ok: true, lines }
  }

  /** The last line, when the file does not end with a line break. */
  end(): Array<string> {
    const last = (this.rest + this.decoder.decode()).trim()
    this.rest = ""
    return last === "" ? [] : [last]
  }
}

// =============================================================================
// Manifest
// =============================================================================

/**
 * The job's `manifest.json.out`: record counts and token totals (absent counts stay absent).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Manifest {
  readonly totalRecordCount?: number | undefined
  readonly processedRecordCount?: number | undefined
  readonly successRecordCount?: number | undefined
  readonly errorRecordCount?: number | undefined
  readonly inputTokenCount?: number | undefined
  readonly outputTokenCount?: number | undefined
}

const manifestKeys = [
  "totalRecordCount",
  "processedRecordCount",
  "successRecordCount",
  "errorRecordCount",
  "inputTokenCount",
  "outputTokenCount"
] as const

/**
 * Decodes `manifest.json.out`, or the message of its first problem.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeManifest = (
  text: string
): { readonly ok: true; readonly value: Manifest } | { readonly ok: false; readonly message: string } => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { ok: false, message: "manifest.json.out is not JSON" }
  }
  if (!isObject(parsed)) return { ok: false, message: "manifest.json.out is not a JSON object" }
  const manifest: Record<string, number> = {}
  for (const key of manifestKeys) {
    const value = parsed[key]
    if (value === undefined) continue
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      return { ok: false, message: `manifest.json.out: ${key} is not a count` }
    }
    manifest[key] = value
  }
  return { ok: true, value: manifest }
}
