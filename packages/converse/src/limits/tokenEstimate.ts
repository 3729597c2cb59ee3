/**
 * What a Converse request will cost in tokens, without asking Bedrock: a cheap estimate of its
 * input (about four characters a token, a flat cost per image) plus what it may generate
 * (`maxTokens`), and what a call really cost once its usage is known.
 *
 * @since 0.1.0
 */
import type { ConverseStreamCommandInput, TokenUsage } from "@aws-sdk/client-bedrock-runtime"

/**
 * What a request without `inferenceConfig.maxTokens` may generate, as far as admission is
 * concerned (the local Bedrock reserves the same).
 *
 * @internal
 */
export const defaultMaxTokens = 4096

const CHARS_PER_TOKEN = 4
/** Anthropic's figure for a large image (about 1.15 megapixels). */
const IMAGE_TOKENS = 1600

const charsOf = (value: unknown, depth: number, inImage: boolean): number => {
  if (typeof value === "string") return value.length
  if (typeof value === "number" || typeof value === "boolean") return 4
  if (value instanceof Uint8Array) return inImage ? IMAGE_TOKENS * CHARS_PER_TOKEN : value.byteLength
  if (typeof value !== "object" || value === null || depth > 64) return 0
  let chars = 0
  if (Array.isArray(value)) {
    for (const item of value) chars += charsOf(item, depth + 1, inImage)
    return chars
  }
  for (const [key, item] of Object.entries(value)) {
    chars += key.length + charsOf(item, depth + 1, inImage || key === "image")
  }
  return chars
}

/**
 * About four characters a token over the system prompt, the messages (text, tool inputs and
 * results, documents by size, 1,600 tokens an image) and the tool definitions.
 *
 * @internal
 */
export const inputTokens = (input: ConverseStreamCommandInput): number => {
  const chars = charsOf(input.system, 0, false) + charsOf(input.messages, 0, false) +
    charsOf(input.toolConfig, 0, false)
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN))
}

/** @internal */
export const maxTokens = (input: ConverseStreamCommandInput, fallback: number): number => {
  const value = input.inferenceConfig?.maxTokens
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback
}

/**
 * The tokens a call used: its total (input, output, cache reads and writes).
 *
 * @internal
 */
export const usedTokens = (usage: TokenUsage | undefined): number | undefined => {
  if (usage === undefined) return undefined
  if (typeof usage.totalTokens === "number") return usage.totalTokens
  const sum = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0) + (usage.cacheReadInputTokens ?? 0) +
    (usage.cacheWriteInputTokens ?? 0)
  return sum > 0 ? sum : undefined
}
