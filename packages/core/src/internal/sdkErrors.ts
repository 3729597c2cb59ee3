/**
 * Pure helpers that look at what the AWS SDK throws: transport fault classification, secret
 * scrubbing and model id suggestions. `BedrockError.fromSdk` uses them.
 *
 * @internal
 */
import type { TransportErrorKind } from "../BedrockError.js"
import * as BedrockModelId from "../BedrockModelId.js"

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
export const transportKind = (error: unknown, position: "request" | "stream"): TransportErrorKind | undefined => {
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

// =============================================================================
// Credentials
// =============================================================================

const credentialNames = new Set([
  "CredentialsProviderError",
  "TokenProviderError",
  "ExpiredTokenException",
  "ExpiredToken",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch"
])

/** @internal */
export const isCredentialsFailure = (error: unknown): boolean => {
  const record = asRecord(error)
  if (record === undefined) return false
  const name = stringOf(record.name) ?? ""
  if (credentialNames.has(name)) return true
  const message = stringOf(record.message) ?? ""
  return /^Region is missing|Could not load credentials|Unable to load credentials|Token is expired|could not load token/i
    .test(message)
}

/**
 * A credentials failure's message with how to fix it: the SDK's "Region is missing" and "Could not
 * load credentials from any providers" say nothing about where a region or credentials come from.
 *
 * @internal
 */
export const withCredentialsHint = (message: string): string => {
  if (/^Region is missing/i.test(message)) {
    return `${message}: give the region option (BedrockClient.layer({ region: "us-east-1" })), set AWS_REGION, ` +
      "or use a profile that has a region (the profile option or AWS_PROFILE)"
  }
  if (/Could not load credentials|Unable to load credentials/i.test(message)) {
    return `${message}. Give credentials one of four ways: the credentials option (static keys, secrets as ` +
      "Redacted) or AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); a Bedrock API key (the apiKey " +
      "option or AWS_BEARER_TOKEN_BEDROCK); a profile (the profile option or AWS_PROFILE, SSO after `aws sso " +
      "login`); or, on AWS, the instance, container or web-identity role"
  }
  return message
}

// =============================================================================
// Secrets
// =============================================================================

/**
 * Removes things that look like credentials from a text: SigV4 credential scopes and signatures,
 * bearer tokens, security tokens and `aws_secret_access_key = ...` lines, plus any secret the
 * caller knows exactly (the client passes its own).
 *
 * @internal
 */
export const scrubSecrets = (text: string, secrets?: ReadonlyArray<string> | undefined): string => {
  let out = text
  if (secrets !== undefined) {
    for (const secret of secrets) {
      if (secret.length >= 4) out = out.split(secret).join("<redacted>")
    }
  }
  return out
    .replace(/(Credential=)[^\s,]+/gi, "$1<redacted>")
    .replace(/(Signature=)[0-9a-f]+/gi, "$1<redacted>")
    .replace(/(Bearer\s+)[^\s,"']+/gi, "$1<redacted>")
    .replace(/(X-Amz-Security-Token[=:]\s*)[^\s,&"']+/gi, "$1<redacted>")
    .replace(
      /(aws_secret_access_key|aws_session_token|secretAccessKey|sessionToken)(["']?\s*[=:]\s*["']?)[^\s,"'}]+/gi,
      "$1$2<redacted>"
    )
    .replace(/\bABSK[A-Za-z0-9+/=]{16,}/g, "<redacted>")
    .replace(/\bbedrock-api-key-[A-Za-z0-9+/=_-]{8,}/g, "<redacted>")
    .replace(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, "<redacted>")
    .replace(urlInText, redactUrlInText)
}

// A URL in a text: a scheme, then everything up to white space. Its user info is everything up to
// the last `@` before the path, query or fragment (a password may hold quotes or angle brackets).
const urlInText = /\b[a-z][a-z0-9+.-]*:\/\/[^\s]+/gi
const userInfo = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i
// A query or fragment parameter: its name stays, its value goes (`?token=...`, `&sig=...`, `#k=...`).
// In a text a value ends at white space, a quote or an angle bracket.
const parameterValue = /([?&;#][^=&;#?\s"'<>]*=)([^&;#\s"'<>]*)/g
// A query or fragment item without a value (`?AKIA...`) may be a secret itself.
const bareParameter = /([?&;#])(?![^=&;#\s"'<>]*=)([^&;#\s"'<>]+)/g
// Punctuation that ends a sentence rather than a value (`...?sig=<redacted>: the server answered`).
const trailing = /[.,:)\]]+$/

const redactValue = (_: string, key: string, value: string) => `${key}<redacted>${trailing.exec(value)?.[0] ?? ""}`

const redactUrlInText = (url: string): string =>
  url.replace(userInfo, "$1<redacted>@").replace(parameterValue, redactValue).replace(bareParameter, redactValue)

/**
 * A URL for messages, logs and spans: its whole user info (user name and password) and every
 * query and fragment value replaced by `<redacted>`; the scheme, host, port and path stay. An
 * unparseable URL is scrubbed as text.
 *
 * @internal
 */
export const redactUrl = (url: string): string => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // Not a URL (a password holding a "/", a broken host): everything up to its last "@" may be user info.
    return scrubSecrets(url.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)[^]*@/i, "$1<redacted>@"))
  }
  const slashes = /^[a-z][a-z0-9+.-]*:\/\//i.test(url.trim()) ? "//" : ""
  const credentials = parsed.username !== "" || parsed.password !== "" ? "<redacted>@" : ""
  return scrubSecrets(
    `${parsed.protocol}${slashes}${credentials}${parsed.host}${parsed.pathname}${parsed.search}${parsed.hash}`
  )
}

/**
 * The exact secrets of a URL (user name, password, every query and fragment value, raw and
 * decoded), to scrub from texts that quote it in another form (a cause's message).
 *
 * @internal
 */
export const urlSecrets = (url: string): ReadonlyArray<string> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const out = new Set<string>()
  const add = (value: string) => {
    if (value === "") return
    out.add(value)
    try {
      out.add(decodeURIComponent(value))
    } catch {
      // not percent-encoded
    }
  }
  add(parsed.username)
  add(parsed.password)
  for (const part of `${parsed.search.slice(1)}&${parsed.hash.slice(1)}`.split(/[&;]/)) {
    const eq = part.indexOf("=")
    add(eq === -1 ? part : part.slice(eq + 1))
  }
  return [...out]
}

// =============================================================================
// Scrubbed causes
// =============================================================================

const scrubbedMark: unique symbol = Symbol.for("@effect-bedrock/core/ScrubbedCause")

const metadataKeys = ["httpStatusCode", "requestId", "extendedRequestId", "cfId", "attempts", "totalRetryDelay"]

const scrubValue = (value: unknown, secrets: ReadonlyArray<string> | undefined, depth: number): unknown => {
  switch (typeof value) {
    case "string":
      return scrubSecrets(value, secrets)
    case "function":
    case "symbol":
      return undefined
    case "object": {
      if (value === null) return null
      if (depth >= 4) return undefined
      if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth + 1))
      if (value instanceof Error || Object.getPrototypeOf(value) === Object.prototype) {
        return scrubCause(value, secrets, depth + 1)
      }
      // Buffers, streams, sockets, requests: nothing to print from them.
      return undefined
    }
    default:
      return value
  }
}

