/**
 * Typed failures of the Bedrock Runtime client: one tagged error per modelled Bedrock exception,
 * plus transport faults, credential problems, input rejected before the network and a fallback.
 *
 * Every error carries the HTTP `status` (when known), the `requestId`, where it happened
 * (`position`: `"request"` for the HTTP call, `"stream"` for an exception event or fault inside
 * an event stream), whether repeating the request may help (`retryable`), the SDK exception name
 * and the original failure as `cause`. `toJSON`, `toString` and `util.inspect` never print the
 * cause as-is: they print a summary with anything that looks like a credential removed.
 *
 * @since 0.1.0
 */
import * as Inspectable from "effect/Inspectable"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as internal from "./internal/sdkErrors.js"

// =============================================================================
// Type ids
// =============================================================================

/**
 * @since 0.1.0
 * @category Type Ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-bedrock/core/BedrockError")

/**
 * @since 0.1.0
 * @category Type Ids
 */
export type TypeId = typeof TypeId

// =============================================================================
// Shared fields
// =============================================================================

/**
 * Where a failure happened: the HTTP request/response (`"request"`) or an event stream that had
 * already started (`"stream"`).
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

const commonFields = {
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  requestId: Schema.optional(Schema.String),
  position: Schema.optionalWith(Position, { default: () => "request" as const }),
  exceptionName: Schema.optional(Schema.String),
  operation: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}

const retryable = (value: boolean) => Schema.optionalWith(Schema.Boolean, { default: () => value })

const suggestion = Schema.optional(Schema.String)

const id = <Tag extends string>(tag: Tag) => `@effect-bedrock/core/BedrockError/${tag}` as const

// =============================================================================
// Modelled Bedrock exceptions
// =============================================================================

/**
 * `ThrottlingException` (429): too many requests or tokens. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ThrottlingError extends Schema.TaggedError<ThrottlingError>(id("ThrottlingError"))("ThrottlingError", {
  ...commonFields,
  retryable: retryable(true)
}) {}

/**
 * `ValidationException` (400): Bedrock rejected the request. When the failure is about the model
 * id and a likely correct id can be guessed, `suggestion` holds it.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ValidationError extends Schema.TaggedError<ValidationError>(id("ValidationError"))("ValidationError", {
  ...commonFields,
  retryable: retryable(false),
  suggestion
}) {}

/**
 * `AccessDeniedException` (403): the identity may not call this model or operation.
 *
 * @since 0.1.0
 * @category Errors
 */
export class AccessDeniedError
  extends Schema.TaggedError<AccessDeniedError>(id("AccessDeniedError"))("AccessDeniedError", {
    ...commonFields,
    retryable: retryable(false)
  })
{}

