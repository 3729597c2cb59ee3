/**
 * The engine's batch calls (`@effect-bedrock/converse/batch/*`: plain async functions taking an `AbortSignal`)
 * as Effects, their failures (the engine's descriptors, `batch/failure.ts`) as `BedrockBatchError` classes.
 *
 * @internal
 */
import type { BatchFailure, FailureOf } from "@effect-bedrock/converse/batch/failure"
import { failureOf } from "@effect-bedrock/converse/batch/failure"
import * as Sdk from "@effect-bedrock/converse/batch/sdk"
import * as Effect from "effect/Effect"
import * as Errors from "../../BedrockBatchError.js"

/** @internal */
export interface ErrorOf {
  readonly s3: Errors.BatchS3Error
  readonly accessDenied: Errors.BatchAccessDeniedError
  readonly validation: Errors.BatchValidationError
  readonly quota: Errors.BatchQuotaError
  readonly service: Errors.BatchServiceError
  readonly limit: Errors.BatchLimitError
  readonly job: Errors.BatchJobError
  readonly recordsFailed: Errors.BatchRecordsFailedError
  readonly output: Errors.BatchOutputError
  readonly dependency: Errors.BatchDependencyError
  readonly invalidRequest: Errors.BatchInvalidRequestError
}

const fields = <F extends BatchFailure>({ kind: _kind, ...rest }: F): Omit<F, "kind"> => rest

/**
 * The error class of an engine failure.
 *
 * @internal
 */
export const toError = <F extends BatchFailure>(failure: F): ErrorOf[F["kind"]] => {
  const f = failure as BatchFailure
  switch (f.kind) {
    case "s3":
      return new Errors.BatchS3Error(fields(f)) as ErrorOf[F["kind"]]
    case "accessDenied":
      return new Errors.BatchAccessDeniedError(fields(f)) as ErrorOf[F["kind"]]
    case "validation":
      return new Errors.BatchValidationError(fields(f)) as ErrorOf[F["kind"]]
    case "quota":
      return new Errors.BatchQuotaError({ ...fields(f), retryable: true }) as ErrorOf[F["kind"]]
    case "service":
      return new Errors.BatchServiceError(fields(f)) as ErrorOf[F["kind"]]
    case "limit":
      return new Errors.BatchLimitError(fields(f)) as ErrorOf[F["kind"]]
    case "job":
      return new Errors.BatchJobError(fields(f)) as ErrorOf[F["kind"]]
    case "recordsFailed":
      return new Errors.BatchRecordsFailedError(fields(f)) as ErrorOf[F["kind"]]
    case "output":
      return new Errors.BatchOutputError(fields(f)) as ErrorOf[F["kind"]]
    case "dependency":
      return new Errors.BatchDependencyError(fields(f)) as ErrorOf[F["kind"]]
    case "invalidRequest":
      return new Errors.BatchInvalidRequestError(fields(f)) as ErrorOf[F["kind"]]
  }
}

/**
 * What a Bedrock or S3 call can fail with.
 *
 * @internal
 */
export type CallKind = Exclude<
  BatchFailure["kind"],
  "limit" | "job" | "recordsFailed" | "dependency" | "invalidRequest"
>

/**
 * An engine call as an Effect: the signal aborted on interruption; it rejects only with the failures of the
 * kinds `K` (the engine's contract for the function called).
 *
 * @internal
 */
export const call = <A, K extends BatchFailure["kind"] = CallKind>(
  operation: string,
  run: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, ErrorOf[K]> =>
  Effect.tryPromise({ try: run, catch: (error) => toError(failureOf(error, operation) as FailureOf<K>) })

/**
 * Both SDK modules, or the one that is missing.
 *
 * @internal
 */
export const modules: Effect.Effect<Sdk.Modules, Errors.BatchDependencyError> = call<Sdk.Modules, "dependency">(
  "load",
  () => Sdk.loadModules()
)
