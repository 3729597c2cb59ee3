/**
 * The prompt as Converse `messages` and `system`, in one pass with plain
 * loops: user turns merged (Converse needs alternating turns), tool results
 * as `toolResult` blocks with a tool's media placed where the family accepts
 * it, thinking sent back signed or as tagged text, a leading user turn added.
 *
 * @since 0.1.0
 * @internal
 */
import type {
  ContentBlock,
  Message,
  SystemContentBlock,
  ToolResultBlock,
  ToolResultContentBlock
} from "@aws-sdk/client-bedrock-runtime"
import * as Profiles from "../models/profiles.js"
import { make as makePrompt } from "../prompt/make.js"
import type * as Prompt from "../prompt/types.js"
import type * as Request from "../request/types.js"
import type * as Settings from "../settings/types.js"
import { addCachePointPart, cacheLastUserMessage, isOn } from "./cachePoints.js"
import { fail } from "./issues.js"
import type { Kind } from "./media.js"
import {
  blockKind,
  DocumentNames,
  duplicateDocumentName,
  effectiveMediaType,
  fileSource,
  mediaBlock,
  mediaFormat,
  mustDownload,
  unsupportedMediaType
} from "./media.js"
import { sanitizeToolName } from "./tools.js"

/**
 * The provider name that parts produced by this library carry: only such
 * signed thinking is sent back as `reasoningContent` (`Profiles.providerName`).
 *
 * @since 0.1.0
 * @internal
 */
export const providerName = Profiles.providerName

/** The Bedrock system tool behind each native tool. */
const nativeToolNames: Readonly<Record<string, string>> = { codeExecution: "nova_code_interpreter" }
const nativeResultTypes: Readonly<Record<string, string>> = { codeExecution: "nova_code_interpreter_result" }

type Block = ContentBlock

/**
 * @since 0.1.0
 * @internal
 */
export interface MessagesMapping {
  readonly list: Array<Message>
  /** Cache points placed in messages (may exceed the budget; trimmed later). */
  readonly cachePoints: number
}

// The methods run per message or part keep their common case small and move the rest into methods
// of their own: V8 inlines only small functions (460 bytes of bytecode at most), and a call per part
// costs more than the part's own work (scripts/bench, mapping-200).
class MessageBuilder {
  readonly list: Array<Message> = []
  readonly system: Array<SystemContentBlock> = []
  cachePoints = 0
  messageIndex = 0
  readonly documents = new DocumentNames()
  files = 0
  /** Content of the last user message pushed: merged into while it is still the last message. */
  tail: Array<Block> | undefined = undefined
  /** The trailing user message holds a toolResult / content that may not sit beside one. */
  lastHasToolResult = false
  lastHasLoose = false
  /** Tool-returned media that cannot share the toolResult's turn, sent in a later user turn. */
  deferred: Array<Block> = []

  readonly besideText: boolean
  readonly besideImage: boolean
  readonly besideDocument: boolean
  readonly besideVideo: boolean

