/**
 * The one check of Bedrock model settings: every problem, each with the setting's path (`temperature`,
 * `guardrailConfig.trace`, `stopSequences.0`) and, for a mistyped key, the key probably meant. Keys whose
 * value is `undefined` count as unset; an unknown key with a value is refused (it would vanish).
 *
 * Limits (from the Converse API reference): `temperature` and `topP` in [0, 1]; `maxTokens` and `topK`
 * positive integers; `stopSequences` at most 2500 non-empty strings; `additionalModelResponseFieldPaths` at
 * most 10; `additionalModelRequestFields` has a JSON form; `extraHeaders` are valid HTTP headers the client
 * does not own; `inferenceProfile` is a model id that can be a path segment.
 *
 * @since 0.1.0
 */
import type { Issue, Result } from "../request/issue.js"
import { maxResponseFieldPaths, maxStopSequences } from "../request/rules.js"
import { describe, modelIdProblem } from "../request/validate.js"
import { closest } from "../util/closest.js"
import { jsonProblem } from "../util/jsonValue.js"
import type { Settings } from "./types.js"

type Rec = Readonly<Record<string, unknown>>

const isObject = (u: unknown): u is Rec => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The names of all settings, in the order they are checked.
 *
 * @since 0.1.0
 * @category Settings
 */
export const settingKeys: ReadonlyArray<keyof Settings> = [
  "maxTokens",
  "temperature",
  "topP",
  "topK",
  "stopSequences",
  "thinking",
  "guardrailConfig",
  "performanceConfig",
  "requestMetadata",
  "additionalModelRequestFields",
  "additionalModelResponseFieldPaths",
  "promptVariables",
  "serviceTier",
  "bedrockServiceTier",
  "inferenceProfile",
  "cacheToolDefinitions",
  "cacheInstructions",
  "cacheMessages",
  "extraHeaders"
]

/**
 * The keys of the settings that are objects of fixed keys.
 *
 * @since 0.1.0
 * @category Settings
 */
export const nestedKeys: { readonly [key: string]: ReadonlyArray<string> } = {
  guardrailConfig: ["guardrailIdentifier", "guardrailVersion", "trace", "streamProcessingMode"],
  performanceConfig: ["latency"],
  bedrockServiceTier: ["type"]
}

/**
 * The values of each setting that is one of a few.
 *
 * @since 0.1.0
 * @category Settings
 */
export const literals = {
  thinking: [true, false, "minimal", "low", "medium", "high", "xhigh"],
  cache: [true, false, "5m", "1h"],
  serviceTier: ["auto", "default", "flex", "priority"],
  bedrockServiceTier: ["default", "flex", "priority", "reserved"],
  trace: ["enabled", "disabled", "enabled_full"],
  streamProcessingMode: ["sync", "async"],
  latency: ["standard", "optimized"]
} as const

// HTTP header names are tokens (RFC 9110); HTTP/2 forbids connection-specific headers, and the
// signer owns the rest of this list (overriding one breaks the request's signature).
const headerToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const reservedHeaders: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "host",
  "content-length",
  "authorization",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256"
])
// Tab, visible ASCII, and obs-text: what Node accepts in a header value.
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/

/**
 * Why `name` cannot be an extra HTTP header, or `undefined`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const headerNameProblem = (name: string): string | undefined => {
  if (!headerToken.test(name)) return `${JSON.stringify(name.slice(0, 80))} is not a valid HTTP header name`
  if (reservedHeaders.has(name.toLowerCase())) return `the header "${name}" is set by the client and cannot be replaced`
  return undefined
}

/**
 * Why `value` cannot be an HTTP header value (a line break, a control character), or `undefined`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const headerValueProblem = (value: string): string | undefined =>
  headerValue.test(value) ? undefined : "a header value may not hold line breaks or control characters"

// =============================================================================
// Walk
// =============================================================================

/** The issues of the check in progress (synchronous, calls no user code); created for the first problem. */
let found: Array<Issue> | undefined
/** Whether the input holds an unknown key set to `undefined` (the value is then a copy without it). */
let strays = false

