/**
 * Pure mapping of a `LanguageModel.Request` to the Converse (and CountTokens)
 * input of the AWS SDK. No services, no network: files given by URL must be
 * downloaded before (only `s3://` locations are sent by reference).
 *
 * Built for speed: one pass over the prompt with plain loops, blocks pushed
 * into arrays owned by this module, tool schemas passed by reference.
 *
 * @since 0.1.0
 * @internal
 */
import type {
  ContentBlock,
  ConverseCommandInput,
  CountTokensCommandInput,
  InferenceConfiguration,
  Message,
  OutputConfig,
  SystemContentBlock,
  Tool,
  ToolChoice,
  ToolConfiguration,
  ToolResultContentBlock,
  ToolSpecification
} from "@aws-sdk/client-bedrock-runtime"
import * as Either from "effect/Either"
import type * as BedrockModelProfile from "../BedrockModelProfile.js"
import { baseModelId } from "../BedrockModelProfile.js"
import type * as BedrockModelSettings from "../BedrockModelSettings.js"
import type * as LanguageModel from "../LanguageModel.js"
import * as Prompt from "../Prompt.js"

// =============================================================================
// Models
// =============================================================================

/**
 * A problem found before the request is sent (the caller turns it into a
 * typed error). `path` points into the request, e.g. `prompt.messages[2].parts[0]`.
 *
 * @since 0.1.0
 * @internal
 */
export interface MappingIssue {
  readonly message: string
  readonly path?: string | undefined
}

/**
 * Native (provider-run) tools that can be asked for.
 *
 * @since 0.1.0
 * @internal
 */
export type NativeTool = LanguageModel.NativeTool

/**
 * @since 0.1.0
 * @internal
 */
export interface MappingInput {
  /** The model name: drives nothing here but `modelId` (the profile is passed in). */
  readonly modelId: string
  readonly profile: BedrockModelProfile.Profile
  /** Already merged (`BedrockModelSettings.merge`) and validated (`decode`). `request.settings` is ignored. */
  readonly settings: BedrockModelSettings.Settings
  readonly request: LanguageModel.Request
  /** For ConverseStream: keeps `guardrailConfig.streamProcessingMode`. */
  readonly stream?: boolean | undefined
  readonly nativeTools?: ReadonlyArray<NativeTool> | undefined
}

/**
 * How a structured output was asked for, so that the response decoder can
 * turn it back into the answer: `Native` (the text is the JSON) or `Tool`
 * (the input of a call of `toolName` is the answer; when `unwrapKey` is set,
 * the answer is that key of the input, because a non-object schema was
 * wrapped in an object).
 *
 * @since 0.1.0
 * @internal
 */
export type OutputMode =
  | { readonly _tag: "Native"; readonly name: string }
  | { readonly _tag: "Tool"; readonly toolName: string; readonly unwrapKey?: string | undefined }

/**
 * @since 0.1.0
 * @internal
 */
export interface ConverseMapping {
  /** Also valid as `ConverseStreamCommandInput`. */
  readonly input: ConverseCommandInput
  /** The forced output tool, whose call is the answer (absent with native output or no output schema). */
  readonly outputTool?: string | undefined
  readonly output?: OutputMode | undefined
}

/**
 * The provider name that thinking parts produced by this library carry: only
 * such signed thinking is sent back as `reasoningContent`.
 *
 * @since 0.1.0
 * @internal
 */
export const providerName = "bedrock"

/**
 * Name of the forced output tool (and of the native JSON schema) when the
 * output schema has no name.
 *
 * @since 0.1.0
 * @internal
 */
export const defaultOutputName = "final_result"

/**
 * Bedrock accepts at most this many cache points per request.
 *
 * @since 0.1.0
 * @internal
 */
export const maxCachePoints = 4

class Issue {
  constructor(readonly message: string, readonly path?: string) {}
}

const fail = (message: string, path?: string): never => {
  throw new Issue(message, path)
}

const toIssue = (error: unknown): MappingIssue => {
  if (error instanceof Issue) {
    return error.path === undefined ? { message: error.message } : { message: error.message, path: error.path }
  }
  throw error
}

// =============================================================================
// Entry points
// =============================================================================

/**
 * The Converse / ConverseStream input for a request.
 *
 * @since 0.1.0
 * @internal
 */
export const toConverseInput = (options: MappingInput): Either.Either<ConverseMapping, MappingIssue> => {
  try {
    return Either.right(build(options, false))
  } catch (error) {
    return Either.left(toIssue(error))
  }
}

/**
 * The CountTokens input for a request: the same mapping (cache limit
 * included) and the model id without geo prefix, never the inference profile.
 *
 * @since 0.1.0
 * @internal
 */
