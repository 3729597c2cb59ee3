/**
 * Settings of a Bedrock model, validated before any request is sent.
 *
 * Settings can be given when the model is made (defaults) and per request;
 * `merge` combines them (the request wins, key by key) and `decode` checks
 * them. An unknown key is rejected with a message naming it and, where one is
 * close, the key that was probably meant.
 *
 * | seed setting (pydantic-ai) | ours | Converse field |
 * | --- | --- | --- |
 * | `max_tokens` | `maxTokens` | `inferenceConfig.maxTokens` |
 * | `temperature` | `temperature` | `inferenceConfig.temperature` (also when 0) |
 * | `top_p` | `topP` | `inferenceConfig.topP` (also when 0) |
 * | `top_k` | `topK` | `additionalModelRequestFields` (`top_k` / `inferenceConfig.topK`) |
 * | `stop_sequences` | `stopSequences` | `inferenceConfig.stopSequences` |
 * | `thinking` | `thinking` | `additionalModelRequestFields` (per family) |
 * | `service_tier` | `serviceTier` | `serviceTier: { type }`, `"auto"` omitted |
 * | `extra_headers` | `extraHeaders` | HTTP headers of the call |
 * | `bedrock_guardrail_config` | `guardrailConfig` | `guardrailConfig` |
 * | `bedrock_performance_configuration` | `performanceConfig` | `performanceConfig` |
 * | `bedrock_request_metadata` | `requestMetadata` | `requestMetadata` |
 * | `bedrock_additional_model_response_fields_paths` | `additionalModelResponseFieldPaths` | `additionalModelResponseFieldPaths` |
 * | `bedrock_prompt_variables` | `promptVariables` | `promptVariables` |
 * | `bedrock_additional_model_requests_fields` | `additionalModelRequestFields` | `additionalModelRequestFields` (user keys win) |
 * | `bedrock_cache_tool_definitions` | `cacheToolDefinitions` | `cachePoint` after the last tool |
 * | `bedrock_cache_instructions` | `cacheInstructions` | `cachePoint` at the end of `system` |
 * | `bedrock_cache_messages` | `cacheMessages` | `cachePoint` at the end of the last user message |
 * | `bedrock_service_tier` | `bedrockServiceTier` | `serviceTier` (wins over `serviceTier`) |
 * | `bedrock_inference_profile` | `inferenceProfile` | replaces `modelId` (converse / converse-stream only) |
 *
 * Not supported, because Converse has no such field: `seed`, `presence_penalty`,
 * `frequency_penalty`, `logit_bias`, `parallel_tool_calls`, `extra_body`.
 * `tool_choice` is part of the request (`LanguageModel.Request.toolChoice`), and
 * `timeout` is configured on the client.
 *
 * Limits (from the Converse API reference): `temperature` and `topP` in [0, 1];
 * `maxTokens` and `topK` positive integers; `stopSequences` at most 2500
 * non-empty strings (individual models accept fewer; Bedrock reports that);
 * `additionalModelResponseFieldPaths` at most 10 paths.
 *
 * @since 0.1.0
 */
import { modelIdProblem } from "@effect-bedrock/converse/request/validate"
import { mergeSettings } from "@effect-bedrock/converse/settings/resolve"
import { headerNameProblem, headerValueProblem, validateSettings } from "@effect-bedrock/converse/settings/validate"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

// =============================================================================
// Schemas
// =============================================================================

/**
 * Prompt-cache setting: `true` (default time to live, 5 minutes), `"5m"`,
 * `"1h"`, or `false` (off).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const CacheSetting = Schema.Union(Schema.Boolean, Schema.Literal("5m", "1h"))

/**
 * @since 0.1.0
 * @category Models
 */
export type CacheSetting = typeof CacheSetting.Type

/**
 * Unified thinking: off, on (the model's default effort) or an effort level.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Thinking = Schema.Union(Schema.Boolean, Schema.Literal("minimal", "low", "medium", "high", "xhigh"))

/**
 * @since 0.1.0
 * @category Models
 */
export type Thinking = typeof Thinking.Type

/**
 * Converse `guardrailConfig`, in the shape of the AWS SDK's
 * `GuardrailConfiguration` / `GuardrailStreamConfiguration` (pydantic-ai
 * passes its `bedrock_guardrail_config` through as that type): every field
 * optional, as the SDK has them. `streamProcessingMode` is only sent with
 * ConverseStream. An unknown key is rejected, with the key probably meant.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const GuardrailConfig = Schema.Struct({
  guardrailIdentifier: Schema.optional(Schema.String),
  guardrailVersion: Schema.optional(Schema.String),
  trace: Schema.optional(Schema.Literal("enabled", "disabled", "enabled_full")),
  streamProcessingMode: Schema.optional(Schema.Literal("sync", "async"))
})

/**
 * @since 0.1.0
 * @category Models
 */
export type GuardrailConfig = typeof GuardrailConfig.Type

/**
 * Converse `performanceConfig`, e.g. `{ latency: "optimized" }`.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const PerformanceConfig = Schema.Struct({
  latency: Schema.Literal("standard", "optimized")
})

/**
 * @since 0.1.0
 * @category Models
 */
