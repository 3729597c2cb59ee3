/**
 * `BedrockError.fromSdk`: anything the AWS SDK throws, or a promise rejects with, to a
 * `BedrockError`. Modelled exceptions by name (the table in `BedrockError.exceptions`), then
 * credential failures, transport faults, and the rest as `UnknownBedrockError`.
 *
 * @internal
 */
import * as BedrockError from "../BedrockError.js"
import * as internal from "./sdkErrors.js"

const retryableUnknownStatus = new Set([429, 500, 502, 503, 504])

/**
 * `outputDelivered`: the failure ended a stream after some of its events were delivered, so
 * sending the same request again would repeat output the caller already has: `retryable` is false
 * whatever the error.
 *
 * @internal
 */
export const fromSdk = (
  error: unknown,
  position: BedrockError.Position,
  context?: BedrockError.FromSdkContext,
  outputDelivered = false
): BedrockError.BedrockError => {
  if (BedrockError.isBedrockError(error)) return error
  const secrets = context?.secrets
  const record = internal.asRecord(error)
  const notRetryable = outputDelivered ? { retryable: false } : {}
  if (record === undefined) {
    return new BedrockError.UnknownBedrockError({
      message: internal.scrubSecrets(String(error), secrets),
      position,
      ...optional("requestId", context?.requestId),
      ...optional("operation", context?.operation),
      ...notRetryable,
      cause: internal.scrubCause(error, secrets)
    }, { disableValidation: true })
  }
  const rawName = internal.stringOf(record.name) ?? "Error"
  const metadataStatus = internal.numberOf(record.$metadata?.httpStatusCode)
  // A 2xx status means the service answered: whatever failed after it (the SDK reads a stream's
  // first event while deserialising the response) happened to the transport or the framing.
  const answered = metadataStatus !== undefined && metadataStatus >= 200 && metadataStatus < 300
  // Read from an event stream Bedrock answered with: mid-stream, or its first event (which the SDK
  // reads while deserialising the response, so `send` throws it with the 200 status).
  const eventStream = (position === "stream" && (metadataStatus === undefined || answered)) ||
    (answered && context?.operation === "converseStream")
  const kind = internal.transportKind(error, eventStream ? "stream" : position)
  const rawMessage = internal.stringOf(record.message) ?? rawName
  const message = internal.scrubSecrets(
    kind === "CertificateRejected"
      ? internal.certificateMessage(error)
      : answered && kind !== undefined
      ? internal.withoutDeserializationNote(rawMessage)
      : rawMessage,
    secrets
  )
  const Exception = BedrockError.exceptionClass(rawName)
  const status = metadataStatus ?? Exception?.exception.status
  const base = {
    message,
    position,
    exceptionName: rawName,
    ...optional("status", status),
    ...optional("requestId", internal.stringOf(record.$metadata?.requestId) ?? context?.requestId),
    ...optional("operation", context?.operation),
    ...notRetryable,
    // A scrubbed copy: the SDK error's message, stack and body fields can quote credentials.
    cause: internal.scrubCause(error, secrets)
  }
  const options = { disableValidation: true }
  if (Exception !== undefined) {
    const extra = record as {
      readonly originalStatusCode?: unknown
      readonly originalMessage?: unknown
      readonly resourceName?: unknown
    }
    const fields = Exception.fields as Record<string, unknown>
    const originalMessage = internal.stringOf(extra.originalMessage)
    const props = {
      ...base,
      ...(Exception.exception.suggestsModelId === true ?
        optional(
          "suggestion",
          internal.suggestModelId({
            modelId: context?.modelId,
            region: context?.region,
            message: rawMessage,
            exceptionName: Exception.exception.name
          })
        ) :
        {}),
      ...("originalStatusCode" in fields
        ? optional("originalStatusCode", internal.numberOf(extra.originalStatusCode))
        : {}),
      ...("resourceName" in fields ? optional("resourceName", internal.stringOf(extra.resourceName)) : {}),
      ...("originalMessage" in fields && originalMessage !== undefined ?
        { originalMessage: internal.scrubSecrets(originalMessage, secrets) } :
        {})
    }
    return new Exception(props, options)
  }
  if (internal.isCredentialsFailure(error)) {
    return new BedrockError.CredentialsError({ ...base, message: internal.withCredentialsHint(message) }, options)
  }
  // An error answer the SDK could not parse (a proxy's 502 page) is classified by its status, not
  // by what its text happens to contain.
  const unparsedErrorAnswer = metadataStatus !== undefined && !answered && internal.stringOf(
        (record as { $responseBodyText?: unknown }).$responseBodyText
      ) === undefined
  if (kind !== undefined && !unparsedErrorAnswer) {
    return new BedrockError.TransportError({ ...base, kind }, options)
  }
  if (eventStream) {
    // Whatever else the SDK threw while decoding a stream Bedrock answered (a message without
    // `:message-type`, an `error` message, an unknown exception, headers past the frame's end):
    // the answer is not the event stream the API describes. Not retryable, whatever status it had.
    const detail = internal.withoutDeserializationNote(rawMessage)
    return new BedrockError.TransportError({
      ...base,
      message: internal.scrubSecrets(`Malformed event stream (${rawName}): ${detail}`, secrets),
      kind: "MalformedEventStream"
    }, options)
  }
  if (answered) {
    // A 2xx answer the SDK could not deserialise (a body of `null`): the body is not a response.
    return new BedrockError.TransportError({
      ...base,
      message: internal.scrubSecrets(
        `Malformed response (${rawName}): ${internal.withoutDeserializationNote(rawMessage)}`,
        secrets
      ),
      kind: "MalformedResponse"
    }, options)
  }
  return new BedrockError.UnknownBedrockError({
    retryable: status !== undefined && retryableUnknownStatus.has(status),
    ...base
  }, options)
}

const optional = <K extends string, A>(key: K, value: A | undefined): { [P in K]?: A } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: A }