export const toCountTokensInput = (
  options: MappingInput
): Either.Either<CountTokensCommandInput, MappingIssue> => {
  try {
    const { input } = build(options, true)
    const converse: {
      messages: Array<Message>
      system: Array<SystemContentBlock>
      toolConfig?: ToolConfiguration
      additionalModelRequestFields?: ConverseCommandInput["additionalModelRequestFields"]
    } = { messages: input.messages!, system: input.system! }
    if (input.toolConfig !== undefined) converse.toolConfig = input.toolConfig
    if (input.additionalModelRequestFields !== undefined) {
      converse.additionalModelRequestFields = input.additionalModelRequestFields
    }
    return Either.right({ modelId: baseModelId(options.modelId), input: { converse } })
  } catch (error) {
    return Either.left(toIssue(error))
  }
}

/**
 * HTTP headers to add to this request only (`extraHeaders` setting).
 *
 * @since 0.1.0
 * @internal
 */
export const extraHeaders = (
  settings: BedrockModelSettings.Settings
): Readonly<Record<string, string>> | undefined => {
  const headers = settings.extraHeaders
  if (headers === undefined) return undefined
  for (const _ in headers) return headers
  return undefined
}

// =============================================================================
// Request
// =============================================================================

const build = (options: MappingInput, forCountTokens: boolean): ConverseMapping => {
  const { profile, request, settings } = options
  if (!profile.supportsConverse) {
    fail(
      `Model "${options.modelId}" is not served by the Bedrock Converse API` +
        (profile.family === "openai" ? " (on Converse, OpenAI offers only the gpt-oss models)" : "")
    )
  }
  const thinkingOn = isThinkingEnabled(profile, settings)

  // Tools first: a forced choice that cannot be honoured fails before any other work.
  const tools = mapTools(options, thinkingOn)

  const { messages, system } = mapPrompt(profile, settings, request)

  if (profile.supportsPromptCaching && isOn(settings.cacheInstructions) && system.length > 0) {
    system.push(cachePointBlock(settings.cacheInstructions!) as SystemContentBlock)
  }

  const toolCachePoint = tools.toolConfig !== undefined && profile.supportsToolCaching &&
    isOn(settings.cacheToolDefinitions)
  if (toolCachePoint) tools.toolConfig!.tools!.push(cachePointBlock(settings.cacheToolDefinitions!) as Tool)

  if (messages.cachePoints > 0) {
    const used = (toolCachePoint ? 1 : 0) + countCachePoints(system)
    const budget = maxCachePoints - used
    if (budget < 0) {
      fail(`Too many cache points: system and tool definitions use ${used}, Bedrock allows ${maxCachePoints}`)
    }
    if (messages.cachePoints > budget) limitCachePoints(messages.list, budget)
  }

  const input: ConverseCommandInput = {
    modelId: forCountTokens ? options.modelId : settings.inferenceProfile ?? options.modelId,
    messages: messages.list,
    system,
    inferenceConfig: inferenceConfig(settings)
  }
  if (tools.toolConfig !== undefined) input.toolConfig = tools.toolConfig
  if (tools.outputConfig !== undefined) input.outputConfig = tools.outputConfig

  const additional = additionalModelRequestFields(profile, settings)
  if (additional !== undefined) input.additionalModelRequestFields = additional as any

  if (settings.guardrailConfig !== undefined) {
    const { streamProcessingMode, ...rest } = settings.guardrailConfig
    input.guardrailConfig = options.stream === true && streamProcessingMode !== undefined
      ? { ...rest, streamProcessingMode } as ConverseCommandInput["guardrailConfig"]
      : rest
  }
  if (settings.performanceConfig !== undefined) input.performanceConfig = settings.performanceConfig
  if (settings.requestMetadata !== undefined && hasKeys(settings.requestMetadata)) {
    input.requestMetadata = settings.requestMetadata as Record<string, string>
  }
  const responseFieldPaths = settings.additionalModelResponseFieldPaths
  if (responseFieldPaths !== undefined && responseFieldPaths.length > 0) {
    input.additionalModelResponseFieldPaths = responseFieldPaths as Array<string>
  }
  if (settings.promptVariables !== undefined && hasKeys(settings.promptVariables)) {
    input.promptVariables = settings.promptVariables as ConverseCommandInput["promptVariables"]
  }
  const tier = settings.serviceTier
  if (tier !== undefined) {
    if (typeof tier === "object") input.serviceTier = { type: tier.type }
    else if (tier !== "auto") input.serviceTier = { type: tier }
  }
  const output = tools.output
  if (output === undefined) return { input }
  return output._tag === "Tool" ? { input, outputTool: output.toolName, output } : { input, output }
}

