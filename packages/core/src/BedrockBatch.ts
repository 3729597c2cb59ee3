/**
 * Bulk jobs on Amazon Bedrock's batch inference: the same `LanguageModel` requests as `generate`, written to S3
 * as JSONL, run by Bedrock as a model invocation job (`modelInvocationType: "Converse"`) at batch prices, and
 * read back as the same `Response`s.
 *
 * - `submit` takes requests (an array or a `Stream`), each with an optional `recordId`, for one model. Each goes
 *   through `generate`'s checks and mapping (the engine's `batch/record.ts`); what a record cannot be
 *   (streaming, tools and tool loops: Bedrock's Converse batch refuses a `toolConfig`) fails with
 *   `InvalidRequestError` before anything is uploaded, and so do Bedrock's limits (`BatchLimitError`, with the
 *   numbers). The input goes to `{inputUri}{jobName}/records-00001.jsonl`, ... (a new file whenever Bedrock's
 *   per-file limits require it; multipart upload for files past one part), then the job is created.
 * - The `Job` handle: `status` and `progress`, `await` (a `Schedule`, and a callback per change) or `changes`
 *   (a `Stream` of states), `stop`, `results` (a `Stream` of `{ recordId, response }` or `{ recordId, error }`,
 *   with each response's `cost` at batch prices) and `manifest`.
 *
 * Batch costs: the bundled price data has no batch prices, so a response's cost is your batch price
 * (`BedrockPricing` entries with `serviceTier: "batch"`), else the on-demand price at the 50% discount AWS
 * documents for Anthropic, Meta, Mistral AI and Amazon models, else none (see `docs/batch.md`).
 *
 * `@aws-sdk/client-bedrock` and `@aws-sdk/client-s3` are optional peer dependencies: install them to use this
 * module (`BatchDependencyError` otherwise, when the layer is built).
 *
 * @example
 * ```ts
 * import { BedrockBatch } from "@effect-bedrock/core"
 * import { Effect, Schedule, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const batch = yield* BedrockBatch.BedrockBatch
 *   const job = yield* batch.submit({
 *     model: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
 *     requests: ["great product", "never again"].map((review, i) => ({
 *       recordId: `review-${i}`,
 *       prompt: `Positive or negative? ${review}`,
 *       settings: { maxTokens: 5 }
 *     })),
 *     inputUri: "s3://my-bucket/batch/input/",
 *     outputUri: "s3://my-bucket/batch/output/",
 *     roleArn: "arn:aws:iam::123456789012:role/BedrockBatch"
 *   })
 *   yield* job.await({ schedule: Schedule.spaced("5 minutes") })
 *   return yield* Stream.runCollect(job.results)
 * }).pipe(Effect.provide(BedrockBatch.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 */
import type * as EngineJob from "@effect-bedrock/converse/batch/job"
import type * as Jsonl from "@effect-bedrock/converse/batch/jsonl"
import type * as Output from "@effect-bedrock/converse/batch/output"
import * as EngineSdk from "@effect-bedrock/converse/batch/sdk"
import type * as EngineSubmit from "@effect-bedrock/converse/batch/submit"
import type * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as Errors from "./BedrockBatchError.js"
import type * as BedrockClient from "./BedrockClient.js"
import type * as BedrockModelId from "./BedrockModelId.js"
import type * as BedrockModelSettings from "./BedrockModelSettings.js"
import * as BedrockPricing from "./BedrockPricing.js"
import * as JobInternal from "./internal/batch/job.js"
import * as Sdk from "./internal/batch/sdk.js"
import * as Submit from "./internal/batch/submit.js"
import type * as LanguageModel from "./LanguageModel.js"
import type * as Response from "./Response.js"

// =============================================================================
// Models
// =============================================================================

