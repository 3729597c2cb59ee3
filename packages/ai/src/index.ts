/**
 * Amazon Bedrock, through `@effect-bedrock/core`, as a provider for `@effect/ai`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as BedrockAiError from "./BedrockAiError.js"

/**
 * @since 0.1.0
 */
export * as BedrockAiLanguageModel from "./BedrockAiLanguageModel.js"
