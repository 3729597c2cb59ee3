/**
 * The local Bedrock's model invocation jobs: the store behind the control plane, and each job's life
 * from `Submitted` to its end, over time.
 *
 * A job waits `stepMs` in each of `Submitted`, `Validating` and `Scheduled`. Validating reads the
 * input from S3 (one `.jsonl` object, or every `.jsonl` object under a folder) and checks it against
 * the batch quotas (the engine's `limits/batch`, or the server's own); a job whose input cannot be
 * read, is malformed or breaks a quota ends `Failed` with a message saying which. `InProgress` runs
 * every record through the runtime's converse path (scripts, reserved ids, the default model), with
 * `concurrency` records at a time and `recordMs` per record, updating the progress counts, then
 * writes one `{file}.out` per input file and `manifest.json.out` under `{output}/{jobId}/` and ends
 * `Completed` (records that failed are error lines, counted in `errorRecordCount`). A stop request
 * makes it `Stopping`, writes what was done, then `Stopped`. With `hourMs` set, a job's
 * `timeoutDurationInHours` passes in `hours * hourMs`: a job not started by then ends `Expired`, one
 * in progress `PartiallyCompleted` with what it processed.
 *
 * @internal
 */
import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import { randomBytes } from "node:crypto"
import { setMaxListeners } from "node:events"
import type { BatchOptions } from "../../LocalBedrockServer.js"
import { sleep } from "../exchange.js"
import { isObject, type Json } from "../json.js"
import * as invokeModel from "./invokeModel.js"
import * as records from "./records.js"
import { BatchS3 } from "./s3.js"
import type { CreateRequest } from "./validation.js"
import * as validation from "./validation.js"

// =============================================================================
// Jobs
// =============================================================================

/** @internal */
export interface Job {
  readonly jobId: string
  readonly jobArn: string
  readonly request: CreateRequest
  readonly submitTime: Date
  /** Creation order, to sort jobs submitted in the same millisecond. */
  readonly sequence: number
  status: BatchLimits.JobStatus
  message: string | undefined
  lastModifiedTime: Date
  endTime: Date | undefined
  jobExpirationTime: Date | undefined
  totalRecordCount: number
  processedRecordCount: number
  successRecordCount: number
  errorRecordCount: number
  /** Why the job's work was interrupted, if it was. */
  interrupted: "stop" | "timeout" | "close" | undefined
  readonly controller: AbortController
  timer: ReturnType<typeof setTimeout> | undefined
}

/** A failure answered to a control-plane call. */
export interface Failure {
  readonly _tag: "Failure"
  readonly status: number
  readonly name: string
  readonly message: string
}

const failure = (status: number, name: string, message: string): Failure => ({ _tag: "Failure", status, name, message })

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
const RECORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const randomId = (length: number, alphabet: string): string => {
  const bytes = randomBytes(length)
  let id = ""
  for (let i = 0; i < length; i++) id += alphabet[bytes[i]! % alphabet.length]
  return id
}

/** The job ARN's partition and account: the role's, else the `aws` partition and a placeholder account. */
const arnParts = (roleArn: string): { partition: string; account: string } => {
  const m = /^arn:(aws(?:-[^:]+)?):iam::([0-9]{12})?:/.exec(roleArn)
  return { partition: m?.[1] ?? "aws", account: m?.[2] ?? "123456789012" }
}

// =============================================================================
// Input
// =============================================================================

interface InputRecord {
  readonly recordId: string
  readonly modelInput: unknown
}

interface InputFile {
  /** The output file's name, relative to `{output}/{jobId}/`. */
  readonly name: string
  readonly records: ReadonlyArray<InputRecord>
}

type Read = { readonly ok: true; readonly files: ReadonlyArray<InputFile> } | {
  readonly ok: false
  readonly message: string
}

const parseLines = (text: string, uri: string): { records: Array<InputRecord> } | { message: string } => {
  const out: Array<InputRecord> = []
  const lines = text.split("\n")
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line.length === 0) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      return { message: `Line ${i + 1} of ${uri} is not valid JSON.` }
    }
    if (!isObject(value) || !isObject(value.modelInput)) {
      return { message: `Line ${i + 1} of ${uri} is not a JSON object with a "modelInput" object.` }
    }
    if (value.recordId !== undefined && (typeof value.recordId !== "string" || value.recordId.length === 0)) {
      return { message: `Line ${i + 1} of ${uri} has a "recordId" that is not a non-empty string.` }
    }
    out.push({
      recordId: typeof value.recordId === "string" ? value.recordId : randomId(11, RECORD_ALPHABET),
      modelInput: value.modelInput
    })
  }
  return { records: out }
}