/**
 * A request of a batch: a `LanguageModel.Request` with an optional record id (1 to 64 letters, digits, `-` or
 * `_`, unique in the job; `r0000000001`, ... when absent). Results carry it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BatchRequest extends Omit<LanguageModel.Request, "settings"> {
  readonly recordId?: string | undefined
  readonly settings?: BedrockModelSettings.Settings | undefined
}

/**
 * Bedrock's limits on a job's input (the engine's `limits/batch.ts` defaults: at least 100 records, at most
 * 50,000 records per job and per file, 1 GB per file, 5 GB per job). Give your account's raised quotas here.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Limits extends Jsonl.Limits {}

/**
 * What `submit` needs.
 *
 * - `model`: the job's model (or inference profile id); every record goes to it.
 * - `requests`: an array (checked whole before any upload) or a `Stream` (read once; nothing is uploaded before
 *   Bedrock's minimum of records is in, and a later failure removes what was uploaded).
 * - `inputUri`, `outputUri`: S3 folders (`s3://bucket/folder/`). The input goes to `{inputUri}{jobName}/`;
 *   Bedrock writes the output to `{outputUri}{jobId}/`.
 * - `roleArn`: the service role Bedrock assumes to read the input and write the output.
 * - `jobName` (default `effect-bedrock-<time>-<random>`), `timeoutHours` (24 to 168), `tags`, `kmsKeyId` (the
 *   output's encryption key), `clientRequestToken` (idempotency).
 * - `settings`: defaults for every record (each request's own settings win key by key).
 * - `limits`: this job's limits, over the service's.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SubmitOptions<E = never> extends Omit<EngineSubmit.SubmitOptions, "model" | "settings" | "limits"> {
  readonly model: BedrockModelId.ModelId
  readonly requests: Iterable<BatchRequest> | Stream.Stream<BatchRequest, E>
  readonly settings?: BedrockModelSettings.Settings | undefined
  readonly limits?: Partial<Limits> | undefined
}

/**
 * A job's status, as Bedrock reports it.
 *
 * @since 0.1.0
 * @category Models
 */
export type Status = BatchLimits.JobStatus

/**
 * Records processed so far, and how many of them succeeded and failed (`total` once Bedrock counted them).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Progress extends EngineJob.Progress {}

/**
 * A job's state: its status, Bedrock's message (why it failed), its progress and times.
 *
 * @since 0.1.0
 * @category Models
 */
export interface JobState extends EngineJob.JobState {}

/**
 * One record's result: its `Response` (the same as `generate`'s, `cost` at batch prices when known), or the
 * error Bedrock wrote for it (`code` is Bedrock's `errorCode`, `"MalformedOutput"` for an answer that does not
 * decode).
 *
 * @since 0.1.0
 * @category Models
 */
export type Result =
  | { readonly _tag: "Success"; readonly recordId: string; readonly response: Response.Response }
  | { readonly _tag: "Failure"; readonly recordId: string; readonly error: Output.RecordError }

/**
 * The job's summary file (`manifest.json.out`): record and token counts.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Manifest extends Output.Manifest {}

/**
 * How `await` polls: `schedule` (default every minute; it decides how long to wait as well: when it ends first,
 * `await` returns the last state) and `onChange`, run with every new state.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AwaitOptions<Out = unknown, R = never, R2 = never> {
  readonly schedule?: Schedule.Schedule<Out, unknown, R> | undefined
  readonly onChange?: ((state: JobState) => Effect.Effect<void, never, R2>) | undefined
}

/**
 * A submitted job.
 *
 * - `status`: its state now; `progress`: the counts of it.
 * - `await`: waits for its end. Succeeds with the final state when every record succeeded; fails with
 *   `BatchRecordsFailedError` when it finished with failed records, `BatchJobError` when it failed, was stopped
 *   or expired.
 * - `changes`: its states as they change, until it ends.
 * - `stop`: asks Bedrock to stop it (it moves to `Stopping`, then `Stopped`).
 * - `results`: every record's `Result`, read from the output files (while the job runs, what is written so far).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Job {
  readonly jobArn: string
  readonly jobName: string
  readonly modelId: string
  /** The records submitted (absent for a job from `attach`). */
  readonly records?: number | undefined
  /** Where the input went (`s3://bucket/folder/jobName/`) and where Bedrock writes the output. */
  readonly inputUri?: string | undefined
  readonly outputUri: string
  readonly status: Effect.Effect<JobState, Errors.CallError>
  readonly progress: Effect.Effect<Progress, Errors.CallError>
  readonly await: <Out = unknown, R = never, R2 = never>(
    options?: AwaitOptions<Out, R, R2>
  ) => Effect.Effect<JobState, Errors.CallError | Errors.BatchJobError | Errors.BatchRecordsFailedError, R | R2>
  readonly changes: <Out = unknown, R = never>(
    schedule?: Schedule.Schedule<Out, unknown, R>
  ) => Stream.Stream<JobState, Errors.CallError, R>
  readonly stop: Effect.Effect<void, Errors.CallError>
  readonly results: Stream.Stream<Result, Errors.CallError>
  readonly manifest: Effect.Effect<Manifest, Errors.CallError>
}