const hasKeys = (record: object): boolean => {
  for (const _ in record) return true
  return false
}

const isOn = (setting: BedrockModelSettings.CacheSetting | undefined): boolean =>
  setting !== undefined && setting !== false

const inferenceConfig = (settings: BedrockModelSettings.Settings): InferenceConfiguration => {
  const config: InferenceConfiguration = {}
  if (settings.maxTokens !== undefined) config.maxTokens = settings.maxTokens
  if (settings.temperature !== undefined) config.temperature = settings.temperature
  if (settings.topP !== undefined) config.topP = settings.topP
  if (settings.stopSequences !== undefined && settings.stopSequences.length > 0) {
    config.stopSequences = settings.stopSequences as Array<string>
  }
  return config
}

// =============================================================================
// Thinking and model-specific fields
// =============================================================================

const isThinkingEnabled = (profile: BedrockModelProfile.Profile, settings: BedrockModelSettings.Settings): boolean => {
  if (settings.thinking !== undefined && settings.thinking !== false && profile.thinkingVariant !== "none") return true
  const thinking = settings.additionalModelRequestFields?.thinking
  if (typeof thinking === "object" && thinking !== null) {
    const type = (thinking as { readonly type?: unknown }).type
    return type === "enabled" || type === "adaptive"
  }
  return false
}

/**
 * `budget_tokens` per level for Anthropic models without adaptive thinking.
 *
 * @since 0.1.0
 * @internal
 */
export const anthropicThinkingBudget = {
  true: 10000,
  minimal: 1024,
  low: 2048,
  medium: 10000,
  high: 16384,
  xhigh: 32768
} as const

// Bedrock has not been seen to accept `xhigh` effort; `max` is the closest.
const anthropicEffort = { minimal: "low", low: "low", medium: "medium", high: "high", xhigh: "max" } as const

const additionalModelRequestFields = (
  profile: BedrockModelProfile.Profile,
  settings: BedrockModelSettings.Settings
): Record<string, unknown> | undefined => {
  const user = settings.additionalModelRequestFields
  const topK = settings.topK
  const thinking = settings.thinking
  if (
    (topK === undefined || profile.topKVariant === "none") &&
    (thinking === undefined || profile.thinkingVariant === "none")
  ) {
    return user !== undefined && hasKeys(user) ? user : undefined
  }
  // A copy: the user's object is never changed, and user keys are never overwritten.
  const fields: Record<string, unknown> = user === undefined ? {} : { ...user }

  if (topK !== undefined) {
    if (profile.topKVariant === "anthropic") {
      if (!("top_k" in fields)) fields.top_k = topK
    } else if (profile.topKVariant === "nova") {
      const existing = fields.inferenceConfig
      if (existing === undefined || existing === null) {
        fields.inferenceConfig = { topK }
      } else if (typeof existing === "object" && !("topK" in existing)) {
        fields.inferenceConfig = { ...existing, topK }
      }
    }
  }

  if (thinking !== undefined) {
    switch (profile.thinkingVariant) {
      case "anthropic-adaptive": {
        if (thinking !== false && !("thinking" in fields)) {
          fields.thinking = { type: "adaptive" }
          if (typeof thinking === "string" && profile.supportsEffort && !("output_config" in fields)) {
            fields.output_config = { effort: anthropicEffort[thinking] }
          }
        }
        break
      }
      case "anthropic": {
        if (!("thinking" in fields)) {
          fields.thinking = thinking === false
            ? { type: "disabled" }
            : { type: "enabled", budget_tokens: anthropicThinkingBudget[thinking === true ? "true" : thinking] }
        }
        break
      }
      case "openai": {
        // Converse rejects `reasoning_effort: "none"`, so `false` sends nothing.
        if (thinking !== false && !("reasoning_effort" in fields)) {
          fields.reasoning_effort = thinking === true ? "medium" : thinking
        }
        break
      }
      case "qwen": {
        if (thinking !== false && !("reasoning_config" in fields)) {
          fields.reasoning_config = thinking === "minimal" || thinking === "low" ? "low" : "high"
        }
        break
      }
    }
  }
  return hasKeys(fields) ? fields : undefined
}

// =============================================================================
// Tools and structured output
// =============================================================================

interface ToolsMapping {
  readonly toolConfig?: ToolConfiguration | undefined
  readonly outputConfig?: OutputConfig | undefined
  readonly output?: OutputMode | undefined
}

const schemaJson = new WeakMap<object, string>()

const stringifySchema = (schema: LanguageModel.JsonSchema): string => {
  let json = schemaJson.get(schema)
  if (json === undefined) {
    json = JSON.stringify(schema)
    schemaJson.set(schema, json)
  }
  return json
}

