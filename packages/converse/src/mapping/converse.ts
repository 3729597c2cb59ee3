/**
 * Pure mapping of a `Request.Request<object>` to the Converse (and CountTokens)
 * input of the AWS SDK. No services, no network: files given by URL must be
 * downloaded before (only `s3://` locations are sent by reference).
 *
 * Built for speed: one pass over the prompt with plain loops, blocks pushed
 * into arrays owned by the mapping, tool schemas passed by reference.
 *
 * This module is the one entry point; the parts live next to it in `mapping/`:
 * `messages` (prompt -> `messages` / `system`), `tools` (tools, tool choice,
 * structured output), `media` (files), `cachePoints`, `inference`
 * (`inferenceConfig`, `additionalModelRequestFields`, thinking) and `issues`
 * (a part throws an issue with `fail`; it is caught once, here, and returned
 * as a `Result`).
 *
 * @since 0.1.0
 */
import type {
  ConverseCommandInput,
  CountTokensCommandInput,
  Message,
  SystemContentBlock,
  ToolConfiguration
} from "@aws-sdk/client-bedrock-runtime"
import type * as Profiles from "../models/profiles.js"
import { baseModelId } from "../models/profiles.js"
import type { Issue, Result } from "../request/issue.js"
import type * as Request from "../request/types.js"
import type * as Settings from "../settings/types.js"
import { addRequestCachePoints } from "./cachePoints.js"
import { additionalModelRequestFields, inferenceConfig, isThinkingEnabled } from "./inference.js"
import { fail, hasKeys, toIssue } from "./issues.js"
import { mapPrompt } from "./messages.js"
import { toolHistoryAsText } from "./toolHistory.js"
import { mapTools } from "./tools.js"

// The constants and helpers of the parts that other modules use.
/**
 * @since 0.1.0
 * @category Constants
 */
export { maxCachePoints } from "./cachePoints.js"
/**
 * @since 0.1.0
 * @category Constants
 */
export { anthropicThinkingBudget } from "./inference.js"
/**
 * @since 0.1.0
 * @category Media
 */
export { mediaFormat } from "./media.js"
/**
 * @since 0.1.0
 * @category Constants
 */
export { providerName } from "./messages.js"
/**
 * @since 0.1.0
 * @category Constants
 */
export { defaultOutputName } from "./output.js"
/**
 * @since 0.1.0
 * @category Tools
 */
export { sanitizeToolName } from "./tools.js"

/**
 * The service tier a request asks for: the Bedrock object wins over the unified string (and is the
 * only way to ask for `reserved`). `"auto"` is sent as no tier. The mapping, the span and the price
 * all read this one.
 *
 * @since 0.1.0
 * @internal
 */
export const effectiveServiceTier = (
  settings: Settings.Settings
): Settings.ServiceTier | Settings.BedrockServiceTier["type"] | undefined =>
  settings.bedrockServiceTier?.type ?? settings.serviceTier

// =============================================================================
// Models
// =============================================================================

/**
 * Native (provider-run) tools that can be asked for.
 *
 * @since 0.1.0
 * @internal
 */
export type NativeTool = Request.NativeTool

/**
 * @since 0.1.0
 * @internal
 */
export interface MappingInput {
  /** The model name: drives nothing here but `modelId` (the profile is passed in). */
  readonly modelId: string
  readonly profile: Profiles.Profile
  /** Already merged (`Settings.merge`) and validated (`decode`). `request.settings` is ignored. */
  readonly settings: Settings.Settings
  readonly request: Request.Request<object>
  /** For ConverseStream: keeps `guardrailConfig.streamProcessingMode`. */
  readonly stream?: boolean | undefined
  readonly nativeTools?: ReadonlyArray<NativeTool> | undefined
}

/**
 * How a structured output was asked for, so that the response decoder can
 * turn it back into the answer: `Native` and `Prompted` (the text is the
 * JSON) or `Tool` (the input of a call of `toolName` is the answer). When
 * `unwrapKey` is set, the answer is that key of the JSON, because a
 * non-object schema was wrapped in an object.
 *
 * @since 0.1.0
 * @internal
 */
export type OutputMode =
  | { readonly _tag: "Native"; readonly name: string; readonly unwrapKey?: string | undefined }
  | { readonly _tag: "Prompted"; readonly name: string; readonly unwrapKey?: string | undefined }
  | { readonly _tag: "Tool"; readonly toolName: string; readonly unwrapKey?: string | undefined }

/**
 * @since 0.1.0
 * @internal
 */
export interface ConverseMapping {
  /** Also valid as `ConverseStreamCommandInput`. */
  readonly input: ConverseCommandInput
  /** The forced output tool, whose call is the answer (absent with native output or no output schema). */
  readonly outputTool?: string | undefined
  readonly output?: OutputMode | undefined
  /** What could not be sent as asked (a schema a strict rewrite had to change in meaning). */
  readonly warnings?: ReadonlyArray<string> | undefined
}