/**
 * A copy of a failure fit to keep as an error's `cause`: every string in it (message, stack,
 * nested causes, fields copied from the response body) scrubbed with `scrubSecrets`, the raw
 * response (`$response`, with headers and body stream) dropped, `$metadata` reduced to status and
 * request ids. An `Error` keeps its prototype (`instanceof AccessDeniedException` still holds)
 * unless its message lives in internal slots (`DOMException`); then it becomes a plain `Error`
 * with the same name, message and code. Copies are marked, so scrubbing one again without new
 * secrets returns it as is.
 *
 * @internal
 */
export const scrubCause = (cause: unknown, secrets?: ReadonlyArray<string> | undefined, depth = 0): unknown => {
  if (typeof cause !== "object" || cause === null) return scrubValue(cause, secrets, depth)
  const record = cause as Record<PropertyKey, unknown>
  if (record[scrubbedMark] === true && (secrets === undefined || secrets.length === 0)) return cause
  const isError = cause instanceof Error
  const keepPrototype = isError ? messageIsData(cause) : false
  const copy: Record<PropertyKey, unknown> = keepPrototype
    ? Object.create(Object.getPrototypeOf(cause))
    : isError
    ? new Error()
    : {}
  const define = (key: string, value: unknown, enumerable: boolean) => {
    Object.defineProperty(copy, key, { value, enumerable, writable: true, configurable: true })
  }
  if (isError && !keepPrototype) {
    define("name", scrubValue(safeGet(cause, "name") ?? "Error", secrets, depth), false)
    define("message", scrubValue(safeGet(cause, "message") ?? "", secrets, depth), false)
    const code = safeGet(cause, "code")
    if (code !== undefined) define("code", scrubValue(code, secrets, depth), true)
  }
  for (const key of Object.getOwnPropertyNames(cause)) {
    if (key === "$response") continue
    const descriptor = Object.getOwnPropertyDescriptor(cause, key)!
    const raw = "value" in descriptor ? descriptor.value : safeGet(cause, key)
    let value: unknown
    if (key === "$metadata" && typeof raw === "object" && raw !== null) {
      const metadata: Record<string, unknown> = {}
      for (const name of metadataKeys) {
        const item = (raw as Record<string, unknown>)[name]
        if (item !== undefined) metadata[name] = scrubValue(item, secrets, depth)
      }
      value = metadata
    } else {
      value = scrubValue(raw, secrets, depth)
    }
    if (value === undefined && raw !== undefined) continue
    define(key, value, descriptor.enumerable === true)
  }
  if (isError && Object.getOwnPropertyDescriptor(copy, "stack") === undefined) {
    const stack = safeGet(cause, "stack")
    if (typeof stack === "string") define("stack", scrubSecrets(stack, secrets), false)
  }
  Object.defineProperty(copy, scrubbedMark, { value: true })
  return copy
}