const describeChoice = (choice: LanguageModel.ToolChoice): string =>
  typeof choice === "string" ? `"${choice}"` : `{ tool: "${choice.tool}" }`

const mapTools = (options: MappingInput, thinkingOn: boolean): ToolsMapping => {
  const { profile, request } = options
  const userTools = request.tools ?? []
  const choice = request.toolChoice
  const explicitForced = choice === "required" || (typeof choice === "object" && choice !== null)

  if (explicitForced) {
    if (!profile.supportsToolChoice) {
      fail(
        `Tool choice ${describeChoice(choice)} is not supported by model "${options.modelId}": ` +
          "this model family cannot be forced to use a tool",
        "toolChoice"
      )
    }
    if (thinkingOn) {
      fail(
        `Tool choice ${describeChoice(choice)} cannot be combined with thinking on Bedrock: ` +
          "disable thinking or use toolChoice \"auto\"",
        "toolChoice"
      )
    }
    if (typeof choice === "object" && !userTools.some((tool) => tool.name === choice.tool)) {
      fail(`Tool choice names an unknown tool "${choice.tool}"`, "toolChoice")
    }
  }

  const tools: Array<Tool> = []
  if (choice !== "none") {
    for (let i = 0; i < userTools.length; i++) tools.push(toolSpec(userTools[i]!, profile))
  }

  let output: OutputMode | undefined
  let outputConfig: OutputConfig | undefined
  let outputTool: string | undefined
  if (request.output !== undefined) {
    const out = request.output
    const name = out.name ?? defaultOutputName
    if (profile.supportsJsonSchemaOutput) {
      const jsonSchema: { name: string; schema: string; description?: string } = {
        name,
        schema: stringifySchema(out.schema)
      }
      if (out.description !== undefined && out.description !== "") jsonSchema.description = out.description
      outputConfig = { textFormat: { type: "json_schema", structure: { jsonSchema } } }
      output = { _tag: "Native", name }
    } else {
      if (userTools.some((tool) => tool.name === name)) {
        fail(`The output tool "${name}" has the same name as one of the tools; name the output schema`, "output.name")
      }
      const isObject = out.schema.type === "object"
      const spec: ToolSpecification = {
        name,
        description: out.description ?? "The final response which ends this conversation",
        inputSchema: { json: (isObject ? out.schema : wrapSchema(out.schema)) as any }
      }
      tools.push({ toolSpec: spec })
      outputTool = name
      output = isObject ? { _tag: "Tool", toolName: name } : { _tag: "Tool", toolName: name, unwrapKey: "response" }
    }
  }

  const nativeTools = options.nativeTools
  if (nativeTools !== undefined) {
    for (const tool of nativeTools) {
      if (tool === "codeExecution" && profile.supportsCodeExecution) {
        tools.push({ systemTool: { name: "nova_code_interpreter" } })
      } else {
        fail(`Native tool "${tool}" is not supported by model "${options.modelId}"`, "nativeTools")
      }
    }
  }

  if (tools.length === 0) return { outputConfig, output }

  const toolConfig: ToolConfiguration = { tools }
  if (profile.supportsToolChoice) {
    let mapped: ToolChoice
    if (choice === "required") {
      mapped = { any: {} }
    } else if (typeof choice === "object" && choice !== null) {
      mapped = { tool: { name: choice.tool } }
    } else if (outputTool !== undefined && choice !== "auto") {
      // The answer must come through the output tool: an implicit forced choice, which
      // Bedrock rejects together with thinking, so it falls back to auto then.
      mapped = thinkingOn ? { auto: {} } : { any: {} }
    } else {
      mapped = { auto: {} }
    }
    toolConfig.toolChoice = mapped
  }
  return { toolConfig, outputConfig, output }
}

const toolSpec = (tool: LanguageModel.ToolDefinition, profile: BedrockModelProfile.Profile): Tool => {
  const description = tool.description
  const inputSchema = { json: tool.parameters as any }
  // Object literals in one go (no properties added later): cheaper for the 50-tool hot path.
  if (tool.strict === true && profile.supportsStrictTools) {
    return {
      toolSpec: description === undefined || description === ""
        ? { name: tool.name, inputSchema, strict: true }
        : { name: tool.name, description, inputSchema, strict: true }
    }
  }
  return {
    toolSpec: description === undefined || description === ""
      ? { name: tool.name, inputSchema }
      : { name: tool.name, description, inputSchema }
  }
}

