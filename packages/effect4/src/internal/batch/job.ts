/**
 * A submitted job: its status and progress (`GetModelInvocationJob`, every field checked), waiting for its end
 * on a `Schedule`, stopping it, and its results read from the output files in S3
 * (`{outputUri}{jobId}/{inputFile}.out`) and decoded by the engine (`batch/output.ts`) into the same
 * `Response` as on-demand, with the cost at batch prices (`pricing/batch.ts`).
 *
 * @internal
 */
import * as Output from "@effect-bedrock/converse/batch/output"
import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import * as BatchPricing from "@effect-bedrock/converse/pricing/batch"
import type { Prices } from "@effect-bedrock/converse/pricing/cost"
import type * as Response from "@effect-bedrock/converse/response/types"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Errors from "../../BedrockBatchError.js"
import { fromBedrock, fromS3 } from "./sdk.js"
import type { Clients } from "./submit.js"

/** @internal */
export type Status = BatchLimits.JobStatus

/** @internal */
export interface Progress {
  readonly total?: number | undefined
  readonly processed: number
  readonly succeeded: number
  readonly failed: number
}

/** @internal */
export interface JobState {
  readonly status: Status
  readonly message?: string | undefined
  readonly progress: Progress
  readonly submitTime?: Date | undefined
  readonly endTime?: Date | undefined
}

/** @internal */
export type Result =
  | { readonly _tag: "Success"; readonly recordId: string; readonly response: Response.Response }
  | { readonly _tag: "Failure"; readonly recordId: string; readonly error: Output.RecordError }

/** @internal */
export interface JobInfo {
  readonly jobArn: string
  readonly modelId: string
  readonly outputUri: string
  readonly trimLeadingWhitespace: boolean
  readonly unwrap: ReadonlySet<string>
}

