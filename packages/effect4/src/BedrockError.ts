/**
 * The typed errors of `BedrockClient` for Effect 4: one `Schema.TaggedError` class per Bedrock exception of the
 * engine's table (`@effect-bedrock/converse/errors/exceptions`, same order), plus `TransportError` (the request
 * never got an answer) and `UnknownBedrockError`. Every error carries the HTTP `status` when known, the
 * `requestId`, where it happened (`position`: `"request"` or `"stream"`) and whether repeating the request
 * may help (`retryable`, from the engine's table).
 *
 * @since 0.1.0
 */
import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import * as Transport from "@effect-bedrock/converse/errors/transport"
import * as Schema from "effect/Schema"

/**
 * Where a failure happened: while sending the request, or inside a ConverseStream's events.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Position = Schema.Literals(["request", "stream"])

/**
 * Where a failure happened.
 *
 * @since 0.1.0
 * @category Models
 */
export type Position = typeof Position.Type

const fields = {
  message: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  requestId: Schema.optionalKey(Schema.String),
  position: Position,
  exceptionName: Schema.optionalKey(Schema.String),
  operation: Schema.optionalKey(Schema.String),
  retryable: Schema.Boolean
}

/**
 * Bedrock is throttling this account or model (HTTP 429); retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ThrottlingError extends Schema.TaggedError<ThrottlingError>()("ThrottlingError", fields) {}

/**
 * Bedrock refused the request as invalid (HTTP 400).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", fields) {}

/**
 * The credentials may not call this operation or model (HTTP 403).
 *
 * @since 0.1.0
 * @category Errors
 */
export class AccessDeniedError extends Schema.TaggedError<AccessDeniedError>()("AccessDeniedError", fields) {}

/**
 * The model or resource does not exist in this region (HTTP 404).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ResourceNotFoundError
  extends Schema.TaggedError<ResourceNotFoundError>()("ResourceNotFoundError", fields)
{}

/**
 * The model took too long (HTTP 408); retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelTimeoutError extends Schema.TaggedError<ModelTimeoutError>()("ModelTimeoutError", fields) {}

/**
 * The model is not ready yet (HTTP 429); retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelNotReadyError extends Schema.TaggedError<ModelNotReadyError>()("ModelNotReadyError", fields) {}

/**
 * The model failed on this input (HTTP 424).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelError extends Schema.TaggedError<ModelError>()("ModelError", fields) {}

/**
 * The model failed while streaming (HTTP 424).
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelStreamError extends Schema.TaggedError<ModelStreamError>()("ModelStreamError", fields) {}

/**
 * A service quota is exhausted (HTTP 400); waiting does not help.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceQuotaExceededError
  extends Schema.TaggedError<ServiceQuotaExceededError>()("ServiceQuotaExceededError", fields)
{}

/**
 * Bedrock is unavailable (HTTP 503); retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceUnavailableError
  extends Schema.TaggedError<ServiceUnavailableError>()("ServiceUnavailableError", fields)
{}

/**
 * Bedrock failed internally (HTTP 500); retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InternalServerError extends Schema.TaggedError<InternalServerError>()("InternalServerError", fields) {}

/**
 * What went wrong below Bedrock's answers: the engine's transport fault kinds (`ConnectionReset`,
 * `Timeout`, `CertificateRejected`, `MalformedEventStream`, `InvalidEventPayload`, ...).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const TransportErrorKind = Schema.Literals(Transport.transportKinds)

/**
 * The request got no usable answer from Bedrock (connection refused or reset, timeout, TLS, a malformed
 * event stream); `kind` says which.
 *
 * @since 0.1.0
 * @category Errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  ...fields,
  kind: TransportErrorKind
}) {}

/**
 * No credentials could be loaded, or the ones given were refused before a request was sent; the message
 * says the ways to give them.
 *
 * @since 0.1.0
 * @category Errors
 */
export class CredentialsError extends Schema.TaggedError<CredentialsError>()("CredentialsError", fields) {}

/**
 * Anything else the SDK failed with.
 *
 * @since 0.1.0
 * @category Errors
 */
export class UnknownBedrockError extends Schema.TaggedError<UnknownBedrockError>()("UnknownBedrockError", fields) {}

/**
 * The budgets `BedrockRateLimiter` admits calls against: `requests` and `tokens` per minute, the `concurrency`
 * limit, and the bounded `queue` of calls waiting for them.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Budget = Schema.Literals(["requests", "tokens", "concurrency", "queue"])

/**
 * A budget of `BedrockRateLimiter`.
 *
 * @since 0.1.0
 * @category Models
 */
export type Budget = typeof Budget.Type

/**
 * A call that `BedrockRateLimiter` could not start: `budget` was exhausted for `modelId` until after the call's
 * `maxWait` (`retryAfterMillis`, when known, is how long it would have had to wait), or the queue of waiting calls
 * was full. Nothing was sent; not `retryable` (the caller decides: shed load, try later, another model).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BudgetExhaustedError extends Schema.TaggedError<BudgetExhaustedError>()("BudgetExhaustedError", {
  ...fields,
  budget: Budget,
  modelId: Schema.String,
  retryAfterMillis: Schema.optionalKey(Schema.Number)
}) {}

/**
 * One class per row of the engine's exception table, in its order.
 *
 * @since 0.1.0
 * @category Models
 */
export const exceptions = [
  ThrottlingError,
  ValidationError,
  AccessDeniedError,
  ResourceNotFoundError,
  ModelTimeoutError,
  ModelNotReadyError,
  ModelError,
  ModelStreamError,
  ServiceQuotaExceededError,
  ServiceUnavailableError,
  InternalServerError
] as const

/**
 * The class of a modelled exception, by its name on the wire (`ThrottlingException`), if any.
 *
 * @since 0.1.0
 * @category Lookup
 */
export const exceptionClass = (name: string): (typeof exceptions)[number] | undefined => {
  const index = Exceptions.exceptions.findIndex((e) => e.name === name)
  return index === -1 ? undefined : exceptions[index]
}

/**
 * Every error `BedrockClient` fails with.
 *
 * @since 0.1.0
 * @category Models
 */
export type BedrockError =
  | InstanceType<(typeof exceptions)[number]>
  | TransportError
  | CredentialsError
  | UnknownBedrockError
  | BudgetExhaustedError