// =============================================================================
// The store
// =============================================================================

interface Timing {
  readonly stepMs: number
  readonly recordMs: number
  readonly hourMs: number | undefined
}

/** @internal */
export class BatchJobs {
  private readonly jobs = new Map<string, Job>()
  private readonly byToken = new Map<string, Job>()
  private readonly s3: BatchS3 | undefined
  private readonly quotas: BatchLimits.Quotas
  private readonly timing: Timing
  private readonly concurrency: number
  private sequence = 0

  constructor(
    options: BatchOptions | undefined,
    private readonly allowAnyModelId: boolean,
    private readonly runtime: records.Runtime
  ) {
    this.s3 = options?.s3 === undefined ? undefined : new BatchS3(options.s3)
    this.quotas = { ...BatchLimits.defaultQuotas, ...options?.quotas }
    this.timing = {
      stepMs: Math.max(0, options?.timing?.stepMs ?? 20),
      recordMs: Math.max(0, options?.timing?.recordMs ?? 0),
      hourMs: options?.timing?.hourMs
    }
    this.concurrency = Math.max(1, Math.floor(options?.concurrency ?? 16))
  }

  // ---------------------------------------------------------------------------
  // Control plane
  // ---------------------------------------------------------------------------

  create(body: unknown, region: string): Failure | Job {
    const checked = validation.checkCreate(body, this.allowAnyModelId)
    if (!checked.ok) return failure(400, "ValidationException", checked.message)
    const request = checked.request
    if (request.clientRequestToken !== undefined) {
      const earlier = this.byToken.get(request.clientRequestToken)
      if (earlier !== undefined) return earlier
    }
    if (this.s3 === undefined) {
      return failure(
        400,
        "ValidationException",
        "This local Bedrock has no S3 endpoint for batch jobs: start it with an S3 endpoint (option batch.s3, or --s3-endpoint)."
      )
    }
    for (const job of this.jobs.values()) {
      if (job.request.jobName === request.jobName) {
        return failure(400, "ConflictException", `A model invocation job named ${request.jobName} already exists.`)
      }
    }
    let running = 0
    for (const job of this.jobs.values()) {
      if (job.request.modelId === request.modelId && !BatchLimits.terminalStatuses.includes(job.status)) running++
    }
    if (running >= this.quotas.maxConcurrentJobs) {
      return failure(
        400,
        "ServiceQuotaExceededException",
        `You have reached the maximum number of submitted and in-progress batch inference jobs (${this.quotas.maxConcurrentJobs}) for model ${request.modelId}. Wait for a job to end, or stop one, and try again.`
      )
    }
    const jobId = randomId(12, ID_ALPHABET)
    const { account, partition } = arnParts(request.roleArn)
    const now = new Date()
    const job: Job = {
      jobId,
      jobArn: `arn:${partition}:bedrock:${region}:${account}:model-invocation-job/${jobId}`,
      request,
      submitTime: now,
      sequence: this.sequence++,
      status: "Submitted",
      message: undefined,
      lastModifiedTime: now,
      endTime: undefined,
      jobExpirationTime: this.timing.hourMs === undefined
        ? new Date(now.getTime() + request.timeoutDurationInHours * 3_600_000)
        : new Date(now.getTime() + request.timeoutDurationInHours * this.timing.hourMs),
      totalRecordCount: 0,
      processedRecordCount: 0,
      successRecordCount: 0,
      errorRecordCount: 0,
      interrupted: undefined,
      controller: new AbortController(),
      timer: undefined
    }
    // Every record in flight listens to the job's signal (stop).
    setMaxListeners(0, job.controller.signal)
    this.jobs.set(jobId, job)
    if (request.clientRequestToken !== undefined) this.byToken.set(request.clientRequestToken, job)
    if (this.timing.hourMs !== undefined) {
      const ms = request.timeoutDurationInHours * this.timing.hourMs
      job.timer = setTimeout(() => this.interrupt(job, "timeout"), ms)
      job.timer.unref?.()
    }
    void this.run(job).catch((error: unknown) => {
      this.end(job, "Failed", `Internal error: ${error instanceof Error ? error.message : String(error)}`)
    })
    return job
  }

  find(identifier: string): Failure | Job {
    const invalid = validation.checkJobIdentifier(identifier)
    if (invalid !== undefined) return failure(400, "ValidationException", invalid)
    const jobId = identifier.slice(identifier.lastIndexOf("/") + 1)
    const job = this.jobs.get(jobId)
    if (job === undefined || (identifier.startsWith("arn:") && job.jobArn !== identifier)) {
      return failure(404, "ResourceNotFoundException", `The model invocation job ${identifier} could not be found.`)
    }
    return job
  }

