/**
 * `@effect-bedrock/effect4`: Amazon Bedrock's Converse API for Effect 4, on the `@effect-bedrock/converse`
 * engine.
 *
 * @since 0.1.0
 */

/**
 * Bulk jobs on Bedrock batch inference (S3 JSONL in, `Response`s out, batch prices), on the engine's batch records.
 *
 * @since 0.1.0
 */
export * as BedrockBatch from "./BedrockBatch.js"

/**
 * The typed errors of `BedrockBatch`.
 *
 * @since 0.1.0
 */
export * as BedrockBatchError from "./BedrockBatchError.js"

/**
 * The swappable service over the AWS SDK client.
 *
 * @since 0.1.0
 */
export * as BedrockClient from "./BedrockClient.js"

/**
 * The typed errors, one class per Bedrock exception.
 *
 * @since 0.1.0
 */
export * as BedrockError from "./BedrockError.js"

/**
 * A provider for Effect 4's `effect/ai` `LanguageModel` on Bedrock's Converse API.
 *
 * @since 0.1.0
 */
export * as BedrockLanguageModel from "./BedrockLanguageModel.js"

/**
 * Bedrock's own tools (code execution) as `effect/ai` provider-defined tools.
 *
 * @since 0.1.0
 */
export * as BedrockTool from "./BedrockTool.js"

/**
 * Bedrock's quotas on the client side: a `BedrockClient` that admits calls against per-model budgets, on
 * `effect/persistence`'s `RateLimiter` (memory or Redis).
 *
 * @since 0.1.0
 */
export * as BedrockRateLimiter from "./BedrockRateLimiter.js"
