/**
 * What the AWS SDK throws, read without trusting its shape: the fields of an SDK error, and which
 * transport or decoding fault a non-modelled failure is (connection, TLS certificate, timeout,
 * damaged or malformed event stream).
 *
 * @since 0.1.0
 */

// =============================================================================
// Shapes
// =============================================================================

/** @internal */
export interface SdkErrorLike {
  readonly name?: unknown
  readonly message?: unknown
  readonly code?: unknown
  readonly cause?: unknown
  readonly $fault?: unknown
  readonly $metadata?: { readonly httpStatusCode?: unknown; readonly requestId?: unknown } | undefined
}

/** @internal */
export const asRecord = (u: unknown): SdkErrorLike | undefined =>
  typeof u === "object" && u !== null ? (u as SdkErrorLike) : undefined

/** @internal */
export const stringOf = (u: unknown): string | undefined => typeof u === "string" && u.length > 0 ? u : undefined

/** @internal */
export const numberOf = (u: unknown): number | undefined =>
  typeof u === "number" && Number.isFinite(u) && u > 0 ? u : undefined

/**
 * Event-stream exception types arrive in camelCase (`throttlingException`); the SDK normally
 * turns them into the modelled class, but an unmodelled one keeps the raw `:exception-type` as
 * its name. Normalise so both spellings map to the same error.
 *
 * @internal
 */
export const normaliseExceptionName = (name: string): string =>
  name.length > 0 ? name[0]!.toUpperCase() + name.slice(1) : name

/**
 * What went wrong below the Bedrock protocol (see `BedrockError.TransportErrorKind` in core for what
 * each kind means).
 *
 * @since 0.1.0
 * @category Models
 */
export const transportKinds = [
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionFailed",
  "Timeout",
  "CertificateRejected",
  "Aborted",
  "ChecksumMismatch",
  "TruncatedEventStream",
  "MalformedEventStream",
  "InvalidEventPayload",
  "MalformedResponse"
] as const

/**
 * @since 0.1.0
 * @category Models
 */
export type TransportKind = (typeof transportKinds)[number]

/**
 * The kinds a new attempt can cure: the connection failed, stalled or died under the request, or the bytes
 * were damaged or cut off on the way (checksum, truncation). An answer that decodes to nonsense (bad framing,
 * bad JSON) would do the same again.
 *
 * @since 0.1.0
 * @category Models
 */
export const retryableTransportKinds: ReadonlySet<TransportKind> = new Set<TransportKind>([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionFailed",
  "Timeout",
  "ChecksumMismatch",
  "TruncatedEventStream"
])

// =============================================================================
// Transport faults
// =============================================================================

const resetCodes = new Set([
  "ECONNRESET",
  "EPIPE",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_ERROR",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET"
])
const failedCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN"])
const timeoutCodes = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "ERR_HTTP2_SESSION_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"])

// OpenSSL's certificate verification results as Node reports them (`X509_V_ERR_*` without the prefix),
// and Node's own host name check.
const certificateCodes = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID"
])

/**
 * The code of the errors `FrameGuard` throws for an event-stream frame it refuses (too large, or
 * a prelude no frame can have).
 *
 * @internal
 */
export const malformedFrameCode = "EFFECT_BEDROCK_MALFORMED_FRAME"

const codesOf = (u: unknown): Array<string> => {
  const out: Array<string> = []
  let current: unknown = u
  // Node nests the socket error under `cause` (`ERR_HTTP2_STREAM_CANCEL` caused by `ECONNREFUSED`).
  for (let depth = 0; depth < 4; depth++) {
    const record = asRecord(current)
    if (record === undefined) break
    const code = stringOf(record.code)
    if (code !== undefined) out.push(code)
    current = record.cause
  }
  return out
}

/**
 * Classifies a non-modelled failure thrown by `send` or by the event-stream iterator. Returns
 * `undefined` when it does not look like a transport or decoding fault.
 *
 * @internal
 */
export const transportKind = (error: unknown, position: "request" | "stream"): TransportKind | undefined => {
  const record = asRecord(error)
  if (record === undefined) return undefined
  const name = stringOf(record.name) ?? ""
  const message = stringOf(record.message) ?? ""
  const codes = codesOf(error)
  if (name === "AbortError" || codes.includes("ABORT_ERR")) return "Aborted"
  if (codes.includes(malformedFrameCode)) return "MalformedEventStream"
  if (codes.includes("ECONNREFUSED") || message.includes("ECONNREFUSED")) return "ConnectionRefused"
  if (codes.some((code) => certificateCodes.has(code))) return "CertificateRejected"
  // The SDK's HTTP/2 handler names this `TimeoutError` when the session is gone, but nothing timed
  // out: the peer closed the connection before answering (a peer that closes on accept, in 8 ms).
  if (/did not get a response/i.test(message)) return "ConnectionReset"
  if (name === "TimeoutError" || codes.some((code) => timeoutCodes.has(code))) return "Timeout"
  if (codes.some((code) => failedCodes.has(code))) return "ConnectionFailed"
  if (/checksum/i.test(message) && /(did not match|does not match)/i.test(message)) return "ChecksumMismatch"
  if (/truncated event message/i.test(message)) return "TruncatedEventStream"
  if (
    /event stream message|message too short|message length does not match|header type tag|header name exceeds|header value .* exceeds|Invalid UUID received/i
      .test(message)
  ) return "MalformedEventStream"
  if (codes.some((code) => resetCodes.has(code))) return "ConnectionReset"
  if (
    /abnormally aborted|socket hang up|did not get a response|stream closed|premature close|ECONNRESET|EPIPE/i.test(
      message
    )
  ) return "ConnectionReset"
  if (name === "SyntaxError") return position === "stream" ? "InvalidEventPayload" : "MalformedResponse"
  if (stringOf((record as { $responseBodyText?: unknown }).$responseBodyText) !== undefined) return "MalformedResponse"
  return undefined
}

/**
 * The message of a `CertificateRejected` failure: which check failed (from the TLS error in the
 * cause chain) and what to do about it.
 *
 * @internal
 */
export const certificateMessage = (error: unknown): string => {
  let current: unknown = error
  let code: string | undefined
  let reason: string | undefined
  for (let depth = 0; depth < 4; depth++) {
    const record = asRecord(current)
    if (record === undefined) break
    const own = stringOf(record.code)
    if (own !== undefined && certificateCodes.has(own)) {
      code = own
      reason = stringOf(record.message)
      break
    }
    current = record.cause
  }
  const check = `${reason ?? "certificate check failed"}${code === undefined ? "" : ` (${code})`}`
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH") {
    return `The endpoint's TLS certificate was rejected: ${check}. The certificate is not for the host name ` +
      "the client connects to: use the endpoint's own name (trusting another CA with `ca` does not change this)."
  }
  return `The endpoint's TLS certificate was rejected: ${check}. If the endpoint uses a private or ` +
    "self-signed CA (a proxy, a local server), trust it with the client option `ca` (PEM text) or " +
    "BEDROCK_CA_BUNDLE / AWS_CA_BUNDLE (a PEM file); never turn certificate checks off."
}

const deserializationNote =
  /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/

/**
 * The SDK appends a note about `$response` to anything that fails while it deserialises a response,
 * also to a transport fault that merely happened then; the note says nothing about the fault.
 *
 * @internal
 */
export const withoutDeserializationNote = (message: string): string => {
  const out = message.replace(deserializationNote, "")
  return out.length > 0 ? out : message
}