const report = (issue: Issue): void => {
  if (found === undefined) found = [issue]
  else found.push(issue)
}

const invalid = (path: string, problem: string): void =>
  report({ path, message: `Invalid setting "${path}": ${problem}` })

const expected = (path: string, what: string, got: unknown): void =>
  invalid(path, `expected ${what}, got ${describe(got)}`)

const unknownKey = (path: string, key: string, known: ReadonlyArray<string>): void => {
  const lower = key.toLowerCase()
  // A close spelling, else a known key the given one begins (`guardrailId` -> `guardrailIdentifier`).
  const suggestion = closest(key, known) ??
    (lower.length >= 4 ? known.find((candidate) => candidate.toLowerCase().startsWith(lower)) : undefined)
  report(
    suggestion === undefined
      ? { path, message: `Unknown setting "${path}"` }
      : { path, message: `Unknown setting "${path}" (did you mean "${suggestion}"?)`, suggestion }
  )
}

const keysOf = (input: Rec): void => {
  for (const key in input) {
    const value = input[key]
    if (!(settingKeys as ReadonlyArray<string>).includes(key)) {
      if (value === undefined) strays = true
      else unknownKey(key, key, settingKeys)
      continue
    }
    const nested = nestedKeys[key]
    if (nested === undefined || !isObject(value)) continue
    for (const inner in value) {
      if (nested.includes(inner)) continue
      if (value[inner] === undefined) strays = true
      else unknownKey(`${key}.${inner}`, inner, nested)
    }
  }
}

const oneOf = (path: string, value: unknown, values: ReadonlyArray<unknown>): void => {
  if (value !== undefined && !values.includes(value)) {
    expected(path, values.map((v) => JSON.stringify(v)).join(" | "), value)
  }
}

const isFiniteNumber = (u: unknown): u is number => typeof u === "number" && Number.isFinite(u)

const unit = (path: string, value: unknown): void => {
  if (value !== undefined && !(isFiniteNumber(value) && value >= 0 && value <= 1)) {
    expected(path, "a number between 0 and 1", value)
  }
}

const positiveInt = (path: string, value: unknown): void => {
  if (value !== undefined && !(Number.isInteger(value) && (value as number) > 0)) {
    expected(path, "a positive integer", value)
  }
}

const nonEmptyStrings = (path: string, value: unknown, max: number): void => {
  if (value === undefined) return
  if (!Array.isArray(value)) return expected(path, "an array of non-empty strings", value)
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== "string" || value[i] === "") expected(`${path}.${i}`, "a non-empty string", value[i])
  }
  if (value.length > max) invalid(path, `expected at most ${max} items, got ${value.length}`)
}

/** An object of strings (`requestMetadata`), of `{ text }` (`promptVariables`) or of header values. */
const record = (path: string, value: unknown, entry: (path: string, value: unknown) => void): void => {
  if (value === undefined) return
  if (!isObject(value)) return expected(path, "an object", value)
  for (const key in value) entry(`${path}.${key}`, value[key])
}

const stringEntry = (path: string, value: unknown): void => {
  if (typeof value !== "string") expected(path, "a string", value)
}

const fixed = (path: string, value: unknown, check: (value: Rec) => void): void => {
  if (value === undefined) return
  if (!isObject(value)) return expected(path, "an object", value)
  check(value)
}

