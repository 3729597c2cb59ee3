/**
 * The conversation a model is called with, as plain types: messages of four roles, each holding parts.
 * `@effect-bedrock/core`'s `Prompt` Schemas decode to exactly these types (a test proves it).
 *
 * @since 0.1.0
 */

// =============================================================================
// Parts
// =============================================================================

/**
 * Plain text.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface TextPart {
  readonly _tag: "Text"
  readonly text: string
}

/**
 * A file's bytes.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface BytesSource {
  readonly _tag: "Bytes"
  readonly data: Uint8Array
}

/**
 * A file's URL: `s3://` is sent to Bedrock as an S3 location; `http(s)://` is downloaded first.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface UrlSource {
  readonly _tag: "Url"
  readonly url: string
}

/**
 * Where a file's content comes from.
 *
 * @since 0.1.0
 * @category Parts
 */
export type FileSource = BytesSource | UrlSource

/**
 * A file (image, document, video): its media type, its source, an optional name and, for documents, the
 * name Bedrock is given (see `Rules.isDocumentName`).
 *
 * @since 0.1.0
 * @category Parts
 */
export interface FilePart {
  readonly _tag: "File"
  readonly mediaType: string
  readonly source: FileSource
  readonly name?: string | undefined
  readonly documentName?: string | undefined
}

/**
 * The time to live of a prompt-cache point.
 *
 * @since 0.1.0
 * @category Parts
 */
export type CacheTtl = "5m" | "1h"

/**
 * A prompt-cache point: the prefix up to here is cached.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface CachePointPart {
  readonly _tag: "CachePoint"
  readonly ttl?: CacheTtl | undefined
}

/**
 * The model's reasoning, with its signature (sent back as is) or redacted content.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface ThinkingPart {
  readonly _tag: "Thinking"
  readonly text: string
  readonly signature?: string | undefined
  readonly redacted?: Uint8Array | undefined
  readonly provider?: string | undefined
}

/**
 * A call of one of the request's tools.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface ToolCallPart {
  readonly _tag: "ToolCall"
  readonly id: string
  readonly name: string
  readonly input: unknown
}

/**
 * A call of a tool the provider runs itself (code execution).
 *
 * @since 0.1.0
 * @category Parts
 */
export interface NativeToolCallPart {
  readonly _tag: "NativeToolCall"
  readonly id: string
  readonly name: string
  readonly input: unknown
  readonly provider?: string | undefined
}

/**
 * The result of a native tool call, as the provider ran it.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface NativeToolResultPart {
  readonly _tag: "NativeToolResult"
  readonly id: string
  readonly name: string
  readonly result: unknown
  readonly status?: string | undefined
  readonly provider?: string | undefined
}

/**
 * The result of a tool call, with optional files.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface ToolResultPart {
  readonly _tag: "ToolResult"
  readonly id: string
  readonly name?: string | undefined
  readonly result?: unknown
  readonly isError: boolean
  readonly files?: ReadonlyArray<FilePart> | undefined
}

/**
 * A request to try again (a tool's input or the final answer did not validate), sent back to the model.
 *
 * @since 0.1.0
 * @category Parts
 */
export interface RetryPart {
  readonly _tag: "Retry"
  readonly message: string
  readonly toolCallId?: string | undefined
  readonly toolName?: string | undefined
}

// =============================================================================
// Messages
// =============================================================================

/**
 * System instructions.
 *
 * @since 0.1.0
 * @category Messages
 */
export interface SystemMessage {
  readonly _tag: "System"
  readonly content: string
}

/**
 * What a user message may hold.
 *
 * @since 0.1.0
 * @category Messages
 */
export type UserPart = TextPart | FilePart | CachePointPart

/**
 * A user's turn.
 *
 * @since 0.1.0
 * @category Messages
 */
export interface UserMessage {
  readonly _tag: "User"
  readonly parts: ReadonlyArray<UserPart>
}

/**
 * What an assistant message may hold.
 *
 * @since 0.1.0
 * @category Messages
 */
export type AssistantPart = TextPart | ThinkingPart | ToolCallPart | NativeToolCallPart | NativeToolResultPart

/**
 * The model's turn.
 *
 * @since 0.1.0
 * @category Messages
 */
export interface AssistantMessage {
  readonly _tag: "Assistant"
  readonly parts: ReadonlyArray<AssistantPart>
}

/**
 * What a tool message may hold.
 *
 * @since 0.1.0
 * @category Messages
 */
export type ToolPart = ToolResultPart | RetryPart

/**
 * Tool results (and retry requests) answering the model's calls.
 *
 * @since 0.1.0
 * @category Messages
 */
export interface ToolMessage {
  readonly _tag: "Tool"
  readonly parts: ReadonlyArray<ToolPart>
}

/**
 * One message of a conversation.
 *
 * @since 0.1.0
 * @category Messages
 */
export type Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage

// =============================================================================
// Prompt
// =============================================================================

/**
 * A whole conversation.
 *
 * @since 0.1.0
 * @category Prompt
 */
export interface Prompt {
  readonly messages: ReadonlyArray<Message>
}

/**
 * What a request's `prompt` may be: a user's text, one message, a list of messages, or a prompt.
 *
 * @since 0.1.0
 * @category Prompt
 */
export type Input = string | Message | ReadonlyArray<Message> | Prompt
