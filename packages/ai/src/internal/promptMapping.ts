/**
 * `@effect/ai` provider options (prompt, tools, tool choice, response format)
 * -> a `LanguageModel.Request` of `@effect-bedrock/core`, in one pass. Bedrock
 * inputs come from the `effectBedrock` provider options (cache points,
 * document names, thinking signatures). A problem throws a `MappingIssue`,
 * caught once by `mapRequest`.
 *
 * @internal
 */
import * as PartOptions from "@effect-bedrock/converse/prompt/partOptions"
import * as Rules from "@effect-bedrock/converse/request/rules"
import type * as BedrockModelSettings from "@effect-bedrock/core/BedrockModelSettings"
import type * as LanguageModel from "@effect-bedrock/core/LanguageModel"
import type * as Prompt from "@effect-bedrock/core/Prompt"
import type * as AiLanguageModel from "@effect/ai/LanguageModel"
import type * as AiPrompt from "@effect/ai/Prompt"
import * as Tool from "@effect/ai/Tool"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { SignatureMemo } from "./signatureMemo.js"

// =============================================================================
// Models
// =============================================================================

/** @internal */
export class MappingIssue {
  constructor(readonly message: string, readonly path?: string) {}
}

const fail = (message: string, path?: string): never => {
  throw new MappingIssue(message, path)
}

/** @internal */
export interface MappedRequest {
  readonly request: LanguageModel.Request
  /** Tool names as sent to Bedrock -> the toolkit's names, when a name had to change. */
  readonly toolNames: ReadonlyMap<string, string> | undefined
}

type CacheSetting = BedrockModelSettings.CacheSetting

interface CacheOptions {
  readonly effectBedrock?: { readonly cachePoint?: CacheSetting | undefined } | undefined
}

interface FileOptions {
  readonly effectBedrock?: {
    readonly cachePoint?: CacheSetting | undefined
    readonly documentName?: string | undefined
  } | undefined
}

interface ReasoningOptions {
  readonly effectBedrock?: {
    readonly signature?: string | undefined
    readonly redactedData?: string | undefined
  } | undefined
}

// =============================================================================
// Names
// =============================================================================

/**
 * A tool name Bedrock accepts (`[a-zA-Z0-9_-]`), as `@effect-bedrock/core`
 * makes it.
 *
 * @internal
 */
export const bedrockToolName = (name: string): string =>
  Rules.isToolName(name) ? name : name.replace(/[^a-zA-Z0-9_-]/g, "_")

/**
 * A document name from a file name, as the engine makes it for both `effect/ai` lines.
 *
 * @internal
 */
export const documentNameFromFileName: (fileName: string) => string | undefined = PartOptions.documentNameFromFileName

const isDocumentType = (mediaType: string): boolean => {
  const lower = mediaType.toLowerCase()
  return !lower.startsWith("image/") && !lower.startsWith("video/")
}

// =============================================================================
// Files
// =============================================================================

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, offset = 0): boolean => {
  if (bytes.length < offset + signature.length) return false
  for (let i = 0; i < signature.length; i++) if (bytes[offset + i] !== signature[i]) return false
  return true
}

/** The image type of `image/*` bytes, from their first bytes. */
const sniffImage = (bytes: Uint8Array): string | undefined => {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "image/png"
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return "image/gif"
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp"
  return undefined
}

const URL_DATA = /^(https?|s3|data):/i

const fileSource = (data: string | Uint8Array | URL, path: string): Prompt.FileSource => {
  if (data instanceof Uint8Array) return { _tag: "Bytes", data }
  if (data instanceof URL) return { _tag: "Url", url: data.href }
  if (URL_DATA.test(data)) return { _tag: "Url", url: data }
  const bytes = Encoding.decodeBase64(data)
  if (Either.isLeft(bytes)) {
    return fail("File data must be bytes, a URL (https://, s3://, data:) or base64 text", path)
  }
  return { _tag: "Bytes", data: bytes.right }
}

/** The core file part; `documentName` when the document is named otherwise than core's `Document N`. */
const filePart = (part: AiPrompt.FilePart, path: string, documentName: string | undefined): Prompt.FilePart => {
  const source = fileSource(part.data, `${path}.data`)
  let mediaType = part.mediaType
  if (mediaType === "image/*" && source._tag === "Bytes") mediaType = sniffImage(source.data) ?? mediaType
  return {
    _tag: "File",
    mediaType,
    source,
    ...(part.fileName !== undefined ? { name: part.fileName } : {}),
    ...(documentName !== undefined ? { documentName } : {})
  }
}

// =============================================================================
// Prompt
// =============================================================================

const cachePointOf = (options: CacheOptions): CacheSetting | undefined => {
  const setting = options.effectBedrock?.cachePoint
  return setting === undefined || setting === false ? undefined : setting
}

const cachePointPart = (setting: CacheSetting): Prompt.CachePointPart =>
  typeof setting === "string" ? { _tag: "CachePoint", ttl: setting } : { _tag: "CachePoint" }

