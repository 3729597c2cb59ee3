/**
 * Anything the AWS SDK throws, or a promise rejects with, classified into a plain `ErrorDescriptor`:
 * a modelled exception by name (the table in `errors/exceptions`), then credential failures,
 * transport faults, and the rest as `unknown`. Messages and the kept cause are scrubbed of secrets.
 * `@effect-bedrock/core` builds its `BedrockError` classes from the descriptor
 * (`BedrockError.fromDescriptor`).
 *
 * @since 0.1.0
 */
import type { StreamFailure } from "../stream/decoder.js"
import { isCredentialsFailure, withCredentialsHint } from "./credentials.js"
import { type ExceptionInfo, exceptionInfo } from "./exceptions.js"
import { suggestModelId } from "./modelIdSuggestion.js"
import { scrubCause, scrubSecrets } from "./scrub.js"
import {
  asRecord,
  certificateMessage,
  normaliseExceptionName,
  numberOf,
  retryableTransportKinds,
  stringOf,
  type TransportKind,
  transportKind,
  withoutDeserializationNote
} from "./transport.js"

/**
 * Where a failure happened: the HTTP request/response (`"request"`) or an event stream that had already
 * started (`"stream"`).
 *
 * @since 0.1.0
 * @category Models
 */
export type Position = "request" | "stream"

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
export interface Context {
  readonly requestId?: string | undefined
  readonly modelId?: string | undefined
  readonly region?: string | undefined
  readonly operation?: string | undefined
  readonly secrets?: ReadonlyArray<string> | undefined
}

/**
 * A classified failure, as plain data.
 *
 * - `kind`: `"exception"` (a modelled Bedrock exception; `exception` is its row of the table),
 *   `"credentials"`, `"transport"` (`transport` says which fault) or `"unknown"`.
 * - `exceptionName`: the name the SDK gave the failure, as it gave it (absent when it threw a non-object).
 * - `message` and `cause` are scrubbed of secrets (the ones the caller named, and anything that looks
 *   like a credential).
 * - `retryable`: whether repeating the request may help and would not repeat delivered output.
 * - `originalStatusCode`, `originalMessage`, `resourceName`: the extra fields some exceptions carry, when
 *   the error has them (the class of the exception decides which it keeps).
 * - `suggestion`: a likely correct model id, for exceptions about the model id.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ErrorDescriptor {
  readonly kind: "exception" | "credentials" | "transport" | "unknown"
  readonly exception?: ExceptionInfo | undefined
  readonly transport?: TransportKind | undefined
  readonly exceptionName?: string | undefined
  readonly message: string
  readonly status?: number | undefined
  readonly requestId?: string | undefined
  readonly operation?: string | undefined
  readonly position: Position
  readonly retryable: boolean
  readonly originalStatusCode?: number | undefined
  readonly originalMessage?: string | undefined
  readonly resourceName?: string | undefined
  readonly suggestion?: string | undefined
  readonly cause: unknown
}

/**
 * Statuses of an unmodelled answer worth another attempt (a proxy's error page the SDK could not parse).
 *
 * @since 0.1.0
 * @category Models
 */
export const retryableUnknownStatus: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])

/**
 * The modelled exception of an SDK error name, in either spelling (`ThrottlingException`, or
 * `throttlingException` as an unmodelled event-stream exception keeps it).
 *
 * @since 0.1.0
 * @category Lookup
 */
export const exceptionOf = (name: string): ExceptionInfo | undefined =>
  exceptionInfo(name) ?? exceptionInfo(normaliseExceptionName(name))

/**
 * Classifies anything the AWS SDK throws. Never throws.
 *
 * `outputDelivered`: the failure ended a stream after some of its events were delivered, so
 * sending the same request again would repeat output the caller already has: `retryable` is false
 * whatever the error.
 *
 * @since 0.1.0
 * @category Classification
 */