  stop(identifier: string): Failure | Job {
    const job = this.find(identifier)
    if ("_tag" in job) return job
    if (job.status === "Stopping" || job.status === "Stopped") return job
    if (BatchLimits.terminalStatuses.includes(job.status)) {
      return failure(
        400,
        "ConflictException",
        `The model invocation job ${job.jobArn} cannot be stopped because it is ${job.status}.`
      )
    }
    this.interrupt(job, "stop")
    return job
  }

  list(
    query: URLSearchParams
  ): Failure | { readonly jobs: ReadonlyArray<Job>; readonly nextToken: string | undefined } {
    const failures: Array<string> = []
    const time = (name: string): Date | undefined => {
      const value = query.get(name)
      if (value === null) return undefined
      const date = new Date(value)
      if (Number.isNaN(date.getTime())) {
        failures.push(`Value '${value}' at '${name}' failed to satisfy constraint: Member must be a timestamp`)
      }
      return date
    }
    const after = time("submitTimeAfter")
    const before = time("submitTimeBefore")
    const status = query.get("statusEquals")
    const statuses: ReadonlyArray<string> = [
      "Submitted",
      "InProgress",
      "Completed",
      "Failed",
      "Stopping",
      "Stopped",
      "PartiallyCompleted",
      "Expired",
      "Validating",
      "Scheduled"
    ]
    if (status !== null && !statuses.includes(status)) {
      failures.push(
        `Value '${status}' at 'statusEquals' failed to satisfy constraint: Member must satisfy enum value set: [${
          statuses.join(", ")
        }]`
      )
    }
    const nameContains = query.get("nameContains")
    const maxText = query.get("maxResults")
    const maxResults = maxText === null ? 1000 : Number(maxText)
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 1000) {
      failures.push(
        maxResults < 1
          ? `Value '${maxText}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`
          : `Value '${maxText}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`
      )
    }
    const sortBy = query.get("sortBy")
    if (sortBy !== null && sortBy !== "CreationTime") {
      failures.push(
        `Value '${sortBy}' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [CreationTime]`
      )
    }
    const sortOrder = query.get("sortOrder")
    if (sortOrder !== null && sortOrder !== "Ascending" && sortOrder !== "Descending") {
      failures.push(
        `Value '${sortOrder}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [Ascending, Descending]`
      )
    }
    if (failures.length > 0) {
      return failure(
        400,
        "ValidationException",
        `${failures.length} validation error${failures.length === 1 ? "" : "s"} detected: ${failures.join("; ")}`
      )
    }
    let offset = 0
    const token = query.get("nextToken")
    if (token !== null) {
      const m = /^offset-(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"))
      if (m === null) return failure(400, "ValidationException", "The provided pagination token is invalid.")
      offset = Number(m[1])
    }
    const matching = [...this.jobs.values()]
      .filter((job) =>
        (after === undefined || job.submitTime.getTime() > after.getTime()) &&
        (before === undefined || job.submitTime.getTime() < before.getTime()) &&
        (status === null || job.status === status) &&
        (nameContains === null || job.request.jobName.includes(nameContains))
      )
      .sort((a, b) => a.submitTime.getTime() - b.submitTime.getTime() || a.sequence - b.sequence)
    if (sortOrder !== "Ascending") matching.reverse()
    const page = matching.slice(offset, offset + maxResults)
    const next = offset + maxResults < matching.length
      ? Buffer.from(`offset-${offset + maxResults}`, "utf8").toString("base64url")
      : undefined
    return { jobs: page, nextToken: next }
  }

  /** Stops every job's work and forgets every job. */
  reset(): void {
    for (const job of this.jobs.values()) this.interrupt(job, "close")
    this.jobs.clear()
    this.byToken.clear()
  }

  close(): void {
    this.reset()
    this.s3?.destroy()
  }

  // ---------------------------------------------------------------------------
  // A job's life
  // ---------------------------------------------------------------------------

  private interrupt(job: Job, why: "stop" | "timeout" | "close"): void {
    if (BatchLimits.terminalStatuses.includes(job.status) || job.interrupted !== undefined) return
    job.interrupted = why
    if (why === "stop") this.move(job, "Stopping")
    job.controller.abort()
  }

  private move(job: Job, status: BatchLimits.JobStatus, message?: string): void {
    if (BatchLimits.terminalStatuses.includes(job.status)) return
    job.status = status
    if (message !== undefined) job.message = message
    job.lastModifiedTime = new Date()
  }