// =============================================================================
// Entry points
// =============================================================================

/**
 * The Converse / ConverseStream input for a request, or the one problem that stops it (its `path` points
 * into the request, e.g. `prompt.messages[2].parts[0]`, and is `""` for the request as a whole).
 *
 * @since 0.1.0
 * @internal
 */
export const toConverseInput = (options: MappingInput): Result<ConverseMapping> => {
  try {
    return { ok: true, value: build(options, false) }
  } catch (error) {
    return failed(error)
  }
}

/**
 * The CountTokens input for a request: the same mapping (cache limit
 * included) and the model id without geo prefix, never the inference profile.
 *
 * @since 0.1.0
 * @internal
 */
export const toCountTokensInput = (
  options: MappingInput
): Result<CountTokensCommandInput> => {
  try {
    const { input } = build(options, true)
    const converse: {
      messages: Array<Message>
      system: Array<SystemContentBlock>
      toolConfig?: ToolConfiguration
      additionalModelRequestFields?: ConverseCommandInput["additionalModelRequestFields"]
    } = { messages: input.messages!, system: input.system! }
    if (input.toolConfig !== undefined) converse.toolConfig = input.toolConfig
    if (input.additionalModelRequestFields !== undefined) {
      converse.additionalModelRequestFields = input.additionalModelRequestFields
    }
    return { ok: true, value: { modelId: baseModelId(options.modelId), input: { converse } } }
  } catch (error) {
    return failed(error)
  }
}

const failed = (error: unknown): { readonly ok: false; readonly issues: ReadonlyArray<Issue> } => ({
  ok: false,
  issues: [toIssue(error)]
})

// =============================================================================
// Request
// =============================================================================

const build = (options: MappingInput, forCountTokens: boolean): ConverseMapping => {
  const { profile, request, settings } = options
  if (!profile.supportsConverse) {
    fail(
      `Model "${options.modelId}" is not served by the Bedrock Converse API` +
        (profile.family === "openai" ? " (on Converse, OpenAI offers only the gpt-oss models)" : "")
    )
  }
  const thinkingOn = isThinkingEnabled(profile, settings)
  let warnings: Array<string> | undefined
  const warn = (message: string) => {
    ;(warnings ??= []).push(message)
  }

  // Tools first: a forced choice that cannot be honoured fails before any other work.
  const tools = mapTools(options, thinkingOn, warn)

  const { messages, staticSystemEnd, system } = mapPrompt(profile, settings, request, tools.instructions)

  addRequestCachePoints(
    profile,
    settings,
    system,
    staticSystemEnd,
    tools.toolConfig === undefined ? undefined : tools.toolConfig.tools,
    messages.list,
    messages.cachePoints,
    warn
  )

  const input: ConverseCommandInput = {
    modelId: forCountTokens ? options.modelId : settings.inferenceProfile ?? options.modelId,
    // Without a toolConfig, Bedrock rejects toolUse / toolResult blocks: the history's go as text.
    messages: tools.toolConfig === undefined ? toolHistoryAsText(messages.list) : messages.list,
    system,
    inferenceConfig: inferenceConfig(settings)
  }
  if (tools.toolConfig !== undefined) input.toolConfig = tools.toolConfig
  if (tools.outputConfig !== undefined) input.outputConfig = tools.outputConfig

  const additional = additionalModelRequestFields(profile, settings)
  if (additional !== undefined) input.additionalModelRequestFields = additional as any

  if (settings.guardrailConfig !== undefined) {
    const { streamProcessingMode, ...rest } = settings.guardrailConfig
    input.guardrailConfig = options.stream === true && streamProcessingMode !== undefined
      ? { ...rest, streamProcessingMode } as ConverseCommandInput["guardrailConfig"]
      : rest
  }
  if (settings.performanceConfig !== undefined) input.performanceConfig = settings.performanceConfig
  if (settings.requestMetadata !== undefined && hasKeys(settings.requestMetadata)) {
    input.requestMetadata = settings.requestMetadata as Record<string, string>
  }
  const responseFieldPaths = settings.additionalModelResponseFieldPaths
  if (responseFieldPaths !== undefined && responseFieldPaths.length > 0) {
    input.additionalModelResponseFieldPaths = responseFieldPaths as Array<string>
  }
  if (settings.promptVariables !== undefined && hasKeys(settings.promptVariables)) {
    input.promptVariables = settings.promptVariables as ConverseCommandInput["promptVariables"]
  }
  const tier = effectiveServiceTier(settings)
  if (tier !== undefined && tier !== "auto") input.serviceTier = { type: tier }
  const output = tools.output
  if (output === undefined) return warnings === undefined ? { input } : { input, warnings }
  const mapping: ConverseMapping = output._tag === "Tool"
    ? { input, outputTool: output.toolName, output }
    : { input, output }
  return warnings === undefined ? mapping : { ...mapping, warnings }
}