const statuses: ReadonlySet<string> = new Set<Status>([
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

/** @internal */
export const isTerminal = (state: JobState): boolean => terminal.has(state.status)

const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined

const date = (value: unknown): Date | undefined =>
  value instanceof Date && !Number.isNaN(value.getTime()) ? value : undefined

/**
 * `GetModelInvocationJob`'s answer, checked.
 *
 * @internal
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
    status: status as Status,
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

/** The job id: the last segment of its ARN (`.../model-invocation-job/<id>`). */
export const jobIdOf = (jobArn: string): string => jobArn.slice(jobArn.lastIndexOf("/") + 1)

/** @internal */
export const getState = (clients: Clients, jobArn: string): Effect.Effect<JobState, Errors.CallError> => {
  const module = clients.modules.bedrock
  return Effect.tryPromise({
    try: (signal) =>
      clients.bedrock.send(new module.GetModelInvocationJobCommand({ jobIdentifier: jobArn }), { abortSignal: signal }),
    catch: fromBedrock("GetModelInvocationJob", clients.secrets)
  }).pipe(Effect.flatMap((raw) => {
    const state = decodeState(raw)
    return typeof state === "string"
      ? Effect.fail(
        new Errors.BatchOutputError({ message: `GetModelInvocationJob: ${state}`, source: "GetModelInvocationJob" })
      )
      : Effect.succeed(state)
  }))
}

/** @internal */
export const stop = (clients: Clients, jobArn: string): Effect.Effect<void, Errors.CallError> => {
  const module = clients.modules.bedrock
  return Effect.asVoid(Effect.tryPromise({
    try: (signal) =>
      clients.bedrock.send(new module.StopModelInvocationJobCommand({ jobIdentifier: jobArn }), {
        abortSignal: signal
      }),
    catch: fromBedrock("StopModelInvocationJob", clients.secrets)
  }))
}

const sameState = (a: JobState, b: JobState) =>
  a.status === b.status && a.progress.processed === b.progress.processed &&
  a.progress.succeeded === b.progress.succeeded && a.progress.failed === b.progress.failed &&
  a.progress.total === b.progress.total

/**
 * The job's state each time the schedule fires, only when it changed, until it ends (the last state included).
 *
 * @internal
 */
export const changes = <Out, R>(
  clients: Clients,
  jobArn: string,
  schedule: Schedule.Schedule<Out, unknown, never, R>
): Stream.Stream<JobState, Errors.CallError, R> =>
  Stream.fromEffectSchedule(getState(clients, jobArn), schedule).pipe(
    Stream.changesWith(sameState),
    Stream.takeUntil(isTerminal)
  )

/**
 * The final state of an ended job as success or its error.
 *
 * @internal
 */
export const outcome = (
  jobArn: string,
  state: JobState
): Effect.Effect<JobState, Errors.BatchJobError | Errors.BatchRecordsFailedError> => {
  const { status } = state
  if (status === "Failed" || status === "Stopped" || status === "Expired") {
    return Effect.fail(
      new Errors.BatchJobError({
        jobArn,
        status,
        message: `The batch job ${jobIdOf(jobArn)} ended ${status}` +
          (state.message !== undefined ? `: ${state.message}` : "")
      })
    )
  }
  if (status === "PartiallyCompleted" || (status === "Completed" && state.progress.failed > 0)) {
    const { failed, succeeded, total } = state.progress
    return Effect.fail(
      new Errors.BatchRecordsFailedError({
        jobArn,
        status,
        failed,
        succeeded,
        ...(total !== undefined ? { total } : {}),
        message: `The batch job ${jobIdOf(jobArn)} ended ${status} with ${failed} failed record(s) of ` +
          `${total ?? succeeded + failed}; the results hold each one's error`
      })
    )
  }
  return Effect.succeed(state)
}

/**
 * Waits for the job's end, polling on `schedule`; `onChange` sees every new state.
 *
 * @internal
 */
export const awaitEnd = <Out, R, R2>(
  clients: Clients,
  jobArn: string,
  schedule: Schedule.Schedule<Out, unknown, never, R>,
  onChange: ((state: JobState) => Effect.Effect<void, never, R2>) | undefined
): Effect.Effect<JobState, Errors.CallError | Errors.BatchJobError | Errors.BatchRecordsFailedError, R | R2> =>
  changes(clients, jobArn, schedule).pipe(
    Stream.tap((state) => onChange === undefined ? Effect.void : onChange(state)),
    Stream.runLast,
    Effect.flatMap(Option.match({
      // The schedule ended before the job did: its last state decides.
      onNone: () => getState(clients, jobArn),
      onSome: Effect.succeed
    })),
    Effect.flatMap((state) =>
      isTerminal(state)
        ? outcome(jobArn, state)
        : Effect.succeed(state)
    )
  )

// =============================================================================
// Results
// =============================================================================

type S3Body = { readonly [Symbol.asyncIterator]?: () => AsyncIterator<unknown> } | undefined

const toBytes = (chunk: unknown): Uint8Array | undefined =>
  chunk instanceof Uint8Array ? chunk : typeof chunk === "string" ? new TextEncoder().encode(chunk) : undefined

/**
 * The output files of the job (`*.jsonl.out` under `{outputUri}{jobId}/`), in name order.
 */
const outputKeys = (clients: Clients, info: JobInfo) =>
  Effect.gen(function*() {
    const output = BatchLimits.parseS3Uri(info.outputUri)!
    const prefix = `${output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`}${
      jobIdOf(info.jobArn)
    }/`
    const module = clients.modules.s3
    const keys: Array<string> = []
    let token: string | undefined
    do {
      const page = yield* Effect.tryPromise({
        try: (signal) =>
          clients.s3.send(
            new module.ListObjectsV2Command({
              Bucket: output.bucket,
              Prefix: prefix,
              ...(token !== undefined ? { ContinuationToken: token } : {})
            }),
            { abortSignal: signal }
          ),
        catch: fromS3("ListObjectsV2", output.bucket, prefix, clients.secrets)
      })
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
    return { bucket: output.bucket, prefix, keys }
  })

/** One output file's records, a chunk per S3 chunk read. */
const fileResults = (
  clients: Clients,
  info: JobInfo,
  bucket: string,
  key: string,
  price: (response: Response.Response) => Response.Response
): Stream.Stream<Result, Errors.CallError> =>
  Stream.unwrap(Effect.gen(function*() {
    const module = clients.modules.s3
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const object = yield* Effect.tryPromise({
      try: () =>
        clients.s3.send(new module.GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: controller.signal }),
      catch: fromS3("GetObject", bucket, key, clients.secrets)
    })
    const body = object?.Body as S3Body
    if (body === undefined || typeof body[Symbol.asyncIterator] !== "function") {
      return Stream.fail(new Errors.BatchOutputError({ message: "GetObject answered without a body", source: key }))
    }
    const reader = new Output.LineReader()
    const context: Output.OutputContext = {
      modelId: info.modelId,
      trimLeadingWhitespace: info.trimLeadingWhitespace,
      unwrap: (id) => info.unwrap.has(id)
    }
    let lineNumber = 0
    const decode = (lines: ReadonlyArray<string>): Effect.Effect<Array<Result>, Errors.BatchOutputError> => {
      const out: Array<Result> = []
      for (const line of lines) {
        lineNumber++
        const decoded = Output.decodeLine(line, context)
        if (!decoded.ok) {
          return Effect.fail(
            new Errors.BatchOutputError({
              message: `${key}: line ${lineNumber}: ${decoded.message}`,
              source: key,
              line: lineNumber
            })
          )
        }
        const result = decoded.value
        out.push(result._tag === "Success" ? { ...result, response: price(result.response) } : result)
      }
      return Effect.succeed(out)
    }
    const chunks = Stream.fromAsyncIterable(
      body as AsyncIterable<unknown>,
      (error) => fromS3("GetObject", bucket, key, clients.secrets)(error)
    )
    const lines = chunks.pipe(
      Stream.mapEffect((chunk) => {
        const bytes = toBytes(chunk)
        if (bytes === undefined) {
          return Effect.fail(
            new Errors.BatchOutputError({ message: `${key}: a chunk of the body is not bytes`, source: key })
          )
        }
        const pushed = reader.push(bytes)
        return pushed.ok
          ? decode(pushed.lines)
          : Effect.fail(new Errors.BatchOutputError({ message: `${key}: ${pushed.message}`, source: key }))
      }),
      Stream.concat(Stream.fromEffect(Effect.suspend(() => decode(reader.end())))),
      Stream.flattenIterable
    )
    return lines
  }))

/**
 * Every record's result, file by file; each response priced at batch prices.
 *
 * @internal
 */
export const results = (
  clients: Clients,
  info: JobInfo,
  prices: Effect.Effect<Prices>,
  region: string | undefined
): Stream.Stream<Result, Errors.CallError> =>
  Stream.unwrap(Effect.gen(function*() {
    const { bucket, keys } = yield* outputKeys(clients, info)
    const service = yield* prices
    const price = (response: Response.Response): Response.Response => {
      const { cost } = BatchPricing.batchCost(service, { modelId: info.modelId, region, usage: response.usage })
      return cost === undefined ? response : { ...response, cost }
    }
    return Stream.flatMap(Stream.fromIterable(keys), (key) => fileResults(clients, info, bucket, key, price))
  }))

/**
 * The job's `manifest.json.out`.
 *
 * @internal
 */
export const manifest = (clients: Clients, info: JobInfo): Effect.Effect<Output.Manifest, Errors.CallError> =>
  Effect.gen(function*() {
    const output = BatchLimits.parseS3Uri(info.outputUri)!
    const key = `${output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`}${
      jobIdOf(info.jobArn)
    }/${BatchLimits.manifestFileName}`
    const module = clients.modules.s3
    const object = yield* Effect.tryPromise({
      try: (signal) =>
        clients.s3.send(new module.GetObjectCommand({ Bucket: output.bucket, Key: key }), { abortSignal: signal }),
      catch: fromS3("GetObject", output.bucket, key, clients.secrets)
    })
    const text = yield* Effect.tryPromise({
      try: async (): Promise<string> => {
        const body: unknown = object.Body
        const read = typeof body === "object" && body !== null
          ? (body as { readonly transformToString?: unknown }).transformToString
          : undefined
        const text: unknown = typeof read === "function" ? await read.call(body, "utf-8") : ""
        return typeof text === "string" ? text : ""
      },
      catch: fromS3("GetObject", output.bucket, key, clients.secrets)
    })
    const decoded = Output.decodeManifest(text.slice(0, 1_000_000))
    return decoded.ok
      ? decoded.value
      : yield* new Errors.BatchOutputError({ message: decoded.message, source: key })
  })