const settings = (s: Rec): void => {
  positiveInt("maxTokens", s.maxTokens)
  unit("temperature", s.temperature)
  unit("topP", s.topP)
  positiveInt("topK", s.topK)
  nonEmptyStrings("stopSequences", s.stopSequences, maxStopSequences)
  oneOf("thinking", s.thinking, literals.thinking)
  fixed("guardrailConfig", s.guardrailConfig, (g) => {
    if (g.guardrailIdentifier !== undefined) stringEntry("guardrailConfig.guardrailIdentifier", g.guardrailIdentifier)
    if (g.guardrailVersion !== undefined) stringEntry("guardrailConfig.guardrailVersion", g.guardrailVersion)
    oneOf("guardrailConfig.trace", g.trace, literals.trace)
    oneOf("guardrailConfig.streamProcessingMode", g.streamProcessingMode, literals.streamProcessingMode)
  })
  fixed("performanceConfig", s.performanceConfig, (p) => {
    if (p.latency === undefined) expected("performanceConfig.latency", "\"standard\" | \"optimized\"", undefined)
    else oneOf("performanceConfig.latency", p.latency, literals.latency)
  })
  record("requestMetadata", s.requestMetadata, stringEntry)
  const fields = s.additionalModelRequestFields
  if (fields !== undefined) {
    if (!isObject(fields)) expected("additionalModelRequestFields", "an object", fields)
    else {
      // Sent as JSON: a BigInt or a cycle would throw in the SDK, after the request was counted.
      const problem = jsonProblem(fields)
      if (problem !== undefined) {
        const path = `additionalModelRequestFields${problem.path}`
        report({ path, message: `Invalid setting "${path}": ${problem.message}` })
      }
    }
  }
  nonEmptyStrings("additionalModelResponseFieldPaths", s.additionalModelResponseFieldPaths, maxResponseFieldPaths)
  record("promptVariables", s.promptVariables, (path, value) => {
    if (!isObject(value)) expected(path, "{ text }", value)
    else stringEntry(`${path}.text`, value.text)
  })
  oneOf("serviceTier", s.serviceTier, literals.serviceTier)
  fixed("bedrockServiceTier", s.bedrockServiceTier, (t) => {
    if (t.type === undefined) expected("bedrockServiceTier.type", "a service tier", undefined)
    else oneOf("bedrockServiceTier.type", t.type, literals.bedrockServiceTier)
  })
  if (s.inferenceProfile !== undefined) {
    const problem = modelIdProblem(s.inferenceProfile)
    if (problem !== undefined) invalid("inferenceProfile", problem)
  }
  oneOf("cacheToolDefinitions", s.cacheToolDefinitions, literals.cache)
  oneOf("cacheInstructions", s.cacheInstructions, literals.cache)
  oneOf("cacheMessages", s.cacheMessages, literals.cache)
  record("extraHeaders", s.extraHeaders, (path, value) => {
    const name = path.slice("extraHeaders.".length)
    const problem = headerNameProblem(name)
    if (problem !== undefined) invalid(path, problem)
    else if (typeof value !== "string") expected(path, "a string", value)
    else {
      const valueProblem = headerValueProblem(value)
      if (valueProblem !== undefined) invalid(path, valueProblem)
    }
  })
}

/** `input` without the unknown keys set to `undefined` (top level and nested). */
const withoutStrays = (input: Rec): Settings => {
  const out: Record<string, unknown> = {}
  for (const key in input) {
    if (!(settingKeys as ReadonlyArray<string>).includes(key)) continue
    const value = input[key]
    const nested = nestedKeys[key]
    if (nested !== undefined && isObject(value)) {
      const inner: Record<string, unknown> = {}
      for (const k in value) if (nested.includes(k)) inner[k] = value[k]
      out[key] = inner
    } else out[key] = value
  }
  return out as Settings
}

const empty: Settings = Object.freeze({})

/**
 * Every problem with settings, or `undefined`.
 *
 * @since 0.1.0
 * @category Checks
 */
export const settingsIssues = (input: unknown): ReadonlyArray<Issue> | undefined => {
  const result = validateSettings(input)
  return result.ok ? undefined : result.issues
}

/**
 * The settings, or every problem with them: unknown keys first (in the input's order), then each setting in
 * the order of `settingKeys`. `undefined` and `null` are no settings. The value is `input` itself, unless it
 * held unknown keys set to `undefined` (then a copy without them).
 *
 * @since 0.1.0
 * @category Checks
 */
export const validateSettings = (input: unknown): Result<Settings> => {
  if (input === undefined || input === null) return { ok: true, value: empty }
  if (!isObject(input)) return { ok: false, issues: [{ path: "", message: "Settings must be an object" }] }
  found = undefined
  strays = false
  try {
    keysOf(input)
    settings(input)
    if (found !== undefined) return { ok: false, issues: found }
    return { ok: true, value: strays ? withoutStrays(input) : input as Settings }
  } finally {
    found = undefined
  }
}