/**
 * The failures of `submit`: a request that cannot be a record, a limit, the options, S3, Bedrock.
 *
 * @since 0.1.0
 * @category Models
 */
export type SubmitError =
  | LanguageModel.InvalidRequestError
  | LanguageModel.LanguageModelError
  | Errors.BatchLimitError
  | Errors.CallError

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly submit: <E = never>(options: SubmitOptions<E>) => Effect.Effect<Job, SubmitError | E>
  /**
   * A handle on a job submitted earlier (by its ARN). `unwrap`: the record ids whose structured output had a
   * non-object schema (their answers come wrapped as `{ "response": ... }`); without it those stay wrapped.
   */
  readonly attach: (
    jobArn: string,
    options?: { readonly unwrap?: Iterable<string> | undefined }
  ) => Effect.Effect<Job, Errors.CallError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockBatch extends Context.Tag("@effect-bedrock/core/BedrockBatch")<BedrockBatch, Service>() {}

/**
 * How to build the batch client: the Bedrock control plane's and S3's region, endpoints and credentials (the
 * SDK's default chain when absent), the default limits, and the multipart part size.
 *
 * - `region`, `endpoint` (Bedrock, e.g. a local server), `profile`, `credentials` (static keys, the secret
 *   parts `Redacted`).
 * - `s3`: `endpoint`, `region` (default: `region`), `forcePathStyle` (for S3-compatible servers), `credentials`
 *   (default: `credentials`).
 * - `limits`: Bedrock's limits for your account (defaults: the engine's `limits/batch.ts`).
 * - `partSize`: bytes per part of a multipart upload (default 8 MiB, at least 5 MiB, S3's minimum).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly profile?: string | undefined
  readonly credentials?: BedrockClient.StaticCredentials | undefined
  readonly s3?: {
    readonly endpoint?: string | undefined
    readonly region?: string | undefined
    readonly forcePathStyle?: boolean | undefined
    readonly credentials?: BedrockClient.StaticCredentials | undefined
  } | undefined
  readonly limits?: Partial<Limits> | undefined
  readonly partSize?: number | undefined
}

const defaultPoll = Schedule.spaced("1 minute")

/**
 * The default part size of multipart uploads: 8 MiB.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultPartSize: number = EngineSdk.defaultPartSize

/**
 * The default limits (Bedrock's default quotas).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultLimits: Limits = EngineSdk.defaultLimits

const plain = (credentials: BedrockClient.StaticCredentials | undefined): EngineSdk.PlainCredentials | undefined =>
  credentials === undefined ? undefined : {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: Redacted.value(credentials.secretAccessKey),
    ...(credentials.sessionToken !== undefined ? { sessionToken: Redacted.value(credentials.sessionToken) } : {})
  }

// =============================================================================
// Constructors
// =============================================================================

/**
 * Builds the service: loads the SDK modules, builds both clients (destroyed when the scope closes). Prices come
 * from the `BedrockPricing` service in context, else the bundled ones (loaded when results are first read).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Service, Errors.BatchDependencyError, Scope.Scope> =>
  Effect.gen(function*() {
    const modules = yield* Sdk.modules
    const credentials = plain(options.credentials)
    const s3Credentials = plain(options.s3?.credentials)
    const clientOptions: EngineSdk.ClientOptions = {
      ...options,
      credentials,
      s3: options.s3 === undefined ? undefined : { ...options.s3, credentials: s3Credentials }
    }
    const bedrock = yield* Effect.acquireRelease(
      Effect.sync(() => new modules.bedrock.BedrockClient(EngineSdk.bedrockConfig(clientOptions))),
      (client) => Effect.sync(() => client.destroy())
    )
    const s3 = yield* Effect.acquireRelease(
      Effect.sync(() => new modules.s3.S3Client(EngineSdk.s3Config(clientOptions))),
      (client) => Effect.sync(() => client.destroy())
    )
    return yield* build(modules, bedrock, s3, {
      region: options.region,
      secrets: EngineSdk.secretsOf([credentials, s3Credentials]),
      limits: options.limits,
      partSize: options.partSize
    })
  })

/**
 * Options of `makeFromClients`: what `Options` says besides the clients.
 *
 * @since 0.1.0
 * @category Models
 */
