/**
 * Our typed errors as `@effect/ai` `AiError`s, and the way back.
 *
 * `@effect/ai` has one error channel, `AiError`, a closed union of five kinds.
 * Every failure of `BedrockAiLanguageModel` is one of them, chosen so that code
 * written against `@effect/ai` alone reads it correctly, and each keeps the
 * original typed error of `@effect-bedrock/core` as its `cause`:
 *
 * | our error | `AiError` | kept |
 * | --- | --- | --- |
 * | a Bedrock exception (`ThrottlingError`, `ValidationError`, ...), `UnknownBedrockError` or `CredentialsError` with a status | `HttpResponseError`, reason `StatusCode` | `response.status` (429, 400, ...), `response.headers["x-amzn-requestid"]` and `["x-amzn-errortype"]` |
 * | `TransportError` of a corrupt answer (checksum, truncated or malformed event stream, bad JSON) | `HttpResponseError`, reason `Decode` | status (200 when unknown), request id |
 * | `TransportError` of the connection (refused, reset, timeout, aborted) | `HttpRequestError`, reason `Transport` | |
 * | `CredentialsError` / `UnknownBedrockError` without a status | `UnknownError` | |
 * | `LanguageModel.InvalidRequestError` (rejected before the network) | `MalformedInput` | |
 * | `FileDownload.FileDownloadError` (a file URL refused or not fetched) | `MalformedInput` | |
 * | `LanguageModel.IncompleteResponseError`, `LanguageModel.StructuredOutputError` | `MalformedOutput` | |
 * | `UsageLimits.UsageLimitExceededError` (a budget of yours stopped the call) | `UnknownError` | |
 *
 * So throttling (429) and validation (400) stay apart on the `AiError` itself,
 * and `cause` recovers the exact typed error: `BedrockAiError.cause(error)`,
 * or `BedrockAiError.unwrap` to fail with it instead of the `AiError` and
 * `Effect.catchTag` it.
 *
 * @example
 * ```ts
 * import { BedrockAiError } from "@effect-bedrock/ai"
 * import { LanguageModel } from "@effect/ai"
 * import { Effect, Option } from "effect"
 *
 * // On the AiError: the cause says what Bedrock answered.
 * const viaCause = LanguageModel.generateText({ prompt: "Hello" }).pipe(
 *   Effect.catchAll((error) =>
 *     Option.match(BedrockAiError.cause(error), {
 *       onNone: () => Effect.fail(error),
 *       onSome: (cause) =>
 *         cause._tag === "ThrottlingError"
 *           ? Effect.succeed(`busy, request ${cause.requestId}`)
 *           : Effect.fail(error)
 *     })
 *   )
 * )
 *
 * // Or fail with our typed errors and catch them by tag.
 * const viaTag = LanguageModel.generateText({ prompt: "Hello" }).pipe(
 *   BedrockAiError.unwrap,
 *   Effect.catchTag("ThrottlingError", (error) => Effect.succeed(`busy, request ${error.requestId}`))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as BedrockError from "@effect-bedrock/core/BedrockError"
import * as LanguageModel from "@effect-bedrock/core/LanguageModel"
import * as UsageLimits from "@effect-bedrock/core/UsageLimits"
import * as AiError from "@effect/ai/AiError"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

// =============================================================================
// To AiError
// =============================================================================

/**
 * Where a failure happened, for the `module` / `method` fields of the
 * `AiError` and its request details.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Context {
  /** `generateText` or `streamText`. */
  readonly method: string
  /** Defaults to `BedrockAiLanguageModel`. */
  readonly module?: string | undefined
  /** The model id, for the request path in the `AiError`'s request details. */
  readonly modelId?: string | undefined
}

const decodeKinds: ReadonlySet<BedrockError.TransportErrorKind> = new Set<BedrockError.TransportErrorKind>([
  "ChecksumMismatch",
  "TruncatedEventStream",
  "MalformedEventStream",
  "InvalidEventPayload",
  "MalformedResponse"
])

const operationPath = (operation: string | undefined, method: string): string => {
  if (operation === "converseStream") return "converse-stream"
  if (operation === "countTokens") return "count-tokens"
  if (operation === "converse") return "converse"
  return method === "streamText" ? "converse-stream" : "converse"
}

const requestDetails = (context: Context, operation: string | undefined): typeof AiError.HttpRequestDetails.Type => ({
  method: "POST",
  url: context.modelId === undefined
    ? `/model/${operationPath(operation, context.method)}`
    : `/model/${encodeURIComponent(context.modelId)}/${operationPath(operation, context.method)}`,
  urlParams: [],
  hash: Option.none(),
  headers: {}
})

const responseHeaders = (error: BedrockError.BedrockError): Record<string, string> => {
  const headers: Record<string, string> = {}
  if (error.requestId !== undefined) headers["x-amzn-requestid"] = error.requestId
  if (error.exceptionName !== undefined) headers["x-amzn-errortype"] = error.exceptionName
  return headers
}

const statusOf = (error: BedrockError.BedrockError): number | undefined => {
  if (error.status !== undefined) return error.status
  const Class = error.exceptionName === undefined ? undefined : BedrockError.exceptionClass(error.exceptionName)
  return Class?.exception.status
}

