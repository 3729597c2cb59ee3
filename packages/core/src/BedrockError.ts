/**
 * Typed failures of the Bedrock Runtime client: one tagged error per modelled Bedrock exception, plus
 * transport faults, credential problems, a fallback, and `BudgetExhaustedError` from `BedrockRateLimiter`.
 *
 * Every error carries the HTTP `status` (when known), the `requestId`, where it happened (`position`:
 * `"request"` for the HTTP call, `"stream"` for an exception event or fault inside an event stream), whether
 * repeating the request may help (`retryable`), the SDK exception name and the original failure as `cause`.
 * `toJSON`, `toString` and `util.inspect` never print the cause as-is: they print a summary with anything
 * that looks like a credential removed.
 *
 * The modelled exceptions are said once, in `exceptions`: each class carries its exception name, default
 * status, retryable flag and whether it can arrive inside an event stream, and the union, its `Schema`,
 * `fromSdk` and the stream decoder are all derived from that list.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockError } from "@effect-bedrock/core"
 * import { Effect } from "effect"
 *
 * const reply = BedrockClient.BedrockClient.pipe(
 *   Effect.flatMap((client) =>
 *     client.converse({ modelId: "amazon.nova-micro-v1:0", messages: [{ role: "user", content: [{ text: "Hi" }] }] })
 *   ),
 *   Effect.catchTags({
 *     ThrottlingError: (error) => Effect.logWarning(`slow down (request ${error.requestId})`),
 *     ValidationError: (error) => Effect.logError(error.suggestion ?? error.message)
 *   }),
 *   Effect.catchIf(BedrockError.isRetryable, () => Effect.logWarning("retry later"))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Classify from "@effect-bedrock/converse/errors/classify"
import * as Transport from "@effect-bedrock/converse/errors/transport"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as internal from "./internal/client/errorBase.js"

// =============================================================================
// Type ids
// =============================================================================

/**
 * @since 0.1.0
 * @category Type Ids
 */
export const TypeId: typeof internal.TypeId = internal.TypeId

/**
 * @since 0.1.0
 * @category Type Ids
 */
export type TypeId = typeof TypeId

// =============================================================================
// Shared fields and base class
// =============================================================================

/**
 * Where a failure happened: the HTTP request/response (`"request"`) or an event stream that had already
 * started (`"stream"`).
 *
 * @since 0.1.0
 * @category Models
 */
export const Position = Schema.Literal("request", "stream")

/**
 * @since 0.1.0
 * @category Models
 */
export type Position = typeof Position.Type

/**
 * What one modelled Bedrock exception is: its name on the wire, the HTTP status the service model gives it
 * (used when it arrives inside a stream, where there is no status), whether repeating the request may help,
 * and whether Bedrock sends it as an event inside a ConverseStream.
 *
 * @since 0.1.0
 * @category Models
 */
export type ExceptionInfo = internal.ExceptionInfo

const Base = internal.Base
const Exception = internal.Exception

const suggestion = { suggestion: Schema.optional(Schema.String) }

// =============================================================================
// Modelled Bedrock exceptions
// =============================================================================

/**
 * `ThrottlingException` (429): too many requests or tokens. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ThrottlingError extends Exception<ThrottlingError>()("ThrottlingError", {
  name: "ThrottlingException",
  status: 429,
  retryable: true,
  inStream: true
}) {}

/**
 * `ValidationException` (400): Bedrock rejected the request. When the failure is about the model id and a
 * likely correct id can be guessed, `suggestion` holds it.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ValidationError extends Exception<ValidationError>()("ValidationError", {
  name: "ValidationException",
  status: 400,
  retryable: false,
  inStream: true,
  suggestsModelId: true
}, suggestion) {}

/**
 * `AccessDeniedException` (403): the identity may not call this model or operation.
 *
 * @since 0.1.0
 * @category Errors
 */
export class AccessDeniedError extends Exception<AccessDeniedError>()("AccessDeniedError", {
  name: "AccessDeniedException",
  status: 403,
  retryable: false,
  inStream: false
}) {}

