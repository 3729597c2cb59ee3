/**
 * What goes wrong with a Bedrock batch job, as plain descriptors (`kind` and fields): the failures of the
 * `@aws-sdk/client-bedrock` and `@aws-sdk/client-s3` calls classified by the exception's name (a name and status
 * read from the SDK error, the message scrubbed of secrets; the SDK error itself is not kept), and the batch
 * client's own refusals (options, limits, a request that cannot be a record, a job that ended without its
 * answers, output that is not what Bedrock writes, a missing SDK package).
 *
 * Each Effect line builds its `BedrockBatchError` classes from a descriptor, one class per `kind`. The engine's
 * batch functions (`batch/sdk.ts`, `upload.ts`, `submit.ts`, `job.ts`) reject with a `BatchFailed` carrying one.
 *
 * @since 0.1.0
 */
import { scrubSecrets } from "../errors/scrub.js"
import type { LimitIssue } from "./jsonl.js"

/**
 * A classified batch failure, as plain data (the fields of the error class of its `kind`).
 *
 * @since 0.1.0
 * @category Models
 */
export type BatchFailure =
  | {
    readonly kind: "s3"
    readonly message: string
    readonly operation: string
    readonly bucket: string
    readonly key?: string
    readonly reason: string
    readonly status?: number
    readonly requestId?: string
    readonly retryable: boolean
  }
  | {
    readonly kind: "accessDenied"
    readonly message: string
    readonly operation: string
    readonly status?: number
    readonly requestId?: string
  }
  | {
    readonly kind: "validation"
    readonly message: string
    readonly operation: string
    readonly source: "client" | "bedrock"
    readonly field?: string
    readonly status?: number
    readonly requestId?: string
  }
  | {
    readonly kind: "quota"
    readonly message: string
    readonly operation: string
    readonly status?: number
    readonly requestId?: string
  }
  | {
    readonly kind: "service"
    readonly message: string
    readonly operation: string
    readonly reason: string
    readonly status?: number
    readonly requestId?: string
    readonly retryable: boolean
  }
  | {
    readonly kind: "limit"
    readonly message: string
    readonly limit: string
    readonly maximum?: number
    readonly minimum?: number
    readonly actual: number
  }
  | {
    readonly kind: "job"
    readonly message: string
    readonly jobArn: string
    readonly status: "Failed" | "Stopped" | "Expired"
  }
  | {
    readonly kind: "recordsFailed"
    readonly message: string
    readonly jobArn: string
    readonly status: "Completed" | "PartiallyCompleted"
    readonly total?: number
    readonly succeeded: number
    readonly failed: number
  }
  | { readonly kind: "output"; readonly message: string; readonly source: string; readonly line?: number }
  | { readonly kind: "dependency"; readonly message: string; readonly dependency: string }
  /** A request that cannot be a record (`field`: `requests[3].settings.temperature`, or `model`). */
  | { readonly kind: "invalidRequest"; readonly message: string; readonly field: string }

/**
 * The failure of a `kind`.
 *
 * @since 0.1.0
 * @category Models
 */
export type FailureOf<K extends BatchFailure["kind"]> = Extract<BatchFailure, { readonly kind: K }>

/**
 * A value, or the failure that stopped it (for the engine's synchronous steps).
 *
 * @since 0.1.0
 * @category Models
 */
export type Outcome<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly failure: BatchFailure }

/**
 * What the engine's batch functions reject with: an `Error` that carries its descriptor.
 *
 * @since 0.1.0
 * @category Models
 */
export class BatchFailed extends Error {
  constructor(readonly failure: BatchFailure) {
    super(failure.message)
    this.name = "BatchFailed"
  }
}

/**
 * Throws the failure (for the engine's async functions).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fail = (failure: BatchFailure): never => {
  throw new BatchFailed(failure)
}

/**
 * The descriptor of what an engine batch function rejected with; anything else (a defect of ours, never an SDK
 * error: those are classified where they are caught) as a `service` failure of `operation`.
 *
 * @since 0.1.0
 * @category Classification
 */