/** A user turn holding only a cache point: `@effect-bedrock/core` puts it at the end of the turn before. */
const cachePointTurn = (setting: CacheSetting): Prompt.UserMessage => ({
  _tag: "User",
  parts: [cachePointPart(setting)]
})

class PromptBuilder {
  readonly messages: Array<Prompt.Message> = []
  /** The cache point asked for on a leading system message: `cacheInstructions`. */
  systemCache: CacheSetting | undefined = undefined
  documents = 0
  readonly usedNames = new Set<string>()

  constructor(readonly memo: SignatureMemo) {}

  system(message: AiPrompt.SystemMessage, leading: boolean): void {
    this.messages.push({ _tag: "System", content: message.content })
    const cache = cachePointOf(message.options as CacheOptions)
    if (cache === undefined) return
    if (leading) this.systemCache = cache
    else this.messages.push(cachePointTurn(cache))
  }

  user(message: AiPrompt.UserMessage, index: number): void {
    const parts: Array<Prompt.UserPart> = []
    const content = message.content
    for (let i = 0; i < content.length; i++) {
      const part = content[i]!
      if (part.type === "text") {
        parts.push({ _tag: "Text", text: part.text })
      } else {
        const path = `prompt.content[${index}].content[${i}]`
        parts.push(filePart(part, path, isDocumentType(part.mediaType) ? this.document(part, path) : undefined))
      }
      const cache = cachePointOf(part.options as CacheOptions)
      if (cache !== undefined) parts.push(cachePointPart(cache))
    }
    const cache = cachePointOf(message.options as CacheOptions)
    if (cache !== undefined && parts[parts.length - 1]?._tag !== "CachePoint") parts.push(cachePointPart(cache))
    this.messages.push({ _tag: "User", parts })
  }

  /**
   * Numbers a document as `@effect-bedrock/core` does; the name it should carry when that is not
   * core's own `Document N` (names unique in the request, as Converse needs).
   */
  document(part: AiPrompt.FilePart, path: string): string | undefined {
    const number = ++this.documents
    const option = (part.options as FileOptions).effectBedrock?.documentName
    if (option !== undefined && !PartOptions.isExplicitDocumentName(option)) {
      fail(
        `Invalid document name "${option}": Bedrock accepts alphanumeric characters, single spaces, hyphens, ` +
          "parentheses and square brackets",
        `${path}.options.effectBedrock.documentName`
      )
    }
    const wanted = option ?? (part.fileName === undefined ? undefined : documentNameFromFileName(part.fileName))
    let name = wanted ?? `Document ${number}`
    // Converse needs names unique in the request.
    for (let n = 2; this.usedNames.has(name); n++) name = `${wanted ?? `Document ${number}`} (${n})`
    this.usedNames.add(name)
    return name === `Document ${number}` ? undefined : name
  }

  assistant(message: AiPrompt.AssistantMessage, index: number): void {
    const parts: Array<Prompt.AssistantPart> = []
    const content = message.content
    for (let i = 0; i < content.length; i++) {
      const part = content[i]!
      switch (part.type) {
        case "text": {
          parts.push({ _tag: "Text", text: part.text })
          break
        }
        case "reasoning": {
          parts.push(this.reasoning(part, `prompt.content[${index}].content[${i}]`))
          break
        }
        case "tool-call": {
          // Provider-executed calls have no Bedrock form; Bedrock runs none of @effect/ai's.
          if (!part.providerExecuted) parts.push({ _tag: "ToolCall", id: part.id, name: part.name, input: part.params })
          break
        }
        case "tool-result": {
          // Results of provider-executed tools: nothing to send back.
          break
        }
        case "file": {
          return fail(
            "Bedrock takes files in user messages only, not in assistant messages",
            `prompt.content[${index}].content[${i}]`
          )
        }
      }
    }
    this.messages.push({ _tag: "Assistant", parts })
  }

  reasoning(part: AiPrompt.ReasoningPart, path: string): Prompt.ThinkingPart {
    const options = (part.options as ReasoningOptions).effectBedrock
    const redactedData = options?.redactedData
    if (redactedData !== undefined) {
      const redacted = Encoding.decodeBase64(redactedData)
      if (Either.isLeft(redacted)) {
        return fail("redactedData must be base64", `${path}.options.effectBedrock.redactedData`)
      }
      return { _tag: "Thinking", text: part.text, redacted: redacted.right, provider: "bedrock" }
    }
    // Chat history keeps only the text of reasoning (Prompt.fromResponseParts): the memo has the signature.
    const signature = options?.signature ?? this.memo.lookup(part.text)
    return signature === undefined
      ? { _tag: "Thinking", text: part.text }
      : { _tag: "Thinking", text: part.text, signature, provider: "bedrock" }
  }