export const classifySdkError = (
  error: unknown,
  position: Position,
  context?: Context,
  outputDelivered = false
): ErrorDescriptor => {
  const secrets = context?.secrets
  const record = asRecord(error)
  if (record === undefined) {
    return {
      kind: "unknown",
      message: scrubSecrets(String(error), secrets),
      position,
      requestId: context?.requestId,
      operation: context?.operation,
      retryable: false,
      cause: scrubCause(error, secrets)
    }
  }
  const rawName = stringOf(record.name) ?? "Error"
  const metadataStatus = numberOf(record.$metadata?.httpStatusCode)
  // A 2xx status means the service answered: whatever failed after it (the SDK reads a stream's
  // first event while deserialising the response) happened to the transport or the framing.
  const answered = metadataStatus !== undefined && metadataStatus >= 200 && metadataStatus < 300
  // Read from an event stream Bedrock answered with: mid-stream, or its first event (which the SDK
  // reads while deserialising the response, so `send` throws it with the 200 status).
  const eventStream = (position === "stream" && (metadataStatus === undefined || answered)) ||
    (answered && context?.operation === "converseStream")
  const kind = transportKind(error, eventStream ? "stream" : position)
  const rawMessage = stringOf(record.message) ?? rawName
  const message = scrubSecrets(
    kind === "CertificateRejected"
      ? certificateMessage(error)
      : answered && kind !== undefined
      ? withoutDeserializationNote(rawMessage)
      : rawMessage,
    secrets
  )
  const exception = exceptionOf(rawName)
  const status = metadataStatus ?? exception?.status
  const base = {
    message,
    position,
    exceptionName: rawName,
    status,
    requestId: stringOf(record.$metadata?.requestId) ?? context?.requestId,
    operation: context?.operation,
    // A scrubbed copy: the SDK error's message, stack and body fields can quote credentials.
    cause: scrubCause(error, secrets)
  }
  if (exception !== undefined) {
    const extra = record as {
      readonly originalStatusCode?: unknown
      readonly originalMessage?: unknown
      readonly resourceName?: unknown
    }
    const originalMessage = stringOf(extra.originalMessage)
    return {
      ...base,
      kind: "exception",
      exception,
      retryable: !outputDelivered && exception.retryable,
      suggestion: exception.suggestsModelId === true ?
        suggestModelId({
          modelId: context?.modelId,
          region: context?.region,
          message: rawMessage,
          exceptionName: exception.name
        }) :
        undefined,
      originalStatusCode: numberOf(extra.originalStatusCode),
      resourceName: stringOf(extra.resourceName),
      originalMessage: originalMessage === undefined ? undefined : scrubSecrets(originalMessage, secrets)
    }
  }
  if (isCredentialsFailure(error)) {
    return { ...base, kind: "credentials", message: withCredentialsHint(message), retryable: false }
  }
  // An error answer the SDK could not parse (a proxy's 502 page) is classified by its status, not
  // by what its text happens to contain.
  const unparsedErrorAnswer = metadataStatus !== undefined && !answered && stringOf(
        (record as { $responseBodyText?: unknown }).$responseBodyText
      ) === undefined
  if (kind !== undefined && !unparsedErrorAnswer) {
    return transport(base, kind, outputDelivered)
  }
  if (eventStream) {
    // Whatever else the SDK threw while decoding a stream Bedrock answered (a message without
    // `:message-type`, an `error` message, an unknown exception, headers past the frame's end):
    // the answer is not the event stream the API describes. Not retryable, whatever status it had.
    const detail = withoutDeserializationNote(rawMessage)
    return transport(
      {
        ...base,
        message: scrubSecrets(`Malformed event stream (${rawName}): ${detail}`, secrets)
      },
      "MalformedEventStream",
      outputDelivered
    )
  }
  if (answered) {
    // A 2xx answer the SDK could not deserialise (a body of `null`): the body is not a response.
    return transport(
      {
        ...base,
        message: scrubSecrets(`Malformed response (${rawName}): ${withoutDeserializationNote(rawMessage)}`, secrets)
      },
      "MalformedResponse",
      outputDelivered
    )
  }
  return {
    ...base,
    kind: "unknown",
    retryable: !outputDelivered && status !== undefined && retryableUnknownStatus.has(status)
  }
}

/**
 * A ConverseStream that ended early, as a transport fault of kind `TruncatedEventStream`: `"beforeFirstEvent"` (an
 * empty event stream: nothing was delivered, so the request may be sent again) or `"beforeMessageStop"` (events
 * were delivered but the answer is incomplete: never retryable).
 *
 * @since 0.1.0
 * @category Classification
 */
export const truncatedStream = (
  ended: "beforeFirstEvent" | "beforeMessageStop",
  context: Context = {}
): ErrorDescriptor => ({
  kind: "transport",
  transport: "TruncatedEventStream",
  message: ended === "beforeFirstEvent"
    ? "Bedrock answered the ConverseStream request with an event stream that ended before its first event"
    : "The ConverseStream ended before its messageStop event, so the answer is incomplete",
  position: ended === "beforeFirstEvent" ? "request" : "stream",
  requestId: context.requestId,
  operation: context.operation,
  retryable: ended === "beforeFirstEvent",
  cause: undefined
})

/**
 * The stream decoder's failure (`Decoder.failure`: an exception Bedrock sent as an event, or an event payload of
 * the wrong shape) as a descriptor, by the same rules as anything the SDK throws: the exception's row of the
 * table (status, `retryable`), the attempt's request id, and not retryable once output was delivered. An
 * invalid payload is a transport fault of kind `InvalidEventPayload`, never retryable.
 *
 * @since 0.1.0
 * @category Classification
 */
export const classifyStreamFailure = (
  failure: StreamFailure,
  context?: Context,
  outputDelivered = false
): ErrorDescriptor =>
  failure._tag === "Exception"
    ? classifySdkError(
      Object.assign(new Error(failure.message), { name: failure.name, $fault: "server" }),
      "stream",
      { ...context, requestId: failure.requestId ?? context?.requestId },
      outputDelivered
    )
    : {
      kind: "transport",
      transport: failure.kind,
      message: failure.message,
      position: "stream",
      requestId: failure.requestId ?? context?.requestId,
      operation: context?.operation,
      retryable: false,
      cause: undefined
    }

const transport = (
  base: Omit<ErrorDescriptor, "kind" | "retryable">,
  kind: TransportKind,
  outputDelivered: boolean
): ErrorDescriptor => ({
  ...base,
  kind: "transport",
  transport: kind,
  retryable: !outputDelivered && retryableTransportKinds.has(kind)
})
