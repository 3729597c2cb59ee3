/**
 * A conversation with a language model, as plain serialisable data.
 *
 * Every type here is a `Schema`, so a conversation can be stored as JSON and decoded back to resume a chat
 * (`encodeJson` / `decodeJson`). Bytes are kept as `Uint8Array` in memory and as base64 in JSON.
 *
 * @example
 * ```ts
 * import { Prompt } from "@effect-bedrock/core"
 *
 * const prompt = Prompt.make([
 *   Prompt.system("You are terse."),
 *   Prompt.user("What is the capital of France?")
 * ])
 * ```
 *
 * @since 0.1.0
 */
import * as internal from "@effect-bedrock/converse/prompt/make"
import * as Rules from "@effect-bedrock/converse/request/rules"
import * as Schema from "effect/Schema"

// =============================================================================
// Parts
// =============================================================================

/**
 * Plain text.
 *
 * @since 0.1.0
 * @category Parts
 */
export const TextPart = Schema.TaggedStruct("Text", { text: Schema.String })

/**
 * @since 0.1.0
 * @category Parts
 */
export type TextPart = typeof TextPart.Type

/**
 * Where a file's content comes from: its bytes, or a location (`https://...`,
 * `s3://bucket/key?bucketOwner=ACCOUNT`).
 *
 * @since 0.1.0
 * @category Parts
 */
export const FileSource = Schema.Union(
  Schema.TaggedStruct("Bytes", { data: Schema.Uint8ArrayFromBase64 }),
  Schema.TaggedStruct("Url", { url: Schema.String })
)

/**
 * @since 0.1.0
 * @category Parts
 */
export type FileSource = typeof FileSource.Type

/**
 * The name Bedrock shows the model for a document: letters, digits, whitespace (never two in a row), hyphens,
 * parentheses and square brackets, 1 to 200 characters (what Converse accepts; no dot, so no file extension).
 *
 * @since 0.1.0
 * @category Parts
 */
export const DocumentName = Schema.String.pipe(
  Schema.pattern(Rules.documentNamePattern, {
    message: () => "A document name may hold letters, digits, whitespace, hyphens, parentheses and square brackets only"
  }),
  Schema.filter((name) =>
    !Rules.documentNameRepeatedWhitespace.test(name) ||
    "A document name may not hold two whitespace characters in a row"
  ),
  Schema.maxLength(Rules.maxDocumentNameLength, {
    message: () => `A document name is at most ${Rules.maxDocumentNameLength} characters`
  })
)

/**
 * A file (image, document, video) given by the user or returned by a tool. An empty `mediaType` means "work
 * it out": from a `data:` URL's own type, a download's `Content-Type`, or the URL's file extension.
 * `name` names the file in the text that refers to it (a tool's file the model family cannot take in a
 * tool result). `documentName` is the name Bedrock gives a document (see `DocumentName`; unique in the
 * request); without it the documents are named `Document 1`, `Document 2`, ... in prompt order.
 *
 * @since 0.1.0
 * @category Parts
 */