const wrapSchema = (schema: LanguageModel.JsonSchema): LanguageModel.JsonSchema => {
  const { $defs, ...inner } = schema
  const wrapped: Record<string, unknown> = {
    type: "object",
    properties: { response: inner },
    required: ["response"],
    additionalProperties: false
  }
  if ($defs !== undefined) wrapped.$defs = $defs
  return wrapped
}

const TOOL_NAME_INVALID_ALL = /[^a-zA-Z0-9_-]/g

const isValidToolName = (name: string): boolean => {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    // 0-9, A-Z, a-z, "_", "-"
    if (
      !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45)
    ) return false
  }
  return true
}

/**
 * Replaces characters Bedrock rejects in tool names (outside `[a-zA-Z0-9_-]`) with `_`.
 *
 * @since 0.1.0
 * @internal
 */
export const sanitizeToolName = (name: string): string =>
  isValidToolName(name) ? name : name.replace(TOOL_NAME_INVALID_ALL, "_")

// =============================================================================
// Files
// =============================================================================

type Kind = BedrockModelProfile.MediaKind

const FORMATS: ReadonlyMap<string, readonly [Kind, string]> = new Map<string, readonly [Kind, string]>([
  ["image/jpeg", ["image", "jpeg"]],
  ["image/jpg", ["image", "jpeg"]],
  ["image/png", ["image", "png"]],
  ["image/gif", ["image", "gif"]],
  ["image/webp", ["image", "webp"]],
  ["video/x-matroska", ["video", "mkv"]],
  ["video/matroska", ["video", "mkv"]],
  ["video/quicktime", ["video", "mov"]],
  ["video/mp4", ["video", "mp4"]],
  ["video/webm", ["video", "webm"]],
  ["video/x-flv", ["video", "flv"]],
  ["video/mpeg", ["video", "mpeg"]],
  ["video/mpg", ["video", "mpg"]],
  ["video/x-ms-wmv", ["video", "wmv"]],
  ["video/3gpp", ["video", "three_gp"]],
  ["application/pdf", ["document", "pdf"]],
  ["text/plain", ["document", "txt"]],
  ["text/csv", ["document", "csv"]],
  ["application/msword", ["document", "doc"]],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", ["document", "docx"]],
  ["application/vnd.ms-excel", ["document", "xls"]],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ["document", "xlsx"]],
  ["text/html", ["document", "html"]],
  ["text/markdown", ["document", "md"]],
  ["text/x-markdown", ["document", "md"]]
])

/**
 * The Converse block kind and format for a media type, or `undefined` when
 * Bedrock cannot take it (audio, for example).
 *
 * @since 0.1.0
 * @internal
 */
export const mediaFormat = (mediaType: string): readonly [Kind, string] | undefined => {
  const found = FORMATS.get(mediaType)
  if (found !== undefined) return found
  const semicolon = mediaType.indexOf(";")
  return FORMATS.get((semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase())
}

type Source = { bytes: Uint8Array } | { s3Location: { uri: string; bucketOwner?: string } }

const fileSource = (file: Prompt.FilePart): Source | undefined => {
  const source = file.source
  if (source._tag === "Bytes") return { bytes: source.data }
  const url = source.url
  if (url.startsWith("s3://")) {
    const question = url.indexOf("?")
    if (question === -1) return { s3Location: { uri: url } }
    const bucketOwner = new URLSearchParams(url.slice(question + 1)).get("bucketOwner")
    const uri = url.slice(0, question)
    return { s3Location: bucketOwner ? { uri, bucketOwner } : { uri } }
  }
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",")
    if (comma !== -1 && url.slice(0, comma).endsWith(";base64")) {
      return { bytes: Uint8Array.from(Buffer.from(url.slice(comma + 1), "base64")) }
    }
  }
  return undefined
}

// =============================================================================
// Messages
// =============================================================================

type Block = ContentBlock

interface MessagesMapping {
  readonly list: Array<Message>
  /** Cache points placed in messages (may exceed the budget; trimmed later). */
  readonly cachePoints: number
}

const cachePointBlock = (setting: BedrockModelSettings.CacheSetting): Block =>
  (typeof setting === "string" ? { cachePoint: { type: "default", ttl: setting } } : {
    cachePoint: { type: "default" }
  }) as Block

const isDocumentOrVideo = (block: Block): boolean => block.document !== undefined || block.video !== undefined

const countCachePoints = (blocks: ReadonlyArray<{ readonly cachePoint?: unknown }>): number => {
  let count = 0
  for (let i = 0; i < blocks.length; i++) if (blocks[i]!.cachePoint !== undefined) count++
  return count
}

type Placement = "inserted" | "replaced" | "skipped"

/**
 * AWS rejects a cache point right after a document or video: the point goes
 * before the trailing run of documents and videos (after images is fine).
 */
