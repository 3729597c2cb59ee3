/**
 * Every setting a Bedrock model understands, as plain types (all optional). `@effect-bedrock/core`'s
 * `BedrockModelSettings` Schema decodes to exactly `Settings` (a test proves it); the limits are in
 * `request/rules.ts`.
 *
 * @since 0.1.0
 */

/**
 * Prompt-cache setting: `true` (default time to live, 5 minutes), `"5m"`, `"1h"`, or `false` (off).
 *
 * @since 0.1.0
 * @category Settings
 */
export type CacheSetting = boolean | "5m" | "1h"

/**
 * Unified thinking: off, on (the model's default effort) or an effort level.
 *
 * @since 0.1.0
 * @category Settings
 */
export type Thinking = boolean | "minimal" | "low" | "medium" | "high" | "xhigh"

/**
 * Converse `guardrailConfig`, every field optional as in the AWS SDK (`streamProcessingMode` is only sent
 * with ConverseStream).
 *
 * @since 0.1.0
 * @category Settings
 */
export interface GuardrailConfig {
  readonly guardrailIdentifier?: string | undefined
  readonly guardrailVersion?: string | undefined
  readonly trace?: "enabled" | "disabled" | "enabled_full" | undefined
  readonly streamProcessingMode?: "sync" | "async" | undefined
}

/**
 * Converse `performanceConfig`.
 *
 * @since 0.1.0
 * @category Settings
 */
export interface PerformanceConfig {
  readonly latency: "standard" | "optimized"
}

/**
 * The unified service tier: `"auto"` sends nothing, the others `serviceTier: { type }`.
 *
 * @since 0.1.0
 * @category Settings
 */
export type ServiceTier = "auto" | "default" | "flex" | "priority"

/**
 * The Bedrock service tier object: the only way to ask for `reserved`, and it wins over `serviceTier`.
 *
 * @since 0.1.0
 * @category Settings
 */
export interface BedrockServiceTier {
  readonly type: "default" | "flex" | "priority" | "reserved"
}

/**
 * A value for a prompt-management variable.
 *
 * @since 0.1.0
 * @category Settings
 */
export interface PromptVariable {
  readonly text: string
}

/**
 * Every setting a Bedrock model understands.
 *
 * @since 0.1.0
 * @category Settings
 */
export interface Settings {
  readonly maxTokens?: number | undefined
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly topK?: number | undefined
  readonly stopSequences?: ReadonlyArray<string> | undefined
  readonly thinking?: Thinking | undefined
  readonly guardrailConfig?: GuardrailConfig | undefined
  readonly performanceConfig?: PerformanceConfig | undefined
  readonly requestMetadata?: { readonly [key: string]: string } | undefined
  readonly additionalModelRequestFields?: { readonly [key: string]: unknown } | undefined
  readonly additionalModelResponseFieldPaths?: ReadonlyArray<string> | undefined
  readonly promptVariables?: { readonly [key: string]: PromptVariable } | undefined
  readonly serviceTier?: ServiceTier | undefined
  readonly bedrockServiceTier?: BedrockServiceTier | undefined
  /** Replaces the model id on Converse and ConverseStream. */
  readonly inferenceProfile?: string | undefined
  readonly cacheToolDefinitions?: CacheSetting | undefined
  readonly cacheInstructions?: CacheSetting | undefined
  readonly cacheMessages?: CacheSetting | undefined
  readonly extraHeaders?: { readonly [key: string]: string } | undefined
}