/**
 * `ResourceNotFoundException` (404): the model (or profile) does not exist in this region. `suggestion` holds
 * a likely correct model id when one can be guessed.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ResourceNotFoundError extends Exception<ResourceNotFoundError>()("ResourceNotFoundError", {
  name: "ResourceNotFoundException",
  status: 404,
  retryable: false,
  inStream: false,
  suggestsModelId: true
}, suggestion) {}

/**
 * `ModelTimeoutException` (408): the model took too long. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelTimeoutError extends Exception<ModelTimeoutError>()("ModelTimeoutError", {
  name: "ModelTimeoutException",
  status: 408,
  retryable: true,
  inStream: false
}) {}

/**
 * `ModelNotReadyException` (429): the model is not ready to serve yet. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelNotReadyError extends Exception<ModelNotReadyError>()("ModelNotReadyError", {
  name: "ModelNotReadyException",
  status: 429,
  retryable: true,
  inStream: false
}) {}

/**
 * `ModelErrorException` (424): the model itself failed on this input. Not retryable: the same input usually
 * fails the same way.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelError extends Exception<ModelError>()("ModelError", {
  name: "ModelErrorException",
  status: 424,
  retryable: false,
  inStream: false
}, {
  originalStatusCode: Schema.optional(Schema.Number),
  resourceName: Schema.optional(Schema.String)
}) {}

/**
 * `ModelStreamErrorException` (424): the model failed while streaming. Bedrock documents it as "Retry your
 * request", so it is retryable; the client only ever retries a stream that failed before its first event, so
 * this never duplicates output.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelStreamError extends Exception<ModelStreamError>()("ModelStreamError", {
  name: "ModelStreamErrorException",
  status: 424,
  retryable: true,
  inStream: true
}, {
  originalStatusCode: Schema.optional(Schema.Number),
  originalMessage: Schema.optional(Schema.String)
}) {}

/**
 * `ServiceQuotaExceededException` (400): an account quota is exhausted. Not retryable: waiting seconds does
 * not raise a quota.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceQuotaExceededError extends Exception<ServiceQuotaExceededError>()("ServiceQuotaExceededError", {
  name: "ServiceQuotaExceededException",
  status: 400,
  retryable: false,
  inStream: false
}) {}

/**
 * `ServiceUnavailableException` (503). Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceUnavailableError extends Exception<ServiceUnavailableError>()("ServiceUnavailableError", {
  name: "ServiceUnavailableException",
  status: 503,
  retryable: true,
  inStream: true
}) {}

/**
 * `InternalServerException` (500). Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InternalServerError extends Exception<InternalServerError>()("InternalServerError", {
  name: "InternalServerException",
  status: 500,
  retryable: true,
  inStream: true
}) {}

/**
 * Every modelled Bedrock Runtime exception, once: the error classes, each carrying its `ExceptionInfo` as
 * `exception`. Everything else about them (the union type, the `Schema`, the mapping of SDK failures, which
 * exceptions can arrive inside a stream) is derived from this list.
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
 * One of the modelled exceptions.
 *
 * @since 0.1.0
 * @category Models
 */
export type ExceptionError = InstanceType<(typeof exceptions)[number]>

/**
 * The error class of a modelled exception, by its name (`"ThrottlingException"`; the event-stream spelling
 * `"throttlingException"` is accepted too), or `undefined`.
 *
 * @since 0.1.0
 * @category Models
 */
export const exceptionClass = (name: string): (typeof exceptions)[number] | undefined =>
  byExceptionName.get(name) ?? byExceptionName.get(Transport.normaliseExceptionName(name))

const byExceptionName: ReadonlyMap<string, (typeof exceptions)[number]> = new Map(
  exceptions.map((Class) => [Class.exception.name, Class] as const)
)

// =============================================================================
// Transport, credentials, unknown
// =============================================================================

