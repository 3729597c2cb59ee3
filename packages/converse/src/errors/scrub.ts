/**
 * Secrets never leave in an error: scrubbing texts (SigV4 scopes and signatures, bearer tokens, keys, URL
 * user info and query values), redacting URLs, and scrubbed copies of the failures kept as an error's cause.
 *
 * @since 0.1.0
 */
import { asRecord, stringOf } from "./transport.js"

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
