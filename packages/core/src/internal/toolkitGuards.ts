/**
 * What the tool loop guards against, from callers and handlers that break the types (JavaScript,
 * or `any`): options that are not whole numbers, a bad prompt, handlers that throw or return a
 * Promise, results with no JSON form or over `maxResultBytes`. Each becomes a typed failure.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as LanguageModel from "../LanguageModel.js"
import type * as Prompt from "../Prompt.js"
import * as Tool from "../Tool.js"
import type * as Toolkit from "../Toolkit.js"
import { checkRequest, requestKeys, unknownKey } from "./requestValidation.js"

// The keys of `Toolkit.Options`: a request's (its tools come from the toolkit) and the loop's.
const optionKeys: ReadonlyArray<string> = [
  ...requestKeys.filter((key) => key !== "tools"),
  "maxSteps",
  "concurrency",
  "maxResultBytes",
  "usageLimits"
]

/**
 * Why a value cannot be sent (no JSON form, or more than `maxBytes` of it), or `undefined` when
 * it can (`undefined` itself is sent as an empty result).
 *
 * @internal
 */
export const jsonProblem = (
  value: unknown,
  maxBytes: number
): { readonly message: string; readonly cause?: unknown } | undefined => {
  switch (typeof value) {
    case "string":
      // At most 3 bytes of UTF-8 per UTF-16 unit: count exactly only near the limit.
      return value.length * 3 > maxBytes ? sizeProblem(Buffer.byteLength(value), maxBytes) : undefined
    case "number":
    case "boolean":
    case "undefined":
      return undefined
    case "bigint":
    case "function":
    case "symbol":
      return { message: `a ${typeof value} has no JSON form` }
  }
  // JSON.stringify is what the request mapping does later: it throws on a
  // nested bigint or a cycle, and drops nested functions and symbols.
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (cause) {
    return { message: cause instanceof globalThis.Error ? cause.message : String(cause), cause }
  }
  if (json === undefined) return { message: "the value has no JSON form" }
  return json.length * 3 > maxBytes ? sizeProblem(Buffer.byteLength(json), maxBytes) : undefined
}

const sizeProblem = (bytes: number, maxBytes: number) =>
  bytes > maxBytes
    ? { message: `it is ${bytes} bytes as sent, more than the ${maxBytes} allowed (Toolkit option maxResultBytes)` }
    : undefined

/**
 * Runs a handler, turning what a JavaScript handler may do wrong (throw, return a Promise or a
 * plain value) into a typed failure instead of a defect.
 *
 * @internal
 */
export const runHandler = (
  tool: Tool.Any,
  call: Prompt.ToolCallPart,
  params: unknown
): Effect.Effect<unknown, unknown, unknown> => {
  const invalid = (message: string, cause?: unknown) =>
    Effect.fail(
      new Tool.InvalidResultError({
        toolName: call.name,
        toolCallId: call.id,
        message: `Tool "${call.name}": ${message}`,
        ...(cause !== undefined ? { cause } : {})
      })
    )
  let result: unknown
  try {
    result = tool.handler(params)
  } catch (cause) {
    const text = cause instanceof globalThis.Error ? cause.message : String(cause)
    return invalid(`the handler threw instead of returning an Effect: ${text}`, cause)
  }
  if (Effect.isEffect(result)) return result
  const what = typeof (result as { then?: unknown } | null)?.then === "function" ? "a Promise" : typeof result
  return invalid(
    `the handler returned ${what}, not an Effect (wrap a Promise with Effect.tryPromise, a value with Effect.succeed)`
  )
}

const isWhole = (n: unknown): boolean => typeof n === "number" && Number.isSafeInteger(n) && n >= 1

/**
 * Options a JavaScript caller may get wrong (`maxSteps: NaN` would lift the step limit).
 *
 * @internal
 */
export const optionsProblem = (
  options: Toolkit.Options,
  operation: string
): LanguageModel.InvalidRequestError | undefined => {
  const invalid = (message: string, field?: string) =>
    new LanguageModel.InvalidRequestError({ message, operation, ...(field !== undefined ? { field } : {}) })
  if (typeof options !== "object" || options === null) return invalid("Expected options ({ prompt, ... })")
  if (options.maxSteps !== undefined && !isWhole(options.maxSteps)) {
    return invalid(`maxSteps must be a whole number, at least 1, got ${String(options.maxSteps)}`, "maxSteps")
  }
  const concurrency = options.concurrency
  if (concurrency !== undefined && concurrency !== "unbounded" && !isWhole(concurrency)) {
    return invalid(
      `concurrency must be "unbounded" or a whole number, at least 1, got ${String(concurrency)}`,
      "concurrency"
    )
  }
  if (options.maxResultBytes !== undefined && !isWhole(options.maxResultBytes)) {
    return invalid(
      `maxResultBytes must be a whole number, at least 1, got ${String(options.maxResultBytes)}`,
      "maxResultBytes"
    )
  }
  const keyIssue = unknownKey(options as unknown as Readonly<Record<string, unknown>>, optionKeys, "option")
  if (keyIssue !== undefined) {
    return invalid(
      keyIssue.path !== "tools" ? keyIssue.message : `${keyIssue.message}; the tools come from the toolkit`,
      keyIssue.path
    )
  }
  const issue = checkRequest({ prompt: options.prompt })
  return issue === undefined ? undefined : invalid(issue.message, issue.path)
}
