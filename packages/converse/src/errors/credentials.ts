/**
 * Credential and region failures: which SDK errors are one, and the hint that says how to fix them.
 *
 * @since 0.1.0
 */
import { asRecord, stringOf } from "./transport.js"

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