  constructor(readonly profile: Profiles.Profile) {
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

  /** Sends the deferred tool media, if any (called before every turn: kept small). */
  flushDeferred(): void {
    if (this.deferred.length !== 0) this.pushDeferred()
  }

  pushDeferred(): void {
    const deferred = this.deferred
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
    const mediaType = effectiveMediaType(file)
    const format = mediaFormat(mediaType)
    if (format === undefined) return fail(unsupportedMediaType(mediaType), this.path(part, fileIndex))
    const source = fileSource(file)
    if (source === undefined) return fail(mustDownload(file), this.path(part, fileIndex))
    if (typeof source === "string") return fail(source, this.path(part, fileIndex))
    const kind = format[0]
    const name = kind === "document" ? this.documents.next(file) : ""
    if (name === undefined) return fail(duplicateDocumentName(file, this.documents), this.path(part, fileIndex))
    return { block: mediaBlock(format, source, name), kind }
  }

  user(message: Prompt.UserMessage): void {
    this.flushDeferred()
    const parts = message.parts
    if (parts.length === 1 && parts[0]!._tag === "Text") {
      // The common case, without the general bookkeeping.
      const text = parts[0].text
      if (text !== "") this.pushUser([{ text }], false, !this.besideText)
    } else {
      this.userParts(parts)
    }
  }

  userParts(parts: ReadonlyArray<Prompt.UserPart>): void {
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
          this.cachePoints += addCachePointPart(this.list, content, part.ttl, this.path(i))
          break
        }
      }
    }
    if (content.length === 0) return
    if (hasDocument && !hasText) {
      // Converse: a message with a document must also hold text.
      content.unshift({ text: "See attached document(s)." })
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
    if (part._tag === "Text") return part.text === "" ? undefined : { text: part.text }
    if (part._tag === "ToolCall") {
      return { toolUse: { toolUseId: part.id, name: sanitizeToolName(part.name), input: toolInput(part.input) as any } }
    }
    return this.otherAssistantBlock(part)
  }

  otherAssistantBlock(
    part: Prompt.NativeToolCallPart | Prompt.NativeToolResultPart | Prompt.ThinkingPart
  ): Block | undefined {
    switch (part._tag) {
      case "NativeToolCall": {
        // Sent back as Bedrock returned it: its own provider's parts only.
        const name = nativeToolNames[part.name]
        if (name === undefined || (part.provider !== undefined && part.provider !== providerName)) return undefined
        return { toolUse: { toolUseId: part.id, name, input: toolInput(part.input) as any, type: "server_tool_use" } }
      }
      case "NativeToolResult": {
        const type = nativeResultTypes[part.name]
        if (type === undefined || (part.provider !== undefined && part.provider !== providerName)) return undefined
        const result = part.result ?? {}
        const content = [isJsonObject(result) ? { json: result as any } : { text: textOf(result) }]
        const toolResult: ToolResultBlock = part.status === undefined
          ? { toolUseId: part.id, content, type }
          : { toolUseId: part.id, content, type, status: part.status as ToolResultBlock["status"] }
        return { toolResult }
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
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!
      if (part._tag === "Retry") this.retry(part)
      else this.toolResult(part, i)
    }
  }

  retry(part: Prompt.RetryPart): void {
    if (part.toolCallId !== undefined && part.toolName !== undefined) {
      const content = [{ text: part.message }]
      const result = this.profile.supportsToolResultStatus
        ? { toolUseId: part.toolCallId, content, status: "error" as const }
        : { toolUseId: part.toolCallId, content }
      this.pushUser([{ toolResult: result }], true, false)
    } else {
      this.flushDeferred()
      this.pushUser([{ text: part.message }], false, !this.besideText)
    }
  }

  toolResult(part: Prompt.ToolResultPart, index: number): void {
    const profile = this.profile
    const withStatus = profile.supportsToolResultStatus
    const files = part.files
    const content: Array<ToolResultContentBlock> = part.isError && !withStatus
      // No status field: the failure is told in the text.
      ? [{ text: JSON.stringify({ error: part.result ?? null }) }]
      // A tool that returned only files: the files alone, no empty result in front.
      : part.result === undefined && files !== undefined && files.length > 0
      ? []
      : profile.toolResultFormat === "json" && Array.isArray(part.result) && part.result.length > 0
      ? resultBlocks(part.result)
      : [resultBlock(part.result, profile.toolResultFormat)]
    const beside = files === undefined ? undefined : this.toolFiles(files, index, content)
    const result = withStatus
      ? { toolUseId: part.id, content, status: part.isError ? "error" as const : "success" as const }
      : { toolUseId: part.id, content }
    this.pushUser(beside === undefined ? [{ toolResult: result }] : [{ toolResult: result }, ...beside], true, false)
  }

  /**
   * A tool's files: into its result `content` where the family takes them
   * there, else referred to there and sent beside the result or in a later
   * user turn. Returns the blocks that go beside it.
   */
  toolFiles(
    files: ReadonlyArray<Prompt.FilePart>,
    index: number,
    content: Array<ToolResultContentBlock>
  ): Array<Block> | undefined {
    let beside: Array<Block> | undefined
    for (let f = 0; f < files.length; f++) {
      const file = files[f]!
      const { block, kind } = this.fileBlock(file, index, f)
      if (this.profile.mediaInToolResults.includes(kind)) {
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
    return beside
  }
}

/**
 * The key under which a tool call's input that is not a JSON object is sent
 * back (pydantic-ai's `INVALID_JSON`): Bedrock takes only an object as
 * `toolUse.input`, and the model sees what it wrote and can correct it.
 *
 * @since 0.1.0
 * @internal
 */
export const invalidJsonKey = "INVALID_JSON"

const isJsonObject = (u: unknown): u is object => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * A tool call's input as Converse takes it, always an object (pydantic-ai's
 * `args_as_dict`): none is `{}`; a string (arguments that were not valid JSON,
 * kept raw by the decoder) is parsed when it holds an object; anything else
 * goes as `{ INVALID_JSON: <raw text> }`.
 *
 * @since 0.1.0
 * @internal
 */
export const toolInput = (input: unknown): object => {
  if (isJsonObject(input)) return input
  if (input === undefined || input === null || input === "") return {}
  if (typeof input === "string") {
    try {
      const parsed: unknown = JSON.parse(input)
      if (isJsonObject(parsed)) return parsed
    } catch {
      // not JSON: sent back raw
    }
    return { [invalidJsonKey]: input }
  }
  return { [invalidJsonKey]: textOf(input) }
}

/** A value as text: a string as is, anything else as JSON (never empty: `[]` stands for nothing). */
const textOf = (value: unknown): string => {
  if (typeof value === "string") return value === "" ? "[]" : value
  const text: string | undefined = JSON.stringify(value)
  return text === undefined || text === "" ? "[]" : text
}

/**
 * The content of a successful tool result: a string as is; for families
 * that take `json` blocks an object as one; anything else (a scalar, an
 * empty or missing result, and every value for the other families) as JSON
 * text. Never a `json` block that is not an object (Bedrock rejects those),
 * never empty (`[]` stands for no result).
 *
 * @since 0.1.0
 * @internal
 */
export const resultBlock = (result: unknown, format: "text" | "json"): ToolResultContentBlock =>
  format === "json" && isJsonObject(result) ? { json: result as any } : { text: textOf(result) }

/**
 * A non-empty list result for families that take `json` blocks: one block per
 * item, as pydantic-ai sends it (objects as `json`, anything else as text).
 */
const resultBlocks = (items: ReadonlyArray<unknown>): Array<ToolResultContentBlock> => {
  const blocks: Array<ToolResultContentBlock> = []
  for (let i = 0; i < items.length; i++) blocks.push(resultBlock(items[i], "json"))
  return blocks
}

/**
 * Appends the instructions to `system`: static ones first (then `extra`, the
 * prompted-output instructions, also static), dynamic ones after. Returns
 * where the static part ends when dynamic instructions follow it, for the
 * instructions cache point.
 */
const addInstructions = (
  system: Array<SystemContentBlock>,
  instructions: Request.Request<object>["instructions"],
  extra: string | undefined
): number | undefined => {
  if (typeof instructions === "string" || instructions === undefined) {
    if (instructions !== undefined && instructions !== "") system.push({ text: instructions })
    if (extra !== undefined) system.push({ text: extra })
    return undefined
  }
  let dynamic: Array<string> | undefined
  for (const instruction of instructions) {
    const text = typeof instruction === "string" ? instruction : instruction.text
    if (text === "") continue
    if (typeof instruction !== "string" && instruction.dynamic === true) (dynamic ??= []).push(text)
    else system.push({ text })
  }
  if (extra !== undefined) system.push({ text: extra })
  if (dynamic === undefined) return undefined
  const staticEnd = system.length
  for (const text of dynamic) system.push({ text })
  return staticEnd
}

/**
 * The Converse `messages` and `system` of a request (system prompts first,
 * then `instructions`, then `extraInstructions`), with the `cacheMessages`
 * cache point; the message cache points are counted, not yet limited.
 * `staticSystemEnd` is where the static system blocks end when dynamic
 * instructions follow them.
 *
 * @since 0.1.0
 * @internal
 */
export const mapPrompt = (
  profile: Profiles.Profile,
  settings: Settings.Settings,
  request: Request.Request<object>,
  extraInstructions?: string | undefined
): {
  readonly messages: MessagesMapping
  readonly system: Array<SystemContentBlock>
  readonly staticSystemEnd: number | undefined
} => {
  const prompt = makePrompt(request.prompt)
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

  const staticSystemEnd = addInstructions(system, request.instructions, extraInstructions)

  const list = builder.list
  if (profile.supportsPromptCaching && isOn(settings.cacheMessages) && list.length > 0) {
    builder.cachePoints += cacheLastUserMessage(list, settings.cacheMessages!)
  }

  // Converse needs a leading user turn (Anthropic and Qwen accept a leading assistant turn).
  // Several models reject whitespace-only text, hence the period.
  if (list.length === 0 || (list[0]!.role === "assistant" && !profile.allowsLeadingAssistant)) {
    list.unshift({ role: "user", content: [{ text: "." }] })
  }
  return { messages: { list, cachePoints: builder.cachePoints }, system, staticSystemEnd }
}