const describe = (error: { readonly _tag: string; readonly message: string }): string =>
  `${error._tag}: ${error.message}`

// `cause` is not a field of HttpResponseError's schema: it is set as the Error's own `cause`
// (validation off keeps it), which `Cause.pretty`, `util.inspect` and `BedrockAiError.cause` read.
const withCause = <A>(
  make: (props: any, options: { readonly disableValidation: true }) => A,
  props: object,
  cause: unknown
) => make({ ...props, cause }, { disableValidation: true })

/**
 * The `AiError` for one of our errors (see the table in the module
 * description); the original is its `cause`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromLanguageModelError = (error: LanguageModel.LanguageModelError, context: Context): AiError.AiError => {
  const module = context.module ?? "BedrockAiLanguageModel"
  const method = context.method
  if (error._tag === "InvalidRequestError") {
    const description = error.field === undefined ? error.message : `${error.message} (at ${error.field})`
    return withCause((p, o) => new AiError.MalformedInput(p, o), { module, method, description }, error)
  }
  if (error._tag === "FileDownloadError") {
    const description = `${error.message} (${error.reason})`
    return withCause((p, o) => new AiError.MalformedInput(p, o), { module, method, description }, error)
  }
  if (error._tag === "IncompleteResponseError" || error._tag === "StructuredOutputError") {
    return withCause((p, o) => new AiError.MalformedOutput(p, o), { module, method, description: error.message }, error)
  }
  if (error._tag === "UsageLimitExceededError") {
    return withCause((p, o) => new AiError.UnknownError(p, o), { module, method, description: describe(error) }, error)
  }
  const status = statusOf(error)
  if (error._tag === "TransportError") {
    if (decodeKinds.has(error.kind)) {
      return withCause((p, o) => new AiError.HttpResponseError(p, o), {
        module,
        method,
        reason: "Decode",
        request: requestDetails(context, error.operation),
        response: { status: status ?? 200, headers: responseHeaders(error) },
        description: describe(error)
      }, error)
    }
    return withCause((p, o) => new AiError.HttpRequestError(p, o), {
      module,
      method,
      reason: "Transport",
      request: requestDetails(context, error.operation),
      description: `${describe(error)} (${error.kind})`
    }, error)
  }
  if (status === undefined) {
    return withCause((p, o) => new AiError.UnknownError(p, o), { module, method, description: describe(error) }, error)
  }
  return withCause((p, o) => new AiError.HttpResponseError(p, o), {
    module,
    method,
    reason: "StatusCode",
    request: requestDetails(context, error.operation),
    response: { status, headers: responseHeaders(error) },
    description: describe(error)
  }, error)
}

// =============================================================================
// From AiError
// =============================================================================

/**
 * Whether a value is one of our errors: a `BedrockError` or a
 * `LanguageModel` error of `@effect-bedrock/core`.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isLanguageModelError = (u: unknown): u is LanguageModel.LanguageModelError =>
  BedrockError.isBedrockError(u) || u instanceof LanguageModel.InvalidRequestError ||
  u instanceof LanguageModel.IncompleteResponseError || u instanceof LanguageModel.StructuredOutputError ||
  u instanceof UsageLimits.UsageLimitExceededError

/**
 * The typed error of `@effect-bedrock/core` behind an `AiError` raised by
 * `BedrockAiLanguageModel`; `None` for any other error (for example a failure
 * of `@effect/ai` itself, such as tool arguments that do not match the tool's
 * schema).
 *
 * @since 0.1.0
 * @category Getters
 */
export const cause = (error: unknown): Option.Option<LanguageModel.LanguageModelError> => {
  if (!AiError.isAiError(error)) return Option.none()
  const inner = (error as { readonly cause?: unknown }).cause
  return isLanguageModelError(inner) ? Option.some(inner) : Option.none()
}

/**
 * Whether repeating the call may help: the `AiError` carries a retryable
 * Bedrock error (throttling, service unavailable, a refused connection, ...).
 * For `Effect.retry({ while: BedrockAiError.isRetryable })`.
 *
 * @since 0.1.0
 * @category Guards
 */
export const isRetryable = (error: unknown): boolean => {
  const inner = cause(error)
  return Option.isSome(inner) && BedrockError.isRetryable(inner.value)
}

/**
 * The typed error behind an `AiError` of `BedrockAiLanguageModel`, or the
 * error unchanged.
 *
 * @since 0.1.0
 * @category Conversions
 */
export const unwrapError = <E>(error: E): E | LanguageModel.LanguageModelError => {
  const inner = cause(error)
  return Option.isSome(inner) ? inner.value : error
}

/**
 * Fails with our typed error instead of the `AiError` that carries it, so
 * that `Effect.catchTag("ThrottlingError", ...)` works; other errors pass
 * unchanged.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const unwrap = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | LanguageModel.LanguageModelError, R> => Effect.mapError(self, unwrapError)

/**
 * `unwrap` for streams.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const unwrapStream = <A, E, R>(
  self: Stream.Stream<A, E, R>
): Stream.Stream<A, E | LanguageModel.LanguageModelError, R> => Stream.mapError(self, unwrapError)
