/**
 * A submitted batch job, without Effect: its state (`GetModelInvocationJob`, every field checked), what an ended
 * state means (success, `job` or `recordsFailed` failure), stopping it, attaching to a job by its ARN, and its
 * results read from the output files in S3 (`{outputUri}{jobId}/{inputFile}.out`) and decoded
 * (`batch/output.ts`) into the same `Response` as on-demand, priced at batch prices (`pricing/batch.ts`).
 *
 * Each Effect line polls `getState` on its own `Schedule`, keeps the states that changed (`sameState`) until one
 * is terminal (`isTerminal`), decides the end with `outcome`, and streams `results`.
 *
 * @since 0.1.0
 */
import * as BatchLimits from "../limits/batch.js"
import { forModel } from "../models/profiles.js"
import * as BatchPricing from "../pricing/batch.js"
import type { Prices } from "../pricing/cost.js"
import type { Response } from "../response/types.js"
import { type BatchFailure, classifyS3, fail, type FailureOf, malformed } from "./failure.js"
import * as Output from "./output.js"
import { type Clients, sendBedrock, sendS3 } from "./sdk.js"

/**
 * Records processed so far, and how many of them succeeded and failed (`total` once Bedrock counted them).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Progress {
  readonly total?: number | undefined
  readonly processed: number
  readonly succeeded: number
  readonly failed: number
}

/**
 * A job's state: its status, Bedrock's message (why it failed), its progress and times.
 *
 * @since 0.1.0
 * @category Models
 */
export interface JobState {
  readonly status: BatchLimits.JobStatus
  readonly message?: string | undefined
  readonly progress: Progress
  readonly submitTime?: Date | undefined
  readonly endTime?: Date | undefined
}

/**
 * What reading a job's results needs.
 *
 * @since 0.1.0
 * @category Models
 */
export interface JobInfo {
  readonly jobArn: string
  readonly jobName: string
  readonly modelId: string
  readonly outputUri: string
  readonly trimLeadingWhitespace: boolean
  readonly unwrap: ReadonlySet<string>
}

const statuses: ReadonlySet<string> = new Set<BatchLimits.JobStatus>([
  "Submitted",
  "Validating",
  "Scheduled",
  "InProgress",
  "Completed",
  "PartiallyCompleted",
  "Failed",
  "Stopping",
  "Stopped",
  "Expired"
])

const terminal: ReadonlySet<string> = new Set(BatchLimits.terminalStatuses)

/**
 * Whether the job has ended.
 *
 * @since 0.1.0
 * @category State
 */
export const isTerminal = (state: JobState): boolean => terminal.has(state.status)

/**
 * Whether two states are the same for a watcher: status and counts.
 *
 * @since 0.1.0
 * @category State
 */
export const sameState = (a: JobState, b: JobState): boolean =>
  a.status === b.status && a.progress.processed === b.progress.processed &&
  a.progress.succeeded === b.progress.succeeded && a.progress.failed === b.progress.failed &&
  a.progress.total === b.progress.total

const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined

const date = (value: unknown): Date | undefined =>
  value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined

/**
 * `GetModelInvocationJob`'s answer, checked: the state, or what is wrong with the answer.
 *
 * @since 0.1.0
 * @category State
 */
export const decodeState = (raw: unknown): JobState | string => {
  if (typeof raw !== "object" || raw === null) return "the answer is not an object"
  const record = raw as Record<string, unknown>
  const status = record.status
  if (typeof status !== "string" || !statuses.has(status)) return `unknown job status ${JSON.stringify(status)}`
  for (const key of ["totalRecordCount", "processedRecordCount", "successRecordCount", "errorRecordCount"]) {
    if (record[key] !== undefined && count(record[key]) === undefined) return `${key} is not a count`
  }
  if (record.message !== undefined && typeof record.message !== "string") return "message is not a string"
  const total = count(record.totalRecordCount)
  const submitTime = date(record.submitTime)
  const endTime = date(record.endTime)
  return {
    status: status as BatchLimits.JobStatus,
    ...(typeof record.message === "string" && record.message !== "" ? { message: record.message.slice(0, 2000) } : {}),
    progress: {
      ...(total !== undefined ? { total } : {}),
      processed: count(record.processedRecordCount) ?? 0,
      succeeded: count(record.successRecordCount) ?? 0,
      failed: count(record.errorRecordCount) ?? 0
    },
    ...(submitTime !== undefined ? { submitTime } : {}),
    ...(endTime !== undefined ? { endTime } : {})
  }
}

/**
 * The job id: the last segment of its ARN (`.../model-invocation-job/<id>`).
 *
 * @since 0.1.0
 * @category State
 */
export const jobIdOf = (jobArn: string): string => jobArn.slice(jobArn.lastIndexOf("/") + 1)

/**
 * The job's state now.
 *
 * @since 0.1.0
 * @category Calls
 */
