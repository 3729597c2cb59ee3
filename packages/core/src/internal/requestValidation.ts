/**
 * Checks a `LanguageModel.Request` from any caller (a JavaScript one may pass anything) against
 * the project's Schemas (`LanguageModel.Request`, `Prompt`'s), so what the mapping receives is
 * well formed: a bad value is an issue naming the field, never a `TypeError` thrown by the
 * mapping, nor a request quietly sent as something else.
 *
 * Effect Schemas take about 8 µs per message and per tool to validate, far more than the whole
 * mapping (about 7 µs for 200 messages and 50 tools), so a well-formed request is recognised by
 * plain checks (`wellFormed`, the same rules as the Schemas, written out) and only a request that
 * fails them goes through the Schemas, which say what is wrong and where.
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
import { closest } from "./closest.js"
import { jsonProblem } from "./jsonValue.js"

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
const validateRest = Schema.validateEither(
  Schema.Struct({ ...LanguageModel.Request.fields, prompt: Schema.Unknown }),
  options
)

// =============================================================================
// Fast guard: the Schemas' rules as plain checks
// =============================================================================

type Rec = Readonly<Record<string, unknown>>

const isObject = (u: unknown): u is Rec => typeof u === "object" && u !== null && !Array.isArray(u)
const isString = (u: unknown): u is string => typeof u === "string"
const optionalString = (u: unknown): boolean => u === undefined || typeof u === "string"

const isToolName = (u: unknown): boolean => {
  if (typeof u !== "string" || u.length === 0 || u.length > 64) return false
  for (let i = 0; i < u.length; i++) {
    const c = u.charCodeAt(i)
    // 0-9, A-Z, a-z, "_", "-"
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45)) return false
  }
  return true
}

// `Prompt.DocumentName`'s rules.
const optionalDocumentName = (u: unknown): boolean =>
  u === undefined || (typeof u === "string" && /^[a-zA-Z0-9\s\-()[\]]{1,200}$/.test(u) && !/\s\s/.test(u))

const isFilePart = (p: Rec): boolean => {
  const source = p.source
  if (!isString(p.mediaType) || !optionalString(p.name) || !optionalDocumentName(p.documentName)) return false
  if (!isObject(source)) return false
  return source._tag === "Bytes" ? source.data instanceof Uint8Array : source._tag === "Url" && isString(source.url)
}

const isUserPart = (p: unknown): boolean => {
  if (!isObject(p)) return false
  switch (p._tag) {
    case "Text":
      return isString(p.text)
    case "File":
      return isFilePart(p)
    case "CachePoint":
      return p.ttl === undefined || p.ttl === "5m" || p.ttl === "1h"
  }
  return false
}

const isAssistantPart = (p: unknown): boolean => {
  if (!isObject(p)) return false
  switch (p._tag) {
    case "Text":
      return isString(p.text)
    case "ToolCall":
      return isString(p.id) && isString(p.name)
    case "NativeToolCall":
      return isString(p.id) && isString(p.name) && optionalString(p.provider)
    case "NativeToolResult":
      return isString(p.id) && isString(p.name) && optionalString(p.status) && optionalString(p.provider)
    case "Thinking":
      return isString(p.text) && optionalString(p.signature) && optionalString(p.provider) &&
        (p.redacted === undefined || p.redacted instanceof Uint8Array)
  }
  return false
}

const isToolPart = (p: unknown): boolean => {
  if (!isObject(p)) return false
  switch (p._tag) {
    case "ToolResult": {
      const files = p.files
      return isString(p.id) && optionalString(p.name) && typeof p.isError === "boolean" &&
        (files === undefined ||
          (Array.isArray(files) && files.every((f) => isObject(f) && f._tag === "File" && isFilePart(f))))
    }
    case "Retry":
      return isString(p.message) && optionalString(p.toolCallId) && optionalString(p.toolName)
  }
  return false
}

const allOf = (parts: unknown, check: (part: unknown) => boolean): boolean => {
  if (!Array.isArray(parts)) return false
  for (let i = 0; i < parts.length; i++) if (!check(parts[i])) return false
  return true
}

const isMessage = (m: unknown): boolean => {
  if (!isObject(m)) return false
  switch (m._tag) {
    case "System":
      return isString(m.content)
    case "User":
      return allOf(m.parts, isUserPart)
    case "Assistant":
      return allOf(m.parts, isAssistantPart)
    case "Tool":
      return allOf(m.parts, isToolPart)
  }
  return false
}

const isToolDefinition = (t: unknown): boolean =>
  isObject(t) && isToolName(t.name) && optionalString(t.description) && isObject(t.parameters) &&
  (t.strict === undefined || typeof t.strict === "boolean")

const isInstruction = (u: unknown): boolean =>
  typeof u === "string" ||
  (isObject(u) && isString(u.text) && (u.dynamic === undefined || typeof u.dynamic === "boolean"))

const isNames = (u: unknown): boolean => allOf(u, isString)

/** Whether the request fields other than the prompt are well formed. */
const restWellFormed = (r: Rec): boolean => {
  const { instructions, nativeTools, output, settings, toolChoice, tools } = r
  return (instructions === undefined || typeof instructions === "string" || allOf(instructions, isInstruction)) &&
    (tools === undefined || allOf(tools, isToolDefinition)) &&
    (nativeTools === undefined || allOf(nativeTools, (tool) => tool === "codeExecution")) &&
    (toolChoice === undefined || toolChoice === "auto" || toolChoice === "required" || toolChoice === "none" ||
      (isObject(toolChoice) &&
        (isString(toolChoice.tool) || isNames(toolChoice.tools) || isNames(toolChoice.toolOrOutput)))) &&
    (output === undefined ||
      (isObject(output) && optionalString(output.name) &&
        optionalString(output.description) && isObject(output.schema) &&
        (output.mode === undefined || output.mode === "auto" || output.mode === "tool" || output.mode === "native" ||
          output.mode === "prompted"))) &&
    (settings === undefined || isObject(settings))
}