/**
 * `ResourceNotFoundException` (404): the model (or profile) does not exist in this region.
 * `suggestion` holds a likely correct model id when one can be guessed.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ResourceNotFoundError
  extends Schema.TaggedError<ResourceNotFoundError>(id("ResourceNotFoundError"))("ResourceNotFoundError", {
    ...commonFields,
    retryable: retryable(false),
    suggestion
  })
{}

/**
 * `ModelTimeoutException` (408): the model took too long. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelTimeoutError
  extends Schema.TaggedError<ModelTimeoutError>(id("ModelTimeoutError"))("ModelTimeoutError", {
    ...commonFields,
    retryable: retryable(true)
  })
{}

/**
 * `ModelNotReadyException` (429): the model is not ready to serve yet. Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelNotReadyError
  extends Schema.TaggedError<ModelNotReadyError>(id("ModelNotReadyError"))("ModelNotReadyError", {
    ...commonFields,
    retryable: retryable(true)
  })
{}

/**
 * `ModelErrorException` (424): the model itself failed on this input. Not retryable: the same
 * input usually fails the same way.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelError extends Schema.TaggedError<ModelError>(id("ModelError"))("ModelError", {
  ...commonFields,
  retryable: retryable(false),
  originalStatusCode: Schema.optional(Schema.Number),
  resourceName: Schema.optional(Schema.String)
}) {}

/**
 * `ModelStreamErrorException` (424): the model failed while streaming. Bedrock documents it as
 * "Retry your request", so it is retryable; the client only ever retries a stream that failed
 * before its first event, so this never duplicates output.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ModelStreamError
  extends Schema.TaggedError<ModelStreamError>(id("ModelStreamError"))("ModelStreamError", {
    ...commonFields,
    retryable: retryable(true),
    originalStatusCode: Schema.optional(Schema.Number),
    originalMessage: Schema.optional(Schema.String)
  })
{}

/**
 * `ServiceQuotaExceededException` (400): an account quota is exhausted. Not retryable: waiting
 * seconds does not raise a quota.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceQuotaExceededError
  extends Schema.TaggedError<ServiceQuotaExceededError>(id("ServiceQuotaExceededError"))(
    "ServiceQuotaExceededError",
    {
      ...commonFields,
      retryable: retryable(false)
    }
  )
{}

/**
 * `ServiceUnavailableException` (503). Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class ServiceUnavailableError
  extends Schema.TaggedError<ServiceUnavailableError>(id("ServiceUnavailableError"))("ServiceUnavailableError", {
    ...commonFields,
    retryable: retryable(true)
  })
{}

/**
 * `InternalServerException` (500). Retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InternalServerError
  extends Schema.TaggedError<InternalServerError>(id("InternalServerError"))("InternalServerError", {
    ...commonFields,
    retryable: retryable(true)
  })
{}

// =============================================================================
// Transport, credentials, input, unknown
// =============================================================================

/**
 * What went wrong below the Bedrock protocol.
 *
 * - `ConnectionRefused`, `ConnectionReset`, `ConnectionFailed` (DNS, unreachable), `Timeout`:
 *   retryable.
 * - `Aborted`: the request was aborted (normally by interruption).
 * - `ChecksumMismatch`, `TruncatedEventStream`, `MalformedEventStream`: undecodable event-stream
 *   framing. `InvalidEventPayload`: an event whose JSON payload is invalid. `MalformedResponse`:
 *   an undecodable HTTP response body. None of them is retryable.
 *
 * @since 0.1.0
 * @category Models
 */
export const TransportErrorKind = Schema.Literal(
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionFailed",
  "Timeout",
  "Aborted",
  "ChecksumMismatch",
  "TruncatedEventStream",
  "MalformedEventStream",
  "InvalidEventPayload",
  "MalformedResponse"
)

/**
 * @since 0.1.0
 * @category Models
 */
export type TransportErrorKind = typeof TransportErrorKind.Type

const transportFields = {
  ...commonFields,
  kind: TransportErrorKind,
  retryable: Schema.Boolean
}

/**
 * Constructor input of a `TransportError`: `retryable` may be left out and then follows `kind`.
 *
 * @since 0.1.0
 * @category Models
 */
export type TransportErrorProps =
  & Omit<Schema.Struct.Constructor<typeof transportFields>, "retryable">
  & { readonly retryable?: boolean | undefined }

/**
 * A transport or decoding fault: connection refused/reset, timeout, abort, or an event stream
 * that could not be decoded. `retryable` defaults from `kind` (see `TransportErrorKind`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class TransportError
  extends Schema.TaggedError<TransportError>(id("TransportError"))("TransportError", transportFields)
{
  constructor(props: TransportErrorProps, options?: Schema.MakeOptions) {
    super({ ...props, retryable: props.retryable ?? internal.retryableTransportKinds.has(props.kind) }, options)
  }
}

/**
 * Credentials or region could not be resolved, or Bedrock rejected them (expired token, bad
 * signature, unknown key). Not retryable.
 *
 * @since 0.1.0
 * @category Errors
 */
export class CredentialsError
  extends Schema.TaggedError<CredentialsError>(id("CredentialsError"))("CredentialsError", {
    ...commonFields,
    retryable: retryable(false)
  })
{}

/**
 * Input rejected before anything was sent (used by the LanguageModel). `field` names the
 * offending part of the input, for example `prompt.content[2].mediaType`.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidRequestError
  extends Schema.TaggedError<InvalidRequestError>(id("InvalidRequestError"))("InvalidRequestError", {
    ...commonFields,
    retryable: retryable(false),
    field: Schema.optional(Schema.String)
  })
{}

/**
 * Any other SDK failure; `exceptionName` keeps the original name. Retryable when the HTTP status
 * is 429, 500, 502, 503 or 504 (for example a proxy's error page that the SDK could not parse).
 *
 * @since 0.1.0
 * @category Errors
 */
