/**
 * The plain parts of structured output: whether a schema's root is an object (any other root is asked for
 * wrapped as the `unwrapKey` property of an object), the wrapped answer's value, and the answer's JSON read
 * from a response (the whole text, Markdown fences tolerated, or else the last text part), with the feedback
 * a model gets when it is not JSON.
 *
 * @since 0.1.0
 */
import { text } from "../response/helpers.js"
import type { Response } from "../response/types.js"

/**
 * Why an answer was not accepted: what the model is told, the raw text, and the underlying error.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Rejection {
  readonly feedback: string
  readonly text: string
  readonly cause: unknown
}

/**
 * Whether an output schema's root is an object. Any other root (a string, an array, a union, a `$ref`) is
 * asked for wrapped, as the `unwrapKey` property of an object (pydantic-ai's `outer_typed_dict_key`): tool
 * inputs and JSON-schema output must be objects.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const isObjectSchema = (schema: object): boolean => (schema as Record<string, unknown>).type === "object"

/**
 * The key a non-object answer is wrapped in.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const unwrapKey = "response"

/**
 * What `wrappedValue` returns when the answer is not a wrapped one.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const noValue: unique symbol = Symbol.for("@effect-bedrock/core/structuredOutput/noValue")

/**
 * The value of an answer wrapped as `{ "response": value }` (the key alone) for a schema whose root is not an
 * object, else `noValue`.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const wrappedValue = (schema: object, json: unknown): unknown => {
  if (isObjectSchema(schema) || typeof json !== "object" || json === null || Array.isArray(json)) return noValue
  const keys = Object.keys(json)
  return keys.length === 1 && keys[0] === unwrapKey ? (json as Record<string, unknown>)[unwrapKey] : noValue
}

const FENCED = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/

type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown }

const parse = (text: string): Parsed => {
  const trimmed = text.trim()
  const fenced = FENCED.exec(trimmed)
  try {
    return { ok: true, value: JSON.parse(fenced === null ? trimmed : fenced[1]!) }
  } catch (error) {
    return { ok: false, error }
  }
}

/**
 * The answer's JSON, or why it is not one.
 *
 * @since 0.1.0
 * @category Models
 */
export type AnswerJson = { readonly ok: true; readonly value: unknown } | {
  readonly ok: false
  readonly rejection: Rejection
}

/**
 * The answer's JSON: the whole text, or else the last text part (a model may write a sentence before calling
 * the output tool).
 *
 * @since 0.1.0
 * @category Answers
 */
export const answerJson = (response: Response): AnswerJson => {
  const all = text(response)
  if (all.trim() === "") {
    return {
      ok: false,
      rejection: {
        feedback: "Your answer has no text. Answer with the JSON value only.",
        text: all,
        cause: new Error("The answer has no text")
      }
    }
  }
  const whole = parse(all)
  if (whole.ok) return whole
  const texts = response.parts.filter((part) => part._tag === "Text")
  if (texts.length > 1) {
    const last = parse((texts[texts.length - 1] as { readonly text: string }).text)
    if (last.ok) return last
  }
  const reason = whole.error instanceof Error ? whole.error.message : String(whole.error)
  return {
    ok: false,
    rejection: {
      feedback: `Your answer is not valid JSON (${reason}). Answer with the JSON value only, no other text.`,
      text: all,
      cause: whole.error
    }
  }
}

/**
 * A response whose answer is `{ "response": value }` with `value`'s JSON as its text (the first text part keeps
 * it, the other text parts go), as the tool mode's answer is. Any other response is returned as it is.
 *
 * @since 0.1.0
 * @category Answers
 */
export const unwrapResponse = (response: Response): Response => {
  const json = answerJson(response)
  if (!json.ok) return response
  const value = json.value
  if (typeof value !== "object" || value === null || Array.isArray(value)) return response
  const keys = Object.keys(value)
  if (keys.length !== 1 || keys[0] !== unwrapKey) return response
  const answer = JSON.stringify((value as Record<string, unknown>)[unwrapKey])
  if (answer === undefined) return response
  const parts: Array<Response["parts"][number]> = []
  let placed = false
  for (const part of response.parts) {
    if (part._tag !== "Text") parts.push(part)
    else if (!placed) {
      parts.push({ _tag: "Text", text: answer })
      placed = true
    }
  }
  return { ...response, parts }
}

/**
 * The message of the final failure.
 *
 * @since 0.1.0
 * @category Answers
 */
export const failureMessage = (rejection: Rejection, attempts: number): string =>
  `The model's answer did not decode after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${rejection.feedback}`
