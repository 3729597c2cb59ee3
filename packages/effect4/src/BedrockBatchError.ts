/**
 * What goes wrong with a Bedrock batch job (`BedrockBatch`, Effect 4), as `Schema.TaggedError` classes: S3 access, access
 * denied to Bedrock or to the job's service role, Bedrock's validation of the job, the quota of concurrent jobs,
 * Bedrock's limits on a job's input (refused before anything is uploaded), a job that ended without its
 * answers, records that failed inside a finished job, and output that is not what Bedrock writes.
 *
 * Messages are scrubbed of secrets; no SDK error object (which can hold the HTTP exchange) is kept.
 *
 * @example
 * ```ts
 * import { BedrockBatch } from "@effect-bedrock/effect4"
 * import { Effect } from "effect"
 *
 * declare const job: BedrockBatch.Job
 *
 * const finished = job.await().pipe(
 *   // Some records failed: keep going, their errors are in the results.
 *   Effect.catchTag("BatchRecordsFailedError", (error) => Effect.succeed(error.status))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * S3 refused or could not serve a request of the batch client: reading or writing the job's input or output
 * with the client's own credentials (`reason`: `AccessDenied` for credentials or a policy that do not allow it,
 * `NoSuchBucket`, `NoSuchKey`, `InvalidAccessKeyId`, or the S3 error code).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchS3Error extends Schema.TaggedError<BatchS3Error>()("BatchS3Error", {
  message: Schema.String,
  /** The S3 operation: `PutObject`, `UploadPart`, `GetObject`, `ListObjectsV2`, ... */
  operation: Schema.String,
  bucket: Schema.String,
  key: Schema.optionalKey(Schema.String),
  reason: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String),
  retryable: Schema.Boolean
}) {}

/**
 * Bedrock denied the request: the caller may not create or read model invocation jobs, may not pass the job's
 * service role (`iam:PassRole`), or the role is missing or cannot be assumed by Bedrock.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchAccessDeniedError extends Schema.TaggedError<BatchAccessDeniedError>()("BatchAccessDeniedError", {
  message: Schema.String,
  operation: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String)
}) {}

/**
 * The job was refused as invalid: by this client before anything was sent (`source: "client"`, `field` names
 * the option: a job name, S3 URI, role ARN, timeout or tag Bedrock would refuse) or by Bedrock
 * (`source: "bedrock"`: a `ValidationException`, or a model or job that does not exist).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchValidationError extends Schema.TaggedError<BatchValidationError>()("BatchValidationError", {
  message: Schema.String,
  operation: Schema.String,
  source: Schema.Literals(["client", "bedrock"]),
  field: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String)
}) {}

/**
 * Bedrock's quota of batch jobs was reached (`ServiceQuotaExceededException`): by default 20 jobs of a model
 * submitted or in progress at once. Retry once a job has ended.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchQuotaError extends Schema.TaggedError<BatchQuotaError>()("BatchQuotaError", {
  message: Schema.String,
  operation: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String),
  retryable: Schema.Boolean
}) {}

/**
 * Any other failure of a Bedrock control-plane call: throttling, a server error, the network.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchServiceError extends Schema.TaggedError<BatchServiceError>()("BatchServiceError", {
  message: Schema.String,
  operation: Schema.String,
  /** The exception's name (`ThrottlingException`, `InternalServerException`, `ECONNREFUSED`, ...). */
  reason: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String),
  retryable: Schema.Boolean
}) {}

/**
 * The job's input passes one of Bedrock's batch limits (records per job, records or bytes per file, bytes per
 * job, the minimum of records): refused before anything was uploaded (for a `Stream` of requests: before the
 * job was created, with what was uploaded removed). `maximum` or `minimum` is the limit, `actual` the count
 * that passed it.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchLimitError extends Schema.TaggedError<BatchLimitError>()("BatchLimitError", {
  message: Schema.String,
  limit: Schema.String,
  maximum: Schema.optionalKey(Schema.Number),
  minimum: Schema.optionalKey(Schema.Number),
  actual: Schema.Number
}) {}

/**
 * The job ended without its answers: `Failed` (Bedrock's `message` says why), `Stopped`, or `Expired`
 * (scheduled but not started before its timeout).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchJobError extends Schema.TaggedError<BatchJobError>()("BatchJobError", {
  message: Schema.String,
  jobArn: Schema.String,
  status: Schema.Literals(["Failed", "Stopped", "Expired"])
}) {}

/**
 * The job finished but some records failed inside it (`Completed` with failed records, or
 * `PartiallyCompleted`): the answers of the others are in the results, next to each failed record's error.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchRecordsFailedError extends Schema.TaggedError<BatchRecordsFailedError>()("BatchRecordsFailedError", {
  message: Schema.String,
  jobArn: Schema.String,
  status: Schema.Literals(["Completed", "PartiallyCompleted"]),
  total: Schema.optionalKey(Schema.Number),
  succeeded: Schema.Number,
  failed: Schema.Number
}) {}

/**
 * What Bedrock returned or wrote is not what it documents: a job description without its status, an output
 * line that is not a record, a manifest that is not one.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchOutputError extends Schema.TaggedError<BatchOutputError>()("BatchOutputError", {
  message: Schema.String,
  /** The S3 key of the file, or the operation whose answer was malformed. */
  source: Schema.String,
  line: Schema.optionalKey(Schema.Number)
}) {}

/**
 * `@aws-sdk/client-bedrock` or `@aws-sdk/client-s3` is not installed (they are optional peer dependencies,
 * needed by `BedrockBatch` only).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchDependencyError extends Schema.TaggedError<BatchDependencyError>()("BatchDependencyError", {
  message: Schema.String,
  dependency: Schema.String
}) {}

/**
 * A failure of a Bedrock or S3 call made by the batch client.
 *
 * @since 0.1.0
 * @category Errors
 */
export type CallError =
  | BatchS3Error
  | BatchAccessDeniedError
  | BatchValidationError
  | BatchQuotaError
  | BatchServiceError
  | BatchOutputError

/**
 * Every batch error.
 *
 * @since 0.1.0
 * @category Errors
 */
export type BedrockBatchError =
  | CallError
  | BatchInvalidRequestError
  | BatchLimitError
  | BatchJobError
  | BatchRecordsFailedError
  | BatchDependencyError

/**
 * A request cannot be a batch record: it fails the engine's request checks or asks for what batch cannot do
 * (streaming, tools, a tool loop), or its record id is invalid or used twice. `field` names the request and
 * the field (`requests[12].settings.temperature`). Nothing was uploaded.
 *
 * @since 0.1.0
 * @category Errors
 */
export class BatchInvalidRequestError extends Schema.TaggedError<BatchInvalidRequestError>()(
  "BatchInvalidRequestError",
  { message: Schema.String, field: Schema.optionalKey(Schema.String) }
) {}
