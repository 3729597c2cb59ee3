/**
 * What the tool loop guards against, from callers and handlers that break the types (JavaScript,
 * or `any`): options that are not whole numbers, a bad prompt, handlers that throw or return a
 * Promise, results with no JSON form or over `maxResultBytes`. Each becomes a typed failure.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as LanguageModel from "../../LanguageModel.js"
import type * as Prompt from "../../Prompt.js"
import * as Tool from "../../Tool.js"
import type * as Toolkit from "../../Toolkit.js"
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
 * What is wrong with a tool's (encoded) result:
 *
 * - `invalid`: it has no JSON form (a BigInt, a cycle, a bare function or symbol): a bug in the
 *   tool, `Tool.InvalidResultError`;
 * - `lossy`: JSON would silently turn it into something else (`undefined` into an empty result,
 *   `NaN` and `Infinity` into `null`, a `Map` or `Set` into `{}`);
 * - `tooLarge`: its JSON text is over `maxBytes`.
 *
 * The last two go back to the model as an error result naming the tool; `undefined` is fine for
 * a tool whose `success` Schema is `Schema.Void` (or `Schema.Undefined`): it declares no result.
 *
 * @internal
 */
export type ResultProblem =
  | { readonly _tag: "invalid"; readonly message: string; readonly cause?: unknown }
  | { readonly _tag: "lossy"; readonly message: string }
  | { readonly _tag: "tooLarge"; readonly bytes: number; readonly maxBytes: number }

/**
 * Why a tool's encoded result cannot be sent as it is, or `undefined` when it can.
 *
 * @internal
 */
export const resultProblem = (
  value: unknown,
  maxBytes: number,
  declaresNoResult = false
): ResultProblem | undefined => {
  switch (typeof value) {
    case "string":
      // At most 3 bytes of UTF-8 per UTF-16 unit: count exactly only near the limit.
      return value.length * 3 > maxBytes ? sizeProblem(Buffer.byteLength(value), maxBytes) : undefined
    case "number":
      return Number.isFinite(value) ? undefined : { _tag: "lossy", message: `${value} has no JSON form` }
    case "boolean":
      return undefined
    case "undefined":
      return declaresNoResult ? undefined : {
        _tag: "lossy",
        message: "the handler returned undefined (give the tool success: Schema.Void if it returns nothing)"
      }
    case "bigint":
    case "function":
    case "symbol":
      return { _tag: "invalid", message: `a ${typeof value} has no JSON form` }
  }
  // JSON.stringify is what the request mapping does later: it throws on a nested bigint or a
  // cycle, and turns nested non-finite numbers into null and Maps and Sets into {}.
  let lossy: string | undefined
  const replacer = (_key: string, item: unknown) => {
    if (lossy === undefined) {
      if (typeof item === "number" && !Number.isFinite(item)) lossy = `it holds ${item}, which has no JSON form`
      else if (item instanceof Map || item instanceof Set) {
        lossy = `it holds a ${item instanceof Map ? "Map" : "Set"}, sent as {} (convert it to an object or array)`
      }
    }
    return item
  }
  let json: string | undefined
  try {
    json = JSON.stringify(value, replacer)
  } catch (cause) {
    return { _tag: "invalid", message: cause instanceof globalThis.Error ? cause.message : String(cause), cause }
  }
  if (json === undefined) return { _tag: "invalid", message: "the value has no JSON form" }
  if (lossy !== undefined) return { _tag: "lossy", message: lossy }
  return json.length * 3 > maxBytes ? sizeProblem(Buffer.byteLength(json), maxBytes) : undefined
}

const sizeProblem = (bytes: number, maxBytes: number): ResultProblem | undefined =>
  bytes > maxBytes ? { _tag: "tooLarge", bytes, maxBytes } : undefined

/**
 * A handler's defect, wrapped so its message names the tool and the call (the original is its
 * `cause`); it stays a defect (`Cause.isDie`).
 *
 * @internal
 */
export const annotateDefect =
  (call: Prompt.ToolCallPart) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.catchAllDefect(effect, (defect) =>
      Effect.die(
        defect instanceof Tool.HandlerDefect ? defect : new Tool.HandlerDefect({
          toolName: call.name,
          toolCallId: call.id,
          message: `Tool "${call.name}" (call ${call.id}) died: ${
            defect instanceof globalThis.Error ? defect.message : String(defect)
          }`,
          cause: defect
        })
      )).pipe(Effect.annotateLogs({ "gen_ai.tool.name": call.name, "gen_ai.tool.call.id": call.id }))

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
