/**
 * Bedrock model ids: the ones this library knows (the latest of each family,
 * as pydantic-ai lists them), as a literal union that editors complete while
 * any other id (a newer model, an ARN) is still accepted, and the closest
 * known id to a mistyped one.
 *
 * `@effect-bedrock/core` re-exports this module as `BedrockModelId`.
 *
 * @example
 * ```ts
 * import * as BedrockModelId from "@effect-bedrock/converse/models/modelIds"
 *
 * const model: BedrockModelId.ModelId = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 * BedrockModelId.closest("us.anthropic.claude-sonet-4-5-20250929-v1:0")
 * // "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 * ```
 *
 * @since 0.1.0
 */
import { closest as closestOf } from "../util/closest.js"

/**
 * The known model ids.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const knownModelIds = [
  "amazon.titan-tg1-large",
  "amazon.titan-text-lite-v1",
  "amazon.titan-text-express-v1",
  "us.amazon.nova-2-lite-v1:0",
  "us.amazon.nova-pro-v1:0",
  "us.amazon.nova-lite-v1:0",
  "us.amazon.nova-micro-v1:0",
  "anthropic.claude-3-5-sonnet-20241022-v2:0",
  "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
  "anthropic.claude-3-5-haiku-20241022-v1:0",
  "us.anthropic.claude-3-5-haiku-20241022-v1:0",
  "anthropic.claude-instant-v1",
  "anthropic.claude-v2:1",
  "anthropic.claude-v2",
  "anthropic.claude-3-sonnet-20240229-v1:0",
  "us.anthropic.claude-3-sonnet-20240229-v1:0",
  "anthropic.claude-3-haiku-20240307-v1:0",
  "us.anthropic.claude-3-haiku-20240307-v1:0",
  "anthropic.claude-3-opus-20240229-v1:0",
  "us.anthropic.claude-3-opus-20240229-v1:0",
  "anthropic.claude-3-5-sonnet-20240620-v1:0",
  "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
  "anthropic.claude-3-7-sonnet-20250219-v1:0",
  "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
  "anthropic.claude-opus-4-20250514-v1:0",
  "us.anthropic.claude-opus-4-20250514-v1:0",
  "global.anthropic.claude-opus-4-5-20251101-v1:0",
  "anthropic.claude-sonnet-4-20250514-v1:0",
  "us.anthropic.claude-sonnet-4-20250514-v1:0",
  "eu.anthropic.claude-sonnet-4-20250514-v1:0",
  "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "anthropic.claude-sonnet-4-6",
  "us.anthropic.claude-sonnet-4-6",
  "eu.anthropic.claude-sonnet-4-6",
  "anthropic.claude-haiku-4-5-20251001-v1:0",
  "us.anthropic.claude-haiku-4-5-20251001-v1:0",
  "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
  "cohere.command-text-v14",
  "cohere.command-r-v1:0",
  "cohere.command-r-plus-v1:0",
  "cohere.command-light-text-v14",
  "meta.llama3-8b-instruct-v1:0",
  "meta.llama3-70b-instruct-v1:0",
  "meta.llama3-1-8b-instruct-v1:0",
  "us.meta.llama3-1-8b-instruct-v1:0",
  "meta.llama3-1-70b-instruct-v1:0",
  "us.meta.llama3-1-70b-instruct-v1:0",
  "meta.llama3-1-405b-instruct-v1:0",
  "us.meta.llama3-2-11b-instruct-v1:0",
  "us.meta.llama3-2-90b-instruct-v1:0",
  "us.meta.llama3-2-1b-instruct-v1:0",
  "us.meta.llama3-2-3b-instruct-v1:0",
  "us.meta.llama3-3-70b-instruct-v1:0",
  "mistral.mistral-7b-instruct-v0:2",
  "mistral.mixtral-8x7b-instruct-v0:1",
  "mistral.mistral-large-2402-v1:0",
  "mistral.mistral-large-2407-v1:0",
  "us.anthropic.claude-opus-4-1-20250805-v1:0",
  "us.anthropic.claude-opus-4-5-20251101-v1:0",
  "us.anthropic.claude-opus-4-6-v1",
  "global.anthropic.claude-opus-4-6-v1",
  "us.anthropic.claude-opus-4-7",
  "global.anthropic.claude-opus-4-7",
  "us.anthropic.claude-opus-4-8",
  "global.anthropic.claude-opus-4-8",
  "us.anthropic.claude-opus-5",
  "global.anthropic.claude-opus-5",
  "us.anthropic.claude-sonnet-5",
  "global.anthropic.claude-sonnet-5",
  "us.anthropic.claude-fable-5",
  "global.anthropic.claude-fable-5",
  "us.amazon.nova-premier-v1:0",
  "global.amazon.nova-2-lite-v1:0",
  "us.meta.llama4-maverick-17b-instruct-v1:0",
  "us.meta.llama4-scout-17b-instruct-v1:0",
  "mistral.mistral-small-2402-v1:0",
  "mistral.mistral-large-3-675b-instruct",
  "mistral.ministral-3-3b-instruct",
  "mistral.ministral-3-8b-instruct",
  "mistral.ministral-3-14b-instruct",
  "mistral.magistral-small-2509",
  "mistral.devstral-2-123b",
  "mistral.pixtral-large-2502-v1:0",
  "us.mistral.pixtral-large-2502-v1:0",
  "deepseek.r1-v1:0",
  "deepseek.v3.2",
  "qwen.qwen3-32b-v1:0",
  "qwen.qwen3-coder-30b-a3b-v1:0",
  "qwen.qwen3-coder-next",
  "qwen.qwen3-next-80b-a3b",
  "qwen.qwen3-vl-235b-a22b",
  "google.gemma-3-4b-it",
  "google.gemma-3-12b-it",
  "google.gemma-3-27b-it",
  "minimax.minimax-m2",
  "minimax.minimax-m2.1",
  "minimax.minimax-m2.5",
  "nvidia.nemotron-nano-9b-v2",
  "nvidia.nemotron-nano-12b-v2",
  "nvidia.nemotron-nano-3-30b",
  "nvidia.nemotron-super-3-120b",
  "us.writer.palmyra-x4-v1:0",
  "us.writer.palmyra-x5-v1:0",
  "zai.glm-4.7",
  "zai.glm-4.7-flash",
  "zai.glm-5",
  "moonshot.kimi-k2-thinking",
  "moonshotai.kimi-k2.5"
] as const

/**
 * @since 0.1.0
 * @category Model Ids
 */
export type KnownModelId = (typeof knownModelIds)[number]

/**
 * A model id: a known one (completed by editors) or any other string.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export type ModelId = KnownModelId | (string & {})

/**
 * Whether an id is one of the known ones.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const isKnown = (modelId: string): modelId is KnownModelId => knownSet.has(modelId)

const knownSet: ReadonlySet<string> = new Set(knownModelIds)

/**
 * The known id closest to `modelId` (a typo, a wrong version suffix, a
 * missing geo prefix), or `undefined` when none is close or it is known.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const closest = (modelId: string): KnownModelId | undefined =>
  knownSet.has(modelId) ? undefined : closestOf(modelId, knownModelIds)
