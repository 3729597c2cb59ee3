/**
 * Bedrock batch inference (model invocation jobs), as data: the default quotas on records, file and
 * job sizes and concurrent jobs, and the shapes `CreateModelInvocationJob` accepts (job name, role
 * ARN, S3 URI, client request token, timeout, tags). Written once here; the batch client checks a
 * job against them before anything is uploaded, and the local Bedrock validates jobs with the same
 * numbers.
 *
 * The quotas are Bedrock's documented defaults ("Amazon Bedrock service quotas", per model and per
 * Region; AWS can raise most of them for an account): at least 100 records per job, at most 50,000
 * records per input file and per job, 1 GB per input file, 5 GB per job, 20 jobs submitted or in
 * progress per model. The patterns are the API's (`ModelInvocationJobName`, `RoleArn`, `S3Uri`, ...
 * in the Bedrock service model), matched against the whole value.
 *
 * @example
 * ```ts
 * import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
 *
 * BatchLimits.defaultQuotas.minRecordsPerJob // 100
 * BatchLimits.isJobName("nightly-grading-2026") // true
 * BatchLimits.parseS3Uri("s3://my-bucket/batch/input.jsonl") // { bucket: "my-bucket", key: "batch/input.jsonl" }
 * ```
 *
 * @since 0.1.0
 */

// =============================================================================
// Quotas
// =============================================================================

/**
 * The batch inference quotas that decide whether a job is accepted.
 *
 * @since 0.1.0
 * @category Quotas
 */
export interface Quotas {
  /** "Minimum number of records per batch inference job": fewer records across all input files fail the job. */
  readonly minRecordsPerJob: number
  /** "Records per input file per batch inference job": the most records (JSONL lines) in one input file. */
  readonly maxRecordsPerFile: number
  /** "Records per batch inference job": the most records across all input files of a job. */
  readonly maxRecordsPerJob: number
  /** "Batch inference input file size": the largest input file, in bytes. */
  readonly maxFileBytes: number
  /** "Batch inference job size": the largest sum of all input files of a job, in bytes. */
  readonly maxJobBytes: number
  /**
   * "Sum of in-progress and submitted batch inference jobs using a base model": more jobs of one model
   * that have not ended get ServiceQuotaExceededException at `CreateModelInvocationJob`.
   */
  readonly maxConcurrentJobs: number
}

const GB = 1024 * 1024 * 1024

/**
 * Bedrock's default batch quotas (per model and Region; most can be raised for an account). Amazon Nova
 * Lite and Pro allow larger jobs (100 GB); a client that knows its account's quotas passes its own.
 *
 * @since 0.1.0
 * @category Quotas
 */
export const defaultQuotas: Quotas = {
  minRecordsPerJob: 100,
  maxRecordsPerFile: 50_000,
  maxRecordsPerJob: 50_000,
  maxFileBytes: 1 * GB,
  maxJobBytes: 5 * GB,
  maxConcurrentJobs: 20
}

/**
 * The shortest and longest `timeoutDurationInHours`, and the timeout of a job that gives none.
 *
 * @since 0.1.0
 * @category Quotas
 */
export const timeoutHours = { min: 24, max: 168, default: 168 } as const

/**
 * The most tags a job may carry.
 *
 * @since 0.1.0
 * @category Quotas
 */
export const maxTags = 200

// =============================================================================
// Shapes
// =============================================================================

/**
 * The model invocation types: `InvokeModel` (the default; each record's `modelInput` is the model's
 * native request body) and `Converse` (each `modelInput` is a Converse request body; its output a
 * Converse response body).
 *
 * @since 0.1.0
 * @category Shapes
 */
export type InvocationType = "InvokeModel" | "Converse"

/**
 * The states of a model invocation job, as `GetModelInvocationJob` reports them.
 *
 * @since 0.1.0
 * @category Shapes
 */
export type JobStatus =
  | "Submitted"
  | "Validating"
  | "Scheduled"
  | "InProgress"
  | "Completed"
  | "PartiallyCompleted"
  | "Failed"
  | "Stopping"
  | "Stopped"
  | "Expired"

