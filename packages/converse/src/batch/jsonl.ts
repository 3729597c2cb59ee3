/**
 * A batch job's input as JSONL: record ids (given or generated, unique), one line per record, and the lines cut
 * into files so that no file passes Bedrock's per-file limits (records and bytes) and the job stays within its
 * limits (at least the minimum of records, at most the maximum of records and bytes). Every limit that is
 * passed is an issue with the numbers in it, found before anything is uploaded.
 *
 * A line is `{"recordId":"...","modelInput":{...}}`, the body in Converse's JSON form: bytes (images,
 * documents, redacted reasoning) as base64, as the AWS SDK sends them.
 *
 * @since 0.1.0
 */
import type { Issue, Result } from "../request/issue.js"
import type { ModelInput } from "./record.js"

// =============================================================================
// Limits
// =============================================================================

/**
 * Bedrock's limits on a batch job's input (service quotas: some can be raised for an account, so each can be
 * given).
 *
 * @since 0.1.0
 * @category Limits
 */
export interface Limits {
  /** Fewest records in a job. */
  readonly minRecordsPerJob: number
  /** Most records in a job, all files together. */
  readonly maxRecordsPerJob: number
  /** Most records in one input file. */
  readonly maxRecordsPerFile: number
  /** Largest input file, in bytes. */
  readonly maxFileBytes: number
  /** Largest job, all input files together, in bytes. */
  readonly maxJobBytes: number
}

/**
 * Which limit an issue is about, with the limit and the count that passed it.
 *
 * @since 0.1.0
 * @category Limits
 */
