/**
 * What a language model answers: a complete `Response`, and the parts of a
 * streamed answer (`StreamPart`). The last streamed part is always `Finish`,
 * which carries the same `Response` that a non-streaming call returns.
 *
 * @since 0.1.0
 */
import * as Helpers from "@effect-bedrock/converse/response/helpers"
import * as Schema from "effect/Schema"
import * as Prompt from "./Prompt.js"

// =============================================================================
// Content
// =============================================================================

/**
 * A content block the provider returned that this library does not model
 * (kept as raw JSON instead of failing).
 *
 * @since 0.1.0
 * @category Parts
 */
export const UnknownPart = Schema.TaggedStruct("Unknown", {
  kind: Schema.String,
  raw: Schema.Unknown
})

/**
 * @since 0.1.0
 * @category Parts
 */
export type UnknownPart = typeof UnknownPart.Type

/**
 * @since 0.1.0
 * @category Parts
 */
export const Part = Schema.Union(
  Prompt.TextPart,
  Prompt.ThinkingPart,
  Prompt.ToolCallPart,
  Prompt.NativeToolCallPart,
  Prompt.NativeToolResultPart,
  UnknownPart
)

/**
 * @since 0.1.0
 * @category Parts
 */
export type Part = typeof Part.Type

// =============================================================================
// Finish reason and usage
// =============================================================================

/**
 * Why the model stopped, normalised across providers. The provider's own
 * value is kept beside it as `rawFinishReason`.
 *
 * @since 0.1.0
 * @category Models
 */
export const FinishReason = Schema.Literal("stop", "length", "content-filter", "tool-calls", "error", "unknown")

/**
 * @since 0.1.0
 * @category Models
 */
export type FinishReason = typeof FinishReason.Type

/**
 * Token usage. `inputTokens` includes cached tokens read and written, which are
 * also given separately; other numeric fields the provider reports are kept in
 * `details`.
 *
 * `unknown: true` marks usage the provider did not report: a ConverseStream that
 * ended after its `messageStop` event without the `metadata` event that carries
 * usage (seen in real traffic). The answer is complete; its counts are then 0, no
 * cost is computed, and a warning is logged. Absent otherwise.
 *
 * @since 0.1.0
 * @category Models
 */
