/**
 * An `effect/ai` prompt (either line: `@effect/ai` 0.37 on Effect 3, `effect/ai` on Effect 4) -> the engine's
 * prompt, as plain data: the shapes both lines' prompts share, written structurally, and one builder that walks
 * them. What differs by line comes in as hooks: how a message's or part's `effectBedrock` options are read, how
 * base64 is decoded, where a reasoning text's signature may be remembered, and what becomes of the parts of a tool
 * Bedrock ran (provider-executed). A problem throws a `MappingIssue`, caught once by the line's mapping.
 *
 * @since 0.1.0
 */
import { sanitizeToolName } from "../mapping/converse.js"
import * as PartOptions from "./partOptions.js"
import type * as Prompt from "./types.js"

// =============================================================================
// Issues
// =============================================================================

/**
 * A prompt the engine cannot map: `message` says why, `path` where (`prompt.content[1].content[0].data`).
 *
 * @since 0.1.0
 * @category Issues
 */
export class MappingIssue {
  constructor(readonly message: string, readonly path: string) {}
}

/**
 * Throws a `MappingIssue`.
 *
 * @since 0.1.0
 * @category Issues
 */
export const fail = (message: string, path: string): never => {
  throw new MappingIssue(message, path)
}

/**
 * Where in the prompt: message `message`, and its part `part` (-1: the message itself). Paths are made only for
 * an issue (a string per message and part would be most of the mapping's allocations).
 *
 * @since 0.1.0
 * @category Issues
 */
export const pathOf = (message: number, part: number): string =>
  part < 0 ? `prompt.content[${message}]` : `prompt.content[${message}].content[${part}]`

// =============================================================================
// The shapes both lines share
// =============================================================================

/**
 * A part's or message's provider options, as both lines carry them.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AiOptions {
  readonly effectBedrock?: unknown
}

/**
 * The parts of an `effect/ai` prompt this mapping reads.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AiTextPart {
  readonly type: "text"
  readonly text: string
  readonly options: AiOptions
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AiFilePart {
  readonly type: "file"
  readonly mediaType: string
  readonly fileName?: string | undefined
  readonly data: string | Uint8Array | URL
  readonly options: AiOptions
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AiReasoningPart {
  readonly type: "reasoning"
  readonly text: string
  readonly options: AiOptions
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AiToolCallPart {
  readonly type: "tool-call"
  readonly id: string
  readonly name: string
  readonly params: unknown
  readonly providerExecuted: boolean
  readonly options: AiOptions
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface AiToolResultPart {
  readonly type: "tool-result"
  readonly id: string
  readonly name: string
  readonly result: unknown
  readonly isFailure: boolean
  readonly providerExecuted?: boolean | undefined
  readonly options: AiOptions
}

/**
 * The parts of an assistant message this mapping reads.
 *
 * @since 0.1.0
 * @category Models
 */
export type AiAssistantPart = AiTextPart | AiFilePart | AiReasoningPart | AiToolCallPart | AiToolResultPart

/**
 * A message of an `effect/ai` prompt.
 *
 * @since 0.1.0
 * @category Models
 */
export type AiMessage =
  | { readonly role: "system"; readonly content: string; readonly options: AiOptions }
  | { readonly role: "user"; readonly content: ReadonlyArray<AiTextPart | AiFilePart>; readonly options: AiOptions }
  | {
    readonly role: "assistant"
    /** `AiAssistantPart`s, and parts of a kind Bedrock has no form for (left out). */
    readonly content: ReadonlyArray<{ readonly type: string }>
    readonly options: AiOptions
  }
  | { readonly role: "tool"; readonly content: ReadonlyArray<{ readonly type: string }>; readonly options: AiOptions }

// =============================================================================
// Pieces
// =============================================================================

const URL_DATA = /^(https?|s3|data):/i

/**
 * A file's source: bytes, a URL (https://, s3://, data:), or base64 text decoded by `decodeBase64` (`undefined`:
 * not base64, an issue at `path`).
 *
 * @since 0.1.0
 * @category Pieces
 */
export const fileSource = (
  data: string | Uint8Array | URL,
  path: string,
  decodeBase64: (text: string) => Uint8Array | undefined
): Prompt.FileSource => {
  if (data instanceof Uint8Array) return { _tag: "Bytes", data }
  if (data instanceof URL) return { _tag: "Url", url: data.href }
  if (URL_DATA.test(data)) return { _tag: "Url", url: data }
  const bytes = decodeBase64(data)
  return bytes === undefined
    ? fail("File data must be bytes, a URL (https://, s3://, data:) or base64 text", path)
    : { _tag: "Bytes", data: bytes }
}