export const FilePart = Schema.TaggedStruct("File", {
  mediaType: Schema.String,
  source: FileSource,
  name: Schema.optional(Schema.String),
  documentName: Schema.optional(DocumentName)
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type FilePart = typeof FilePart.Type

/**
 * A marker asking the provider to cache everything before it (Bedrock `cachePoint`). `ttl` is sent only when
 * given.
 *
 * @since 0.1.0
 * @category Parts
 */
export const CachePointPart = Schema.TaggedStruct("CachePoint", { ttl: Schema.optional(Schema.Literal("5m", "1h")) })

/**
 * @since 0.1.0
 * @category Parts
 */
export type CachePointPart = typeof CachePointPart.Type

/**
 * The model's reasoning. `signature` and `redacted` come from the provider and must be sent back unchanged;
 * `provider` records who produced it, since only thinking from the same provider may be replayed as native
 * reasoning.
 *
 * @since 0.1.0
 * @category Parts
 */
export const ThinkingPart = Schema.TaggedStruct("Thinking", {
  text: Schema.String,
  signature: Schema.optional(Schema.String),
  redacted: Schema.optional(Schema.Uint8ArrayFromBase64),
  provider: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type ThinkingPart = typeof ThinkingPart.Type

/**
 * A call of a tool by the model. `input` is the decoded JSON arguments.
 *
 * @since 0.1.0
 * @category Parts
 */
export const ToolCallPart = Schema.TaggedStruct("ToolCall", {
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type ToolCallPart = typeof ToolCallPart.Type

/**
 * A call of a tool the provider runs itself (`name`: a `LanguageModel.NativeTool`, e.g. `codeExecution`;
 * `input` holds the code). Kept in the history and sent back as received; the tool loop never runs it.
 *
 * @since 0.1.0
 * @category Parts
 */
export const NativeToolCallPart = Schema.TaggedStruct("NativeToolCall", {
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown,
  provider: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type NativeToolCallPart = typeof NativeToolCallPart.Type

/**
 * What a native tool returned (the provider ran it in the same answer), with the provider's `status` when it
 * gave one.
 *
 * @since 0.1.0
 * @category Parts
 */
export const NativeToolResultPart = Schema.TaggedStruct("NativeToolResult", {
  id: Schema.String,
  name: Schema.String,
  result: Schema.Unknown,
  status: Schema.optional(Schema.String),
  provider: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type NativeToolResultPart = typeof NativeToolResultPart.Type

/**
 * The outcome of a tool call, sent back to the model. `result` is any JSON value (left out when the tool
 * returned only `files`); `isError` marks a failed call. `name` is optional: the call in the history names
 * the tool.
 *
 * @since 0.1.0
 * @category Parts
 */
export const ToolResultPart = Schema.TaggedStruct("ToolResult", {
  id: Schema.String,
  name: Schema.optional(Schema.String),
  result: Schema.optional(Schema.Unknown),
  isError: Schema.optionalWith(Schema.Boolean, { default: () => false, exact: true }),
  files: Schema.optional(Schema.Array(FilePart))
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type ToolResultPart = typeof ToolResultPart.Type

/**
 * Asks the model to try again. With a tool call id and name it answers that call (for example its arguments
 * failed validation) and is sent as an error tool result; without them it is plain user text.
 *
 * @since 0.1.0
 * @category Parts
 */
export const RetryPart = Schema.TaggedStruct("Retry", {
  message: Schema.String,
  toolCallId: Schema.optional(Schema.String),
  toolName: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type RetryPart = typeof RetryPart.Type

// =============================================================================
// Messages
// =============================================================================

/**
 * System instructions. A system message after other messages is sent as user text wrapped in `<system>` tags,
 * since Converse only takes system blocks up front.
 *
 * @since 0.1.0
 * @category Messages
 */
export const SystemMessage = Schema.TaggedStruct("System", { content: Schema.String })

/**
 * @since 0.1.0
 * @category Messages
 */
export type SystemMessage = typeof SystemMessage.Type

/**
 * @since 0.1.0
 * @category Messages
 */
export const UserPart = Schema.Union(TextPart, FilePart, CachePointPart)

/**
 * @since 0.1.0
 * @category Messages
 */
export type UserPart = typeof UserPart.Type

/**
 * @since 0.1.0
 * @category Messages
 */
export const UserMessage = Schema.TaggedStruct("User", {
  parts: Schema.Array(UserPart)
})

/**
 * @since 0.1.0
 * @category Messages
 */
export type UserMessage = typeof UserMessage.Type

/**
 * @since 0.1.0
 * @category Messages
 */
export const AssistantPart = Schema.Union(
  TextPart,
  ThinkingPart,
  ToolCallPart,
  NativeToolCallPart,
  NativeToolResultPart
)

/**
 * @since 0.1.0
 * @category Messages
 */
export type AssistantPart = typeof AssistantPart.Type

/**
 * A previous answer of the model.
 *
 * @since 0.1.0
 * @category Messages
 */
export const AssistantMessage = Schema.TaggedStruct("Assistant", {
  parts: Schema.Array(AssistantPart)
})

/**
 * @since 0.1.0
 * @category Messages
 */
export type AssistantMessage = typeof AssistantMessage.Type

/**
 * @since 0.1.0
 * @category Messages
 */
export const ToolPart = Schema.Union(ToolResultPart, RetryPart)

/**
 * @since 0.1.0
 * @category Messages
 */
export type ToolPart = typeof ToolPart.Type

/**
 * Tool results and retry requests answering the previous assistant message.
 *
 * @since 0.1.0
 * @category Messages
 */
export const ToolMessage = Schema.TaggedStruct("Tool", {
  parts: Schema.Array(ToolPart)
})

/**
 * @since 0.1.0
 * @category Messages
 */
export type ToolMessage = typeof ToolMessage.Type

/**
 * @since 0.1.0
 * @category Messages
 */
export const Message = Schema.Union(SystemMessage, UserMessage, AssistantMessage, ToolMessage)

/**
 * @since 0.1.0
 * @category Messages
 */
export type Message = typeof Message.Type

// =============================================================================
// Prompt
// =============================================================================

/**
 * A whole conversation.
 *
 * @since 0.1.0
 * @category Models
 */
export const Prompt = Schema.Struct({
  messages: Schema.Array(Message)
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Prompt = typeof Prompt.Type

/**
 * What the constructors accept: a user's text, a list of messages, or a prompt. As a `Schema`, it checks a
 * value from an untyped caller.
 *
 * @since 0.1.0
 * @category Models
 */
export const Input = Schema.Union(Schema.String, Message, Schema.Array(Message), Prompt)

/**
 * @since 0.1.0
 * @category Models
 */
export type Input = string | Message | ReadonlyArray<Message> | Prompt

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = internal.make

/**
 * @since 0.1.0
 * @category Constructors
 */
export const empty: Prompt = { messages: [] }

/**
 * @since 0.1.0
 * @category Constructors
 */
export const system = (content: string): SystemMessage => ({ _tag: "System", content })

/**
 * A user turn from text and parts; strings become text parts.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const user = internal.user

/**
 * @since 0.1.0
 * @category Constructors
 */
export const assistant = internal.assistant

/**
 * @since 0.1.0
 * @category Constructors
 */
export const tool = (...parts: ReadonlyArray<ToolPart>): ToolMessage => ({ _tag: "Tool", parts })

/**
 * @since 0.1.0
 * @category Constructors
 */
export const text = (value: string): TextPart => ({ _tag: "Text", text: value })

/**
 * A file from bytes or from a URL (`https://`, `s3://`, `data:`). Without `mediaType`, a URL's file is sent
 * as what its `data:` type, its download's `Content-Type` or its extension says it is. `documentName` names
 * a document for the model (default `Document <n>`).
 *
 * @example
 * ```ts
 * import { Prompt } from "@effect-bedrock/core"
 *
 * const report = Prompt.file({ mediaType: "application/pdf", data: new Uint8Array(), documentName: "Q3 report" })
 * const prompt = Prompt.user("Sum up the Q3 report.", report)
 * ```
 *
 * @since 0.1.0
 * @category Constructors
 */
export const file = internal.file

/**
 * @since 0.1.0
 * @category Constructors
 */
export const cachePoint = internal.cachePoint

/**
 * Reasoning to put in a history. Signed thinking from Bedrock is sent back as native reasoning only when
 * `provider` is `BedrockModelProfile.providerName`; otherwise it is sent as tagged text.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const thinking = internal.thinking

/**
 * @since 0.1.0
 * @category Constructors
 */
export const toolCall = internal.toolCall

/**
 * @since 0.1.0
 * @category Constructors
 */
export const nativeToolCall = internal.nativeToolCall

/**
 * @since 0.1.0
 * @category Constructors
 */
export const nativeToolResult = internal.nativeToolResult

/**
 * A tool's result. `name` may be left out (the call in the history names the tool), and so may `result` when
 * the tool returned only `files`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const toolResult = internal.toolResult

/**
 * @since 0.1.0
 * @category Constructors
 */
export const retry = internal.retry

// =============================================================================
// Combinators and JSON
// =============================================================================

/**
 * Appends messages (or a whole prompt) to a prompt.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const concat = internal.concat

/**
 * A prompt to and from a JSON string, for storing and resuming conversations.
 *
 * @since 0.1.0
 * @category Serialization
 */
export const PromptFromJson = Schema.parseJson(Prompt)

/**
 * @since 0.1.0
 * @category Serialization
 */
export const encodeJson = Schema.encode(PromptFromJson)

/**
 * @since 0.1.0
 * @category Serialization
 */
export const decodeJson = Schema.decode(PromptFromJson)
