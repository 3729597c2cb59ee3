/**
 * Scripts from JSON, for the standalone server (`--scripts file.json`): an array of
 * `LocalBedrockScript.Script` values as `JSON.stringify` writes them, e.g.
 * `[{ "_tag": "Failure", "name": "ThrottlingException" }, { "_tag": "Json", "body": { ... } }]`.
 * Fields the constructors default (a failure's message and status, a generated stream's text, an
 * exception's message) may be left out. Each entry is checked, and a bad one is named by its path.
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import * as errors from "./errors.js"
import { isObject, type Json } from "./json.js"
import * as builders from "./scriptBuilders.js"

const OPERATIONS: ReadonlyArray<string> = ["converse", "converse-stream", "count-tokens"]

const fail = (path: string, expected: string): never => {
  throw new Error(`${path}: expected ${expected}`)
}

const optional = <A>(
  o: Json,
  key: string,
  path: string,
  check: (u: unknown) => u is A,
  expected: string
): A | undefined => o[key] === undefined ? undefined : check(o[key]) ? o[key] : fail(`${path}.${key}`, expected)

const required = <A>(o: Json, key: string, path: string, check: (u: unknown) => u is A, expected: string): A =>
  check(o[key]) ? o[key] : fail(`${path}.${key}`, expected)

const isString = (u: unknown): u is string => typeof u === "string"
const isCount = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0
const isStatus = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 100 && u <= 599
const isOperation = (u: unknown): u is Script.Operation => typeof u === "string" && OPERATIONS.includes(u)
const isHeaders = (u: unknown): u is Record<string, string> => isObject(u) && Object.values(u).every(isString)

const filterOf = (o: Json, path: string): Script.Filter => ({
  operation: optional(o, "operation", path, isOperation, `one of ${OPERATIONS.join(", ")}`),
  modelId: optional(o, "modelId", path, isString, "a string")
})

const entryOf = (u: unknown, path: string): Script.StreamEntry => {
  if (!isObject(u)) return fail(path, "an object")
  switch (u._tag) {
    case "Event":
      return builders.event(required(u, "eventType", path, isString, "a string"), u.payload, {
        padding: optional(u, "padding", path, (v): v is boolean => typeof v === "boolean", "a boolean")
      })
    case "Exception":
      return builders.exception(
        required(u, "exceptionType", path, isString, "a string"),
        optional(u, "message", path, isString, "a string")
      )
    case "Raw":
      return builders.raw(
        required(u, "headers", path, isHeaders, "an object of strings"),
        required(u, "body", path, isString, "a string")
      )
    default:
      return fail(`${path}._tag`, "Event, Exception or Raw")
  }
}

const faultOf = (u: unknown, path: string): Script.Fault => {
  if (!isObject(u)) return fail(path, "an object")
  const after = required(u, "after", path, isCount, "a count")
  switch (u._tag) {
    case "ExceptionEvent":
      return builders.exceptionAfter(
        after,
        required(u, "exceptionType", path, isString, "a string"),
        optional(u, "message", path, isString, "a string")
      )
    case "Reset":
      return builders.resetAfter(after)
    case "Truncate":
      return builders.truncateAfter(after)
    case "BadCrc":
      return builders.badCrcAfter(after)
    case "Hang":
      return builders.hangAfter(after)
    default:
      return fail(`${path}._tag`, "ExceptionEvent, Reset, Truncate, BadCrc or Hang")
  }
}

const timingOf = (o: Json, path: string): Script.StreamTiming => ({
  delayFirstMs: optional(o, "delayFirstMs", path, isCount, "milliseconds"),
  delayBetweenMs: optional(o, "delayBetweenMs", path, isCount, "milliseconds"),
  fault: o.fault === undefined ? undefined : faultOf(o.fault, `${path}.fault`)
})

const scriptOf = (u: unknown, path: string): Script.Script => {
  if (!isObject(u)) return fail(path, "an object")
  const filter = filterOf(u, path)
  const delayMs = optional(u, "delayMs", path, isCount, "milliseconds")
  switch (u._tag) {
    case "Json":
      if (!("body" in u)) return fail(`${path}.body`, "a JSON body")
      return builders.json(u.body, {
        ...filter,
        delayMs,
        status: optional(u, "status", path, isStatus, "an HTTP status")
      })
    case "Failure": {
      const name = required(u, "name", path, isString, "an exception name")
      const message = optional(u, "message", path, isString, "a string")
      const status = optional(u, "status", path, isStatus, "an HTTP status")
      return errors.isExceptionName(name)
        ? builders.failure(name, { ...filter, delayMs, message, status })
        : {
          _tag: "Failure",
          ...filter,
          name,
          message: message ?? `Local Bedrock ${name}`,
          status: status ?? 400,
          delayMs
        }
    }
    case "Stream": {
      if (u.events !== undefined && !Array.isArray(u.events)) return fail(`${path}.events`, "an array")
      const events = u.events?.map((e: unknown, i: number) => entryOf(e, `${path}.events[${i}]`))
      return builders.stream(events, { modelId: filter.modelId, ...timingOf(u, path) })
    }
    case "Generated":
      return builders.generated({
        modelId: filter.modelId,
        ...timingOf(u, path),
        deltas: required(u, "deltas", path, isCount, "a count"),
        text: optional(u, "text", path, isString, "a string"),
        pauseAfterFirstMs: optional(u, "pauseAfterFirstMs", path, isCount, "milliseconds")
      })
    case "Hang":
      return builders.hang(filter)
    case "Reset":
      return builders.reset({ ...filter, delayMs })
    case "Delayed":
      return builders.delayed(required(u, "delayMs", path, isCount, "milliseconds"), filter)
    default:
      return fail(`${path}._tag`, "Json, Failure, Stream, Generated, Hang, Reset or Delayed")
  }
}

/**
 * The scripts in a parsed JSON document (an array of scripts); throws an `Error` naming the first
 * bad entry.
 *
 * @internal
 */
export const parse = (document: unknown): Array<Script.Script> =>
  Array.isArray(document)
    ? document.map((u, i) => scriptOf(u, `scripts[${i}]`))
    : fail("scripts", "an array of scripts")