  private end(job: Job, status: BatchLimits.JobStatus, message?: string): void {
    if (BatchLimits.terminalStatuses.includes(job.status)) return
    this.move(job, status, message)
    job.endTime = job.lastModifiedTime
    if (job.timer !== undefined) clearTimeout(job.timer)
    job.timer = undefined
  }

  /** After an interruption before any record ran: how the job ends. */
  private endInterrupted(job: Job): void {
    switch (job.interrupted) {
      case "stop":
        return this.end(job, "Stopped")
      case "timeout":
        return this.end(job, "Expired", "The job did not start before its timeout.")
      default:
        return this.end(job, "Stopped")
    }
  }

  private async run(job: Job): Promise<void> {
    const signal = job.controller.signal
    const s3 = this.s3!
    await sleep(this.timing.stepMs, signal)
    if (signal.aborted) return this.endInterrupted(job)
    this.move(job, "Validating")
    const read = await this.readInput(job, s3, signal)
    if (signal.aborted) return this.endInterrupted(job)
    if (!read.ok) return this.end(job, "Failed", read.message)
    job.totalRecordCount = read.files.reduce((n, f) => n + f.records.length, 0)
    await sleep(this.timing.stepMs, signal)
    if (signal.aborted) return this.endInterrupted(job)
    this.move(job, "Scheduled")
    await sleep(this.timing.stepMs, signal)
    if (signal.aborted) return this.endInterrupted(job)
    this.move(job, "InProgress")

    const output = BatchLimits.parseS3Uri(job.request.outputS3Uri)!
    const base = output.key.replace(/\/+$/, "")
    const folder = base.length === 0 ? job.jobId : `${base}/${job.jobId}`
    let inputTokens = 0
    let outputTokens = 0
    const finished = new AbortController()
    const writeSignal = finished.signal
    for (const file of read.files) {
      const lines: Array<string | undefined> = new Array(file.records.length)
      let next = 0
      const worker = async () => {
        while (!signal.aborted && next < file.records.length) {
          const index = next++
          if (this.timing.recordMs > 0) await sleep(this.timing.recordMs, signal)
          if (signal.aborted) return
          const result = await this.runRecord(job, file.records[index]!, signal)
          if (signal.aborted) return
          lines[index] = result.line
          inputTokens += result.inputTokens
          outputTokens += result.outputTokens
          job.processedRecordCount++
          if (result.ok) job.successRecordCount++
          else job.errorRecordCount++
        }
      }
      await Promise.all(Array.from({ length: Math.min(this.concurrency, file.records.length) }, worker))
      if (job.interrupted === "close") return
      const body = lines.filter((l): l is string => l !== undefined).join("\n")
      const key = `${folder}/${BatchLimits.outputFileName(file.name)}`
      const put = await s3.putText(output.bucket, key, body.length === 0 ? "" : `${body}\n`, writeSignal)
      if (!put.ok) {
        return this.end(job, "Failed", `Could not write the output to s3://${output.bucket}/${key}: ${put.message}`)
      }
      if (signal.aborted) break
    }
    if (job.interrupted === "close") return
    const manifest = JSON.stringify({
      totalRecordCount: job.totalRecordCount,
      processedRecordCount: job.processedRecordCount,
      successRecordCount: job.successRecordCount,
      errorRecordCount: job.errorRecordCount,
      inputTokenCount: inputTokens,
      outputTokenCount: outputTokens
    })
    const manifestKey = `${folder}/${BatchLimits.manifestFileName}`
    const put = await s3.putText(output.bucket, manifestKey, manifest, writeSignal)
    if (!put.ok) {
      return this.end(
        job,
        "Failed",
        `Could not write the output to s3://${output.bucket}/${manifestKey}: ${put.message}`
      )
    }
    switch (job.interrupted) {
      case "stop":
        await sleep(this.timing.stepMs, writeSignal)
        return this.end(job, "Stopped")
      case "timeout":
        return this.end(
          job,
          "PartiallyCompleted",
          `The job reached its timeout of ${job.request.timeoutDurationInHours} hours before every record was processed.`
        )
      default:
        return this.end(job, "Completed")
    }
  }

