/**
 * What each Bedrock model family accepts on the Converse API.
 *
 * Bedrock serves models from many providers behind one API, but each family
 * accepts a different subset of it (tool choice, caching, where tool results
 * may carry media, how thinking is asked for, ...). `forModel` finds the
 * profile from a model id: the geo prefix (`us.`, `eu.`, ...) and the version
 * suffix (`-v1:0`) are stripped, then the `<provider>.` segment names the
 * family. Inference-profile ARNs are looked through; when the model cannot be
 * known (application inference profiles, provisioned models) a conservative
 * default is used, which `withOverrides` can correct.
 *
 * `@effect-bedrock/core` re-exports this module as `BedrockModelProfile`.
 *
 * @example
 * ```ts
 * import * as BedrockModelProfile from "@effect-bedrock/converse/models/profiles"
 *
 * const profile = BedrockModelProfile.forModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
 * profile.supportsToolCaching // true
 * ```
 *
 * @since 0.1.0
 */

// =============================================================================
// Models
// =============================================================================

/**
 * The provider name on parts decoded from Bedrock (thinking, native tool calls
 * and results). Signed thinking is sent back as native `reasoningContent`, and
 * native tool parts as Bedrock's own blocks, only when they carry this name
 * (native tool parts without a provider count as Bedrock's); thinking from
 * elsewhere goes back as tagged text. Set it when building such parts from a
 * stored Bedrock conversation.
 *
 * @example
 * ```ts
 * import type { ThinkingPart } from "@effect-bedrock/converse"
 * import * as BedrockModelProfile from "@effect-bedrock/converse/models/profiles"
 *
 * const thought: ThinkingPart = {
 *   _tag: "Thinking",
 *   text: "...",
 *   signature: "sig",
 *   provider: BedrockModelProfile.providerName
 * }
 * ```
 *
 * @since 0.1.0
 * @category Models
 */
export const providerName = "bedrock"

/**
 * Kinds of media a file block can hold.
 *
 * @since 0.1.0
 * @category Models
 */
export type MediaKind = "image" | "document" | "video"

/**
 * Kinds of content that may share a user turn with a `toolResult`.
 *
 * @since 0.1.0
 * @category Models
 */
export type ContentKind = "text" | MediaKind

/**
 * Model families, named after the `<provider>.` segment of the model id.
 *
 * @since 0.1.0
 * @category Models
 */
export type Family =
  | "anthropic"
  | "amazon"
  | "meta"
  | "mistral"
  | "cohere"
  | "deepseek"
  | "openai"
  | "qwen"
  | "google"
  | "writer"
  | "zai"
  | "moonshot"
  | "minimax"
  | "nvidia"
  | "ai21"
  | "unknown"

/**
 * The capabilities of a model on Converse.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Profile {
  readonly family: Family
  /** `false` for models Bedrock does not serve on Converse (proprietary OpenAI GPT models). */
  readonly supportsConverse: boolean
  /** `toolConfig.toolChoice` is accepted (`auto`, `any`, `tool`). */
  readonly supportsToolChoice: boolean
  /** A `cachePoint` after the tool definitions is accepted. */
  readonly supportsToolCaching: boolean
  /** `cachePoint` blocks in system and messages are accepted. */
  readonly supportsPromptCaching: boolean
  /** `toolSpec.strict` is accepted. */
  readonly supportsStrictTools: boolean
  /** `outputConfig.textFormat` (JSON-schema output) is accepted. */
  readonly supportsJsonSchemaOutput: boolean
  /** Signed thinking may be sent back as `reasoningContent`. */
  readonly sendsBackThinking: boolean
  /** The conversation may start with an assistant turn. */
  readonly allowsLeadingAssistant: boolean
  /** `toolResult.status` is accepted. */
  readonly supportsToolResultStatus: boolean
  /** Tool results as a text block holding JSON, or a `json` block. */
  readonly toolResultFormat: "text" | "json"
  /** Media kinds accepted inside a `toolResult`'s content. */
  readonly mediaInToolResults: ReadonlyArray<MediaKind>
  /** Content kinds accepted in the same user turn as a `toolResult`. */
  readonly besideToolResult: ReadonlyArray<ContentKind>
  /** Where the unified `topK` setting goes in `additionalModelRequestFields`. */
  readonly topKVariant: "anthropic" | "nova" | "none"
  /** How the unified `thinking` setting is sent in `additionalModelRequestFields`. */
  readonly thinkingVariant: "anthropic" | "anthropic-adaptive" | "openai" | "qwen" | "none"
  /** A string thinking level also sets `output_config.effort` (adaptive Anthropic models). */
  readonly supportsEffort: boolean
  /** The unified `thinking` setting applies (elsewhere it is ignored, as pydantic-ai does). */
  readonly supportsThinking: boolean
  /** The model always thinks (DeepSeek R1, Magistral): `thinking: false` cannot turn it off. */
  readonly alwaysThinks: boolean
  /**
   * How structured output is asked for when the request leaves the mode to the model (`auto`) and
   * thinking is off: `tool` for every family, as in pydantic-ai; set `native` here to make JSON-schema
   * output the default where `supportsJsonSchemaOutput`.
   */
  readonly defaultOutputMode: "tool" | "native" | "prompted"
  /** Local `$ref`s are inlined in schemas sent to the model (Amazon, Meta). */
  readonly inlineSchemaDefs: boolean
  /** Leading whitespace-only text deltas are noise and may be dropped. */
  readonly ignoresLeadingWhitespaceInStream: boolean
  /** The `nova_code_interpreter` system tool is available. */
  readonly supportsCodeExecution: boolean
  /** Tag wrapping thinking replayed as text: `<thinking>` for Anthropic, `<think>` otherwise. */
  readonly thinkingTagName: string
}