/** Whether `message` is plain data (not a getter over internal slots, as on `DOMException`). */
const messageIsData = (error: object): boolean => {
  for (let current: object | null = error; current !== null; current = Object.getPrototypeOf(current)) {
    const descriptor = Object.getOwnPropertyDescriptor(current, "message")
    if (descriptor !== undefined) return "value" in descriptor
  }
  return true
}

const safeGet = (u: object, key: string): unknown => {
  try {
    return (u as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

/**
 * A JSON-safe, secret-free summary of the original failure (name and code), used by `toJSON` instead of the SDK
 * error (which carries `$response` with the raw body stream and is not meant to be serialised).
 *
 * @internal
 */
export const summariseCause = (cause: unknown): unknown => {
  if (cause === undefined) return undefined
  const record = asRecord(cause)
  if (record === undefined) return { type: typeof cause }
  const summary: Record<string, unknown> = {}
  const name = stringOf(record.name)
  if (name !== undefined) summary.name = name
  // No message: the error's own message already is the scrubbed message of the cause, and exact
  // secrets (known only while mapping) could not be removed from it any more.
  const code = stringOf(record.code)
  if (code !== undefined) summary.code = code
  return summary
}

// =============================================================================
// Model id suggestions
// =============================================================================

const geoPrefixes = ["us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "global."]

const geoOfRegion = (region: string | undefined): string => {
  if (region === undefined) return "us"
  if (region.startsWith("us-gov-")) return "us-gov"
  if (region.startsWith("us-")) return "us"
  if (region.startsWith("eu-")) return "eu"
  if (region.startsWith("ap-")) return "apac"
  if (region.startsWith("ca-")) return "ca"
  return "us"
}

const modelMessage =
  /model identifier|model id|on-demand throughput|inference profile|model not found|could not find model|model .* (does not exist|not found)|not supported in this region|end of its life/i

const withoutGeo = (modelId: string): string => {
  for (const prefix of geoPrefixes) if (modelId.startsWith(prefix)) return modelId.slice(prefix.length)
  return modelId
}

/**
 * A small heuristic for the most common model id mistakes: a missing `:0` version suffix on a
 * `...-v1` id, and a base model id used where Bedrock wants a cross-region inference profile
 * (`us.`, `eu.`, `apac.` prefix, chosen from the region); then, for an id that is still not a
 * known one, the closest known id (`BedrockModelId.closest`: "did you mean"), unless that is only
 * the same id with another geo prefix. Returns `undefined` when there is no plausible fix or the
 * error is not about the model id.
 *
 * @internal
 */
export const suggestModelId = (options: {
  readonly modelId?: string | undefined
  readonly region?: string | undefined
  readonly message: string
  readonly exceptionName: string
}): string | undefined => {
  const modelId = options.modelId
  if (modelId === undefined || modelId.length === 0 || modelId.startsWith("arn:")) return undefined
  if (options.exceptionName !== "ResourceNotFoundException" && !modelMessage.test(options.message)) return undefined
  let suggestion = modelId
  // `amazon.nova-micro-v1` → `amazon.nova-micro-v1:0`
  if (/-v\d+$/.test(suggestion)) suggestion = `${suggestion}:0`
  const hasGeo = geoPrefixes.some((prefix) => suggestion.startsWith(prefix))
  const wantsProfile = /on-demand throughput|inference profile/i.test(options.message)
  // A provider-qualified base model id (`anthropic.claude-...`) without a geo prefix.
  if (!hasGeo && /^[a-z0-9-]+\.[a-z0-9]/i.test(suggestion) && (wantsProfile || suggestion === modelId)) {
    suggestion = `${geoOfRegion(options.region)}.${suggestion}`
  }
  const heuristic = suggestion === modelId ? undefined : suggestion
  if (BedrockModelId.isKnown(suggestion)) return heuristic
  const known = BedrockModelId.closest(suggestion)
  return known !== undefined && withoutGeo(known) !== withoutGeo(suggestion) ? known : heuristic
}