/**
 * What went wrong below the Bedrock protocol.
 *
 * - `ConnectionRefused`, `ConnectionReset` (also a peer that closes the connection without an
 *   answer), `ConnectionFailed` (DNS, unreachable), `Timeout`: retryable.
 * - `CertificateRejected`: the endpoint's TLS certificate failed a check (untrusted issuer,
 *   self-signed, expired, wrong host name); the message names the check. Not retryable: trust a
 *   private CA with the client option `ca` (or `BEDROCK_CA_BUNDLE` / `AWS_CA_BUNDLE`).
 * - `Aborted`: the request was aborted (normally by interruption).
 * - `ChecksumMismatch`, `TruncatedEventStream`: event-stream bytes damaged or cut off on the way
 *   (a frame whose CRC does not match, a body that ends inside a frame, a 200 answer with no event
 *   at all). Retryable.
 * - `MalformedEventStream`: an event stream that is not one: bad framing (a frame shorter than its
 *   prelude, headers past its end, longer than `maxEventBytes`), a message without
 *   `:message-type`, an `error` message, an unknown exception. `InvalidEventPayload`: an event whose
 *   payload is not valid JSON or not of its documented shape (`eventType` names the event).
 *   `MalformedResponse`: an undecodable HTTP response body, or one of the wrong shape. Not
 *   retryable: the same answer would be undecodable again.
 *
 * Whatever the kind, a fault that ends a stream after some of its events were delivered is not retryable (see
 * `isRetryable`).
 *
 * @since 0.1.0
 * @category Models
 */
export const TransportErrorKind: Schema.Literal<typeof Transport.transportKinds> = Schema.Literal(
  ...Transport.transportKinds
)

/**
 * @since 0.1.0
 * @category Models
 */
export type TransportErrorKind = typeof TransportErrorKind.Type

/**
 * The kinds a new attempt can cure: the connection failed, stalled or died under the request, or the bytes
 * were damaged or cut off on the way (checksum, truncation). An answer that decodes to nonsense (bad framing,
 * bad JSON) would do the same again.
 *
 * @since 0.1.0
 * @category Models
 */
export const retryableTransportKinds: ReadonlySet<TransportErrorKind> = Transport.retryableTransportKinds

const transportFields = {
  kind: TransportErrorKind,
  /** The event type of an `InvalidEventPayload` (`contentBlockDelta`, `metadata`, ...). */
  eventType: Schema.optional(Schema.String)
}

/**
 * Constructor input of a `TransportError`: `retryable` may be left out and then follows `kind`.
 *
 * @since 0.1.0
 * @category Models
 */
export type TransportErrorProps =
  & Omit<Schema.Struct.Constructor<internal.Fields<typeof transportFields>>, "retryable">
  & { readonly retryable?: boolean | undefined }

/**
 * A transport or decoding fault: connection refused/reset, timeout, abort, or an event stream that could not
 * be decoded. `retryable` defaults from `kind` (see `retryableTransportKinds`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class TransportError extends Base<TransportError>()("TransportError", false, transportFields) {
  constructor(props: TransportErrorProps, options?: Schema.MakeOptions) {
    super({ ...props, retryable: props.retryable ?? retryableTransportKinds.has(props.kind) } as any, options)
  }
}

/**
 * Credentials or region could not be resolved, or Bedrock rejected them (expired token, bad signature,
 * unknown key). Not retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class CredentialsError extends Base<CredentialsError>()("CredentialsError", false) {}

/**
 * Any other SDK failure; `exceptionName` keeps the original name. Retryable when the HTTP status is 429, 500,
 * 502, 503 or 504 (for example a proxy's error page that the SDK could not parse).
 *
 * @since 0.1.0
 * @category Errors
 */
export class UnknownBedrockError extends Base<UnknownBedrockError>()("UnknownBedrockError", false) {}

/**
 * The budgets `BedrockRateLimiter` admits calls against: `requests` and `tokens` per minute, the
 * `concurrency` limit, and the bounded `queue` of calls waiting for them.
 *
 * @since 0.1.0
 * @category Models
 */
export const Budget = Schema.Literal("requests", "tokens", "concurrency", "queue")

/**
 * @since 0.1.0
 * @category Models
 */
export type Budget = typeof Budget.Type

/**
 * A call that `BedrockRateLimiter` could not start: `budget` was exhausted for `modelId` until after the
 * call's deadline (`retryAfter`, when known, is how long it would have waited), or the queue of waiting calls
 * was full. Nothing was sent. Not retryable by the client's own retry policy: the caller decides (shed load,
 * try later, another model).
 *
 * @since 0.1.0
 * @category Errors
 */
export class BudgetExhaustedError extends Base<BudgetExhaustedError>()("BudgetExhaustedError", false, {
  budget: Budget,
  modelId: Schema.String,
  retryAfter: Schema.optional(Schema.DurationFromMillis)
}) {}

const all = [...exceptions, TransportError, CredentialsError, UnknownBedrockError, BudgetExhaustedError] as const

/**
 * Every failure of the Bedrock client.
 *
 * @since 0.1.0
 * @category Models
 */
