/**
 * Reading a response: its text, tool calls, native tool parts and thinking; the response as the
 * assistant message that continues the conversation; the zero usage, and the sum of two costs.
 *
 * @since 0.1.0
 */
import type {
  AssistantMessage,
  AssistantPart,
  NativeToolCallPart,
  NativeToolResultPart,
  ThinkingPart,
  ToolCallPart
} from "../prompt/types.js"
import type { Cost, Response, Usage } from "./types.js"

/**
 * The text parts, joined.
 *
 * @since 0.1.0
 * @category Getters
 */
export const text = (response: Response): string => {
  let out = ""
  for (const part of response.parts) {
    if (part._tag === "Text") out += part.text
  }
  return out
}

/**
 * The tool calls, in order.
 *
 * @since 0.1.0
 * @category Getters
 */
export const toolCalls = (response: Response): ReadonlyArray<ToolCallPart> =>
  response.parts.filter((part): part is ToolCallPart => part._tag === "ToolCall")

/**
 * The calls of tools the provider ran itself (code execution), and their results, in order.
 *
 * @since 0.1.0
 * @category Getters
 */
export const nativeToolParts = (
  response: Response
): ReadonlyArray<NativeToolCallPart | NativeToolResultPart> =>
  response.parts.filter((part): part is NativeToolCallPart | NativeToolResultPart =>
    part._tag === "NativeToolCall" || part._tag === "NativeToolResult"
  )

/**
 * The thinking parts, in order.
 *
 * @since 0.1.0
 * @category Getters
 */
export const thinking = (response: Response): ReadonlyArray<ThinkingPart> =>
  response.parts.filter((part): part is ThinkingPart => part._tag === "Thinking")

/**
 * The response as an assistant message, to append to the conversation. Unknown parts are left out: they
 * cannot be sent back.
 *
 * @since 0.1.0
 * @category Conversions
 */
export const toMessage = (response: Response): AssistantMessage => ({
  _tag: "Assistant",
  parts: response.parts.filter((part): part is AssistantPart => part._tag !== "Unknown")
})

/**
 * The usage of nothing: every count zero.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const emptyUsage: Usage = {
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  details: {}
}

/**
 * The sum of two costs, or `undefined` when either is unknown or they are in different currencies (a partial
 * sum would understate what was spent).
 *
 * @since 0.1.0
 * @category Utils
 */
export const addCost = (self: Cost | undefined, that: Cost | undefined): Cost | undefined => {
  if (self === undefined || that === undefined || self.currency !== that.currency) return undefined
  return {
    input: self.input + that.input,
    output: self.output + that.output,
    cacheRead: self.cacheRead + that.cacheRead,
    cacheWrite: self.cacheWrite + that.cacheWrite,
    total: self.total + that.total,
    currency: self.currency
  }
}