const ALL_CONTENT: ReadonlyArray<ContentKind> = ["text", "image", "document", "video"]
const NOTHING: ReadonlyArray<never> = []

/**
 * The conservative profile used for unknown families: no tool choice, no
 * caching, no native output, a leading user turn always added.
 *
 * @since 0.1.0
 * @category Profiles
 */
export const defaultProfile: Profile = {
  family: "unknown",
  supportsConverse: true,
  supportsToolChoice: false,
  supportsToolCaching: false,
  supportsPromptCaching: false,
  supportsStrictTools: false,
  supportsJsonSchemaOutput: false,
  sendsBackThinking: false,
  allowsLeadingAssistant: false,
  supportsToolResultStatus: true,
  toolResultFormat: "text",
  mediaInToolResults: ["image"],
  besideToolResult: ALL_CONTENT,
  topKVariant: "none",
  thinkingVariant: "none",
  supportsEffort: false,
  supportsThinking: false,
  alwaysThinks: false,
  defaultOutputMode: "tool",
  inlineSchemaDefs: false,
  ignoresLeadingWhitespaceInStream: false,
  supportsCodeExecution: false,
  thinkingTagName: "think"
}

// =============================================================================
// Model ids
// =============================================================================

/**
 * Cross-region inference prefixes.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const geoPrefixes: ReadonlyArray<string> = ["us", "eu", "apac", "jp", "au", "ca", "global", "us-gov"]

const ARN = /^arn:[^:]+:bedrock:[^:]*:[^:]*:([a-z-]+)\/(.+)$/

/**
 * The model id inside an ARN: `inference-profile/<id>`,
 * `foundation-model/<id>`, `custom-model/<id>/<suffix>`. `undefined` when the
 * ARN does not name a model (application inference profiles, provisioned
 * models, prompts). Non-ARN ids are returned unchanged.
 */
const unwrapArn = (modelId: string): string | undefined => {
  if (!modelId.startsWith("arn:")) return modelId
  const match = ARN.exec(modelId)
  if (match === null) return undefined
  const resource = match[1]!
  const rest = match[2]!
  switch (resource) {
    case "inference-profile":
    case "foundation-model":
      return rest
    case "custom-model": {
      const slash = rest.indexOf("/")
      return slash === -1 ? rest : rest.slice(0, slash)
    }
    default:
      return undefined
  }
}

const stripGeoPrefix = (modelId: string): string => {
  const dot = modelId.indexOf(".")
  if (dot === -1) return modelId
  const head = modelId.slice(0, dot)
  return geoPrefixes.includes(head) ? modelId.slice(dot + 1) : modelId
}