/**
 * The states a job never leaves.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const terminalStatuses: ReadonlyArray<JobStatus> = [
  "Completed",
  "PartiallyCompleted",
  "Failed",
  "Stopped",
  "Expired"
]

/**
 * A job name: 1 to 63 characters, letters and digits first, then letters, digits, `+`, `-` and `.`
 * (the API's pattern `[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}`).
 *
 * @since 0.1.0
 * @category Shapes
 */
export const jobNamePattern = "[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}"

/**
 * An IAM role ARN, e.g. `arn:aws:iam::123456789012:role/BedrockBatch`.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const roleArnPattern = "arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+"

/**
 * An S3 URI of a bucket, folder or object: `s3://bucket[/key]` with a valid bucket name and key
 * segments of letters, digits and ``-!_*'().``.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const s3UriPattern =
  "s3://[a-z0-9][-.a-z0-9]{1,61}[a-z0-9](?:/[-!_*'().a-z0-9A-Z]+(?:/[-!_*'().a-z0-9A-Z]+)*)?/?"

/**
 * A client request token (idempotency): letters and digits, optionally joined by `-`.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const clientRequestTokenPattern = "[a-zA-Z0-9]{1,256}(-*[a-zA-Z0-9]){0,256}"

/**
 * A job's identifier as `GetModelInvocationJob` and `StopModelInvocationJob` take it: the job ARN or
 * its 12-character id.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const jobIdentifierPattern =
  "((arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/)?[a-z0-9]{12})"

/**
 * A tag key or value's characters.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const tagPattern = "[a-zA-Z0-9\\s._:/=+@-]*"

const whole = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`)
const jobName = whole(jobNamePattern)
const roleArn = whole(roleArnPattern)
const s3Uri = whole(s3UriPattern)
const clientRequestToken = whole(clientRequestTokenPattern)
const jobIdentifier = whole(jobIdentifierPattern)
const tag = whole(tagPattern)

/**
 * Whether `name` is a job name Bedrock accepts (1 to 63 characters of `jobNamePattern`).
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isJobName = (name: string): boolean => name.length >= 1 && name.length <= 63 && jobName.test(name)

/**
 * Whether `arn` is an IAM role ARN Bedrock accepts.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isRoleArn = (arn: string): boolean => arn.length <= 2048 && roleArn.test(arn)

/**
 * Whether `uri` is an S3 URI Bedrock accepts (at most 1,024 characters).
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isS3Uri = (uri: string): boolean => uri.length >= 1 && uri.length <= 1024 && s3Uri.test(uri)

/**
 * Whether `token` is a client request token Bedrock accepts.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isClientRequestToken = (token: string): boolean =>
  token.length >= 1 && token.length <= 256 && clientRequestToken.test(token)

/**
 * Whether `identifier` is a job ARN or job id.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isJobIdentifier = (identifier: string): boolean =>
  identifier.length <= 1011 && jobIdentifier.test(identifier)

/**
 * Whether a tag key (1 to 128 characters) or value (0 to 256) is one Bedrock accepts.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const isTag = (key: string, value: string): boolean =>
  key.length >= 1 && key.length <= 128 && value.length <= 256 && tag.test(key) && tag.test(value)

/**
 * The bucket and key of an S3 URI (the key without a leading `/`, empty for a bucket), or undefined
 * when `uri` is not one Bedrock accepts.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const parseS3Uri = (uri: string): { readonly bucket: string; readonly key: string } | undefined => {
  if (!isS3Uri(uri)) return undefined
  const rest = uri.slice("s3://".length)
  const slash = rest.indexOf("/")
  return slash < 0 ? { bucket: rest, key: "" } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) }
}

/**
 * The output file name Bedrock writes for an input file: its name with `.out` appended
 * (`input.jsonl` -> `input.jsonl.out`), under `{outputS3Uri}/{jobId}/`, next to `manifest.json.out`.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const outputFileName = (inputFileName: string): string => `${inputFileName}.out`

/**
 * The summary Bedrock writes next to the output files.
 *
 * @since 0.1.0
 * @category Shapes
 */
export const manifestFileName = "manifest.json.out"
