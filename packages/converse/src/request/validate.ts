/**
 * The one check of a Converse request from any caller (a JavaScript one may pass anything): the only place the
 * request's rules are written. One walk over the request reports every problem, each with the path of its
 * field (`prompt.messages[0].parts[1].text`, `tools[2].name`) and, for a mistyped key, the closest known one.
 *
 * The rules are the public types' (`Request`, `Input`, `Message` and parts: the field types, the tags, tool
 * and document names), plus some the types cannot say:
 * - the prompt is not empty (no text, no message), unless the request has instructions with some text;
 * - an object with a `messages` key is a `Prompt` (as `Prompt.make` reads it), so a message may not carry one;
 * - a request key that is not a `Request` field is refused (it would vanish), with a "did you mean";
 * - what the mapping walks and the SDK serialises has a JSON form (a tool call's input, a tool result, tool
 *   parameters, the output schema: no BigInt, no cycle, no nesting deeper than `maxDepth`);
 * - tool parameters are an object schema (`type` absent or `"object"`): Bedrock refuses any other.
 *
 * A well-formed request allocates nothing here: paths and messages are built only for a problem.
 *
 * @since 0.1.0
 */
import type { Input } from "../prompt/types.js"
import { closest } from "../util/closest.js"
import { jsonProblem } from "../util/jsonValue.js"
import type { Issue, Result } from "./issue.js"
import { isDocumentName, isToolName, maxDocumentNameLength, maxToolNameLength } from "./rules.js"
import type { Request } from "./types.js"

type Rec = Readonly<Record<string, unknown>>

const isObject = (u: unknown): u is Rec => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * A value as a message shows it: `null`, `an array`, a short quoted string, a number, or its type.
 *
 * @since 0.1.0
 * @category Messages
 */
