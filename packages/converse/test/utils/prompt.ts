// Prompt builders for the engine's tests, with the same results as core's `Prompt` constructors (core's
// Schemas need `effect`; the engine's tests do not use it). B2's `prompt/make.ts` replaces these in Round 3.
import type * as P from "@effect-bedrock/converse/prompt/types"

export type * from "@effect-bedrock/converse/prompt/types"

const defined = <A extends object>(value: A): A => {
  for (const key in value) if (value[key] === undefined) delete value[key]
  return value
}

const text = (value: string): P.TextPart => ({ _tag: "Text", text: value })

export const system = (content: string): P.SystemMessage => ({ _tag: "System", content })

export const user = (...parts: ReadonlyArray<string | P.UserPart>): P.UserMessage => ({
  _tag: "User",
  parts: parts.map((part) => typeof part === "string" ? text(part) : part)
})

export const assistant = (...parts: ReadonlyArray<string | P.AssistantPart>): P.AssistantMessage => ({
  _tag: "Assistant",
  parts: parts.map((part) => typeof part === "string" ? text(part) : part)
})

export const tool = (...parts: ReadonlyArray<P.ToolPart>): P.ToolMessage => ({ _tag: "Tool", parts })

export const cachePoint = (ttl?: "5m" | "1h"): P.CachePointPart =>
  ttl === undefined ? { _tag: "CachePoint" } : { _tag: "CachePoint", ttl }

export const file = (options: {
  readonly mediaType?: string | undefined
  readonly data: Uint8Array | string | URL
  readonly name?: string | undefined
  readonly documentName?: string | undefined
}): P.FilePart => ({
  _tag: "File",
  mediaType: options.mediaType ?? "",
  source: options.data instanceof Uint8Array
    ? { _tag: "Bytes", data: options.data }
    : { _tag: "Url", url: String(options.data) },
  ...(options.name !== undefined ? { name: options.name } : {}),
  ...(options.documentName !== undefined ? { documentName: options.documentName } : {})
})

export const thinking = (options: {
  readonly text: string
  readonly signature?: string | undefined
  readonly redacted?: Uint8Array | undefined
  readonly provider?: string | undefined
}): P.ThinkingPart => defined({ _tag: "Thinking", ...options })

export const toolCall = (
  options: { readonly id: string; readonly name: string; readonly input: unknown }
): P.ToolCallPart => ({ _tag: "ToolCall", id: options.id, name: options.name, input: options.input })

export const toolResult = (options: {
  readonly id: string
  readonly name?: string | undefined
  readonly result?: unknown
  readonly isError?: boolean | undefined
  readonly files?: ReadonlyArray<P.FilePart> | undefined
}): P.ToolResultPart =>
  defined({
    _tag: "ToolResult",
    id: options.id,
    name: options.name,
    result: options.result,
    isError: options.isError ?? false,
    files: options.files
  })

export const retry = (options: {
  readonly message: string
  readonly toolCallId?: string | undefined
  readonly toolName?: string | undefined
}): P.RetryPart => defined({ _tag: "Retry", ...options })