export type PerformanceConfig = typeof PerformanceConfig.Type

/**
 * The unified service tier (pydantic-ai's `service_tier`): `"auto"` sends
 * nothing, the others `serviceTier: { type }`.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ServiceTier = Schema.Literal("auto", "default", "flex", "priority")

/**
 * @since 0.1.0
 * @category Models
 */
export type ServiceTier = typeof ServiceTier.Type

/**
 * The Bedrock service tier object (pydantic-ai's `bedrock_service_tier`): the
 * only way to ask for `reserved`, and it wins over `serviceTier`, so a
 * request's `serviceTier` never replaces a model's reserved tier.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const BedrockServiceTier = Schema.Struct({ type: Schema.Literal("default", "flex", "priority", "reserved") })

/**
 * @since 0.1.0
 * @category Models
 */
export type BedrockServiceTier = typeof BedrockServiceTier.Type

/**
 * A value for a prompt-management variable.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const PromptVariable = Schema.Struct({ text: Schema.String })

// The header rules are the engine's (`settings/validate.ts`).
const HeaderValue = Schema.String.pipe(Schema.filter((value) => headerValueProblem(value)))
// Names are checked on the whole record: a Record with a refined key silently drops keys that fail.
const ExtraHeaders = Schema.Record({ key: Schema.String, value: HeaderValue }).pipe(
  Schema.filter((headers) => {
    for (const name of Object.keys(headers)) {
      const message = headerNameProblem(name)
      if (message !== undefined) return { path: [name], message }
    }
    return undefined
  })
)
const ModelId = Schema.String.pipe(Schema.filter((id) => modelIdProblem(id)))

const UnitInterval = Schema.Number.pipe(Schema.finite(), Schema.between(0, 1))
const PositiveInt = Schema.Number.pipe(Schema.int(), Schema.positive())
const StringMap = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * Every setting a Bedrock model understands. All are optional.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const BedrockModelSettings = Schema.Struct({
  maxTokens: Schema.optional(PositiveInt),
  temperature: Schema.optional(UnitInterval),
  topP: Schema.optional(UnitInterval),
  topK: Schema.optional(PositiveInt),
  stopSequences: Schema.optional(Schema.Array(Schema.NonEmptyString).pipe(Schema.maxItems(2500))),
  thinking: Schema.optional(Thinking),
  guardrailConfig: Schema.optional(GuardrailConfig),
  performanceConfig: Schema.optional(PerformanceConfig),
  requestMetadata: Schema.optional(StringMap),
  additionalModelRequestFields: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  additionalModelResponseFieldPaths: Schema.optional(
    Schema.Array(Schema.NonEmptyString).pipe(Schema.maxItems(10))
  ),
  promptVariables: Schema.optional(Schema.Record({ key: Schema.String, value: PromptVariable })),
  serviceTier: Schema.optional(ServiceTier),
  bedrockServiceTier: Schema.optional(BedrockServiceTier),
  inferenceProfile: Schema.optional(ModelId),
  cacheToolDefinitions: Schema.optional(CacheSetting),
  cacheInstructions: Schema.optional(CacheSetting),
  cacheMessages: Schema.optional(CacheSetting),
  extraHeaders: Schema.optional(ExtraHeaders)
})

/**
 * Validated settings.
 *
 * @since 0.1.0
 * @category Models
 */
export type Settings = typeof BedrockModelSettings.Type

/**
 * The names of all settings.
 *
 * @since 0.1.0
 * @category Models
 */
export const keys: ReadonlyArray<keyof Settings> = Object.keys(BedrockModelSettings.fields) as Array<
  keyof Settings
>

// =============================================================================
// Decoding
// =============================================================================

/**
 * Why settings were rejected. `path` names the setting (e.g. `temperature`,
 * `guardrailConfig.trace`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface SettingsIssue {
  readonly message: string
  readonly path?: string | undefined
}

/**
 * Validates settings. Keys whose value is `undefined` count as unset. The rules are the engine's
 * (`@effect-bedrock/converse/settings/validate`, which reports every problem); this gives the first.
 *
 * @example
 * ```ts
 * import { BedrockModelSettings } from "@effect-bedrock/core"
 *
 * BedrockModelSettings.decode({ temprature: 0.2 })
 * // Left({ path: "temprature", message: "Unknown setting \"temprature\" (did you mean \"temperature\"?)" })
 * ```
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decode = (input: unknown): Either.Either<Settings, SettingsIssue> => {
  const result = validateSettings(input)
  if (result.ok) return Either.right(result.value as Settings)
  const first = result.issues[0]!
  return Either.left(first.path === "" ? { message: first.message } : { path: first.path, message: first.message })
}

// =============================================================================
// Combinators
// =============================================================================

/**
 * Combines the model's settings with a request's: the request wins, key by
 * key (shallow: a request's `additionalModelRequestFields` replaces the
 * model's whole object). `undefined` values do not override.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const merge = (
  modelSettings: Settings | undefined,
  requestSettings: Settings | undefined
): Settings => mergeSettings(modelSettings, requestSettings)
