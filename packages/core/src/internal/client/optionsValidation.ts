/**
 * Checks `BedrockClient.Options` (and `FromClientOptions`) before the SDK client is built, so a
 * bad value from a JavaScript caller or the environment is a `ConfigError` naming the option, not
 * an exception thrown by the SDK's constructor (a defect) nor a value quietly turned into another
 * (a negative timeout into 1 ms).
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"

/** @internal */
export type Check = (value: unknown, path: Array<string>) => ConfigError.ConfigError | undefined

/** @internal */
export const invalid = (path: Array<string>, message: string): ConfigError.ConfigError =>
  ConfigError.InvalidData(path, `Invalid option "${path.join(".")}": ${message}`)

const describe = (value: unknown): string =>
  value === null ? "null" : typeof value === "string" ? JSON.stringify(value).slice(0, 60) : typeof value

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

// Regions look like `us-east-1`, `us-gov-west-1`, `cn-north-1`; anything but letters, digits and dashes
// would end up in the endpoint's host name.
const regionPattern = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/

const optionalString = (nonEmpty: string): Check => (value, path) => {
  if (value === undefined) return undefined
  if (typeof value !== "string") return invalid(path, `expected a string, got ${describe(value)}`)
  if (value.trim() === "") return invalid(path, nonEmpty)
  return undefined
}

const region: Check = (value, path) => {
  const problem = optionalString("the region is empty; leave it out to use the SDK's default chain")(value, path)
  if (problem !== undefined || value === undefined) return problem
  return regionPattern.test(value as string)
    ? undefined
    : invalid(path, `${describe(value)} is not a region name (for example "us-east-1")`)
}

const endpoint: Check = (value, path) => {
  const problem = optionalString("the endpoint is empty")(value, path)
  if (problem !== undefined || value === undefined) return problem
  let url: URL
  try {
    url = new URL(value as string)
  } catch {
    return invalid(
      path,
      `${describe(value)} is not a URL (for example "https://bedrock-runtime.us-east-1.amazonaws.com")`
    )
  }
  return url.protocol === "https:" || url.protocol === "http:"
    ? undefined
    : invalid(path, `only http: and https: endpoints are supported, got ${url.protocol}`)
}

const redacted = (required: boolean): Check => (value, path) => {
  if (value === undefined) return required ? invalid(path, "missing") : undefined
  if (!Redacted.isRedacted(value)) {
    return invalid(path, "secrets must be wrapped with Redacted.make (or read with Config.redacted)")
  }
  const inner = Redacted.value(value as Redacted.Redacted<unknown>)
  if (typeof inner !== "string" || inner === "") return invalid(path, "the secret is empty or not a string")
  return undefined
}

/**
 * A positive duration: `Duration.infinity` is allowed (no timeout); zero, negative, `NaN` and text
 * that is not a duration are not (`Duration.decode` would turn the first three into 0).
 */
/** @internal */
export const duration = (allowZero: boolean): Check => (value, path) => {
  if (value === undefined) return undefined
  if (typeof value === "number" && Number.isNaN(value)) return invalid(path, "NaN is not a duration")
  let decoded: Duration.Duration | undefined
  try {
    const option = Duration.decodeUnknown(value)
    decoded = option._tag === "Some" ? option.value : undefined
  } catch {
    decoded = undefined
  }
  if (decoded === undefined) {
    return invalid(path, `${describe(value)} is not a duration (for example "30 seconds" or 30000 for milliseconds)`)
  }
  const negative = (typeof value === "number" && value < 0) ||
    (typeof value === "bigint" && value < BigInt(0)) ||
    (typeof value === "string" && value.trim().startsWith("-"))
  if (negative) return invalid(path, `${describe(value)} is negative`)
  if (!allowZero && Duration.isZero(decoded)) return invalid(path, "must be more than zero")
  return undefined
}

/** @internal */
export const retry: Check = (value, path) => {
  if (value === undefined || value === false) return undefined
  if (!isRecord(value)) {
    return invalid(path, `expected false or { maxAttempts, baseDelay, maxDelay }, got ${describe(value)}`)
  }
  const maxAttempts = value.maxAttempts
  if (
    maxAttempts !== undefined &&
    (typeof maxAttempts !== "number" || !Number.isInteger(maxAttempts) || maxAttempts < 1)
  ) {
    return invalid(
      [...path, "maxAttempts"],
      `expected a whole number of attempts, at least 1, got ${String(maxAttempts)}`
    )
  }
  const timeoutRetries = value.timeoutRetries
  if (
    timeoutRetries !== undefined &&
    (typeof timeoutRetries !== "number" || !Number.isInteger(timeoutRetries) || timeoutRetries < 0)
  ) {
    return invalid(
      [...path, "timeoutRetries"],
      `expected a whole number of retries, 0 or more, got ${String(timeoutRetries)}`
    )
  }
  return duration(true)(value.baseDelay, [...path, "baseDelay"]) ??
    duration(true)(value.maxDelay, [...path, "maxDelay"])
}