export const describe = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  if (typeof u === "string") return JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}...` : u)
  if (typeof u === "number" || typeof u === "boolean") return String(u)
  if (u instanceof Uint8Array) return "a Uint8Array"
  return typeof u
}

/**
 * The keys of a `Request`.
 *
 * @since 0.1.0
 * @category Request
 */
export const requestKeys: ReadonlyArray<string> = [
  "prompt",
  "instructions",
  "tools",
  "nativeTools",
  "toolChoice",
  "output",
  "settings"
]

// =============================================================================
// Collecting issues
// =============================================================================

/**
 * The issues of the walk in progress. The walk is synchronous and calls no user code, so one list serves
 * every call; it is created only when a problem is found and handed over at the end.
 */
let found: Array<Issue> | undefined

const report = (path: string, message: string, suggestion?: string): void => {
  const issue: Issue = suggestion === undefined ? { path, message } : { path, message, suggestion }
  if (found === undefined) found = [issue]
  else found.push(issue)
}

/** An issue about a field: `Invalid request field "<path>": <problem>`. */
const field = (path: string, problem: string): void => report(path, `Invalid request field "${path}": ${problem}`)

const expected = (path: string, what: string, got: unknown): void =>
  field(path, `expected ${what}, got ${describe(got)}`)

/** `base[i]`, or `base` alone for a prompt that is one message (`i` is -1). */
const at = (base: string, i: number): string => i < 0 ? base : `${base}[${i}]`

/**
 * Where the walk is, as numbers (a path string is built only for a problem): `base[i].parts[j].files[k]`,
 * where a part of it is left out when its index is -1.
 */
let base = ""
let atI = -1
let atJ = -1
let atK = -1

const locate = (b: string, i: number, j: number, k: number): void => {
  base = b
  atI = i
  atJ = j
  atK = k
}

const here = (): string => {
  let out = at(base, atI)
  if (atJ >= 0) out += `.parts[${atJ}]`
  if (atK >= 0) out += `.files[${atK}]`
  return out
}

// =============================================================================
// Prompt
// =============================================================================

const optionalString = (parent: Rec, key: string): void => {
  const value = parent[key]
  if (value !== undefined && typeof value !== "string") expected(`${here()}.${key}`, "a string", value)
}

const requiredString = (parent: Rec, key: string): void => {
  const value = parent[key]
  if (typeof value !== "string") expected(`${here()}.${key}`, "a string", value)
}

const jsonField = (parent: Rec, key: string, prefix = ""): void => {
  const problem = jsonProblem(parent[key])
  if (problem !== undefined) {
    const where = `${here()}.${key}`
    report(where, `Invalid request field "${where}${problem.path}": ${prefix}${problem.message}`)
  }
}

const filePart = (p: Rec): void => {
  if (typeof p.mediaType !== "string") expected(`${here()}.mediaType`, "a media type (a string)", p.mediaType)
  optionalString(p, "name")
  const name = p.documentName
  if (name !== undefined) {
    if (typeof name !== "string") expected(`${here()}.documentName`, "a string", name)
    else if (!isDocumentName(name)) {
      field(
        `${here()}.documentName`,
        `a document name holds 1 to ${maxDocumentNameLength} letters, digits, whitespace (never two in a row), ` +
          `hyphens, parentheses and square brackets, got ${describe(name)}`
      )
    }
  }
  const source = p.source
  if (!isObject(source)) return expected(`${here()}.source`, "a file source ({ _tag: \"Bytes\" | \"Url\" })", source)
  if (source._tag === "Bytes") {
    if (!(source.data instanceof Uint8Array)) expected(`${here()}.source.data`, "a Uint8Array", source.data)
  } else if (source._tag === "Url") {
    if (typeof source.url !== "string") expected(`${here()}.source.url`, "a string", source.url)
  } else expected(`${here()}.source._tag`, "\"Bytes\" or \"Url\"", source._tag)
}

const userPart = (p: Rec): void => {
  switch (p._tag) {
    case "Text":
      return requiredString(p, "text")
    case "File":
      return filePart(p)
    case "CachePoint":
      if (p.ttl !== undefined && p.ttl !== "5m" && p.ttl !== "1h") expected(`${here()}.ttl`, "\"5m\" or \"1h\"", p.ttl)
      return
  }
  expected(here(), "a user part (Text, File or CachePoint)", p._tag === undefined ? p : p._tag)
}

const assistantPart = (p: Rec): void => {
  switch (p._tag) {
    case "Text":
      return requiredString(p, "text")
    case "ToolCall":
      requiredString(p, "id")
      requiredString(p, "name")
      return jsonField(p, "input")
    case "NativeToolCall":
      requiredString(p, "id")
      requiredString(p, "name")
      return optionalString(p, "provider")
    case "NativeToolResult":
      requiredString(p, "id")
      requiredString(p, "name")
      optionalString(p, "status")
      return optionalString(p, "provider")
    case "Thinking":
      requiredString(p, "text")
      optionalString(p, "signature")
      optionalString(p, "provider")
      if (p.redacted !== undefined && !(p.redacted instanceof Uint8Array)) {
        expected(`${here()}.redacted`, "a Uint8Array", p.redacted)
      }
      return
  }
  expected(
    here(),
    "an assistant part (Text, Thinking, ToolCall, NativeToolCall or NativeToolResult)",
    p._tag === undefined ? p : p._tag
  )
}

const toolPart = (p: Rec): void => {
  switch (p._tag) {
    case "ToolResult": {
      requiredString(p, "id")
      optionalString(p, "name")
      if (typeof p.isError !== "boolean") expected(`${here()}.isError`, "a boolean", p.isError)
      const files = p.files
      if (files !== undefined) {
        if (!Array.isArray(files)) expected(`${here()}.files`, "an array of File parts", files)
        else {
          for (let k = 0; k < files.length; k++) {
            const file: unknown = files[k]
            atK = k
            if (!isObject(file) || file._tag !== "File") expected(here(), "a File part", file)
            else filePart(file)
          }
          atK = -1
        }
      }
      return jsonField(p, "result")
    }
    case "Retry":
      requiredString(p, "message")
      optionalString(p, "toolCallId")
      return optionalString(p, "toolName")
  }
  expected(here(), "a tool part (ToolResult or Retry)", p._tag === undefined ? p : p._tag)
}

const parts = (m: Rec, check: (p: Rec) => void): void => {
  const list = m.parts
  if (!Array.isArray(list)) return expected(`${here()}.parts`, "an array of parts", list)
  for (let j = 0; j < list.length; j++) {
    const part: unknown = list[j]
    atJ = j
    if (!isObject(part)) expected(here(), "a part (an object with a _tag)", part)
    else check(part)
  }
  atJ = -1
}

/** One message at `b[i]` (`i` is -1 for a prompt that is one message). */
const message = (m: unknown, b: string, i: number): void => {
  locate(b, i, -1, -1)
  if (!isObject(m)) return expected(here(), "a message ({ _tag, ... })", m)
  switch (m._tag) {
    case "System":
      if (typeof m.content !== "string") expected(`${here()}.content`, "a string", m.content)
      return
    case "User":
      return parts(m, userPart)
    case "Assistant":
      return parts(m, assistantPart)
    case "Tool":
      return parts(m, toolPart)
  }
  expected(here(), "a message tagged System, User, Assistant or Tool", m._tag === undefined ? m : m._tag)
}

const messages = (list: ReadonlyArray<unknown>, b: string): void => {
  for (let i = 0; i < list.length; i++) message(list[i], b, i)
}

const emptyPrompt = "The prompt is empty: give a text, at least one message, or instructions"

/**
 * Whether the request has instructions with some text. With them an empty prompt is fine: the conversation
 * is then the instructions alone, and the mapping sends the user turn `.` Converse needs (as pydantic-ai does).
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

const prompt = (value: unknown, instructed: boolean): void => {
  if (typeof value === "string") {
    if (!instructed && value.trim() === "") report("prompt", emptyPrompt)
    return
  }
  if (Array.isArray(value)) {
    if (value.length === 0 && !instructed) return report("prompt", emptyPrompt)
    return messages(value, "prompt")
  }
  if (isObject(value)) {
    if ("messages" in value) {
      if ("_tag" in value) {
        return report(
          "prompt",
          "The prompt holds both `messages` (a Prompt) and `_tag` (a message): give a Prompt ({ messages }) or a " +
            "message, not both"
        )
      }
      const list = value.messages
      if (!Array.isArray(list)) return expected("prompt.messages", "an array of messages", list)
      if (list.length === 0 && !instructed) return report("prompt", emptyPrompt)
      return messages(list, "prompt.messages")
    }
    if ("_tag" in value) return message(value, "prompt", -1)
  }
  report(
    "prompt",
    value === undefined
      ? "The request has no prompt"
      : `The prompt must be a text, a message, an array of messages or a Prompt ({ messages }), got ${describe(value)}`
  )
}

// =============================================================================
// The other fields
// =============================================================================

const instructions = (value: unknown): void => {
  if (value === undefined || typeof value === "string") return
  if (!Array.isArray(value)) return expected("instructions", "a string or an array of instructions", value)
  for (let i = 0; i < value.length; i++) {
    const instruction: unknown = value[i]
    if (typeof instruction === "string") continue
    if (!isObject(instruction)) expected(`instructions[${i}]`, "a string or { text, dynamic? }", instruction)
    else {
      locate("instructions", i, -1, -1)
      requiredString(instruction, "text")
      if (instruction.dynamic !== undefined && typeof instruction.dynamic !== "boolean") {
        expected(`instructions[${i}].dynamic`, "a boolean", instruction.dynamic)
      }
    }
  }
}

const toolName = (name: unknown, path: string): void => {
  if (typeof name === "string" && isToolName(name)) return
  field(
    path,
    `expected a tool name of 1 to ${maxToolNameLength} letters, digits, "_" or "-", got ${
      typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : describe(name)
    }`
  )
}

const tools = (value: unknown): void => {
  if (value === undefined) return
  if (!Array.isArray(value)) return expected("tools", "an array of tool definitions", value)
  for (let i = 0; i < value.length; i++) {
    const tool: unknown = value[i]
    if (!isObject(tool)) {
      expected(`tools[${i}]`, "a tool definition ({ name, parameters, ... })", tool)
      continue
    }
    locate("tools", i, -1, -1)
    toolName(tool.name, `tools[${i}].name`)
    optionalString(tool, "description")
    if (tool.strict !== undefined && typeof tool.strict !== "boolean") {
      expected(`tools[${i}].strict`, "a boolean", tool.strict)
    }
    const parameters = tool.parameters
    if (!isObject(parameters)) {
      expected(`tools[${i}].parameters`, "a JSON Schema object", parameters)
      continue
    }
    const problem = jsonProblem(parameters)
    if (problem !== undefined) {
      report(
        `tools[${i}].parameters`,
        `Invalid request field "tools[${i}].parameters${problem.path}": the schema cannot be sent: ${problem.message}`
      )
    } else if (parameters.type !== undefined && parameters.type !== "object") {
      field(
        `tools[${i}].parameters`,
        "a tool's parameters must be an object schema ({ type: \"object\", properties }), got type " +
          `${JSON.stringify(parameters.type)} (Bedrock refuses it; wrap the value in an object: ` +
          "{ type: \"object\", properties: { value: ... } })"
      )
    }
  }
}

const nativeTools = (value: unknown): void => {
  if (value === undefined) return
  if (!Array.isArray(value)) return expected("nativeTools", "an array of native tools", value)
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== "codeExecution") expected(`nativeTools[${i}]`, "\"codeExecution\"", value[i])
  }
}

const isNames = (u: unknown): boolean => {
  if (!Array.isArray(u)) return false
  for (let i = 0; i < u.length; i++) if (typeof u[i] !== "string") return false
  return true
}

const toolChoice = (value: unknown): void => {
  if (value === undefined || value === "auto" || value === "required" || value === "none") return
  if (isObject(value) && (typeof value.tool === "string" || isNames(value.tools) || isNames(value.toolOrOutput))) {
    return
  }
  expected(
    "toolChoice",
    "\"auto\", \"required\", \"none\", { tool }, { tools: [names] } or { toolOrOutput: [names] }",
    value
  )
}

const output = (value: unknown): void => {
  if (value === undefined) return
  if (!isObject(value)) return expected("output", "an output schema ({ schema, name?, description?, mode? })", value)
  locate("output", -1, -1, -1)
  optionalString(value, "name")
  optionalString(value, "description")
  const mode = value.mode
  if (mode !== undefined && mode !== "auto" && mode !== "tool" && mode !== "native" && mode !== "prompted") {
    expected("output.mode", "\"auto\", \"tool\", \"native\" or \"prompted\"", mode)
  }
  if (!isObject(value.schema)) return expected("output.schema", "a JSON Schema object", value.schema)
  jsonField(value, "schema", "the schema cannot be sent: ")
}

// =============================================================================
// Checks
// =============================================================================

const keyIssue = (key: string, known: ReadonlyArray<string>, what: string): Issue => {
  const suggestion = closest(key, known)
  const message = `Unknown ${what} key "${key}"` +
    (suggestion === undefined ? ` (known keys: ${known.join(", ")})` : ` (did you mean "${suggestion}"?)`)
  return suggestion === undefined ? { path: key, message } : { path: key, message, suggestion }
}

/**
 * The first key of `object` that is not one of `known` (and whose value is not `undefined`): it would be
 * dropped silently, so it is an issue, with the closest known key as a suggestion.
 *
 * @since 0.1.0
 * @category Checks
 */
export const unknownKey = (object: Rec, known: ReadonlyArray<string>, what: string): Issue | undefined => {
  for (const key in object) {
    if (object[key] === undefined || known.includes(key)) continue
    return keyIssue(key, known, what)
  }
  return undefined
}

/**
 * Every problem with a request, in the order of its fields (the prompt first, then unknown keys, then the
 * other fields), or `undefined` when it is well formed. Nothing is allocated for a well-formed request.
 *
 * @since 0.1.0
 * @category Checks
 */
export const requestIssues = (input: unknown): ReadonlyArray<Issue> | undefined => {
  if (!isObject(input)) {
    return [{ path: "", message: `A request must be an object ({ prompt, ... }), got ${describe(input)}` }]
  }
  found = undefined
  try {
    prompt(input.prompt, hasInstructions(input.instructions))
    for (const key in input) {
      if (input[key] !== undefined && !requestKeys.includes(key)) {
        const issue = keyIssue(key, requestKeys, "request")
        if (found === undefined) found = [issue]
        else found.push(issue)
      }
    }
    instructions(input.instructions)
    tools(input.tools)
    nativeTools(input.nativeTools)
    toolChoice(input.toolChoice)
    output(input.output)
    if (input.settings !== undefined && !isObject(input.settings)) {
      expected("settings", "an object of settings", input.settings)
    }
    return found
  } finally {
    found = undefined
  }
}

/**
 * The request, or every problem with it (see the module's rules). The value is `input` itself: nothing is
 * copied or normalised.
 *
 * @since 0.1.0
 * @category Checks
 */
export const validateRequest = (input: unknown): Result<Request<object>> => {
  const issues = requestIssues(input)
  return issues === undefined ? { ok: true, value: input as Request<object> } : { ok: false, issues }
}

/**
 * Whether `input` is a prompt: the `prompt` field's rules alone (every problem, or `undefined`).
 *
 * @since 0.1.0
 * @category Checks
 */
export const promptIssues = (input: unknown): ReadonlyArray<Issue> | undefined => {
  found = undefined
  try {
    prompt(input as Input, false)
    return found
  } finally {
    found = undefined
  }
}

/**
 * Why a model id (or inference profile) cannot be sent, or `undefined`: it becomes a path segment of the
 * request URL, so `""`, `"."` and `".."` would address another resource.
 *
 * @since 0.1.0
 * @category Checks
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
