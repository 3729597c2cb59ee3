/**
 * Submitting a batch job, without Effect: the options checked (`limits/batch.ts` shapes), each request made a
 * record (`batch/record.ts`), given its record id and cut into files by Bedrock's per-file limits
 * (`batch/jsonl.ts`), the files uploaded (`batch/upload.ts`), then `CreateModelInvocationJob` with
 * `modelInvocationType: "Converse"`.
 *
 * A `Submission` holds every line back until the job has Bedrock's minimum of records (`flush`): an array of
 * requests is checked whole before the first byte is uploaded (`flush(true)` after the last one); a stream is
 * flushed after each request, so nothing is uploaded before the minimum is in. Before the first file is
 * written, the job's input folder must be empty. A submission that fails before its job exists calls
 * `cleanup`: the open multipart upload aborted, the files written deleted. Each Effect line drives the steps
 * (and fetches files given by URL, where it does) and turns failures into its error classes.
 *
 * @since 0.1.0
 */
// A type for a local value only: it never reaches this module's declarations (the SDK is an optional peer).
import type { CreateModelInvocationJobCommandInput } from "@aws-sdk/client-bedrock"
import * as BatchLimits from "../limits/batch.js"
import { makeModel, type Model, type Prepared } from "../prepare/prepare.js"
import type { Request } from "../request/types.js"
import type { Settings } from "../settings/types.js"
import {
  type BatchFailure,
  fail,
  invalidOption,
  invalidRecord,
  limitFailure,
  malformed,
  type Outcome
} from "./failure.js"
import * as Jsonl from "./jsonl.js"
import * as Record from "./record.js"
import { type Clients, sendBedrock, sendS3 } from "./sdk.js"
import * as Upload from "./upload.js"

/**
 * What a job needs besides its requests.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SubmitOptions {
  readonly model: unknown
  readonly inputUri: string
  readonly outputUri: string
  readonly roleArn: string
  readonly jobName?: string | undefined
  readonly timeoutHours?: number | undefined
  readonly tags?: { readonly [key: string]: string } | undefined
  readonly kmsKeyId?: string | undefined
  readonly clientRequestToken?: string | undefined
  readonly settings?: Settings | undefined
  readonly limits?: Partial<Jsonl.Limits> | undefined
}

/**
 * A submitted job.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Submitted {
  readonly jobArn: string
  readonly jobName: string
  readonly modelId: string
  readonly trimLeadingWhitespace: boolean
  readonly records: number
  readonly files: ReadonlyArray<string>
  readonly inputUri: string
  readonly outputUri: string
  /** Records whose structured answer was wrapped (`{ response }`) and is unwrapped when read. */
  readonly unwrap: ReadonlySet<string>
}

/**
 * A job name when none is given: `effect-bedrock-<time>-<random>`.
 *
 * @since 0.1.0
 * @category Submitting
 */
export const defaultJobName = (): string =>
  `effect-bedrock-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** A folder URI with one trailing `/`, or a key prefix without a leading one. */
const folder = (key: string) => key === "" ? "" : key.endsWith("/") ? key : `${key}/`

/**
 * The first option of the job Bedrock would refuse (job name, S3 URIs, role ARN, timeout, tags, request
 * token), or `undefined`.
 *
 * @since 0.1.0
 * @category Submitting
 */
export const checkOptions = (options: SubmitOptions, jobName: string): BatchFailure | undefined => {
  if (!BatchLimits.isJobName(jobName)) {
    return invalidOption(
      "jobName",
      `Invalid job name ${JSON.stringify(jobName.slice(0, 80))}: 1 to 63 letters, digits, "+", "-" or ".", ` +
        "starting with a letter or digit"
    )
  }
  for (const field of ["inputUri", "outputUri"] as const) {
    const uri = options[field]
    if (typeof uri !== "string" || BatchLimits.parseS3Uri(uri) === undefined) {
      return invalidOption(
        field,
        `Invalid ${field}: expected an S3 URI (s3://bucket/folder/), got ${JSON.stringify(uri)}`
      )
    }
  }
  if (typeof options.roleArn !== "string" || !BatchLimits.isRoleArn(options.roleArn)) {
    return invalidOption(
      "roleArn",
      "Invalid roleArn: a batch job needs the ARN of a service role Bedrock can assume " +
        "(arn:aws:iam::<account>:role/<name>), got " + JSON.stringify(options.roleArn)
    )
  }
  const timeout = options.timeoutHours
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && timeout >= BatchLimits.timeoutHours.min && timeout <= BatchLimits.timeoutHours.max)
  ) {
    return invalidOption(
      "timeoutHours",
      `Invalid timeoutHours ${timeout}: a whole number of hours from ${BatchLimits.timeoutHours.min} to ` +
        `${BatchLimits.timeoutHours.max}`
    )
  }
  if (options.tags !== undefined) {
    const entries = Object.entries(options.tags)
    if (entries.length > BatchLimits.maxTags) {
      return invalidOption("tags", `Too many tags: ${entries.length}, at most ${BatchLimits.maxTags}`)
    }
    for (const [key, value] of entries) {
      if (typeof value !== "string" || !BatchLimits.isTag(key, value)) {
        return invalidOption(
          `tags.${key}`,
          `Invalid tag ${
            JSON.stringify(key)
          }: keys of 1 to 128 and values of at most 256 letters, digits, spaces or ._:/=+@-`
        )
      }
    }
  }
  if (options.clientRequestToken !== undefined && !BatchLimits.isClientRequestToken(options.clientRequestToken)) {
    return invalidOption("clientRequestToken", "Invalid clientRequestToken: letters and digits, joined by \"-\"")
  }
  return undefined
}