const placeCachePoint = (
  content: Array<Block>,
  cachePoint: Block,
  onlyMedia: "fail" | "skip",
  existing: "replace" | "keep",
  path?: string
): Placement => {
  let start = content.length
  while (start > 0 && isDocumentOrVideo(content[start - 1]!)) start--
  if (start === content.length) {
    content.push(cachePoint)
    return "inserted"
  }
  if (start === 0) {
    if (onlyMedia === "fail") {
      fail(
        "A cache point cannot follow a message holding only a document or video (a Bedrock restriction): " +
          "add text before or after it",
        path
      )
    }
    return "skipped"
  }
  if (content[start - 1]!.cachePoint !== undefined) {
    if (existing === "keep") return "skipped"
    content[start - 1] = cachePoint
    return "replaced"
  }
  content.splice(start, 0, cachePoint)
  return "inserted"
}

/** Drops the oldest message cache points beyond the budget. */
const limitCachePoints = (messages: Array<Message>, budget: number): void => {
  let remaining = budget
  for (let m = messages.length - 1; m >= 0; m--) {
    const content = messages[m]!.content!
    for (let i = content.length - 1; i >= 0; i--) {
      if (content[i]!.cachePoint === undefined) continue
      if (remaining > 0) remaining--
      else content.splice(i, 1)
    }
  }
}

const SEE_DOCUMENTS = "See attached document(s)."

class MessageBuilder {
  readonly list: Array<Message> = []
  readonly system: Array<SystemContentBlock> = []
  cachePoints = 0
  messageIndex = 0
  documents = 0
  files = 0
  /** The trailing user message holds a toolResult / content that may not sit beside one. */
  /** Content of the last user message pushed: merged into while it is still the last message. */
  tail: Array<Block> | undefined = undefined
  lastHasToolResult = false
  lastHasLoose = false
  /** Tool-returned media that cannot share the toolResult's turn, sent in a later user turn. */
  deferred: Array<Block> = []

  readonly besideText: boolean
  readonly besideImage: boolean
  readonly besideDocument: boolean
  readonly besideVideo: boolean

  constructor(readonly profile: BedrockModelProfile.Profile) {
    const beside = profile.besideToolResult
    this.besideText = beside.includes("text")
    this.besideImage = beside.includes("image")
    this.besideDocument = beside.includes("document")
    this.besideVideo = beside.includes("video")
  }

  /** Whether a block may not share a user turn with a toolResult. */
  loose(kind: "text" | Kind): boolean {
    switch (kind) {
      case "text":
        return !this.besideText
      case "image":
        return !this.besideImage
      case "document":
        return !this.besideDocument
      case "video":
        return !this.besideVideo
    }
  }

  /**
   * Appends user content, merging it into a trailing user message (Converse
   * needs alternating turns; parallel tool results must share one). When the
   * merged turn would put a toolResult beside content the family rejects, an
   * assistant `.` turn separates them instead.
   */
  pushUser(content: Array<Block>, hasToolResult: boolean, hasLoose: boolean): void {
    const list = this.list
    const tail = this.tail
    if (tail !== undefined && tail === list[list.length - 1]!.content) {
      if ((this.lastHasToolResult || hasToolResult) && (this.lastHasLoose || hasLoose)) {
        list.push({ role: "assistant", content: [{ text: "." }] })
      } else {
        for (let i = 0; i < content.length; i++) tail.push(content[i]!)
        this.lastHasToolResult ||= hasToolResult
        this.lastHasLoose ||= hasLoose
        return
      }
    }
    this.tail = content
    list.push({ role: "user", content })
    this.lastHasToolResult = hasToolResult
    this.lastHasLoose = hasLoose
  }

  flushDeferred(): void {
    const deferred = this.deferred
    if (deferred.length === 0) return
    this.deferred = []
    let loose = false
    for (let i = 0; i < deferred.length; i++) loose ||= this.loose(blockKind(deferred[i]!))
    this.pushUser(deferred, false, loose)
  }

  /** Where a part is, for issues: built only when one is reported. */
  path(part: number, file?: number): string {
    const base = `prompt.messages[${this.messageIndex}].parts[${part}]`
    return file === undefined ? base : `${base}.files[${file}]`
  }