export const getState = async (clients: Clients, jobArn: string, signal?: AbortSignal): Promise<JobState> => {
  const raw = await sendBedrock(clients, "GetModelInvocationJob", { jobIdentifier: jobArn }, signal)
  const state = decodeState(raw)
  return typeof state === "string"
    ? fail(malformed("GetModelInvocationJob", `GetModelInvocationJob: ${state}`))
    : state
}

/**
 * Asks Bedrock to stop the job.
 *
 * @since 0.1.0
 * @category Calls
 */
export const stop = async (clients: Clients, jobArn: string, signal?: AbortSignal): Promise<void> => {
  await sendBedrock(clients, "StopModelInvocationJob", { jobIdentifier: jobArn }, signal)
}

/**
 * What an ended job's final state means: `undefined` when every record succeeded, else a `job` failure
 * (`Failed`, `Stopped`, `Expired`) or a `recordsFailed` one (`PartiallyCompleted`, or `Completed` with failed
 * records).
 *
 * @since 0.1.0
 * @category State
 */
export const outcome = (
  jobArn: string,
  state: JobState
): FailureOf<"job"> | FailureOf<"recordsFailed"> | undefined => {
  const { status } = state
  if (status === "Failed" || status === "Stopped" || status === "Expired") {
    return {
      kind: "job",
      jobArn,
      status,
      message: `The batch job ${jobIdOf(jobArn)} ended ${status}` +
        (state.message !== undefined ? `: ${state.message}` : "")
    }
  }
  if (status === "PartiallyCompleted" || (status === "Completed" && state.progress.failed > 0)) {
    const { failed, succeeded, total } = state.progress
    return {
      kind: "recordsFailed",
      jobArn,
      status,
      failed,
      succeeded,
      ...(total !== undefined ? { total } : {}),
      message: `The batch job ${jobIdOf(jobArn)} ended ${status} with ${failed} failed record(s) of ` +
        `${total ?? succeeded + failed}; the results hold each one's error`
    }
  }
  return undefined
}

/**
 * A job submitted earlier, by its ARN: its name, model and output folder from `GetModelInvocationJob`. `unwrap`:
 * the record ids whose structured output came wrapped as `{ "response": ... }`.
 *
 * @since 0.1.0
 * @category Calls
 */
export const attach = async (
  clients: Clients,
  jobArn: string,
  unwrap: Iterable<string> | undefined,
  signal?: AbortSignal
): Promise<JobInfo> => {
  const raw = await sendBedrock(clients, "GetModelInvocationJob", { jobIdentifier: jobArn }, signal)
  const outputUri: unknown = raw?.outputDataConfig?.s3OutputDataConfig?.s3Uri
  if (
    typeof outputUri !== "string" || BatchLimits.parseS3Uri(outputUri) === undefined ||
    typeof raw?.modelId !== "string"
  ) {
    fail(malformed("GetModelInvocationJob", "GetModelInvocationJob: the job has no model id or output S3 URI"))
  }
  const modelId: string = raw.modelId
  return {
    jobArn: typeof raw.jobArn === "string" ? raw.jobArn : jobArn,
    jobName: typeof raw.jobName === "string" ? raw.jobName : jobIdOf(jobArn),
    modelId,
    outputUri: outputUri as string,
    trimLeadingWhitespace: forModel(modelId).ignoresLeadingWhitespaceInStream,
    unwrap: new Set(unwrap ?? [])
  }
}

// =============================================================================
// Results
// =============================================================================