/**
 * What adding a request gave: the mapping's warnings, each prefixed with the record id (to log), or why the
 * request stops the submission.
 *
 * @since 0.1.0
 * @category Models
 */
export type Added = Outcome<ReadonlyArray<string> | undefined>

const noWarnings: Added = { ok: true, value: undefined }

/**
 * One job being submitted. Its async steps are sequential: each waits for the one before.
 *
 * @since 0.1.0
 * @category Submitting
 */
export class Submission {
  /**
   * Checks the options, the model and its settings; the submission, or the first failure.
   */
  static start(clients: Clients, options: SubmitOptions): Outcome<Submission> {
    if (typeof options !== "object" || options === null) {
      return {
        ok: false,
        failure: invalidOption("options", "Expected options ({ model, requests, inputUri, outputUri, roleArn, ... })")
      }
    }
    const made = makeModel({ model: options.model, settings: options.settings })
    if (!made.ok) {
      const issue = made.issues[0]!
      const field = issue.path === "" ? "model" : issue.path
      return { ok: false, failure: { kind: "invalidRequest", message: issue.message, field } }
    }
    const jobName = options.jobName ?? defaultJobName()
    const invalid = checkOptions(options, jobName)
    return invalid !== undefined
      ? { ok: false, failure: invalid }
      : { ok: true, value: new Submission(clients, options, made.value, jobName) }
  }

  readonly limits: Jsonl.Limits
  readonly input: { readonly bucket: string; readonly key: string }
  readonly output: { readonly bucket: string; readonly key: string }
  /** The job's input folder key: `{inputUri}{jobName}/`. */
  readonly prefix: string
  private readonly target: Upload.Target
  private readonly ids = new Jsonl.RecordIds()
  private readonly splitter: Jsonl.Splitter
  private readonly unwrap = new Set<string>()
  private readonly written: Array<string> = []
  private writer: Upload.FileWriter | undefined
  /** Lines not yet placed in a file; every line is held until the job has its minimum of records. */
  private queue: Array<{ readonly line: Uint8Array; readonly newFile: boolean }> = []
  private holding = true
  private index = 0

  private constructor(
    readonly clients: Clients,
    readonly options: SubmitOptions,
    readonly model: Model,
    readonly jobName: string
  ) {
    this.limits = { ...clients.limits, ...options.limits }
    this.input = BatchLimits.parseS3Uri(options.inputUri)!
    this.output = BatchLimits.parseS3Uri(options.outputUri)!
    this.prefix = `${folder(this.input.key)}${jobName}/`
    this.target = { clients, bucket: this.input.bucket, partSize: clients.partSize }
    this.splitter = new Jsonl.Splitter(this.limits)
  }

  /** The index of the next request (`requests[index]` in failures). */
  next(): number {
    return this.index++
  }

  /** A request's checks and settings (`batch/record.ts`); its files by URL still to fetch when `hasDownloads`. */
  prepare(request: unknown, index: number): Outcome<Prepared<Request<object>>> {
    const prepared = Record.prepareRecord(this.model, request, this.options.settings)
    return prepared.ok ? prepared : { ok: false, failure: invalidRecord(prepared.issues, index) }
  }

  /**
   * A prepared request (files by URL fetched, else refused) mapped, given its record id, encoded and placed in
   * a file by the limits: queued for `flush`.
   */
  add(request: unknown, prepared: Prepared<Request<object>>, index: number): Added {
    const record = Record.mapRecord(prepared)
    if (!record.ok) return { ok: false, failure: invalidRecord(record.issues, index) }
    const given = typeof request === "object" && request !== null
      ? (request as { readonly recordId?: unknown }).recordId
      : undefined
    const id = this.ids.take(given, `requests[${index}]`)
    if (!id.ok) return { ok: false, failure: invalidRecord(id.issues.map((i) => ({ ...i, path: "recordId" })), index) }
    const { modelInput, unwrap, warnings } = record.value
    if (unwrap) this.unwrap.add(id.value)
    const line = Jsonl.encodeLine(id.value, modelInput)
    const placed = this.splitter.add(line.byteLength)
    if (!placed.ok) return { ok: false, failure: limitFailure(placed.issue) }
    this.queue.push({ line, newFile: placed.value.newFile })
    return warnings === undefined ? noWarnings : { ok: true, value: warnings.map((w) => `${id.value}: ${w}`) }
  }