  tool(message: AiPrompt.ToolMessage): void {
    const parts: Array<Prompt.ToolPart> = message.content.map((part) => ({
      _tag: "ToolResult",
      id: part.id,
      name: part.name,
      result: part.result,
      isError: part.isFailure
    }))
    this.messages.push({ _tag: "Tool", parts })
    const cache = cachePointOf(message.options as CacheOptions)
    if (cache !== undefined) this.messages.push(cachePointTurn(cache))
  }
}

// =============================================================================
// Tools and output
// =============================================================================

const definitions = new WeakMap<object, LanguageModel.ToolDefinition>()

/** A tool's definition, made once per tool (tool JSON Schemas are costly to generate). */
const toolDefinition = (tool: Tool.Any, index: number): LanguageModel.ToolDefinition => {
  let definition = definitions.get(tool)
  if (definition === undefined) {
    if (Tool.isProviderDefined(tool)) {
      return fail(`The provider-defined tool "${tool.id}" is not available on Bedrock`, `tools[${index}]`)
    }
    const description = Tool.getDescription(tool as any)
    definition = {
      name: bedrockToolName(tool.name),
      parameters: Tool.getJsonSchema(tool as any) as unknown as LanguageModel.JsonSchema,
      ...(description !== undefined ? { description } : {})
    }
    definitions.set(tool, definition)
  }
  return definition
}

const outputSchemas = new WeakMap<object, LanguageModel.OutputSchema>()

/**
 * `@effect/ai` names an output "generateObject" when neither `objectName` nor the schema says
 * otherwise; a schema's `identifier` annotation is a better name to show the model.
 */
const outputName = (objectName: string, schema: Schema.Schema.Any): string => {
  if (objectName !== "generateObject") return objectName
  const ast = schema.ast._tag === "Transformation" ? schema.ast.to : schema.ast
  return Option.getOrElse(AST.getIdentifierAnnotation(ast), () => objectName)
}

const outputSchema = (objectName: string, schema: Schema.Schema.Any): LanguageModel.OutputSchema => {
  const name = bedrockToolName(outputName(objectName, schema))
  let output = outputSchemas.get(schema)
  if (output === undefined || output.name !== name) {
    const description = Tool.getDescriptionFromSchemaAst(schema.ast)
    output = {
      name,
      schema: Tool.getJsonSchemaFromSchemaAst(schema.ast) as unknown as LanguageModel.JsonSchema,
      ...(description !== undefined ? { description } : {})
    }
    outputSchemas.set(schema, output)
  }
  return output
}

const toolChoice = (choice: AiLanguageModel.ToolChoice<any>): LanguageModel.ToolChoice => {
  if (typeof choice === "string") return choice
  if ("tool" in choice) return { tool: bedrockToolName(choice.tool) }
  // `oneOf`: @effect/ai has already narrowed the tools to those named.
  return choice.mode === "required" ? "required" : "auto"
}

// =============================================================================
// Entry point
// =============================================================================

/**
 * The request for `@effect-bedrock/core`'s `LanguageModel` from `@effect/ai`'s
 * provider options; `settings` are the call's settings (`Config`).
 *
 * @internal
 */
export const mapRequest = (
  options: AiLanguageModel.ProviderOptions,
  settings: BedrockModelSettings.Settings | undefined,
  memo: SignatureMemo
): Either.Either<MappedRequest, MappingIssue> => {
  try {
    return Either.right(build(options, settings, memo))
  } catch (error) {
    if (error instanceof MappingIssue) return Either.left(error)
    throw error
  }
}

const build = (
  options: AiLanguageModel.ProviderOptions,
  settings: BedrockModelSettings.Settings | undefined,
  memo: SignatureMemo
): MappedRequest => {
  const builder = new PromptBuilder(memo)
  const messages = options.prompt.content
  let leading = true
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    switch (message.role) {
      case "system": {
        builder.system(message, leading)
        break
      }
      case "user": {
        leading = false
        builder.user(message, i)
        break
      }
      case "assistant": {
        leading = false
        builder.assistant(message, i)
        break
      }
      case "tool": {
        leading = false
        builder.tool(message)
        break
      }
    }
  }

  let toolNames: Map<string, string> | undefined
  let tools: Array<LanguageModel.ToolDefinition> | undefined
  if (options.tools.length > 0) {
    tools = options.tools.map(toolDefinition)
    for (let i = 0; i < tools.length; i++) {
      const original = options.tools[i]!.name
      if (tools[i]!.name !== original) (toolNames ??= new Map()).set(tools[i]!.name, original)
    }
  }

  const requestSettings = builder.systemCache === undefined
    ? settings
    : { ...settings, cacheInstructions: builder.systemCache }
  const format = options.responseFormat
  const request: LanguageModel.Request = {
    prompt: { messages: builder.messages },
    ...(tools !== undefined ? { tools, toolChoice: toolChoice(options.toolChoice) } : {}),
    ...(format.type === "json" ? { output: outputSchema(format.objectName, format.schema) } : {}),
    ...(requestSettings !== undefined ? { settings: requestSettings } : {})
  }
  return { request, toolNames }
}
