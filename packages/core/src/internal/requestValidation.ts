/**
 * Checks a `LanguageModel.Request` from any caller (a JavaScript one may pass anything) against
 * the project's Schemas (`LanguageModel.Request`, `Prompt`'s), so what the mapping receives is
 * well formed: a bad value is an issue naming the field, never a `TypeError` thrown by the
 * mapping, nor a request quietly sent as something else. The usual request (a text prompt and
 * settings) passes a few `typeof` checks and never reaches the Schemas.
 *
 * Also the model id check (`""`, `"."` and `".."` would be sent as path segments of the URL).
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as LanguageModel from "../LanguageModel.js"
import * as Prompt from "../Prompt.js"

/** @internal */
export interface Issue {
  readonly message: string
  readonly path?: string | undefined
}

const describe = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (typeof u === "string") return JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}...` : u)
  if (typeof u === "number" || typeof u === "boolean") return String(u)
  return typeof u
}

const formatPath = (base: string, path: ReadonlyArray<PropertyKey>): string => {
  let out = base
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`
  return out
}

const firstIssue = (error: ParseResult.ParseError, base: string): Issue => {
  const [first] = ParseResult.ArrayFormatter.formatErrorSync(error)
  if (first === undefined) return { message: ParseResult.TreeFormatter.formatErrorSync(error), path: base }
  const path = formatPath(base, first.path)
  return { message: `Invalid request field "${path}": ${first.message}`, path }
}

const options = { errors: "first" } as const
const validateMessages = Schema.validateEither(Schema.Array(Prompt.Message), options)
const validatePrompt = Schema.validateEither(Prompt.Prompt, options)
const validateMessage = Schema.validateEither(Prompt.Message, options)
const validateRest = Schema.validateEither(Schema.Struct({ ...LanguageModel.Request.fields, prompt: Schema.Unknown }), options)

const emptyPrompt: Issue = {
  message: "The prompt is empty: give a text or at least one message",
  path: "prompt"
}

const checkPrompt = (prompt: unknown): Issue | undefined => {
  if (typeof prompt === "string") return prompt.trim() === "" ? emptyPrompt : undefined
  if (Array.isArray(prompt)) {
    if (prompt.length === 0) return emptyPrompt
    const result = validateMessages(prompt)
    return Either.isLeft(result) ? firstIssue(result.left, "prompt") : undefined
  }
  if (typeof prompt === "object" && prompt !== null) {
    if ("messages" in prompt) {
      const result = validatePrompt(prompt)
      if (Either.isLeft(result)) return firstIssue(result.left, "prompt")
      return result.right.messages.length === 0 ? emptyPrompt : undefined
    }
    if ("_tag" in prompt) {
      const result = validateMessage(prompt)
      return Either.isLeft(result) ? firstIssue(result.left, "prompt") : undefined
    }
  }
  return {
    message: prompt === undefined
      ? "The request has no prompt"
      : `The prompt must be a text, a message, an array of messages or a Prompt ({ messages }), got ${
        describe(prompt)
      }`,
    path: "prompt"
  }
}

/**
 * The first problem with a request, or `undefined` when it is well formed.
 *
 * @internal
 */
export const checkRequest = (request: unknown): Issue | undefined => {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return { message: `A request must be an object ({ prompt, ... }), got ${describe(request)}` }
  }
  const r = request as LanguageModel.Request
  const promptIssue = checkPrompt(r.prompt)
  if (promptIssue !== undefined) return promptIssue
  // The usual request: nothing else to look at with a Schema.
  if (
    r.tools === undefined && r.toolChoice === undefined && r.output === undefined && r.nativeTools === undefined &&
    (r.instructions === undefined || typeof r.instructions === "string")
  ) return undefined
  const result = validateRest(request)
  return Either.isLeft(result) ? firstIssue(result.left, "") : undefined
}

/**
 * Why a model id (or inference profile) cannot be sent, or `undefined`: it becomes a path segment
 * of the request URL, so `""`, `"."` and `".."` would address another resource.
 *
 * @internal
 */
export const modelIdProblem = (modelId: unknown): string | undefined => {
  if (typeof modelId !== "string") return `Expected a model id (a string), got ${describe(modelId)}`
  if (modelId.trim() === "" || modelId === "." || modelId === "..") {
    return `Invalid model id ${describe(modelId)}: give a model id (amazon.nova-pro-v1:0), an inference profile id ` +
      "(us.anthropic.claude-...) or an ARN"
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(modelId)) return `Invalid model id ${describe(modelId)}: it contains whitespace`
  if (modelId.length > 2048) return "Invalid model id: longer than 2048 characters"
  return undefined
}