/**
 * A cache point part for a setting (`true`: the default TTL).
 *
 * @since 0.1.0
 * @category Pieces
 */
export const cachePointPart = (setting: "5m" | "1h" | true): Prompt.CachePointPart =>
  setting === true ? { _tag: "CachePoint" } : { _tag: "CachePoint", ttl: setting }

/**
 * A user turn holding only a cache point: the engine puts it at the end of the turn before.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const cachePointTurn = (setting: "5m" | "1h" | true): Prompt.UserMessage => ({
  _tag: "User",
  parts: [cachePointPart(setting)]
})

/**
 * The engine's tool choice for an `effect/ai` one, the tool named by `nameOf` (Bedrock's name for it).
 *
 * @since 0.1.0
 * @category Pieces
 */
export const toolChoice = (
  choice: "auto" | "none" | "required" | { readonly tool: string } | { readonly mode?: string },
  nameOf: (toolkitName: string) => string
): "auto" | "none" | "required" | { readonly tool: string } => {
  if (typeof choice === "string") return choice
  if ("tool" in choice) return { tool: nameOf(choice.tool) }
  // `oneOf`: effect/ai has already narrowed the tools to those named.
  return choice.mode === "required" ? "required" : "auto"
}

// =============================================================================
// The builder
// =============================================================================

/**
 * What the line supplies.
 *
 * - `options`: a message's or part's `effectBedrock` options, read (and checked) as the line does; an issue
 *   throws (`fail`).
 * - `decodeBase64`: strict base64, `undefined` for text that is not.
 * - `signatureOf`: a reasoning text's signature remembered by the line (when the options carry none).
 * - `providerToolCall` / `providerToolResult`: the engine part for a call or result of a tool Bedrock ran
 *   (`undefined`: left out).
 * - `toolResultName`: the name a tool result is sent back under.
 *
 * @since 0.1.0
 * @category Builder
 */
export interface Hooks {
  readonly options: (
    holder: PartOptions.Holder,
    options: AiOptions,
    message: number,
    part: number
  ) => PartOptions.PartOptions | undefined
  readonly decodeBase64: (text: string) => Uint8Array | undefined
  readonly signatureOf?: ((text: string) => string | undefined) | undefined
  readonly providerToolCall: (part: AiToolCallPart) => Prompt.AssistantPart | undefined
  readonly providerToolResult: (part: AiToolResultPart) => Prompt.AssistantPart | undefined
  readonly toolResultName: (name: string) => string
}

/**
 * The engine prompt of an `effect/ai` prompt, one pass (`messages`); a cache point asked for on the leading
 * system messages caches the system prompt (`systemCache`: the `cacheInstructions` setting).
 *
 * @since 0.1.0
 * @category Builder
 */
export class PromptBuilder {
  readonly messages: Array<Prompt.Message> = []
  systemCache: "5m" | "1h" | true | undefined = undefined
  private namer: PartOptions.DocumentNamer | undefined = undefined

  constructor(private readonly hooks: Hooks) {}

  /** Every message of `content`, in order. */
  addAll(content: ReadonlyArray<AiMessage>): this {
    let leading = true
    for (let i = 0; i < content.length; i++) {
      const message = content[i]!
      if (message.role === "system") {
        this.system(message.content, message.options, leading, i)
        continue
      }
      leading = false
      if (message.role === "user") this.user(message.content, message.options, i)
      else if (message.role === "assistant") this.assistant(message.content, i)
      else this.tool(message.content as ReadonlyArray<AiToolResultPart>, message.options, i)
    }
    return this
  }

  /** Document names: made with the first document (most prompts have none). */
  private get documents(): PartOptions.DocumentNamer {
    return this.namer ??= new PartOptions.DocumentNamer()
  }

  private system(content: string, options: AiOptions, leading: boolean, index: number): void {
    this.messages.push({ _tag: "System", content })
    const cache = PartOptions.cachePointOf(this.hooks.options("message", options, index, -1))
    if (cache === undefined) return
    if (leading) this.systemCache = cache
    else this.messages.push(cachePointTurn(cache))
  }