export class UnknownBedrockError
  extends Schema.TaggedError<UnknownBedrockError>(id("UnknownBedrockError"))("UnknownBedrockError", {
    ...commonFields,
    retryable: retryable(false)
  })
{}

/**
 * @since 0.1.0
 * @category Models
 */
export type BedrockError =
  | ThrottlingError
  | ValidationError
  | AccessDeniedError
  | ResourceNotFoundError
  | ModelTimeoutError
  | ModelNotReadyError
  | ModelError
  | ModelStreamError
  | ServiceQuotaExceededError
  | ServiceUnavailableError
  | InternalServerError
  | TransportError
  | CredentialsError
  | InvalidRequestError
  | UnknownBedrockError

/**
 * The schema of every `BedrockError`, for encoding/decoding them (for example across workers).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const BedrockError: Schema.Union<[
  typeof ThrottlingError,
  typeof ValidationError,
  typeof AccessDeniedError,
  typeof ResourceNotFoundError,
  typeof ModelTimeoutError,
  typeof ModelNotReadyError,
  typeof ModelError,
  typeof ModelStreamError,
  typeof ServiceQuotaExceededError,
  typeof ServiceUnavailableError,
  typeof InternalServerError,
  typeof TransportError,
  typeof CredentialsError,
  typeof InvalidRequestError,
  typeof UnknownBedrockError
]> = Schema.Union(
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
  InternalServerError,
  TransportError,
  CredentialsError,
  InvalidRequestError,
  UnknownBedrockError
)

// =============================================================================
// Safe printing
// =============================================================================

const safeJson = function(this: BedrockError): Record<string, unknown> {
  const out: Record<string, unknown> = { _tag: this._tag }
  for (const key of Object.keys(this)) {
    const value = (this as unknown as Record<string, unknown>)[key]
    if (value === undefined) continue
    if (key === "cause") out.cause = internal.summariseCause(value)
    else if (key === "message" && typeof value === "string") out.message = internal.scrubSecrets(value)
    else out[key] = value
  }
  if (out.message === undefined) out.message = internal.scrubSecrets(this.message)
  // `cause` is a non-enumerable own property (set through `Error`'s options).
  if (out.cause === undefined && this.cause !== undefined) out.cause = internal.summariseCause(this.cause)
  return out
}

const safeString = function(this: BedrockError): string {
  const details: Array<string> = []
  if (this.status !== undefined) details.push(`status ${this.status}`)
  if (this.requestId !== undefined) details.push(`request id ${this.requestId}`)
  if (this.position === "stream") details.push("in stream")
  if (this._tag === "TransportError") details.push(this.kind)
  const suffix = details.length > 0 ? ` (${details.join(", ")})` : ""
  return `${this._tag}: ${internal.scrubSecrets(this.message)}${suffix}`
}

// The SDK error kept as `cause` holds `$response` (headers and the raw body stream) and is not
// meant to be printed. Every error class prints a scrubbed summary instead.
for (
  const ErrorClass of [
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
    InternalServerError,
    TransportError,
    CredentialsError,
    InvalidRequestError,
    UnknownBedrockError
  ]
) {
  Object.defineProperties(ErrorClass.prototype, {
    [TypeId]: { value: TypeId },
    toJSON: { value: safeJson, writable: true, configurable: true },
    toString: { value: safeString, writable: true, configurable: true },
    [Inspectable.NodeInspectSymbol]: {
      value(this: BedrockError) {
        return safeJson.call(this)
      },
      writable: true,
      configurable: true
    }
  })
}

// =============================================================================
// Guards
// =============================================================================

/**
 * @since 0.1.0
 * @category Guards
 */
export const isBedrockError = (u: unknown): u is BedrockError => Predicate.hasProperty(u, TypeId)