export const Usage = Schema.Struct({
  inputTokens: Schema.Number,
  outputTokens: Schema.Number,
  totalTokens: Schema.Number,
  cacheReadTokens: Schema.Number,
  cacheWriteTokens: Schema.Number,
  details: Schema.Record({ key: Schema.String, value: Schema.Number }),
  unknown: Schema.optional(Schema.Literal(true))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Usage = typeof Usage.Type

/**
 * @since 0.1.0
 * @category Constructors
 */
export const emptyUsage: Usage = Helpers.emptyUsage

// =============================================================================
// Cost
// =============================================================================

/**
 * What a call cost, by kind of token: `input` is the uncached input tokens
 * only, `cacheRead` and `cacheWrite` the cached ones, `total` their sum with
 * `output`. Amounts are in `currency` (an ISO 4217 code, `"USD"` for the
 * bundled prices). A response has a cost only when its price is known (see
 * `BedrockPricing`): an unknown price gives no cost, never a guessed one.
 *
 * @since 0.1.0
 * @category Models
 */
export const Cost = Schema.Struct({
  input: Schema.Number,
  output: Schema.Number,
  cacheRead: Schema.Number,
  cacheWrite: Schema.Number,
  total: Schema.Number,
  currency: Schema.String
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Cost = typeof Cost.Type

/**
 * The sum of two costs, or `undefined` when either is unknown or they are in
 * different currencies (a partial sum would understate what was spent).
 *
 * @since 0.1.0
 * @category Utils
 */
export const addCost: (self: Cost | undefined, that: Cost | undefined) => Cost | undefined = Helpers.addCost

// =============================================================================
// Response
// =============================================================================

/**
 * A complete answer.
 *
 * @since 0.1.0
 * @category Models
 */
export const Response = Schema.Struct({
  parts: Schema.Array(Part),
  finishReason: FinishReason,
  rawFinishReason: Schema.String,
  usage: Usage,
  modelId: Schema.String,
  requestId: Schema.optional(Schema.String),
  latencyMs: Schema.optional(Schema.Number),
  /** When the answer arrived (for a stream: when it started). */
  timestamp: Schema.optional(Schema.Date),
  /** What the call cost, when its price is known (see `Cost`). */
  cost: Schema.optional(Cost),
  providerFields: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type Response = typeof Response.Type

/**
 * The text of a response, all text parts joined.
 *
 * @since 0.1.0
 * @category Getters
 */
export const text: (response: Response) => string = Helpers.text

/**
 * @since 0.1.0
 * @category Getters
 */
export const toolCalls: (response: Response) => ReadonlyArray<Prompt.ToolCallPart> = Helpers.toolCalls

/**
 * The calls of tools the provider ran itself (code execution), and their
 * results, in order. The tool loop leaves them alone.
 *
 * @since 0.1.0
 * @category Getters
 */
export const nativeToolParts: (
  response: Response
) => ReadonlyArray<Prompt.NativeToolCallPart | Prompt.NativeToolResultPart> = Helpers.nativeToolParts

/**
 * @since 0.1.0
 * @category Getters
 */
export const thinking: (response: Response) => ReadonlyArray<Prompt.ThinkingPart> = Helpers.thinking

/**
 * The response as an assistant message, to append to the conversation.
 * Unknown parts are left out: they cannot be sent back.
 *
 * @since 0.1.0
 * @category Conversions
 */
export const toMessage: (response: Response) => Prompt.AssistantMessage = Helpers.toMessage

// =============================================================================
// Stream parts
// =============================================================================

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const TextStart = Schema.TaggedStruct("TextStart", { index: Schema.Number })

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const TextDelta = Schema.TaggedStruct("TextDelta", { index: Schema.Number, delta: Schema.String })

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const TextEnd = Schema.TaggedStruct("TextEnd", { index: Schema.Number })

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const ThinkingStart = Schema.TaggedStruct("ThinkingStart", { index: Schema.Number })

/**
 * One piece of reasoning: text, the signature, or redacted bytes.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const ThinkingDelta = Schema.TaggedStruct("ThinkingDelta", {
  index: Schema.Number,
  delta: Schema.optional(Schema.String),
  signature: Schema.optional(Schema.String),
  redacted: Schema.optional(Schema.Uint8ArrayFromBase64)
})

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const ThinkingEnd = Schema.TaggedStruct("ThinkingEnd", { index: Schema.Number })

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const ToolCallStart = Schema.TaggedStruct("ToolCallStart", {
  index: Schema.Number,
  id: Schema.String,
  name: Schema.String
})

/**
 * A piece of a tool call's JSON arguments.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const ToolCallDelta = Schema.TaggedStruct("ToolCallDelta", {
  index: Schema.Number,
  id: Schema.String,
  delta: Schema.String
})

/**
 * A complete tool call with parsed arguments, emitted when its block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const ToolCall = Schema.TaggedStruct("ToolCall", {
  index: Schema.Number,
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown
})

/**
 * A call of a native (provider-run) tool, complete, emitted when its block
 * ends. Not a call for the tool loop.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const NativeToolCall = Schema.TaggedStruct("NativeToolCall", {
  index: Schema.Number,
  id: Schema.String,
  name: Schema.String,
  input: Schema.Unknown
})

/**
 * What a native tool returned, emitted once its block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const NativeToolResult = Schema.TaggedStruct("NativeToolResult", {
  index: Schema.Number,
  id: Schema.String,
  name: Schema.String,
  result: Schema.Unknown,
  status: Schema.optional(Schema.String)
})

/**
 * The last part of every stream, sent only once usage is known. `response` is
 * what the non-streaming call returns for the same answer.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export const Finish = Schema.TaggedStruct("Finish", {
  finishReason: FinishReason,
  usage: Usage,
  response: Response
})

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export const StreamPart = Schema.Union(
  TextStart,
  TextDelta,
  TextEnd,
  ThinkingStart,
  ThinkingDelta,
  ThinkingEnd,
  ToolCallStart,
  ToolCallDelta,
  ToolCall,
  NativeToolCall,
  NativeToolResult,
  Finish
)

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export type StreamPart = typeof StreamPart.Type

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export type TextDelta = typeof TextDelta.Type

/**
 * @since 0.1.0
 * @category Stream Parts
 */
export type Finish = typeof Finish.Type