export const failureOf = (error: unknown, operation: string): BatchFailure =>
  error instanceof BatchFailed ? error.failure : {
    kind: "service",
    message: `${operation}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 2000),
    operation,
    reason: "UnknownError",
    retryable: false
  }

/**
 * An option of the job the client refuses before anything is sent.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const invalidOption = (field: string, message: string): FailureOf<"validation"> => ({
  kind: "validation",
  message,
  operation: "submit",
  source: "client",
  field
})

/**
 * One of Bedrock's limits on a job's input, passed.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const limitFailure = (issue: LimitIssue): FailureOf<"limit"> => ({
  kind: "limit",
  message: issue.message,
  limit: issue.limit,
  actual: issue.actual,
  ...(issue.maximum !== undefined ? { maximum: issue.maximum } : {}),
  ...(issue.minimum !== undefined ? { minimum: issue.minimum } : {})
})

/**
 * A request that cannot be a record: its first issue, the field named under `requests[index]`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const invalidRecord = (
  issues: ReadonlyArray<{ readonly path: string; readonly message: string }>,
  index: number
): FailureOf<"invalidRequest"> => {
  const first = issues[0]!
  const field = first.path === "" ? `requests[${index}]` : `requests[${index}].${first.path}`
  return { kind: "invalidRequest", message: `${field}: ${first.message}`, field }
}

/**
 * What Bedrock answered or wrote is not what it documents.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const malformed = (source: string, message: string, line?: number): FailureOf<"output"> => ({
  kind: "output",
  message,
  source,
  ...(line !== undefined ? { line } : {})
})

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

/**
 * The exception names (and Node error codes) worth another attempt; any 5xx status is too.
 *
 * @since 0.1.0
 * @category Classification
 */
export const retryableNames: ReadonlySet<string> = new Set([
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

const isRetryable = (described: Described) =>
  retryableNames.has(described.name) || (described.status !== undefined && described.status >= 500)

/**
 * A failed Bedrock control-plane call, classified: `AccessDeniedException` → `accessDenied`;
 * `ValidationException`, `ResourceNotFoundException`, `ConflictException` (a job name already taken) →
 * `validation` from Bedrock; `ServiceQuotaExceededException` → `quota`; the rest → `service`.
 *
 * @since 0.1.0
 * @category Classification
 */
export const classifyBedrock = (
  operation: string,
  secrets: ReadonlyArray<string>
) =>
(error: unknown): BatchFailure => {
  const described = describeError(error, secrets)
  const message = `${operation}: ${described.message}`
  switch (described.name) {
    case "AccessDeniedException":
      return { kind: "accessDenied", message, operation, ...optional(described) }
    case "ValidationException":
    case "ResourceNotFoundException":
    case "ConflictException":
      return { kind: "validation", message, operation, source: "bedrock", ...optional(described) }
    case "ServiceQuotaExceededException":
      return { kind: "quota", message, operation, ...optional(described) }
    default:
      return {
        kind: "service",
        message,
        operation,
        reason: described.name,
        retryable: isRetryable(described),
        ...optional(described)
      }
  }
}

/**
 * A failed S3 call, classified as an `s3` failure (`reason`: the S3 error code).
 *
 * @since 0.1.0
 * @category Classification
 */
export const classifyS3 = (
  operation: string,
  bucket: string,
  key: string | undefined,
  secrets: ReadonlyArray<string>
) =>
(error: unknown): FailureOf<"s3"> => {
  const described = describeError(error, secrets)
  const where = key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`
  return {
    kind: "s3",
    message: `S3 ${operation} ${where}: ${described.name}: ${described.message}`,
    operation,
    bucket,
    ...(key !== undefined ? { key } : {}),
    reason: described.name,
    retryable: isRetryable(described),
    ...optional(described)
  }
}