/**
 * The model id without its cross-region prefix, as CountTokens expects it:
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0` gives
 * `anthropic.claude-sonnet-4-5-20250929-v1:0`. Inference-profile ARNs give the
 * model they route to; other ARNs are returned unchanged.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const baseModelId = (modelId: string): string => {
  const unwrapped = unwrapArn(modelId)
  return unwrapped === undefined ? modelId : stripGeoPrefix(unwrapped)
}

const VERSION_SUFFIX = /-v\d+(?::\d+)?$/

/**
 * Splits a model id into its provider segment and bare model name (no geo
 * prefix, no version suffix): `us.anthropic.claude-haiku-4-5-20251001-v1:0`
 * gives `{ provider: "anthropic", name: "claude-haiku-4-5-20251001" }`.
 * `undefined` when the id names no provider.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const parseModelId = (
  modelId: string
): { readonly provider: string; readonly name: string } | undefined => {
  const unwrapped = unwrapArn(modelId)
  if (unwrapped === undefined) return undefined
  const id = stripGeoPrefix(unwrapped)
  const dot = id.indexOf(".")
  if (dot <= 0) return undefined
  return { provider: id.slice(0, dot).toLowerCase(), name: id.slice(dot + 1).replace(VERSION_SUFFIX, "").toLowerCase() }
}

const FAMILIES: Record<string, Family> = {
  anthropic: "anthropic",
  amazon: "amazon",
  meta: "meta",
  mistral: "mistral",
  cohere: "cohere",
  deepseek: "deepseek",
  openai: "openai",
  qwen: "qwen",
  google: "google",
  writer: "writer",
  zai: "zai",
  moonshot: "moonshot",
  moonshotai: "moonshot",
  minimax: "minimax",
  nvidia: "nvidia",
  ai21: "ai21"
}

/**
 * The family of a model id; `"unknown"` when it cannot be told.
 *
 * @since 0.1.0
 * @category Model Ids
 */
export const family = (modelId: string): Family => {
  const parsed = parseModelId(modelId)
  return parsed === undefined ? "unknown" : FAMILIES[parsed.provider] ?? "unknown"
}

// =============================================================================
// Profiles
// =============================================================================

const startsWithAny = (name: string, prefixes: ReadonlyArray<string>): boolean => {
  for (const prefix of prefixes) if (name.startsWith(prefix)) return true
  return false
}

// Sonnet 4.6+ and Opus 4.6+ take `thinking: { type: "adaptive" }` and `output_config.effort`.
const ANTHROPIC_ADAPTIVE = [
  "claude-fable-5",
  "claude-mythos-5",
  "claude-sonnet-4-6",
  "claude-sonnet-5",
  "claude-opus-4-6",
  "claude-opus-4-7",
  "claude-opus-4-8",
  "claude-opus-5"
]

// Structured output and strict tools per the Bedrock structured-output docs (a subset of the
// models that support it on the direct Anthropic API).
const ANTHROPIC_STRUCTURED_OUTPUT = [
  "claude-mythos-5",
  "claude-haiku-4-5",
  "claude-sonnet-4-5",
  "claude-sonnet-4-6",
  "claude-opus-4-5",
  "claude-opus-4-6"
]

const anthropic = (name: string): Profile => {
  const adaptive = startsWithAny(name, ANTHROPIC_ADAPTIVE)
  const structured = startsWithAny(name, ANTHROPIC_STRUCTURED_OUTPUT)
  return {
    ...defaultProfile,
    family: "anthropic",
    supportsToolChoice: true,
    supportsToolCaching: true,
    supportsPromptCaching: true,
    supportsStrictTools: structured,
    supportsJsonSchemaOutput: structured,
    sendsBackThinking: true,
    allowsLeadingAssistant: true,
    mediaInToolResults: ["image", "document"],
    // Anthropic rejects documents and videos beside a toolResult.
    besideToolResult: ["text", "image"],
    topKVariant: "anthropic",
    thinkingVariant: adaptive ? "anthropic-adaptive" : "anthropic",
    supportsEffort: adaptive,
    supportsThinking: true,
    thinkingTagName: "thinking"
  }
}

const amazon = (name: string): Profile => {
  if (!name.includes("nova")) return { ...defaultProfile, family: "amazon", inlineSchemaDefs: true }
  return {
    ...defaultProfile,
    family: "amazon",
    inlineSchemaDefs: true,
    supportsToolChoice: true,
    supportsPromptCaching: true,
    topKVariant: "nova",
    supportsCodeExecution: name.includes("nova-2")
  }
}