/** The job's output folder: `{outputUri}{jobId}/`. */
const outputFolder = (info: JobInfo) => {
  const output = BatchLimits.parseS3Uri(info.outputUri)!
  const key = output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`
  return { bucket: output.bucket, prefix: `${key}${jobIdOf(info.jobArn)}/` }
}

/**
 * The output files of the job (`*.jsonl.out` under `{outputUri}{jobId}/`), in name order.
 *
 * @since 0.1.0
 * @category Results
 */
export const outputKeys = async (
  clients: Clients,
  info: JobInfo,
  signal?: AbortSignal
): Promise<{ readonly bucket: string; readonly keys: ReadonlyArray<string> }> => {
  const { bucket, prefix } = outputFolder(info)
  const keys: Array<string> = []
  let token: string | undefined
  do {
    const page = await sendS3(
      clients,
      "ListObjectsV2",
      bucket,
      prefix,
      { Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) },
      signal
    )
    const contents: unknown = page?.Contents
    for (const object of Array.isArray(contents) ? contents : []) {
      const key: unknown = object?.Key
      if (typeof key === "string" && key.endsWith(".jsonl.out")) keys.push(key)
    }
    token = page?.IsTruncated === true && typeof page.NextContinuationToken === "string"
      ? page.NextContinuationToken
      : undefined
  } while (token !== undefined)
  keys.sort()
  return { bucket, keys }
}

/**
 * A response with its `cost` at batch prices (your batch price, else the documented discount, else unchanged).
 *
 * @since 0.1.0
 * @category Results
 */
export const batchPricer = (
  prices: Prices,
  modelId: string,
  region: string | undefined
) =>
(response: Response): Response => {
  const { cost } = BatchPricing.batchCost(prices, { modelId, region, usage: response.usage })
  return cost === undefined ? response : { ...response, cost }
}

const encoder = new TextEncoder()

const toBytes = (chunk: unknown): Uint8Array | undefined =>
  chunk instanceof Uint8Array ? chunk : typeof chunk === "string" ? encoder.encode(chunk) : undefined

/**
 * One output file's records, decoded chunk by chunk: `push` each chunk of the body, then `end`. Either gives
 * the results of the lines completed, or the failure that ends the file (a line that is not a record, a chunk
 * that is not bytes, a line too long).
 *
 * @since 0.1.0
 * @category Results
 */
export class OutputDecoder {
  private readonly reader = new Output.LineReader()
  private readonly context: Output.OutputContext
  private lineNumber = 0

  constructor(info: JobInfo, readonly key: string, readonly price: (response: Response) => Response) {
    this.context = {
      modelId: info.modelId,
      trimLeadingWhitespace: info.trimLeadingWhitespace,
      unwrap: (id) => info.unwrap.has(id)
    }
  }

  private decode(lines: ReadonlyArray<string>): Array<Output.RecordResult> | BatchFailure {
    const out: Array<Output.RecordResult> = []
    for (const line of lines) {
      this.lineNumber++
      const decoded = Output.decodeLine(line, this.context)
      if (!decoded.ok) {
        return malformed(this.key, `${this.key}: line ${this.lineNumber}: ${decoded.message}`, this.lineNumber)
      }
      const result = decoded.value
      out.push(result._tag === "Success" ? { ...result, response: this.price(result.response) } : result)
    }
    return out
  }

  /** The results of the lines a chunk of the body completed. */
  push(chunk: unknown): Array<Output.RecordResult> | BatchFailure {
    const bytes = toBytes(chunk)
    if (bytes === undefined) return malformed(this.key, `${this.key}: a chunk of the body is not bytes`)
    const pushed = this.reader.push(bytes)
    return pushed.ok ? this.decode(pushed.lines) : malformed(this.key, `${this.key}: ${pushed.message}`)
  }

  /** The result of the last line, when the file does not end with a line break. */
  end(): Array<Output.RecordResult> | BatchFailure {
    return this.decode(this.reader.end())
  }
}

type S3Body = { readonly [Symbol.asyncIterator]?: () => AsyncIterator<unknown> } | undefined

/**
 * Every record's result, file by file, a batch per chunk read from S3. Abort `signal` to stop reading.
 *
 * @since 0.1.0
 * @category Results
 */
export async function* results(
  clients: Clients,
  info: JobInfo,
  price: (response: Response) => Response,
  signal?: AbortSignal
): AsyncGenerator<ReadonlyArray<Output.RecordResult>, void, undefined> {
  const { bucket, keys } = await outputKeys(clients, info, signal)
  for (const key of keys) {
    const object = await sendS3(clients, "GetObject", bucket, key, { Key: key }, signal)
    const body = object?.Body as S3Body
    if (body === undefined || typeof body[Symbol.asyncIterator] !== "function") {
      fail(malformed(key, "GetObject answered without a body"))
    }
    const decoder = new OutputDecoder(info, key, price)
    const iterator = body![Symbol.asyncIterator]!()
    try {
      while (true) {
        let next: IteratorResult<unknown>
        try {
          next = await iterator.next()
        } catch (error) {
          return fail(classifyS3("GetObject", bucket, key, clients.secrets)(error))
        }
        const decoded = next.done === true ? decoder.end() : decoder.push(next.value)
        if (!Array.isArray(decoded)) return fail(decoded)
        if (decoded.length > 0) yield decoded
        if (next.done === true) break
      }
    } finally {
      if (typeof iterator.return === "function") await Promise.resolve(iterator.return()).catch(() => undefined)
    }
  }
}

/**
 * The job's `manifest.json.out`, checked.
 *
 * @since 0.1.0
 * @category Results
 */
export const manifest = async (clients: Clients, info: JobInfo, signal?: AbortSignal): Promise<Output.Manifest> => {
  const { bucket, prefix } = outputFolder(info)
  const key = `${prefix}${BatchLimits.manifestFileName}`
  const object = await sendS3(clients, "GetObject", bucket, key, { Key: key }, signal)
  let text: string
  try {
    const body: unknown = object?.Body
    const read = typeof body === "object" && body !== null
      ? (body as { readonly transformToString?: unknown }).transformToString
      : undefined
    const value: unknown = typeof read === "function" ? await read.call(body, "utf-8") : ""
    text = typeof value === "string" ? value : ""
  } catch (error) {
    return fail(classifyS3("GetObject", bucket, key, clients.secrets)(error))
  }
  const decoded = Output.decodeManifest(text.slice(0, 1_000_000))
  return decoded.ok ? decoded.value : fail(malformed(key, decoded.message))
}