/**
 * Whether repeating the request may succeed: `true` for throttling, model not ready, model
 * timeout, service unavailable, internal server error, model stream error and connection-level
 * transport faults; `false` for anything else, including values that are not a `BedrockError`.
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
export interface FromSdkContext {
  readonly requestId?: string | undefined
  readonly modelId?: string | undefined
  readonly region?: string | undefined
  readonly operation?: string | undefined
  readonly secrets?: ReadonlyArray<string> | undefined
}

const retryableUnknownStatus = new Set([429, 500, 502, 503, 504])

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
export const fromSdk = (error: unknown, position: Position, context?: FromSdkContext): BedrockError => {
  if (isBedrockError(error)) return error
  const secrets = context?.secrets
  const record = internal.asRecord(error)
  if (record === undefined) {
    return new UnknownBedrockError({
      message: internal.scrubSecrets(String(error), secrets),
      position,
      ...optional("requestId", context?.requestId),
      ...optional("operation", context?.operation),
      cause: error
    }, { disableValidation: true })
  }
  const rawName = internal.stringOf(record.name) ?? "Error"
  const name = internal.normaliseExceptionName(rawName)
  const rawMessage = internal.stringOf(record.message) ?? rawName
  const message = internal.scrubSecrets(rawMessage, secrets)
  const metadataStatus = internal.numberOf(record.$metadata?.httpStatusCode)
  const status = metadataStatus ?? internal.defaultStatus[name]
  const requestId = internal.stringOf(record.$metadata?.requestId) ?? context?.requestId
  const base = {
    message,
    position,
    exceptionName: rawName,
    ...optional("status", status),
    ...optional("requestId", requestId),
    ...optional("operation", context?.operation),
    cause: error
  }
  const options = { disableValidation: true }
  const suggest = () =>
    optional(
      "suggestion",
      internal.suggestModelId({
        modelId: context?.modelId,
        region: context?.region,
        message: rawMessage,
        exceptionName: name
      })
    )
  const extra = record as { readonly originalStatusCode?: unknown; readonly originalMessage?: unknown; readonly resourceName?: unknown }
  switch (name) {
    case "ThrottlingException":
      return new ThrottlingError(base, options)
    case "ValidationException":
      return new ValidationError({ ...base, ...suggest() }, options)
    case "AccessDeniedException":
      return new AccessDeniedError(base, options)
    case "ResourceNotFoundException":
      return new ResourceNotFoundError({ ...base, ...suggest() }, options)
    case "ModelTimeoutException":
      return new ModelTimeoutError(base, options)
    case "ModelNotReadyException":
      return new ModelNotReadyError(base, options)
    case "ModelErrorException":
      return new ModelError({
        ...base,
        ...optional("originalStatusCode", internal.numberOf(extra.originalStatusCode)),
        ...optional("resourceName", internal.stringOf(extra.resourceName))
      }, options)
    case "ModelStreamErrorException":
      return new ModelStreamError({
        ...base,
        ...optional("originalStatusCode", internal.numberOf(extra.originalStatusCode)),
        ...optional(
          "originalMessage",
          internal.stringOf(extra.originalMessage) === undefined
            ? undefined
            : internal.scrubSecrets(String(extra.originalMessage), secrets)
        )
      }, options)
    case "ServiceQuotaExceededException":
      return new ServiceQuotaExceededError(base, options)
    case "ServiceUnavailableException":
      return new ServiceUnavailableError(base, options)
    case "InternalServerException":
      return new InternalServerError(base, options)
  }
  if (internal.isCredentialsFailure(error)) {
    return new CredentialsError(base, options)
  }
  // A service answer the SDK could not parse still has a status; classify it by that first.
  const kind = metadataStatus !== undefined && internal.stringOf(
      (record as { $responseBodyText?: unknown }).$responseBodyText
    ) === undefined
    ? undefined
    : internal.transportKind(error, position)
  if (kind !== undefined) {
    return new TransportError({ ...base, kind }, options)
  }
  return new UnknownBedrockError({
    ...base,
    retryable: status !== undefined && retryableUnknownStatus.has(status)
  }, options)
}

const optional = <K extends string, A>(key: K, value: A | undefined): { [P in K]?: A } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: A }