  fileBlock(file: Prompt.FilePart, part: number, fileIndex?: number): { readonly block: Block; readonly kind: Kind } {
    const format = mediaFormat(file.mediaType)
    if (format === undefined) {
      return fail(
        `Unsupported media type "${file.mediaType}" for Bedrock: images (jpeg, png, gif, webp), ` +
          "videos (mkv, mov, mp4, webm, flv, mpeg, mpg, wmv, 3gp) and documents " +
          "(pdf, txt, csv, doc, docx, xls, xlsx, html, md) are supported",
        this.path(part, fileIndex)
      )
    }
    const source = fileSource(file)
    if (source === undefined) {
      return fail(
        `File URL "${(file.source as { readonly url: string }).url}" must be downloaded before it is sent to ` +
          "Bedrock (only s3:// locations are passed by reference)",
        this.path(part, fileIndex)
      )
    }
    const kind = format[0]
    let block: Block
    if (kind === "document") {
      block = { document: { name: `Document ${++this.documents}`, format: format[1], source } } as Block
    } else if (kind === "image") {
      block = { image: { format: format[1], source } } as Block
    } else {
      block = { video: { format: format[1], source } } as Block
    }
    return { block, kind }
  }

  /** A cache point first in a user message marks the end of the previous user message. */
  attachCachePoint(cachePoint: Block, path: string): void {
    const list = this.list
    for (let m = list.length - 1; m >= 0; m--) {
      const message = list[m]!
      if (message.role !== "user" || message.content!.length === 0) continue
      const content = message.content!
      if (content[content.length - 1]!.cachePoint !== undefined) {
        content[content.length - 1] = cachePoint
        return
      }
      if (placeCachePoint(content, cachePoint, "skip", "replace", path) === "inserted") this.cachePoints++
      return
    }
    fail(
      "A cache point cannot come first in the conversation: there is nothing before it to cache " +
        "(use the cacheInstructions or cacheToolDefinitions settings to cache system instructions or tools)",
      path
    )
  }

  user(message: Prompt.UserMessage): void {
    this.flushDeferred()
    const parts = message.parts
    if (parts.length === 1 && parts[0]!._tag === "Text") {
      // The common case, without the general bookkeeping.
      const text = parts[0].text
      if (text !== "") this.pushUser([{ text }], false, !this.besideText)
      return
    }
    const content: Array<Block> = []
    let hasDocument = false
    let hasText = false
    let hasLoose = false
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      switch (part._tag) {
        case "Text": {
          if (part.text === "") break
          content.push({ text: part.text })
          hasText = true
          break
        }
        case "File": {
          const { block, kind } = this.fileBlock(part, i)
          content.push(block)
          if (kind === "document") hasDocument = true
          if (!hasLoose && this.loose(kind)) hasLoose = true
          break
        }
        case "CachePoint": {
          if (!this.profile.supportsPromptCaching) break
          const cachePoint = cachePointBlock(part.ttl ?? true)
          if (content.length === 0) {
            this.attachCachePoint(cachePoint, this.path(i))
          } else if (content[content.length - 1]!.cachePoint !== undefined) {
            fail("Two cache points in a row: there must be content between cache points", this.path(i))
          } else if (placeCachePoint(content, cachePoint, "fail", "keep", this.path(i)) === "inserted") {
            this.cachePoints++
          }
          break
        }
      }
    }
    if (content.length === 0) return
    if (hasDocument && !hasText) {
      // Converse: a message with a document must also hold text.
      content.unshift({ text: SEE_DOCUMENTS })
      hasText = true
    }
    if (hasText && !this.besideText) hasLoose = true
    this.pushUser(content, false, hasLoose)
  }

  assistant(message: Prompt.AssistantMessage): void {
    this.flushDeferred()
    const parts = message.parts
    // `map` allocates the array at its final size; parts that send nothing are removed after.
    const content = parts.map(this.assistantBlock, this)
    if (content.indexOf(undefined) !== -1) {
      const kept = content.filter((block) => block !== undefined)
      if (kept.length > 0) this.list.push({ role: "assistant", content: kept as Array<Block> })
      return
    }
    if (content.length > 0) this.list.push({ role: "assistant", content: content as Array<Block> })
  }

  assistantBlock(part: Prompt.AssistantPart): Block | undefined {
    switch (part._tag) {
      case "Text":
        return part.text === "" ? undefined : { text: part.text }
      case "ToolCall": {
        const input = part.input === undefined || part.input === null ? {} : part.input
        return { toolUse: { toolUseId: part.id, name: sanitizeToolName(part.name), input: input as any } }
      }
      case "Thinking": {
        const profile = this.profile
        const native = part.provider === providerName && profile.sendsBackThinking
        if (part.redacted !== undefined) {
          // Redacted thinking is opaque: only Bedrock itself can read it back.
          return native ? { reasoningContent: { redactedContent: part.redacted } } : undefined
        }
        if (native && part.signature !== undefined && part.signature !== "") {
          return { reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } }
        }
        if (part.text === "") return undefined
        const tag = profile.thinkingTagName
        return { text: `<${tag}>\n${part.text}\n</${tag}>` }
      }
    }
  }

  tool(message: Prompt.ToolMessage): void {
    const parts = message.parts
    const profile = this.profile
    const withStatus = profile.supportsToolResultStatus
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (part._tag === "Retry") {
        if (part.toolCallId !== undefined && part.toolName !== undefined) {
          const content = [{ text: part.message }]
          const result = withStatus
            ? { toolUseId: part.toolCallId, content, status: "error" as const }
            : { toolUseId: part.toolCallId, content }
          this.pushUser([{ toolResult: result }], true, false)
        } else {
          this.flushDeferred()
          this.pushUser([{ text: part.message }], false, !this.besideText)
        }
        continue
      }
      const content: Array<ToolResultContentBlock> = [
        part.isError && !withStatus
          // No status field: the failure is told in the text.
          ? { text: JSON.stringify({ error: part.result ?? null }) }
          : resultBlock(part.result, profile.toolResultFormat)
      ]
      let beside: Array<Block> | undefined
      const files = part.files
      if (files !== undefined) {
        for (let f = 0; f < files.length; f++) {
          const file = files[f]!
          const { block, kind } = this.fileBlock(file, i, f)
          if (profile.mediaInToolResults.includes(kind)) {
            content.push(block as ToolResultContentBlock)
          } else {
            const id = file.name ?? `file_${++this.files}`
            content.push({ text: `See file ${id}.` })
            const note: Block = { text: `This is file ${id}:` }
            if (!this.loose(kind) && !this.loose("text")) {
              beside = beside ?? []
              beside.push(note, block)
            } else {
              this.deferred.push(note, block)
            }
          }
        }
      }
      const result = withStatus
        ? { toolUseId: part.id, content, status: part.isError ? "error" as const : "success" as const }
        : { toolUseId: part.id, content }
      this.pushUser(beside === undefined ? [{ toolResult: result }] : [{ toolResult: result }, ...beside], true, false)
    }
  }
}