const credentials: Check = (value, path) => {
  if (value === undefined) return undefined
  // Never quote the value: it may hold the secret.
  if (!isRecord(value)) {
    return invalid(path, `expected { accessKeyId, secretAccessKey, sessionToken? }, got ${typeof value}`)
  }
  const accessKeyId = value.accessKeyId
  if (typeof accessKeyId !== "string" || accessKeyId.trim() === "") {
    return invalid([...path, "accessKeyId"], "expected a non-empty string")
  }
  return redacted(true)(value.secretAccessKey, [...path, "secretAccessKey"]) ??
    redacted(false)(value.sessionToken, [...path, "sessionToken"])
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g

/** PEM text holding at least one certificate, each of which parses. */
const pemCertificates: Check = (value, path) => {
  if (typeof value !== "string") return invalid(path, `expected PEM text, got ${describe(value)}`)
  const blocks = value.match(PEM_CERTIFICATE)
  if (blocks === null) return invalid(path, "no PEM certificate (-----BEGIN CERTIFICATE-----) found")
  for (const block of blocks) {
    try {
      new crypto.X509Certificate(block)
    } catch (error) {
      return invalid(path, `a certificate does not parse: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  return undefined
}

/**
 * `ca`: PEM text or an array of PEM texts, each holding certificates that parse.
 *
 * @internal
 */
export const checkCa: Check = (value, path) => {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) return pemCertificates(value, path)
  if (value.length === 0) return invalid(path, "the array is empty; leave the option out to trust Node's roots only")
  for (let i = 0; i < value.length; i++) {
    const problem = pemCertificates(value[i], [...path, String(i)])
    if (problem !== undefined) return problem
  }
  return undefined
}

const optionalBoolean: Check = (value, path) =>
  value === undefined || typeof value === "boolean"
    ? undefined
    : invalid(path, `expected true or false, got ${describe(value)}`)

/** `maxEventBytes`: a whole number of bytes, at least the 16 of an empty event-stream message. */
const eventBytes: Check = (value, path) =>
  value === undefined || (typeof value === "number" && Number.isSafeInteger(value) && value >= 16)
    ? undefined
    : invalid(path, `expected a whole number of bytes, 16 or more, got ${describe(value)}`)

const fn: Check = (value, path) =>
  value === undefined || typeof value === "function" ? undefined : invalid(path, "expected a function")

/** `record`: a cassette path, or the recorder's options with one. */
const record: Check = (value, path) => {
  if (value === undefined) return undefined
  const file = isRecord(value) ? value.file : value
  if (typeof file !== "string" || file.trim() === "") {
    return invalid(isRecord(value) ? [...path, "file"] : path, "expected the path of the cassette file")
  }
  if (isRecord(value) && value.existing !== undefined && value.existing !== "replace" && value.existing !== "append") {
    return invalid([...path, "existing"], `expected "replace" or "append", got ${describe(value.existing)}`)
  }
  return undefined
}

const optionChecks: ReadonlyArray<readonly [string, Check]> = [
  ["region", region],
  ["endpoint", endpoint],
  ["profile", optionalString("the profile name is empty")],
  ["credentials", credentials],
  ["apiKey", redacted(false)],
  ["connectTimeout", duration(false)],
  ["requestTimeout", duration(false)],
  ["deadline", duration(false)],
  ["retry", retry],
  ["ca", checkCa],
  ["tlsSessionResumption", optionalBoolean],
  ["warmConnection", optionalBoolean],
  ["shareStreamSessions", optionalBoolean],
  ["maxEventBytes", eventBytes],
  ["transformClientConfig", fn],
  ["record", record]
]

/**
 * The first problem with `BedrockClient.Options`, or `undefined`.
 *
 * @internal
 */
export const checkOptions = (options: unknown): ConfigError.ConfigError | undefined => {
  if (options === undefined) return undefined
  if (!isRecord(options)) return invalid([], `expected an options object, got ${describe(options)}`)
  for (const [key, check] of optionChecks) {
    const problem = check(options[key], [key])
    if (problem !== undefined) return problem
  }
  return undefined
}

/**
 * The first problem with `BedrockClient.FromClientOptions`, or `undefined`.
 *
 * @internal
 */
export const checkFromClientOptions = (options: unknown): ConfigError.ConfigError | undefined => {
  if (options === undefined) return undefined
  if (!isRecord(options)) return invalid([], `expected an options object, got ${describe(options)}`)
  const problem = retry(options.retry, ["retry"]) ?? duration(false)(options.deadline, ["deadline"])
  if (problem !== undefined) return problem
  const secrets = options.secrets
  if (secrets === undefined) return undefined
  if (!Array.isArray(secrets)) return invalid(["secrets"], "expected an array of Redacted values")
  for (let i = 0; i < secrets.length; i++) {
    const item = redacted(true)(secrets[i], ["secrets", String(i)])
    if (item !== undefined) return item
  }
  return undefined
}

/**
 * A positive duration read from `Config`: `"30 seconds"` or milliseconds (`Duration.millis` would
 * turn a negative or NaN number into zero, so those are refused first).
 *
 * @internal
 */
export const positiveDurationConfig = (name: string): Config.Config<Duration.Duration> =>
  Config.duration(name).pipe(
    Config.orElse(() =>
      Config.number(name).pipe(
        Config.validate({ message: "Expected a positive number of milliseconds", validation: (ms) => ms > 0 }),
        Config.map(Duration.millis)
      )
    ),
    Config.validate({ message: "Expected a positive duration", validation: (value) => !Duration.isZero(value) })
  )

/**
 * A string read from `Config` that must not be empty (`AWS_REGION=""`).
 *
 * @internal
 */
export const nonEmptyConfig = (name: string): Config.Config<string> =>
  Config.string(name).pipe(
    Config.validate({
      message: "Expected a non-empty value (unset it to use the default)",
      validation: (value) => value.trim() !== ""
    })
  )