  /** Whether `flush(false)` has anything to upload (lines queued, the minimum of records reached). */
  get pending(): boolean {
    return this.queue.length > 0 && (!this.holding || this.splitter.records >= this.limits.minRecordsPerJob)
  }

  /**
   * Uploads the lines queued once the job has its minimum of records (the input folder checked empty first).
   * `final`: the requests have ended: the minimum checked, the lines left uploaded, the last file completed.
   */
  async flush(final: boolean, signal?: AbortSignal): Promise<void> {
    if (final) {
      const few = this.splitter.finish()
      if (few !== undefined) fail(limitFailure(few))
    }
    if (this.holding) {
      if (!final && this.splitter.records < this.limits.minRecordsPerJob) return
      this.holding = false
      await this.ensureNewFolder(signal)
    }
    const queue = this.queue
    this.queue = []
    for (const { line, newFile } of queue) {
      if (newFile || this.writer === undefined) {
        if (this.writer !== undefined) await this.writer.close(signal)
        const key = `${this.prefix}${Jsonl.inputFileName(this.written.length)}`
        this.written.push(key)
        this.writer = new Upload.FileWriter(this.target, key)
      }
      await this.writer.write(line, signal)
    }
    if (final && this.writer !== undefined) await this.writer.close(signal)
  }

  // The job's input folder must be new: files there would become part of this job, and a failed submission
  // would delete what it overwrote. Checked when the first file is about to be written.
  private async ensureNewFolder(signal: AbortSignal | undefined): Promise<void> {
    const { bucket } = this.input
    const existing = await sendS3(
      this.clients,
      "ListObjectsV2",
      bucket,
      this.prefix,
      { Prefix: this.prefix, MaxKeys: 1 },
      signal
    )
    const contents: unknown = existing?.Contents
    if (Array.isArray(contents) && contents.length > 0) {
      fail(invalidOption(
        "jobName",
        `s3://${bucket}/${this.prefix} already holds files (a job of this name was submitted before): choose ` +
          "another jobName, or remove them"
      ))
    }
  }

  /** After a failure before the job exists: aborts the open upload, deletes the files written. Never rejects. */
  async cleanup(): Promise<void> {
    const writer = this.writer
    this.writer = undefined
    this.queue = []
    if (writer !== undefined) await writer.abort()
    await Upload.remove(this.target, this.written)
  }

  /** `CreateModelInvocationJob` over the files written; when Bedrock refuses it, the files are deleted. */
  async create(signal?: AbortSignal): Promise<Submitted> {
    const { options, model, jobName } = this
    const inputUri = `s3://${this.input.bucket}/${this.prefix}`
    const outputUri = `s3://${this.output.bucket}/${folder(this.output.key)}`
    const request: CreateModelInvocationJobCommandInput = {
      jobName,
      roleArn: options.roleArn,
      // The job's model: the inference profile of the job's settings, else the model id.
      modelId: model.settings.inferenceProfile ?? model.modelId,
      modelInvocationType: "Converse",
      inputDataConfig: { s3InputDataConfig: { s3Uri: inputUri, s3InputFormat: "JSONL" } },
      outputDataConfig: {
        s3OutputDataConfig: {
          s3Uri: outputUri,
          ...(options.kmsKeyId !== undefined ? { s3EncryptionKeyId: options.kmsKeyId } : {})
        }
      },
      ...(options.timeoutHours !== undefined ? { timeoutDurationInHours: options.timeoutHours } : {}),
      ...(options.clientRequestToken !== undefined ? { clientRequestToken: options.clientRequestToken } : {}),
      ...(options.tags !== undefined
        ? { tags: Object.entries(options.tags).map(([key, value]) => ({ key, value })) }
        : {})
    }
    let created: any
    try {
      created = await sendBedrock(this.clients, "CreateModelInvocationJob", request, signal)
    } catch (error) {
      await this.cleanup()
      throw error
    }
    if (typeof created?.jobArn !== "string" || created.jobArn === "") {
      fail(malformed("CreateModelInvocationJob", "CreateModelInvocationJob answered without a jobArn"))
    }
    return {
      jobArn: created.jobArn,
      jobName,
      modelId: model.modelId,
      trimLeadingWhitespace: model.profile.ignoresLeadingWhitespaceInStream,
      records: this.splitter.records,
      files: this.written,
      inputUri,
      outputUri,
      unwrap: this.unwrap
    }
  }
}
