/**
 * The request log: what of a request is kept (every header but secrets, the authorization scheme)
 * for `LocalBedrockServer.requests`.
 *
 * @internal
 */
import type * as http from "node:http"
import type { ReceivedRequest } from "../LocalBedrockServer.js"

const SECRET_HEADERS = new Set(["authorization", "x-amz-security-token", "cookie", "x-amz-bedrock-api-key"])

const redactAuthorization = (value: string): string => {
  if (/^bearer\s/i.test(value)) return "Bearer <redacted>"
  if (value.startsWith("AWS4-HMAC-SHA256")) {
    return value
      .replace(/Credential=[^/,\s]+/, "Credential=<redacted>")
      .replace(/Signature=[0-9a-fA-F]+/, "Signature=<redacted>")
  }
  return "<redacted>"
}

/**
 * The headers as logged: pseudo-headers and `cookie` dropped, the SigV4 key id and signature, a
 * Bearer token and other secrets redacted.
 *
 * @internal
 */
export const logHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith(":") || value === undefined) continue
    const text = Array.isArray(value) ? value.join(", ") : value
    if (name === "authorization") out[name] = redactAuthorization(text)
    else if (name === "cookie") continue
    else if (SECRET_HEADERS.has(name)) out[name] = "<redacted>"
    else out[name] = text
  }
  return out
}

/** @internal */
export const authSchemeOf = (value: string | undefined): ReceivedRequest["auth"] => {
  if (value === undefined) return "none"
  if (/^AWS4-HMAC-SHA256 Credential=\S+/.test(value)) return "sigv4"
  if (/^Bearer \S+/i.test(value)) return "bearer"
  return "none"
}
