/**
 * Bedrock model ids: the ones this library knows (the latest of each family,
 * as pydantic-ai lists them), as a literal union that editors complete while
 * any other id (a newer model, an ARN) is still accepted, and the closest
 * known id to a mistyped one.
 *
 * The code lives in the engine (`@effect-bedrock/converse/models/modelIds`); this module re-exports it.
 *
 * @example
 * ```ts
 * import { BedrockModelId } from "@effect-bedrock/core"
 *
 * const model: BedrockModelId.ModelId = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 * BedrockModelId.closest("us.anthropic.claude-sonet-4-5-20250929-v1:0")
 * // "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 * ```
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * from "@effect-bedrock/converse/models/modelIds"
