/**
 * Token counting of the default model: words of text, JSON tokens of tool inputs and schemas,
 * a flat cost per media block, and the prompt-cache prefix (the tokens before the last cache
 * point), for Converse usage and CountTokens alike.
 *
 * @internal
 */
import { asArray, isObject, type Json } from "./json.js"

/** @internal */
export const words = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length

const jsonTokens = (value: unknown): number => words((JSON.stringify(value) ?? "").replace(/[{}[\]":,]/g, " "))

const MEDIA_TOKENS = 64

/** @internal */
export const blockTokens = (block: unknown): number => {
  if (!isObject(block)) return 0
  if (typeof block.text === "string") return words(block.text)
  if (isObject(block.image) || isObject(block.video)) return MEDIA_TOKENS
  if (isObject(block.document)) {
    const source = isObject(block.document.source) ? block.document.source : {}
    return MEDIA_TOKENS + (typeof source.text === "string" ? words(source.text) : 0)
  }
  if (isObject(block.toolUse)) return 4 + jsonTokens(block.toolUse.input)
  if (isObject(block.toolResult)) {
    return 4 +
      asArray(block.toolResult.content).reduce<number>(
        (n, c) => n + (isObject(c) && c.json !== undefined ? jsonTokens(c.json) : blockTokens(c)),
        0
      )
  }
  if (isObject(block.reasoningContent)) {
    const rt = block.reasoningContent.reasoningText
    return isObject(rt) && typeof rt.text === "string" ? words(rt.text) : 16
  }
  if (isObject(block.guardContent)) return jsonTokens(block.guardContent)
  if (isObject(block.citationsContent)) return jsonTokens(block.citationsContent)
  return 0
}

/** @internal */
export interface Prefix {
  readonly tokens: number
  readonly cached: number
  readonly key: string | undefined
}

/**
 * Walks tools, then system, then messages (the order of the prompt cache), summing tokens and
 * remembering the prefix before the last cache point.
 *
 * @internal
 */
export const prefixOf = (input: Json, modelId: string): Prefix => {
  let tokens = 0
  let cached = 0
  let key: string | undefined
  const seen: Array<unknown> = []
  const visit = (block: unknown) => {
    if (isObject(block) && isObject(block.cachePoint)) {
      cached = tokens
      key = `${modelId}\u0000${JSON.stringify(seen)}`
      return
    }
    seen.push(block)
    tokens += isObject(block) && isObject(block.toolSpec)
      ? 8 + jsonTokens(block.toolSpec)
      : blockTokens(block)
  }
  const toolConfig = isObject(input.toolConfig) ? input.toolConfig : {}
  asArray(toolConfig.tools).forEach(visit)
  asArray(input.system).forEach(visit)
  for (const message of asArray(input.messages)) {
    if (!isObject(message)) continue
    seen.push(message.role)
    asArray(message.content).forEach(visit)
  }
  return { tokens: Math.max(tokens, 1), cached, key }
}

/**
 * The CountTokens answer for `input.converse`: the same total Converse reports as input tokens
 * (inputTokens + cacheReadInputTokens + cacheWriteInputTokens).
 *
 * @internal
 */
export const countTokens = (input: unknown, modelId: string): number =>
  isObject(input) ? prefixOf(input, modelId).tokens : 1
