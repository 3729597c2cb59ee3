/**
 * What a model answers, as plain types: a complete `Response`, and the parts of a streamed answer
 * (`StreamPart`), whose last part is always `Finish`, carrying the same `Response` a non-streaming call
 * returns. `@effect-bedrock/core`'s `Response` Schemas decode to exactly these types (a test proves it).
 *
 * @since 0.1.0
 */
import type { NativeToolCallPart, NativeToolResultPart, TextPart, ThinkingPart, ToolCallPart } from "../prompt/types.js"

// =============================================================================
// Content
// =============================================================================

/**
 * A content block the provider returned that is not modelled (kept as raw JSON instead of failing).
 *
 * @since 0.1.0
 * @category Parts
 */
export interface UnknownPart {
  readonly _tag: "Unknown"
  readonly kind: string
  readonly raw: unknown
}

/**
 * One part of an answer.
 *
 * @since 0.1.0
 * @category Parts
 */
export type Part = TextPart | ThinkingPart | ToolCallPart | NativeToolCallPart | NativeToolResultPart | UnknownPart

// =============================================================================
// Finish reason, usage, cost
// =============================================================================

/**
 * Why the model stopped, normalised across providers (the provider's own value is `rawFinishReason`).
 *
 * @since 0.1.0
 * @category Models
 */
export type FinishReason = "stop" | "length" | "content-filter" | "tool-calls" | "error" | "unknown"

/**
 * Token usage. `inputTokens` includes the cached tokens read and written, which are also given separately;
 * other numeric fields the provider reports are in `details`. `unknown: true` marks usage the provider did
 * not report (the counts are then 0).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Usage {
  readonly inputTokens: number
  readonly outputTokens: number
  readonly totalTokens: number
  readonly cacheReadTokens: number
  readonly cacheWriteTokens: number
  readonly details: { readonly [key: string]: number }
  readonly unknown?: true | undefined
}

/**
 * What a call cost, by kind of token (`input` is the uncached input only; `total` is the sum), in
 * `currency` (ISO 4217).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Cost {
  readonly input: number
  readonly output: number
  readonly cacheRead: number
  readonly cacheWrite: number
  readonly total: number
  readonly currency: string
}

// =============================================================================
// Response
// =============================================================================

/**
 * A complete answer.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Response {
  readonly parts: ReadonlyArray<Part>
  readonly finishReason: FinishReason
  readonly rawFinishReason: string
  readonly usage: Usage
  readonly modelId: string
  readonly requestId?: string | undefined
  readonly latencyMs?: number | undefined
  /** When the answer arrived (for a stream: when it started). */
  readonly timestamp?: Date | undefined
  /** What the call cost, when its price is known. */
  readonly cost?: Cost | undefined
  readonly providerFields?: { readonly [key: string]: unknown } | undefined
}

// =============================================================================
// Stream parts
// =============================================================================

/**
 * A text block starts.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface TextStart {
  readonly _tag: "TextStart"
  readonly index: number
}

/**
 * A piece of text.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface TextDelta {
  readonly _tag: "TextDelta"
  readonly index: number
  readonly delta: string
}

/**
 * A text block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface TextEnd {
  readonly _tag: "TextEnd"
  readonly index: number
}

/**
 * A reasoning block starts.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ThinkingStart {
  readonly _tag: "ThinkingStart"
  readonly index: number
}

/**
 * One piece of reasoning: text, the signature, or redacted bytes.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ThinkingDelta {
  readonly _tag: "ThinkingDelta"
  readonly index: number
  readonly delta?: string | undefined
  readonly signature?: string | undefined
  readonly redacted?: Uint8Array | undefined
}

/**
 * A reasoning block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ThinkingEnd {
  readonly _tag: "ThinkingEnd"
  readonly index: number
}

/**
 * A tool call starts.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ToolCallStart {
  readonly _tag: "ToolCallStart"
  readonly index: number
  readonly id: string
  readonly name: string
}

/**
 * A piece of a tool call's JSON arguments.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ToolCallDelta {
  readonly _tag: "ToolCallDelta"
  readonly index: number
  readonly id: string
  readonly delta: string
}

/**
 * A complete tool call with parsed arguments, emitted when its block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface ToolCall {
  readonly _tag: "ToolCall"
  readonly index: number
  readonly id: string
  readonly name: string
  readonly input: unknown
}

/**
 * A complete call of a native (provider-run) tool, emitted when its block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface NativeToolCall {
  readonly _tag: "NativeToolCall"
  readonly index: number
  readonly id: string
  readonly name: string
  readonly input: unknown
}

/**
 * What a native tool returned, emitted once its block ends.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface NativeToolResult {
  readonly _tag: "NativeToolResult"
  readonly index: number
  readonly id: string
  readonly name: string
  readonly result: unknown
  readonly status?: string | undefined
}

/**
 * The last part of every stream, sent once usage is known.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export interface Finish {
  readonly _tag: "Finish"
  readonly finishReason: FinishReason
  readonly usage: Usage
  readonly response: Response
}

/**
 * One part of a streamed answer.
 *
 * @since 0.1.0
 * @category Stream Parts
 */
export type StreamPart =
  | TextStart
  | TextDelta
  | TextEnd
  | ThinkingStart
  | ThinkingDelta
  | ThinkingEnd
  | ToolCallStart
  | ToolCallDelta
  | ToolCall
  | NativeToolCall
  | NativeToolResult
  | Finish