// =============================================================================
// Checks
// =============================================================================

const emptyPrompt: Issue = {
  message: "The prompt is empty: give a text, at least one message, or instructions",
  path: "prompt"
}

/**
 * Whether the request has instructions with some text. With them an empty prompt is fine: the
 * conversation is then the instructions alone, and the mapping sends the user turn `.` Converse
 * needs (as pydantic-ai does).
 */
const hasInstructions = (instructions: unknown): boolean => {
  if (typeof instructions === "string") return instructions.trim() !== ""
  if (!Array.isArray(instructions)) return false
  for (const instruction of instructions) {
    const text = typeof instruction === "string" ? instruction : isObject(instruction) ? instruction.text : undefined
    if (typeof text === "string" && text.trim() !== "") return true
  }
  return false
}

const checkPrompt = (prompt: unknown, instructed: boolean): Issue | undefined => {
  if (typeof prompt === "string") return prompt.trim() === "" && !instructed ? emptyPrompt : undefined
  if (Array.isArray(prompt)) {
    if (prompt.length === 0) return instructed ? undefined : emptyPrompt
    if (allOf(prompt, isMessage)) return undefined
    const result = validateMessages(prompt)
    return Either.isLeft(result) ? firstIssue(result.left, "prompt") : undefined
  }
  if (typeof prompt === "object" && prompt !== null) {
    if ("messages" in prompt) {
      const messages = (prompt as Rec).messages
      if (Array.isArray(messages) && messages.length === 0) return instructed ? undefined : emptyPrompt
      if (allOf(messages, isMessage)) return undefined
      const result = validatePrompt(prompt)
      return Either.isLeft(result) ? firstIssue(result.left, "prompt") : undefined
    }
    if ("_tag" in prompt) {
      if (isMessage(prompt)) return undefined
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
 * The keys of a `LanguageModel.Request`.
 *
 * @internal
 */
export const requestKeys: ReadonlyArray<string> = Object.keys(LanguageModel.Request.fields)

/**
 * A key of `object` that is not one of `known` (and not `undefined`): it would be dropped
 * silently, so it is an issue, with the closest known key as a suggestion.
 *
 * @internal
 */
export const unknownKey = (object: Rec, known: ReadonlyArray<string>, what: string): Issue | undefined => {
  for (const key in object) {
    if (object[key] === undefined || known.includes(key)) continue
    const suggestion = closest(key, known)
    return {
      message: `Unknown ${what} key "${key}"` +
        (suggestion === undefined ? ` (known keys: ${known.join(", ")})` : ` (did you mean "${suggestion}"?)`),
      path: key
    }
  }
  return undefined
}

const jsonIssue = (value: unknown, path: string, prefix = ""): Issue | undefined => {
  const problem = jsonProblem(value)
  return problem === undefined ? undefined : {
    message: `Invalid request field "${path}${problem.path}": ${prefix}${problem.message}`,
    path
  }
}

/** What a message holds that has no JSON form: a tool call's input, a tool result. */
const messageJsonIssue = (message: Rec, base: string): Issue | undefined => {
  if (message._tag !== "Assistant" && message._tag !== "Tool") return undefined
  const parts = message.parts as ReadonlyArray<Rec>
  for (let j = 0; j < parts.length; j++) {
    const part = parts[j]!
    const issue = part._tag === "ToolCall"
      ? jsonIssue(part.input, `${base}.parts[${j}].input`)
      : part._tag === "ToolResult"
      ? jsonIssue(part.result, `${base}.parts[${j}].result`)
      : undefined
    if (issue !== undefined) return issue
  }
  return undefined
}

const promptJsonIssue = (prompt: unknown): Issue | undefined => {
  if (typeof prompt !== "object" || prompt === null) return undefined
  const [messages, base] = Array.isArray(prompt)
    ? [prompt as ReadonlyArray<Rec>, "prompt"]
    : "messages" in prompt
    ? [(prompt as Rec).messages as ReadonlyArray<Rec>, "prompt.messages"]
    : [[prompt as Rec], undefined]
  for (let i = 0; i < messages.length; i++) {
    const issue = messageJsonIssue(messages[i]!, base === undefined ? "prompt" : `${base}[${i}]`)
    if (issue !== undefined) return issue
  }
  return undefined
}

/** Schemas and values the mapping walks and the SDK serialises: JSON-safe, and tool parameters an object. */
const restJsonIssue = (r: Rec): Issue | undefined => {
  const tools = r.tools as ReadonlyArray<LanguageModel.ToolDefinition> | undefined
  if (tools !== undefined) {
    for (let i = 0; i < tools.length; i++) {
      const path = `tools[${i}].parameters`
      const parameters = tools[i]!.parameters
      const issue = jsonIssue(parameters, path, "the schema cannot be sent: ")
      if (issue !== undefined) return issue
      const type = (parameters as Rec).type
      if (type !== undefined && type !== "object") {
        return {
          message: `Invalid request field "${path}": a tool's parameters must be an object schema ` +
            `({ type: "object", properties }), got type ${JSON.stringify(type)} (Bedrock refuses it; wrap the value ` +
            `in an object: { type: "object", properties: { value: ... } })`,
          path
        }
      }
    }
  }
  const output = r.output as LanguageModel.OutputSchema | undefined
  return output === undefined ? undefined : jsonIssue(output.schema, "output.schema", "the schema cannot be sent: ")
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
  const promptIssue = checkPrompt(r.prompt, hasInstructions(r.instructions))
  if (promptIssue !== undefined) return promptIssue
  const keyIssue = unknownKey(request as Rec, requestKeys, "request")
  if (keyIssue !== undefined) return keyIssue
  if (!restWellFormed(request as Rec)) {
    const result = validateRest(request)
    if (Either.isLeft(result)) return firstIssue(result.left, "")
  }
  return promptJsonIssue(r.prompt) ?? restJsonIssue(request as Rec)
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