const structuredIf = (profile: Profile, supported: boolean): Profile =>
  supported
    ? { ...profile, supportsStrictTools: true, supportsJsonSchemaOutput: true }
    : profile

const byFamily: Record<Exclude<Family, "unknown">, (name: string) => Profile> = {
  anthropic,
  amazon,
  // Llama: a toolResult must be alone in its turn.
  meta: () => ({
    ...defaultProfile,
    family: "meta",
    inlineSchemaDefs: true,
    besideToolResult: NOTHING,
    mediaInToolResults: ["image", "document"]
  }),
  mistral: (name) =>
    structuredIf({
      ...defaultProfile,
      family: "mistral",
      // Magistral always reasons.
      alwaysThinks: name.startsWith("magistral"),
      toolResultFormat: "json",
      besideToolResult: NOTHING,
      mediaInToolResults: ["document"]
    }, startsWithAny(name, ["magistral-small", "ministral-3", "mistral-large-3", "voxtral"])),
  cohere: () => ({ ...defaultProfile, family: "cohere" }),
  deepseek: (name) => {
    const r1 = name.startsWith("r1") || name.startsWith("deepseek-r1")
    return {
      ...defaultProfile,
      family: "deepseek",
      sendsBackThinking: r1,
      alwaysThinks: r1,
      ignoresLeadingWhitespaceInStream: r1
    }
  },
  openai: (name) =>
    name.startsWith("gpt-oss")
      ? { ...defaultProfile, family: "openai", thinkingVariant: "openai", supportsThinking: true }
      : { ...defaultProfile, family: "openai", supportsConverse: false },
  qwen: (name) =>
    structuredIf({
      ...defaultProfile,
      family: "qwen",
      allowsLeadingAssistant: true,
      thinkingVariant: "qwen",
      // Only Qwen3 and QwQ models take `reasoning_config`.
      supportsThinking: name.includes("qwen3") || name.includes("qwq"),
      mediaInToolResults: NOTHING,
      ignoresLeadingWhitespaceInStream: true
    }, name.startsWith("qwen3")),
  google: (name) =>
    structuredIf({ ...defaultProfile, family: "google" }, startsWithAny(name, ["gemma-3-12b-it", "gemma-3-27b-it"])),
  // Writer: a toolResult must be alone in its turn and must not carry `status`.
  writer: () => ({ ...defaultProfile, family: "writer", besideToolResult: NOTHING, supportsToolResultStatus: false }),
  zai: () =>
    structuredIf({ ...defaultProfile, family: "zai", supportsToolChoice: true, allowsLeadingAssistant: true }, true),
  moonshot: () =>
    structuredIf({
      ...defaultProfile,
      family: "moonshot",
      supportsToolChoice: true,
      allowsLeadingAssistant: true,
      mediaInToolResults: NOTHING,
      ignoresLeadingWhitespaceInStream: true
    }, true),
  minimax: (name) => structuredIf({ ...defaultProfile, family: "minimax" }, name.startsWith("minimax-m2")),
  nvidia: (name) => structuredIf({ ...defaultProfile, family: "nvidia" }, name.startsWith("nemotron-nano")),
  ai21: () => ({ ...defaultProfile, family: "ai21" })
}

const cache = new Map<string, Profile>()

/**
 * The profile of a model id (plain id, cross-region id, or ARN).
 *
 * @since 0.1.0
 * @category Profiles
 */
export const forModel = (modelId: string): Profile => {
  const cached = cache.get(modelId)
  if (cached !== undefined) return cached
  const parsed = parseModelId(modelId)
  const found = parsed === undefined ? undefined : FAMILIES[parsed.provider]
  const profile = found === undefined || found === "unknown" ? defaultProfile : byFamily[found](parsed!.name)
  if (cache.size < 1024) cache.set(modelId, profile)
  return profile
}

/**
 * A profile with some flags replaced, for models the built-in table gets
 * wrong or cannot know (application inference profiles, custom models).
 *
 * @since 0.1.0
 * @category Profiles
 */
export const withOverrides = (profile: Profile, overrides: Partial<Profile>): Profile => {
  const out: Record<string, unknown> = { ...profile }
  for (const key in overrides) {
    const value = (overrides as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = value
  }
  return out as unknown as Profile
}