export interface FromClientsOptions {
  /** The clients' region, for prices (default: the Bedrock client's). */
  readonly region?: string | undefined
  readonly limits?: Partial<Limits> | undefined
  readonly partSize?: number | undefined
  /** Secrets to remove from error messages, if the clients were built with any. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

/**
 * The service over SDK clients you built (an `S3Client` of `@aws-sdk/client-s3` and a `BedrockClient` of
 * `@aws-sdk/client-bedrock`, typed loosely here so that this module's types never need those packages): for
 * your own middleware, credentials or HTTP handler. They are not destroyed by the service.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeFromClients = (
  clients: { readonly bedrock: unknown; readonly s3: unknown },
  options: FromClientsOptions = {}
): Effect.Effect<Service, Errors.BatchDependencyError> =>
  Effect.flatMap(Sdk.modules, (modules) =>
    build(
      modules,
      clients.bedrock as EngineSdk.SdkClient,
      clients.s3 as EngineSdk.SdkClient,
      {
        region: options.region,
        secrets: (options.secrets ?? []).map(Redacted.value),
        limits: options.limits,
        partSize: options.partSize
      }
    ))

const build = (
  modules: EngineSdk.Modules,
  bedrock: EngineSdk.SdkClient,
  s3: EngineSdk.SdkClient,
  options: {
    readonly region: string | undefined
    readonly secrets: ReadonlyArray<string>
    readonly limits: Partial<Limits> | undefined
    readonly partSize: number | undefined
  }
): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const region = options.region
    const clients = EngineSdk.makeClients(modules, bedrock, s3, options)
    const given = yield* Effect.serviceOption(BedrockPricing.BedrockPricing)
    // The bundled prices load when results are first read, once.
    const prices = Option.isSome(given) ? Effect.succeed(given.value) : yield* Effect.cached(BedrockPricing.bundled)
    const clientRegion = region ?? (yield* Effect.promise(() => EngineSdk.clientRegion(bedrock)))

    const jobOf = (
      info: EngineJob.JobInfo & { readonly records?: number; readonly inputUri?: string }
    ): Job => ({
      jobArn: info.jobArn,
      jobName: info.jobName,
      modelId: info.modelId,
      ...(info.records !== undefined ? { records: info.records } : {}),
      ...(info.inputUri !== undefined ? { inputUri: info.inputUri } : {}),
      outputUri: info.outputUri,
      status: JobInternal.getState(clients, info.jobArn),
      progress: Effect.map(JobInternal.getState(clients, info.jobArn), (state) => state.progress),
      await: (awaitOptions) =>
        JobInternal.awaitEnd(
          clients,
          info.jobArn,
          awaitOptions?.schedule ?? (defaultPoll as Schedule.Schedule<unknown>),
          awaitOptions?.onChange
        ),
      changes: (schedule) =>
        JobInternal.changes(clients, info.jobArn, schedule ?? (defaultPoll as Schedule.Schedule<unknown>)),
      stop: JobInternal.stop(clients, info.jobArn),
      results: JobInternal.results(clients, info, prices, clientRegion),
      manifest: JobInternal.manifest(clients, info)
    })

    const submit = <E>(submitOptions: SubmitOptions<E>): Effect.Effect<Job, SubmitError | E> =>
      Effect.map(
        Submit.submit(clients, submitOptions as Submit.SubmitOptions<E>),
        (submitted) => jobOf(submitted)
      )

    const attach = (
      jobArn: string,
      attachOptions?: { readonly unwrap?: Iterable<string> | undefined }
    ): Effect.Effect<Job, Errors.CallError> =>
      Effect.map(JobInternal.attach(clients, jobArn, attachOptions?.unwrap), jobOf)

    return BedrockBatch.of({ submit, attach })
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<BedrockBatch, Errors.BatchDependencyError> =>
  Layer.scoped(BedrockBatch, make(options))

/**
 * The service over your SDK clients (see `makeFromClients`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerFromClients = (
  clients: { readonly bedrock: unknown; readonly s3: unknown },
  options?: FromClientsOptions
): Layer.Layer<BedrockBatch, Errors.BatchDependencyError> =>
  Layer.effect(BedrockBatch, makeFromClients(clients, options))

/**
 * The client from `Config`: the region from `AWS_REGION` by default (credentials from the SDK's chain).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  config: { readonly region?: Config.Config<string> | undefined } = {}
): Layer.Layer<BedrockBatch, Errors.BatchDependencyError | ConfigError.ConfigError> =>
  Layer.scoped(
    BedrockBatch,
    Effect.flatMap(config.region ?? Config.string("AWS_REGION"), (region) => make({ region }))
  )
