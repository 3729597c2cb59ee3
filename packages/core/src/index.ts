/**
 * Effect services for Amazon Bedrock's Converse API.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as BedrockBatch from "./BedrockBatch.js"

/**
 * @since 0.1.0
 */
export * as BedrockBatchError from "./BedrockBatchError.js"

/**
 * @since 0.1.0
 */
export * as BedrockClient from "./BedrockClient.js"

/**
 * @since 0.1.0
 */
export * as BedrockClientSwap from "./BedrockClientSwap.js"

/**
 * @since 0.1.0
 */
export * as BedrockError from "./BedrockError.js"

/**
 * @since 0.1.0
 */
export * as BedrockLanguageModel from "./BedrockLanguageModel.js"

/**
 * @since 0.1.0
 */
export * as BedrockModelId from "./BedrockModelId.js"

/**
 * @since 0.1.0
 */
export * as BedrockModelProfile from "./BedrockModelProfile.js"

/**
 * @since 0.1.0
 */
export * as BedrockModelSettings from "./BedrockModelSettings.js"

/**
 * @since 0.1.0
 */
export * as BedrockPricing from "./BedrockPricing.js"

/**
 * @since 0.1.0
 */
export * as BedrockRateLimiter from "./BedrockRateLimiter.js"

/**
 * @since 0.1.0
 */
export * as FileDownload from "./FileDownload.js"

/**
 * @since 0.1.0
 */
export * as LanguageModel from "./LanguageModel.js"

/**
 * @since 0.1.0
 */
export * as Prompt from "./Prompt.js"

/**
 * @since 0.1.0
 */
export * as Response from "./Response.js"

/**
 * @since 0.1.0
 */
export * as Telemetry from "./Telemetry.js"

/**
 * @since 0.1.0
 */
export * as Tool from "./Tool.js"

/**
 * @since 0.1.0
 */
export * as Toolkit from "./Toolkit.js"

/**
 * @since 0.1.0
 */
export * as UsageLimits from "./UsageLimits.js"
