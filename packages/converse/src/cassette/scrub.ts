/**
 * Secrets out of a cassette before anything is written: every string of a recorded request and response
 * goes through the errors' scrubber (`errors/scrub.ts`: SigV4 scopes and signatures, bearer tokens, access
 * keys, Bedrock API keys, URL user info and query values), every secret the recorder knows exactly (the
 * client's own, and those it sees in each request's `authorization` and `x-amz-security-token` headers)
 * becomes `<redacted>`, and the account id of every ARN, plain or URL-encoded, becomes `000000000000`.
 * Requests are matched after the same scrubbing, so a replay in another account still matches.
 *
 * @since 0.1.0
 */
import { scrubSecrets } from "../errors/scrub.js"

/**
 * What replaces an account id.
 *
 * @since 0.1.0
 * @category Constants
 */
export const accountPlaceholder = "000000000000"

/**
 * The secrets known exactly, and account ids to replace wherever they appear (not only in ARNs).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Secrets {
  readonly exact?: ReadonlyArray<string> | undefined
  readonly accountIds?: ReadonlyArray<string> | undefined
}

// arn:<partition>:<service>:<region>:<account>:<resource>, the region empty for global services (IAM, STS).
const arnAccount = /(\barn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:)\d{12}(?=[:/])/g
// The same URL-encoded, as in a request path (`/model/arn%3Aaws%3Abedrock%3A...%3A123456789012%3A.../converse`).
const arnAccountEncoded = /(\barn%3Aaws[a-z-]*%3A[a-z0-9-]*%3A[a-z0-9-]*%3A)\d{12}(?=%3A|%2F)/gi

/**
 * A text without secrets.
 *
 * @since 0.1.0
 * @category Scrubbing
 */
export const scrubText = (text: string, secrets: Secrets = {}): string => {
  let out = scrubSecrets(text, secrets.exact)
  if (secrets.accountIds !== undefined) {
    for (const id of secrets.accountIds) if (id.length >= 4) out = out.split(id).join(accountPlaceholder)
  }
  return out.replace(arnAccount, `$1${accountPlaceholder}`).replace(arnAccountEncoded, `$1${accountPlaceholder}`)
}

/**
 * A JSON value with every string (and object key) scrubbed; the same value when nothing changed.
 *
 * @since 0.1.0
 * @category Scrubbing
 */
export const scrubJson = (value: unknown, secrets: Secrets = {}): unknown => {
  if (typeof value === "string") return scrubText(value, secrets)
  if (Array.isArray(value)) {
    let changed = false
    const out = value.map((item) => {
      const scrubbed = scrubJson(item, secrets)
      if (scrubbed !== item) changed = true
      return scrubbed
    })
    return changed ? out : value
  }
  if (typeof value === "object" && value !== null) {
    let changed = false
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) {
      const name = scrubText(key, secrets)
      const scrubbed = scrubJson(item, secrets)
      if (name !== key || scrubbed !== item) changed = true
      out[name] = scrubbed
    }
    return changed ? out : value
  }
  return value
}

/**
 * The secrets a signed request shows: the access key id of its SigV4 credential scope, its security
 * token, its bearer key. The recorder adds them to the ones it knows before scrubbing that exchange.
 *
 * @since 0.1.0
 * @category Scrubbing
 */
export const secretsOfHeaders = (headers: Readonly<Record<string, string | undefined>>): Array<string> => {
  const out: Array<string> = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    const lower = name.toLowerCase()
    if (lower === "authorization") {
      const credential = /Credential=([^/,\s]+)/.exec(value)
      if (credential !== null) out.push(credential[1]!)
      const bearer = /^Bearer\s+(\S+)/i.exec(value)
      if (bearer !== null) out.push(bearer[1]!)
    } else if (lower === "x-amz-security-token") {
      out.push(value)
    }
  }
  return out
}

/**
 * The secrets of the environment the AWS SDK reads (secret key, session token, Bedrock API key, access
 * key id), for a recorder that is given none.
 *
 * @since 0.1.0
 * @category Scrubbing
 */
export const secretsOfEnvironment = (env: Readonly<Record<string, string | undefined>>): Array<string> =>
  ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"]
    .map((name) => env[name])
    .filter((value): value is string => value !== undefined && value.length >= 4)