  private user(content: ReadonlyArray<AiTextPart | AiFilePart>, messageOptions: AiOptions, index: number): void {
    const parts: Array<Prompt.UserPart> = []
    for (let i = 0; i < content.length; i++) {
      const part = content[i]!
      let options: PartOptions.PartOptions | undefined
      if (part.type === "text") {
        options = this.hooks.options("text", part.options, index, i)
        parts.push({ _tag: "Text", text: part.text })
      } else {
        options = this.hooks.options("file", part.options, index, i)
        const source = fileSource(part.data, `${pathOf(index, i)}.data`, this.hooks.decodeBase64)
        const mediaType = part.mediaType === "image/*" && source._tag === "Bytes"
          ? sniffImage(source.data) ?? part.mediaType
          : part.mediaType
        const documentName = PartOptions.isDocumentMediaType(mediaType)
          ? this.documents.next(options?.documentName, part.fileName)
          : undefined
        parts.push({
          _tag: "File",
          mediaType,
          source,
          ...(part.fileName !== undefined ? { name: part.fileName } : {}),
          ...(documentName !== undefined ? { documentName } : {})
        })
      }
      const cache = PartOptions.cachePointOf(options)
      if (cache !== undefined) parts.push(cachePointPart(cache))
    }
    const cache = PartOptions.cachePointOf(this.hooks.options("message", messageOptions, index, -1))
    if (cache !== undefined && parts[parts.length - 1]?._tag !== "CachePoint") parts.push(cachePointPart(cache))
    this.messages.push({ _tag: "User", parts })
  }

  private assistant(content: ReadonlyArray<{ readonly type: string }>, index: number): void {
    const parts: Array<Prompt.AssistantPart> = []
    for (let i = 0; i < content.length; i++) {
      const part = content[i] as AiAssistantPart
      switch (part.type) {
        case "text": {
          parts.push({ _tag: "Text", text: part.text })
          break
        }
        case "reasoning": {
          parts.push(this.reasoning(part, index, i))
          break
        }
        case "tool-call": {
          // The engine's mapping sanitises the name as it writes the call.
          const mapped = part.providerExecuted
            ? this.hooks.providerToolCall(part)
            : { _tag: "ToolCall" as const, id: part.id, name: part.name, input: part.params }
          if (mapped !== undefined) parts.push(mapped)
          break
        }
        case "tool-result": {
          // In an assistant message: the result of a tool Bedrock ran.
          const mapped = part.providerExecuted === true ? this.hooks.providerToolResult(part) : undefined
          if (mapped !== undefined) parts.push(mapped)
          break
        }
        case "file": {
          return fail("Bedrock takes files in user messages only, not in assistant messages", pathOf(index, i))
        }
        default:
          break
      }
    }
    this.messages.push({ _tag: "Assistant", parts })
  }

  /** Reasoning as Bedrock's own (its signature, or redacted data) when known, else as text. */
  private reasoning(part: AiReasoningPart, message: number, index: number): Prompt.ThinkingPart {
    const options = this.hooks.options("reasoning", part.options, message, index)
    if (options?.redactedData !== undefined) {
      const redacted = this.hooks.decodeBase64(options.redactedData)
      if (redacted === undefined) {
        return fail("redactedData must be base64", `${pathOf(message, index)}.options.effectBedrock.redactedData`)
      }
      return { _tag: "Thinking", text: part.text, redacted, provider: "bedrock" }
    }
    const signature = options?.signature ?? this.hooks.signatureOf?.(part.text)
    return signature === undefined
      ? { _tag: "Thinking", text: part.text }
      : { _tag: "Thinking", text: part.text, signature, provider: "bedrock" }
  }

  private tool(content: ReadonlyArray<AiToolResultPart>, options: AiOptions, index: number): void {
    const parts: Array<Prompt.ToolPart> = []
    for (const part of content) {
      // Results of tools Bedrock ran belong to the assistant's turn.
      if (part.type !== "tool-result" || part.providerExecuted === true) continue
      parts.push({
        _tag: "ToolResult",
        id: part.id,
        name: this.hooks.toolResultName(part.name),
        result: part.result,
        isError: part.isFailure
      })
    }
    if (parts.length > 0) this.messages.push({ _tag: "Tool", parts })
    const cache = PartOptions.cachePointOf(this.hooks.options("message", options, index, -1))
    if (cache !== undefined) this.messages.push(cachePointTurn(cache))
  }
}

const startsWith = (bytes: Uint8Array, signature: ReadonlyArray<number>, offset = 0): boolean => {
  if (bytes.length < offset + signature.length) return false
  for (let i = 0; i < signature.length; i++) if (bytes[offset + i] !== signature[i]) return false
  return true
}

/**
 * The image type of `image/*` bytes, from their first bytes (PNG, JPEG, GIF, WebP), or `undefined`.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const sniffImage = (bytes: Uint8Array): string | undefined => {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return "image/png"
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg"
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return "image/gif"
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) return "image/webp"
  return undefined
}

/**
 * The name a tool call or result goes by on Bedrock's side: the engine's sanitised name.
 *
 * @since 0.1.0
 * @category Pieces
 */
export const bedrockToolName: (name: string) => string = sanitizeToolName