const blockKind = (block: Block): "text" | Kind =>
  block.image !== undefined ? "image" : block.document !== undefined ? "document" : block.video !== undefined ?
  "video" :
  "text"

const resultBlock = (result: unknown, format: "text" | "json"): ToolResultContentBlock => {
  if (typeof result === "string") return { text: result === "" ? "[]" : result }
  if (result === undefined) return format === "json" ? { json: [] } : { text: "[]" }
  if (format === "json") return { json: result as any }
  const text = JSON.stringify(result)
  return { text: text === undefined || text === "" ? "[]" : text }
}

const mapPrompt = (
  profile: BedrockModelProfile.Profile,
  settings: BedrockModelSettings.Settings,
  request: LanguageModel.Request
): { readonly messages: MessagesMapping; readonly system: Array<SystemContentBlock> } => {
  const prompt = Prompt.make(request.prompt)
  const builder = new MessageBuilder(profile)
  const system = builder.system
  const messages = prompt.messages
  let leading = true
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    switch (message._tag) {
      case "System": {
        if (message.content === "") break
        if (leading) {
          system.push({ text: message.content })
        } else {
          // Converse takes system blocks only up front.
          builder.flushDeferred()
          builder.pushUser([{ text: `<system>${message.content}</system>` }], false, !builder.besideText)
        }
        break
      }
      case "User": {
        leading = false
        builder.messageIndex = i
        builder.user(message)
        break
      }
      case "Assistant": {
        leading = false
        builder.assistant(message)
        break
      }
      case "Tool": {
        leading = false
        builder.messageIndex = i
        builder.tool(message)
        break
      }
    }
  }
  builder.flushDeferred()

  if (request.instructions !== undefined && request.instructions !== "") system.push({ text: request.instructions })

  const list = builder.list
  if (profile.supportsPromptCaching && isOn(settings.cacheMessages) && list.length > 0) {
    for (let m = list.length - 1; m >= 0; m--) {
      if (list[m]!.role !== "user") continue
      const content = list[m]!.content!
      if (content.length > 0 && content[content.length - 1]!.cachePoint === undefined) {
        const placed = placeCachePoint(content, cachePointBlock(settings.cacheMessages!), "skip", "keep")
        if (placed === "inserted") builder.cachePoints++
      }
      break
    }
  }

  // Converse needs a leading user turn (Anthropic and Qwen accept a leading assistant turn).
  // Several models reject whitespace-only text, hence the period.
  if (list.length === 0 || (list[0]!.role === "assistant" && !profile.allowsLeadingAssistant)) {
    list.unshift({ role: "user", content: [{ text: "." }] })
  }
  return { messages: { list, cachePoints: builder.cachePoints }, system }
}
