/**
 * `BedrockBatch.submit`: the options checked (the engine's `limits/batch.ts` shapes), every request made a
 * record by the engine (`batch/record.ts`: generate's checks and mapping, files by URL fetched as `generate`
 * fetches them), the lines cut into files by Bedrock's per-file limits (`batch/jsonl.ts`), the files uploaded,
 * then `CreateModelInvocationJob` with `modelInvocationType: "Converse"`.
 *
 * An array of requests is checked whole before the first byte is uploaded. A `Stream` is read once: nothing is
 * uploaded before it has given Bedrock's minimum of records, and a request or limit that fails later stops the
 * submission, aborts the open upload and deletes the files written, before any job exists.
 *
 * @internal
 */
// A type for a local value only: it never reaches this module's declarations (the SDK is an optional peer).
import type { CreateModelInvocationJobCommandInput } from "@aws-sdk/client-bedrock"
import * as Jsonl from "@effect-bedrock/converse/batch/jsonl"
import * as Record from "@effect-bedrock/converse/batch/record"
import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import * as Prepare from "@effect-bedrock/converse/prepare/prepare"
import type { Request } from "@effect-bedrock/converse/request/types"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as Errors from "../../BedrockBatchError.js"
import type * as BedrockModelSettings from "../../BedrockModelSettings.js"
import * as LanguageModel from "../../LanguageModel.js"
import * as Prompt from "../../Prompt.js"
import type { Modules } from "./sdk.js"
import { fromBedrock, fromS3 } from "./sdk.js"
import * as Upload from "./upload.js"

type BedrockClient = InstanceType<Modules["bedrock"]["BedrockClient"]>
type S3Client = InstanceType<Modules["s3"]["S3Client"]>

/** @internal */
export interface Clients {
  readonly modules: Modules
  readonly bedrock: BedrockClient
  readonly s3: S3Client
  readonly secrets: ReadonlyArray<string>
  readonly limits: Jsonl.Limits
  readonly partSize: number
}

/** @internal */
export interface SubmitOptions<E> {
  readonly model: string
  readonly requests: Iterable<unknown> | Stream.Stream<unknown, E>
  readonly inputUri: string
  readonly outputUri: string
  readonly roleArn: string
  readonly jobName?: string | undefined
  readonly timeoutHours?: number | undefined
  readonly tags?: { readonly [key: string]: string } | undefined
  readonly kmsKeyId?: string | undefined
  readonly clientRequestToken?: string | undefined
  readonly settings?: BedrockModelSettings.Settings | undefined
  readonly limits?: Partial<Jsonl.Limits> | undefined
}

/** @internal */
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

const invalidOption = (field: string, message: string) =>
  new Errors.BatchValidationError({ message, operation: "submit", source: "client", field })

const limitError = (issue: Jsonl.LimitIssue) =>
  new Errors.BatchLimitError({
    message: issue.message,
    limit: issue.limit,
    actual: issue.actual,
    ...(issue.maximum !== undefined ? { maximum: issue.maximum } : {}),
    ...(issue.minimum !== undefined ? { minimum: issue.minimum } : {})
  })

const invalidRecord = (issues: ReadonlyArray<{ readonly path: string; readonly message: string }>, index: number) => {
  const first = issues[0]!
  const field = first.path === "" ? `requests[${index}]` : `requests[${index}].${first.path}`
  return new LanguageModel.InvalidRequestError({ message: `${field}: ${first.message}`, operation: "submit", field })
}

const defaultJobName = () => `effect-bedrock-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`

/** A folder URI with one trailing `/`, or a key prefix without a leading one. */
const folder = (key: string) => key === "" ? "" : key.endsWith("/") ? key : `${key}/`

/**
 * Checks the job's options before anything else happens.
 */
