/**
 * The bodies of the `Prompt` constructors; their docs live in `Prompt.ts`.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Prompt from "./types.js"

/**
 * The object without its `undefined` properties, so optional fields stay absent
 * (parts compare and serialise the same whichever way they were built).
 */
const defined = <A extends object>(value: A): A => {
  for (const key in value) if (value[key] === undefined) delete value[key]
  return value
}

const isPrompt = (input: Prompt.Input): input is Prompt.Prompt =>
  typeof input === "object" && input !== null && !Array.isArray(input) && "messages" in input

/** @internal */
export const make = (input: Prompt.Input): Prompt.Prompt => {
  if (typeof input === "string") return { messages: [{ _tag: "User", parts: [{ _tag: "Text", text: input }] }] }
  if (isPrompt(input)) return input
  if (Array.isArray(input)) return { messages: input as ReadonlyArray<Prompt.Message> }
  return { messages: [input as Prompt.Message] }
}

const text = (value: string): Prompt.TextPart => ({ _tag: "Text", text: value })

/** @internal */
export const user = (...parts: ReadonlyArray<string | Prompt.UserPart>): Prompt.UserMessage => ({
  _tag: "User",
  parts: parts.map((part) => typeof part === "string" ? text(part) : part)
})

/** @internal */
export const assistant = (...parts: ReadonlyArray<string | Prompt.AssistantPart>): Prompt.AssistantMessage => ({
  _tag: "Assistant",
  parts: parts.map((part) => typeof part === "string" ? text(part) : part)
})

/** @internal */
export const cachePoint = (ttl?: "5m" | "1h"): Prompt.CachePointPart =>
  ttl === undefined ? { _tag: "CachePoint" } : { _tag: "CachePoint", ttl }

/** @internal */
export const concat = (self: Prompt.Input, that: Prompt.Input): Prompt.Prompt => ({
  messages: [...make(self).messages, ...make(that).messages]
})

/** @internal */
export const file = (options: {
  readonly mediaType?: string | undefined
  readonly data: Uint8Array | string | URL
  readonly name?: string | undefined
  readonly documentName?: string | undefined
}): Prompt.FilePart => ({
  _tag: "File",
  // "" when not given: worked out from a data: URL's type, a download's Content-Type or the extension.
  mediaType: options.mediaType ?? "",
  source: options.data instanceof Uint8Array
    ? { _tag: "Bytes", data: options.data }
    : { _tag: "Url", url: String(options.data) },
  ...(options.name !== undefined ? { name: options.name } : {}),
  ...(options.documentName !== undefined ? { documentName: options.documentName } : {})
})

/** @internal */
export const thinking = (options: {
  readonly text: string
  readonly signature?: string | undefined
  readonly redacted?: Uint8Array | undefined
  readonly provider?: string | undefined
}): Prompt.ThinkingPart => defined({ _tag: "Thinking", ...options })

/** @internal */
export const toolCall = (
  options: { readonly id: string; readonly name: string; readonly input: unknown }
): Prompt.ToolCallPart => ({ _tag: "ToolCall", id: options.id, name: options.name, input: options.input })

/** @internal */
export const nativeToolCall = (options: {
  readonly id: string
  readonly name: string
  readonly input: unknown
  readonly provider?: string | undefined
}): Prompt.NativeToolCallPart => defined({ _tag: "NativeToolCall", ...options })

/** @internal */
export const nativeToolResult = (options: {
  readonly id: string
  readonly name: string
  readonly result: unknown
  readonly status?: string | undefined
  readonly provider?: string | undefined
}): Prompt.NativeToolResultPart => defined({ _tag: "NativeToolResult", ...options })

/** @internal */
export const toolResult = (options: {
  readonly id: string
  readonly name?: string | undefined
  readonly result?: unknown
  readonly isError?: boolean | undefined
  readonly files?: ReadonlyArray<Prompt.FilePart> | undefined
}): Prompt.ToolResultPart =>
  defined({
    _tag: "ToolResult",
    id: options.id,
    name: options.name,
    result: options.result,
    isError: options.isError ?? false,
    files: options.files
  })

/** @internal */
export const retry = (options: {
  readonly message: string
  readonly toolCallId?: string | undefined
  readonly toolName?: string | undefined
}): Prompt.RetryPart => defined({ _tag: "Retry", ...options })
