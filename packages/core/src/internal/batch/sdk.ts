/**
 * The two AWS SDK clients the batch client uses, loaded on demand (`@aws-sdk/client-bedrock` for the control
 * plane, `@aws-sdk/client-s3` for the files: optional peer dependencies of core), and their failures as
 * `BedrockBatchError`s: a name and status read from the SDK error, the message scrubbed; the SDK error itself
 * is not kept.
 *
 * @internal
 */
import { scrubSecrets } from "@effect-bedrock/converse/errors/scrub"
import * as Effect from "effect/Effect"
import * as Errors from "../../BedrockBatchError.js"

// The SDK's types never appear in this module's declarations: the packages are optional peers, and a user
// without them must still compile against ours. What is used of them is written out here; the answers are
// `any` on purpose, every one is checked where it is read (nothing from the network is trusted).

/** @internal */
export interface SdkClient {
  readonly send: (command: any, options?: { readonly abortSignal?: AbortSignal }) => Promise<any>
  readonly destroy: () => void
  readonly config: { readonly region?: unknown }
  readonly middlewareStack?: unknown
}

type Command = new(input: any) => unknown

/** @internal */
export interface BedrockModule {
  readonly BedrockClient: new(config: any) => SdkClient
  readonly CreateModelInvocationJobCommand: Command
  readonly GetModelInvocationJobCommand: Command
  readonly StopModelInvocationJobCommand: Command
}

/** @internal */
export interface S3Module {
  readonly S3Client: new(config: any) => SdkClient
  readonly PutObjectCommand: Command
  readonly CreateMultipartUploadCommand: Command
  readonly UploadPartCommand: Command
  readonly CompleteMultipartUploadCommand: Command
  readonly AbortMultipartUploadCommand: Command
  readonly DeleteObjectCommand: Command
  readonly ListObjectsV2Command: Command
  readonly GetObjectCommand: Command
}

/** @internal */
export interface Modules {
  readonly bedrock: BedrockModule
  readonly s3: S3Module
}

const load = <A>(dependency: string, importer: () => Promise<A>): Effect.Effect<A, Errors.BatchDependencyError> =>
  Effect.tryPromise({
    try: importer,
    catch: () =>
      new Errors.BatchDependencyError({
        dependency,
        message: `BedrockBatch needs the optional peer dependency ${dependency}: npm install ${dependency}`
      })
  })

/**
 * Both SDK modules, or the one that is missing.
 *
 * @internal
 */
export const modules: Effect.Effect<Modules, Errors.BatchDependencyError> = Effect.zipWith(
  load("@aws-sdk/client-bedrock", (): Promise<BedrockModule> => import("@aws-sdk/client-bedrock")),
  load("@aws-sdk/client-s3", (): Promise<S3Module> => import("@aws-sdk/client-s3")),
  (bedrock, s3) => ({ bedrock, s3 })
)

interface Described {
  readonly name: string
  readonly message: string
  readonly status: number | undefined
  readonly requestId: string | undefined
}

const describeError = (error: unknown, secrets: ReadonlyArray<string>): Described => {
  const record = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>
  const metadata =
    (typeof record.$metadata === "object" && record.$metadata !== null ? record.$metadata : {}) as Record<
      string,
      unknown
    >
  const name = typeof record.name === "string"
    ? (typeof record.code === "string" && record.name === "Error" ? record.code : record.name)
    : "UnknownError"
  const raw = typeof record.message === "string" && record.message !== "" ? record.message : name
  return {
    name,
    message: scrubSecrets(raw.slice(0, 2000), secrets),
    status: typeof metadata.httpStatusCode === "number" ? metadata.httpStatusCode : undefined,
    requestId: typeof metadata.requestId === "string" ? metadata.requestId : undefined
  }
}

const optional = (described: Described) => ({
  ...(described.status !== undefined ? { status: described.status } : {}),
  ...(described.requestId !== undefined ? { requestId: described.requestId } : {})
})

const retryableNames = new Set([
  "ThrottlingException",
  "InternalServerException",
  "ServiceUnavailableException",
  "TooManyRequestsException",
  "SlowDown",
  "InternalError",
  "RequestTimeout",
  "TimeoutError",
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT"
])

/**
 * A failed Bedrock control-plane call as its error class.
 *
 * @internal
 */
export const fromBedrock = (
  operation: string,
  secrets: ReadonlyArray<string>
) =>
(error: unknown): Errors.CallError => {
  const described = describeError(error, secrets)
  const message = `${operation}: ${described.message}`
  switch (described.name) {
    case "AccessDeniedException":
      return new Errors.BatchAccessDeniedError({ message, operation, ...optional(described) })
    // ConflictException: a job name already taken.
    case "ValidationException":
    case "ResourceNotFoundException":
    case "ConflictException":
      return new Errors.BatchValidationError({ message, operation, source: "bedrock", ...optional(described) })
    case "ServiceQuotaExceededException":
      return new Errors.BatchQuotaError({ message, operation, ...optional(described) })
    default:
      return new Errors.BatchServiceError({
        message,
        operation,
        reason: described.name,
        retryable: retryableNames.has(described.name) || (described.status !== undefined && described.status >= 500),
        ...optional(described)
      })
  }
}

/**
 * A failed S3 call as a `BatchS3Error`.
 *
 * @internal
 */
export const fromS3 = (
  operation: string,
  bucket: string,
  key: string | undefined,
  secrets: ReadonlyArray<string>
) =>
(error: unknown): Errors.BatchS3Error => {
  const described = describeError(error, secrets)
  const where = key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`
  return new Errors.BatchS3Error({
    message: `S3 ${operation} ${where}: ${described.name}: ${described.message}`,
    operation,
    bucket,
    ...(key !== undefined ? { key } : {}),
    reason: described.name,
    retryable: retryableNames.has(described.name) || (described.status !== undefined && described.status >= 500),
    ...optional(described)
  })
}