export interface LimitIssue extends Issue {
  readonly limit: keyof Limits | "maxBytesPerRecord"
  readonly maximum?: number | undefined
  readonly minimum?: number | undefined
  readonly actual: number
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`

const sizeOf = (bytes: number) => bytes >= 1024 * 1024 ? `${bytes} bytes (${mb(bytes)})` : `${bytes} bytes`

// =============================================================================
// Record ids
// =============================================================================

/**
 * A record id: 1 to 64 letters, digits, `-` or `_` (AWS documents the id as an alphanumeric string; `-` and
 * `_` are accepted too, and the length is bounded so an id stays a key, not a payload).
 *
 * @since 0.1.0
 * @category Record ids
 */
export const recordIdPattern = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Why a given record id cannot be used, or `undefined`.
 *
 * @since 0.1.0
 * @category Record ids
 */
export const recordIdProblem = (id: unknown): string | undefined => {
  if (typeof id !== "string") return `Expected a record id (a string), got ${id === null ? "null" : typeof id}`
  if (!recordIdPattern.test(id)) {
    return `Invalid record id ${JSON.stringify(id.slice(0, 80))}: use 1 to 64 letters, digits, "-" or "_"`
  }
  return undefined
}

/**
 * Hands out the record ids of one job: a given id is checked and must be new; a missing one is generated as
 * `r` and 10 digits (`r0000000001`, 11 letters and digits, the form of AWS's examples), skipping ids already
 * given. A given id of that form after a generated one with the same value is a duplicate.
 *
 * @since 0.1.0
 * @category Record ids
 */
export class RecordIds {
  private readonly seen = new Set<string>()
  private counter = 0

  /** The record's id, or the issue with the given one (`path` names the request). */
  take(given: unknown, path: string): Result<string> {
    if (given === undefined) {
      let id: string
      do {
        this.counter++
        id = `r${String(this.counter).padStart(10, "0")}`
      } while (this.seen.has(id))
      this.seen.add(id)
      return { ok: true, value: id }
    }
    const problem = recordIdProblem(given)
    if (problem !== undefined) return { ok: false, issues: [{ path: `${path}.recordId`, message: problem }] }
    const id = given as string
    if (this.seen.has(id)) {
      return {
        ok: false,
        issues: [{
          path: `${path}.recordId`,
          message: `The record id "${id}" is used twice: record ids must be unique`
        }]
      }
    }
    this.seen.add(id)
    return { ok: true, value: id }
  }

  /** How many ids were handed out. */
  get size(): number {
    return this.seen.size
  }
}

// =============================================================================
// Lines
// =============================================================================

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

// Bytes go as base64 (Converse's JSON protocol); everything else as JSON.stringify writes it.
const replacer = (_key: string, value: unknown): unknown => value instanceof Uint8Array ? base64(value) : value

const encoder = new TextEncoder()

/**
 * One record as a JSONL line (with its `\n`), as UTF-8 bytes.
 *
 * @since 0.1.0
 * @category Lines
 */
export const encodeLine = (recordId: string, modelInput: ModelInput): Uint8Array =>
  encoder.encode(JSON.stringify({ recordId, modelInput }, replacer) + "\n")

// =============================================================================
// Files
// =============================================================================

/**
 * Where a line goes: `file` is the 0-based index of its input file; `newFile` when it starts one.
 *
 * @since 0.1.0
 * @category Files
 */
export interface Placement {
  readonly file: number
  readonly newFile: boolean
}

/**
 * Cuts a job's lines into files as they come: a file ends when the next line would pass the per-file record
 * count or size. Tracks the job's totals and refuses the line that would pass a job limit.
 *
 * @since 0.1.0
 * @category Files
 */
export class Splitter {
  private fileIndex = -1
  private fileRecords = 0
  private fileBytes = 0
  /** Records so far, all files. */
  records = 0
  /** Bytes so far, all files. */
  bytes = 0

  constructor(readonly limits: Limits) {}

  /** Places a line of `size` bytes, or the limit it would pass (the line is then not counted). */
  add(
    size: number
  ): { readonly ok: true; readonly value: Placement } | { readonly ok: false; readonly issue: LimitIssue } {
    const limits = this.limits
    if (size > limits.maxFileBytes) {
      return {
        ok: false,
        issue: {
          path: "",
          limit: "maxBytesPerRecord",
          maximum: limits.maxFileBytes,
          actual: size,
          message: `A record of ${sizeOf(size)} does not fit in an input file: Bedrock's limit is ` +
            `${sizeOf(limits.maxFileBytes)} per file`
        }
      }
    }
    if (this.records + 1 > limits.maxRecordsPerJob) {
      return {
        ok: false,
        issue: {
          path: "",
          limit: "maxRecordsPerJob",
          maximum: limits.maxRecordsPerJob,
          actual: this.records + 1,
          message: `Too many records: a batch job takes at most ${limits.maxRecordsPerJob} records ` +
            "(Bedrock's quota \"Records per batch inference job\"); split them into several jobs"
        }
      }
    }
    if (this.bytes + size > limits.maxJobBytes) {
      return {
        ok: false,
        issue: {
          path: "",
          limit: "maxJobBytes",
          maximum: limits.maxJobBytes,
          actual: this.bytes + size,
          message: `The job's input reaches ${sizeOf(this.bytes + size)}: a batch job takes at most ` +
            `${sizeOf(limits.maxJobBytes)} (Bedrock's quota "Batch inference job size"); split it into several jobs`
        }
      }
    }
    const newFile = this.fileIndex < 0 || this.fileRecords + 1 > limits.maxRecordsPerFile ||
      this.fileBytes + size > limits.maxFileBytes
    if (newFile) {
      this.fileIndex++
      this.fileRecords = 0
      this.fileBytes = 0
    }
    this.fileRecords++
    this.fileBytes += size
    this.records++
    this.bytes += size
    return { ok: true, value: { file: this.fileIndex, newFile } }
  }

  /** The issue when the job has fewer records than Bedrock's minimum, once every line was added. */
  finish(): LimitIssue | undefined {
    const minimum = this.limits.minRecordsPerJob
    if (this.records >= minimum) return undefined
    return {
      path: "",
      limit: "minRecordsPerJob",
      minimum,
      actual: this.records,
      message: `Too few records: ${this.records}, and a batch job needs at least ${minimum} ` +
        "(Bedrock's quota \"Minimum number of records per batch inference job\"); call generate for so few, or add records"
    }
  }

  /** How many files were started. */
  get files(): number {
    return this.fileIndex + 1
  }
}

/**
 * The name of input file `index` (0-based): `records-00001.jsonl`. Bedrock names each output file after its
 * input file, with `.out` appended.
 *
 * @since 0.1.0
 * @category Files
 */
export const inputFileName = (index: number): string => `records-${String(index + 1).padStart(5, "0")}.jsonl`