const checkOptions = (options: SubmitOptions<unknown>, jobName: string) => {
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
 * One record from one request, its files by URL fetched first.
 */
const recordOf = (
  model: Prepare.Model,
  settings: BedrockModelSettings.Settings | undefined,
  request: unknown,
  index: number
): Effect.Effect<Record.MappedRecord, LanguageModel.InvalidRequestError | LanguageModel.LanguageModelError> => {
  const prepared = Record.prepareRecord(model, request, settings)
  if (!prepared.ok) return Effect.fail(invalidRecord(prepared.issues, index))
  const mapped = (input: Prepare.Prepared<Request<object>>) => {
    const record = Record.mapRecord(input)
    return record.ok ? Effect.succeed(record.value) : Effect.fail(invalidRecord(record.issues, index))
  }
  if (!prepared.value.hasDownloads) return mapped(prepared.value)
  const input = prepared.value
  return Effect.tryPromise({
    try: () => import("../languageModel/fileDownload.js"),
    catch: (cause) =>
      new LanguageModel.InvalidRequestError({
        message: "Files given by URL cannot be downloaded: the download module did not load",
        operation: "submit",
        field: `requests[${index}].prompt`,
        cause
      })
  }).pipe(
    Effect.flatMap((module) => module.resolveUrls(Prompt.make(input.request.prompt as Prompt.Input), "submit")),
    Effect.mapError((error) =>
      error._tag === "InvalidRequestError"
        ? error
        : new LanguageModel.InvalidRequestError({
          message: `requests[${index}].prompt: ${error.message}`,
          operation: "submit",
          field: `requests[${index}].prompt`
        })
    ),
    Effect.flatMap((prompt) => mapped({ ...input, request: { ...input.request, prompt }, hasDownloads: false }))
  )
}

/**
 * Submits a job.
 *
 * @internal
 */
export const submit = <E>(
  clients: Clients,
  options: SubmitOptions<E>
): Effect.Effect<
  Submitted,
  Errors.CallError | Errors.BatchLimitError | LanguageModel.InvalidRequestError | LanguageModel.LanguageModelError | E
> =>
  Effect.gen(function*() {
    if (typeof options !== "object" || options === null) {
      return yield* invalidOption(
        "options",
        "Expected options ({ model, requests, inputUri, outputUri, roleArn, ... })"
      )
    }
    const made = Prepare.makeModel({ model: options.model, settings: options.settings })
    if (!made.ok) {
      const issue = made.issues[0]!
      return yield* new LanguageModel.InvalidRequestError({
        message: issue.message,
        operation: "submit",
        field: issue.path === "" ? "model" : issue.path
      })
    }
    const model = made.value
    const jobName = options.jobName ?? defaultJobName()
    const invalid = checkOptions(options, jobName)
    if (invalid !== undefined) return yield* invalid
    const limits: Jsonl.Limits = { ...clients.limits, ...options.limits }
    const input = BatchLimits.parseS3Uri(options.inputUri)!
    const output = BatchLimits.parseS3Uri(options.outputUri)!
    const prefix = `${folder(input.key)}${jobName}/`
    const target: Upload.Target = {
      module: clients.modules.s3,
      client: clients.s3,
      bucket: input.bucket,
      secrets: clients.secrets,
      partSize: clients.partSize
    }

    const ids = new Jsonl.RecordIds()
    const splitter = new Jsonl.Splitter(limits)
    const unwrap = new Set<string>()
    const written: Array<string> = []
    let writer: Upload.FileWriter | undefined
    // Lines held back until the job has its minimum of records (nothing uploaded before).
    let held: Array<{ readonly line: Uint8Array; readonly newFile: boolean }> | undefined = []
    let index = 0

    const place = (line: Uint8Array, newFile: boolean): Effect.Effect<void, Errors.BatchS3Error> =>
      Effect.gen(function*() {
        if (newFile || writer === undefined) {
          if (writer !== undefined) yield* writer.close()
          const key = `${prefix}${Jsonl.inputFileName(written.length)}`
          written.push(key)
          writer = new Upload.FileWriter(target, key)
        }
        yield* writer.write(line)
      })

    // The job's input folder must be new: files there would become part of this job, and a failed submission
    // would delete what it overwrote. Checked when the first file is about to be written.
    const ensureNewFolder = Effect.gen(function*() {
      const existing = yield* Effect.tryPromise({
        try: (signal) =>
          clients.s3.send(
            new clients.modules.s3.ListObjectsV2Command({ Bucket: input.bucket, Prefix: prefix, MaxKeys: 1 }),
            { abortSignal: signal }
          ),
        catch: fromS3("ListObjectsV2", input.bucket, prefix, clients.secrets)
      })
      const contents: unknown = existing?.Contents
      if (Array.isArray(contents) && contents.length > 0) {
        return yield* invalidOption(
          "jobName",
          `s3://${input.bucket}/${prefix} already holds files (a job of this name was submitted before): choose ` +
            "another jobName, or remove them"
        )
      }
    })

    const release = Effect.suspend(() => {
      const lines = held ?? []
      held = undefined
      return Effect.flatMap(
        ensureNewFolder,
        () => Effect.forEach(lines, ({ line, newFile }) => place(line, newFile), { discard: true })
      )
    })

    const add = (request: unknown) =>
      Effect.gen(function*() {
        const at = index++
        const given = typeof request === "object" && request !== null
          ? (request as { readonly recordId?: unknown }).recordId
          : undefined
        const record = yield* recordOf(model, options.settings, request, at)
        const id = ids.take(given, `requests[${at}]`)
        if (!id.ok) return yield* invalidRecord(id.issues.map((i) => ({ ...i, path: "recordId" })), at)
        if (record.unwrap) unwrap.add(id.value)
        if (record.warnings !== undefined) {
          yield* Effect.forEach(record.warnings, (warning) => Effect.logWarning(`${id.value}: ${warning}`), {
            discard: true
          })
        }
        const line = Jsonl.encodeLine(id.value, record.modelInput)
        const placed = splitter.add(line.byteLength)
        if (!placed.ok) return yield* limitError(placed.issue)
        if (held !== undefined) {
          held.push({ line, newFile: placed.value.newFile })
          return
        }
        yield* place(line, placed.value.newFile)
      })

    const isArray = !(typeof options.requests === "object" && options.requests !== null &&
      Stream.StreamTypeId in options.requests)
    const upload = Effect.gen(function*() {
      if (isArray) {
        // Everything checked before the first byte leaves.
        for (const request of options.requests as Iterable<unknown>) yield* add(request)
        const few = splitter.finish()
        if (few !== undefined) return yield* limitError(few)
        yield* release
      } else {
        yield* Stream.runForEachChunk(options.requests as Stream.Stream<unknown, E>, (chunk) =>
          Effect.gen(function*() {
            for (const request of Chunk.toReadonlyArray(chunk)) {
              yield* add(request)
              if (held !== undefined && splitter.records >= limits.minRecordsPerJob) yield* release
            }
          }))
        const few = splitter.finish()
        if (few !== undefined) return yield* limitError(few)
        yield* release
      }
      if (writer !== undefined) yield* writer.close()
    })

    yield* upload.pipe(
      Effect.onError(() =>
        Effect.suspend(() =>
          Effect.zipRight(writer === undefined ? Effect.void : writer.abort(), Upload.remove(target, written))
        )
      )
    )

    const inputUri = `s3://${input.bucket}/${prefix}`
    const outputUri = `s3://${output.bucket}/${folder(output.key)}`
    const { bedrock: module } = clients.modules
    const request: CreateModelInvocationJobCommandInput = {
      jobName,
      roleArn: options.roleArn,
      modelId: targetOf(model),
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
    const created = yield* Effect.tryPromise({
      try: (signal) =>
        clients.bedrock.send(new module.CreateModelInvocationJobCommand(request), { abortSignal: signal }),
      catch: fromBedrock("CreateModelInvocationJob", clients.secrets)
    }).pipe(Effect.onError(() => Upload.remove(target, written)))
    if (typeof created?.jobArn !== "string" || created.jobArn === "") {
      return yield* new Errors.BatchOutputError({
        message: "CreateModelInvocationJob answered without a jobArn",
        source: "CreateModelInvocationJob"
      })
    }
    return {
      jobArn: created.jobArn,
      jobName,
      modelId: model.modelId,
      trimLeadingWhitespace: model.profile.ignoresLeadingWhitespaceInStream,
      records: splitter.records,
      files: written,
      inputUri,
      outputUri,
      unwrap
    }
  })

/** The job's model: the inference profile of the job's settings, else the model id. */
const targetOf = (model: Prepare.Model): string => model.settings.inferenceProfile ?? model.modelId