  private async readInput(job: Job, s3: BatchS3, signal: AbortSignal): Promise<Read> {
    const { inputS3Uri, outputS3Uri } = job.request
    const input = BatchLimits.parseS3Uri(inputS3Uri)!
    const output = BatchLimits.parseS3Uri(outputS3Uri)!
    const outputBucket = await s3.bucketExists(output.bucket, signal)
    if (!outputBucket.ok) {
      return { ok: false, message: `Unable to access the output S3 location ${outputS3Uri}: ${outputBucket.message}` }
    }
    const listed = await s3.list(input.bucket, input.key, signal)
    if (!listed.ok) {
      return { ok: false, message: `Unable to access the input S3 location ${inputS3Uri}: ${listed.message}` }
    }
    const folder = input.key.endsWith("/") || input.key.length === 0 ? input.key : undefined
    const files = listed.value.filter((o) => o.key.endsWith(".jsonl"))
    if (files.length === 0) {
      return {
        ok: false,
        message: listed.value.length === 0
          ? `Unable to access the input S3 location ${inputS3Uri}: NoSuchKey: no object at this location`
          : `No .jsonl file found at the input S3 location ${inputS3Uri}.`
      }
    }
    const q = this.quotas
    let jobBytes = 0
    for (const file of files) {
      jobBytes += file.size
      if (file.size > q.maxFileBytes) {
        return {
          ok: false,
          message:
            `The input file s3://${input.bucket}/${file.key} is ${file.size} bytes, more than the maximum input file size of ${q.maxFileBytes} bytes.`
        }
      }
    }
    if (jobBytes > q.maxJobBytes) {
      return {
        ok: false,
        message:
          `The input files of the job total ${jobBytes} bytes, more than the maximum job size of ${q.maxJobBytes} bytes.`
      }
    }
    const read: Array<InputFile> = []
    let total = 0
    for (const file of files.sort((a, b) => (a.key < b.key ? -1 : 1))) {
      const uri = `s3://${input.bucket}/${file.key}`
      const text = await s3.getText(input.bucket, file.key, signal)
      if (!text.ok) return { ok: false, message: `Unable to read the input file ${uri}: ${text.message}` }
      const parsed = parseLines(text.value, uri)
      if ("message" in parsed) return { ok: false, message: parsed.message }
      if (parsed.records.length > q.maxRecordsPerFile) {
        return {
          ok: false,
          message:
            `The input file ${uri} has ${parsed.records.length} records, more than the maximum of ${q.maxRecordsPerFile} records per input file.`
        }
      }
      total += parsed.records.length
      const name = folder === undefined
        ? file.key.slice(file.key.lastIndexOf("/") + 1)
        : file.key.slice(folder.length)
      read.push({ name, records: parsed.records })
    }
    if (total < q.minRecordsPerJob) {
      return {
        ok: false,
        message:
          `The job has ${total} records, fewer than the minimum of ${q.minRecordsPerJob} records per batch inference job.`
      }
    }
    if (total > q.maxRecordsPerJob) {
      return {
        ok: false,
        message:
          `The job has ${total} records, more than the maximum of ${q.maxRecordsPerJob} records per batch inference job.`
      }
    }
    return { ok: true, files: read }
  }

  private async runRecord(
    job: Job,
    record: InputRecord,
    signal: AbortSignal
  ): Promise<{ ok: boolean; line: string; inputTokens: number; outputTokens: number }> {
    const { modelInput, recordId } = record
    const errorLine = (errorCode: number, errorMessage: string) => ({
      ok: false,
      line: JSON.stringify({ recordId, modelInput, error: { errorCode, errorMessage } }),
      inputTokens: 0,
      outputTokens: 0
    })
    let body = modelInput as Json
    let native: invokeModel.Native | undefined
    if (job.request.invocationType === "InvokeModel") {
      native = invokeModel.fromNative(body)
      if (native === undefined) {
        return errorLine(
          400,
          "Malformed input request: this local Bedrock answers InvokeModel records in the Anthropic Messages or Amazon Nova format."
        )
      }
      body = native.converse
    } else if (body.toolConfig !== undefined) {
      return errorLine(
        400,
        "Tool use (toolConfig) is not supported in batch inference jobs with the Converse invocation type."
      )
    }
    const answer = await records.converse(this.runtime, job.request.modelId, body, signal)
    let parsed: unknown
    try {
      parsed = JSON.parse(answer.body)
    } catch {
      parsed = undefined
    }
    if (answer.status !== 200) {
      const message = isObject(parsed) && typeof parsed.message === "string"
        ? parsed.message
        : answer.errorType ?? "Error"
      return errorLine(answer.status, message)
    }
    if (!isObject(parsed)) return errorLine(500, "The model returned a response that is not JSON.")
    const usage = isObject(parsed.usage) ? parsed.usage : {}
    const modelOutput = native === undefined ? parsed : native.answer(parsed, job.request.modelId)
    return {
      ok: true,
      line: JSON.stringify({ recordId, modelInput, modelOutput }),
      inputTokens: typeof usage.inputTokens === "number" ? usage.inputTokens : 0,
      outputTokens: typeof usage.outputTokens === "number" ? usage.outputTokens : 0
    }
  }
}
