/**
 * The inference fields of a Converse request: `inferenceConfig` (the settings
 * every model takes) and `additionalModelRequestFields` (`topK` and thinking,
 * written the way each model family expects, beside the user's own fields,
 * which always win).
 *
 * @since 0.1.0
 * @internal
 */
import type { InferenceConfiguration } from "@aws-sdk/client-bedrock-runtime"
import type * as Profiles from "../models/profiles.js"
import type * as Settings from "../settings/types.js"
import { hasKeys } from "./issues.js"

/**
 * `inferenceConfig`: always sent, empty when no setting is given.
 *
 * @since 0.1.0
 * @internal
 */
export const inferenceConfig = (settings: Settings.Settings): InferenceConfiguration => {
  const config: InferenceConfiguration = {}
  if (settings.maxTokens !== undefined) config.maxTokens = settings.maxTokens
  if (settings.temperature !== undefined) config.temperature = settings.temperature
  if (settings.topP !== undefined) config.topP = settings.topP
  if (settings.stopSequences !== undefined && settings.stopSequences.length > 0) {
    config.stopSequences = settings.stopSequences as Array<string>
  }
  return config
}

/**
 * Whether the unified `thinking` setting applies to the model: it supports
 * thinking and has a way to ask for it. Elsewhere the setting is ignored.
 *
 * @since 0.1.0
 * @internal
 */
export const appliesThinking = (profile: Profiles.Profile): boolean =>
  profile.supportsThinking && profile.thinkingVariant !== "none"

/**
 * Whether the request thinks: a model that always does (DeepSeek R1,
 * Magistral), the `thinking` setting where it applies, or thinking turned on
 * through `additionalModelRequestFields`.
 *
 * @since 0.1.0
 * @internal
 */
export const isThinkingEnabled = (
  profile: Profiles.Profile,
  settings: Settings.Settings
): boolean => {
  if (profile.alwaysThinks) return true
  if (settings.thinking !== undefined && settings.thinking !== false && appliesThinking(profile)) return true
  const thinking = settings.additionalModelRequestFields?.thinking
  if (typeof thinking === "object" && thinking !== null) {
    const type = (thinking as { readonly type?: unknown }).type
    return type === "enabled" || type === "adaptive"
  }
  return false
}

/**
 * `budget_tokens` per level for Anthropic models without adaptive thinking.
 *
 * @since 0.1.0
 * @internal
 */
export const anthropicThinkingBudget = {
  true: 10000,
  minimal: 1024,
  low: 2048,
  medium: 10000,
  high: 16384,
  xhigh: 32768
} as const

// Bedrock has not been seen to accept `xhigh` effort; `max` is the closest.
const anthropicEffort = { minimal: "low", low: "low", medium: "medium", high: "high", xhigh: "max" } as const

/**
 * `additionalModelRequestFields`: the user's fields (never changed: a copy is
 * made when keys are added) plus `topK` and thinking for the family, never
 * overwriting a user key; `undefined` when empty.
 *
 * @since 0.1.0
 * @internal
 */
export const additionalModelRequestFields = (
  profile: Profiles.Profile,
  settings: Settings.Settings
): Record<string, unknown> | undefined => {
  const user = settings.additionalModelRequestFields
  const topK = settings.topK
  // Thinking only where the profile supports it (an unsupported model would reject the field).
  const thinking = appliesThinking(profile) ? settings.thinking : undefined
  if (
    (topK === undefined || profile.topKVariant === "none") &&
    (thinking === undefined || profile.thinkingVariant === "none")
  ) {
    return user !== undefined && hasKeys(user) ? user : undefined
  }
  // A copy: the user's object is never changed, and user keys are never overwritten.
  const fields: Record<string, unknown> = user === undefined ? {} : { ...user }

  if (topK !== undefined) {
    if (profile.topKVariant === "anthropic") {
      if (!("top_k" in fields)) fields.top_k = topK
    } else if (profile.topKVariant === "nova") {
      const existing = fields.inferenceConfig
      if (existing === undefined || existing === null) {
        fields.inferenceConfig = { topK }
      } else if (typeof existing === "object" && !("topK" in existing)) {
        fields.inferenceConfig = { ...existing, topK }
      }
    }
  }

  if (thinking !== undefined) {
    switch (profile.thinkingVariant) {
      case "anthropic-adaptive": {
        if (thinking !== false && !("thinking" in fields)) {
          fields.thinking = { type: "adaptive" }
          if (typeof thinking === "string" && profile.supportsEffort && !("output_config" in fields)) {
            fields.output_config = { effort: anthropicEffort[thinking] }
          }
        }
        break
      }
      case "anthropic": {
        if (!("thinking" in fields)) {
          fields.thinking = thinking === false
            ? { type: "disabled" }
            : { type: "enabled", budget_tokens: anthropicThinkingBudget[thinking === true ? "true" : thinking] }
        }
        break
      }
      case "openai": {
        // Converse rejects `reasoning_effort: "none"`, so `false` sends nothing.
        if (thinking !== false && !("reasoning_effort" in fields)) {
          fields.reasoning_effort = thinking === true ? "medium" : thinking
        }
        break
      }
      case "qwen": {
        if (thinking !== false && !("reasoning_config" in fields)) {
          fields.reasoning_config = thinking === "minimal" || thinking === "low" ? "low" : "high"
        }
        break
      }
    }
  }
  return hasKeys(fields) ? fields : undefined
}