export type BedrockError = InstanceType<(typeof all)[number]>

/**
 * The schema of every `BedrockError`, for encoding/decoding them (for example across workers).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const BedrockError: Schema.Union<typeof all> = Schema.Union(...all)

// =============================================================================
// Guards
// =============================================================================

/**
 * @since 0.1.0
 * @category Guards
 */
export const isBedrockError = (u: unknown): u is BedrockError => Predicate.hasProperty(u, TypeId)

/**
 * Whether the same request can be sent again: it may succeed, and it would not duplicate output. `true` for
 * the retryable exceptions (see `exceptions`) and the retryable transport faults (see
 * `retryableTransportKinds`), unless they ended a stream after some of its events were delivered; `false` for
 * anything else, including values that are not a `BedrockError`. To go on after a stream failed mid-way,
 * start a new request (see the README on restarting a stream).
 *
 * @since 0.1.0
 * @category Guards
 */
export const isRetryable = (error: unknown): boolean => isBedrockError(error) && error.retryable === true

// =============================================================================
// Mapping SDK failures
// =============================================================================

/**
 * What the caller knows about the failed call and the SDK error does not always say.
 *
 * - `requestId`: used when the error has no `$metadata` (exception events inside a stream carry
 *   none; the client passes the request id of the stream's initial response).
 * - `modelId` / `region`: used to suggest a corrected model id.
 * - `operation`: `"converse"`, `"converseStream"`, `"countTokens"`.
 * - `secrets`: exact strings to remove from messages (the client passes its own credentials).
 *
 * @since 0.1.0
 * @category Models
 */
export type FromSdkContext = internal.FromSdkContext

/**
 * A failure classified by the engine (`@effect-bedrock/converse/errors/classify`), as plain data.
 *
 * @since 0.1.0
 * @category Models
 */
export type ErrorDescriptor = Classify.ErrorDescriptor

/**
 * The `BedrockError` a classified failure is: the modelled exception's class, `CredentialsError`,
 * `TransportError` or `UnknownBedrockError`. The descriptor's message and cause are already scrubbed.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromDescriptor = (d: ErrorDescriptor): BedrockError => {
  const base = {
    message: d.message,
    position: d.position,
    ...optional("exceptionName", d.exceptionName),
    ...optional("status", d.status),
    ...optional("requestId", d.requestId),
    ...optional("operation", d.operation),
    retryable: d.retryable,
    cause: d.cause
  }
  const options = { disableValidation: true }
  switch (d.kind) {
    case "exception": {
      const Exception = exceptionClass(d.exception?.name ?? d.exceptionName ?? "")
      if (Exception === undefined) break
      const fields = Exception.fields as Record<string, unknown>
      return new Exception({
        ...base,
        ...("suggestion" in fields ? optional("suggestion", d.suggestion) : {}),
        ...("originalStatusCode" in fields ? optional("originalStatusCode", d.originalStatusCode) : {}),
        ...("resourceName" in fields ? optional("resourceName", d.resourceName) : {}),
        ...("originalMessage" in fields ? optional("originalMessage", d.originalMessage) : {})
      } as any, options)
    }
    case "credentials":
      return new CredentialsError(base, options)
    case "transport":
      if (d.transport !== undefined) return new TransportError({ ...base, kind: d.transport }, options)
      break
  }
  return new UnknownBedrockError(base, options)
}

const optional = <K extends string, A>(key: K, value: A | undefined): { [P in K]?: A } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: A }

/**
 * Maps anything the AWS SDK throws (or a promise rejects with) to a `BedrockError`. Never throws.
 *
 * - Modelled exceptions (`ThrottlingException`, ...) map by `name`, from an HTTP error response
 *   (with `$metadata`) or from an exception event inside a stream (no `$metadata`: the status is
 *   the exception's documented default and the request id comes from `context`).
 * - Credential and region failures → `CredentialsError`.
 * - Network faults, timeouts, aborts and undecodable event streams → `TransportError`.
 * - Anything else → `UnknownBedrockError` keeping the exception name.
 * - A value that already is a `BedrockError` is returned unchanged.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromSdk = (error: unknown, position: Position, context?: FromSdkContext): BedrockError =>
  isBedrockError(error) ? error : fromDescriptor(Classify.classifySdkError(error, position, context))
