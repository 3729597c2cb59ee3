/**
 * Amazon Bedrock as a provider for `@effect/ai`: its `LanguageModel` (so
 * `generateText`, `streamText`, `generateObject`, `Chat` and `Toolkit`) over
 * the `LanguageModel` of `@effect-bedrock/core`, with our `BedrockClient`
 * underneath (credential chain, retries, HTTP/2, typed errors, abort on
 * interruption).
 *
 * - Prompts: system, user, assistant and tool messages; text, files (bytes,
 *   URL, `s3://`, base64), reasoning, tool calls and results (`isFailure` is
 *   sent as an error result).
 * - Answers: text, reasoning (signature in the part metadata), tool calls
 *   (streamed as `tool-params-*` and then as one complete `tool-call`),
 *   response metadata (request id, model) and finish (usage with cached input
 *   tokens).
 * - Bedrock-only inputs are provider options under `effectBedrock`, typed here
 *   by declaration merging: cache points, document names, thinking signatures.
 *   Bedrock-only outputs are part metadata under `effectBedrock`: request id,
 *   latency, cache write tokens, service tier, raw stop reason.
 * - `generateObject` uses a forced output tool, as pydantic-ai does (with
 *   thinking on: native JSON schema output where the model has it, else the
 *   schema in the instructions); `profile: { defaultOutputMode: "native" }`
 *   asks for native output where the model has it.
 * - Failures are `AiError`s keeping our typed error as `cause`: see
 *   `BedrockAiError`.
 *
 * @example
 * ```ts
 * import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
 * import { BedrockClient } from "@effect-bedrock/core"
 * import { LanguageModel } from "@effect/ai"
 * import { Effect, Layer } from "effect"
 *
 * const Claude = BedrockAiLanguageModel.layer({
 *   model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
 *   config: { maxTokens: 1024 }
 * }).pipe(Layer.provide(BedrockClient.layerConfig()))
 *
 * const program = LanguageModel.generateText({ prompt: "Hello" }).pipe(
 *   Effect.map((response) => response.text),
 *   Effect.provide(Claude)
 * )
 * ```
 *
 * @since 0.1.0
 */
import { resolveSettings } from "@effect-bedrock/converse/settings/resolve"
import type * as BedrockClient from "@effect-bedrock/core/BedrockClient"
import * as BedrockLanguageModel from "@effect-bedrock/core/BedrockLanguageModel"
import type * as BedrockModelId from "@effect-bedrock/core/BedrockModelId"
import type * as BedrockModelProfile from "@effect-bedrock/core/BedrockModelProfile"
import * as BedrockModelSettings from "@effect-bedrock/core/BedrockModelSettings"
import type * as CoreLanguageModel from "@effect-bedrock/core/LanguageModel"
import type * as Response from "@effect-bedrock/core/Response"
import * as AiError from "@effect/ai/AiError"
import * as AiLanguageModel from "@effect/ai/LanguageModel"
import * as AiModel from "@effect/ai/Model"
import * as EffectConfig from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as BedrockAiError from "./BedrockAiError.js"
import * as PromptMapping from "./internal/promptMapping.js"
import * as ResponseMapping from "./internal/responseMapping.js"
import { SignatureMemo } from "./internal/signatureMemo.js"
import * as Streams from "./internal/streams.js"
import * as Telemetry from "./internal/telemetry.js"

// =============================================================================
// Provider options and metadata
// =============================================================================

/**
 * A cache point: `true` (Bedrock's default time to live, 5 minutes), `"5m"`
 * or `"1h"`; `false` or absent for none.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export type CachePointOptions = {
  /**
   * On a user message or a user text / file part: a cache point after it. On
   * a tool message: after its results. On the leading system messages: after
   * the system prompt (Converse caches the system prompt as a whole). Models
   * without prompt caching ignore it.
   */
  readonly cachePoint?: BedrockModelSettings.CacheSetting | undefined
}

/**
 * Options of a file part: a cache point after it, and for documents the name
 * Bedrock shows the model (by default the file name without its extension,
 * characters Bedrock rejects replaced by spaces; `Document N` without one).
 * An explicit `documentName` must be valid: letters, digits, single spaces,
 * hyphens, parentheses, square brackets.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export type FileOptions = CachePointOptions & {
  readonly documentName?: string | undefined
}

/**
 * The provider data of a reasoning block, to send it back as Bedrock's own
 * reasoning: its `signature`, or for redacted reasoning the opaque bytes as
 * base64 (`redactedData`). Reasoning without them is sent as tagged text.
 *
 * Responses carry the same fields in the reasoning part's metadata. A
 * `Chat` history keeps only the text of reasoning; the model remembers the
 * signatures of its latest answers (the last 64 blocks) and restores them, so
 * a chat with thinking and tools continues within a process. Across
 * processes, keep the metadata and pass it here.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export type ReasoningOptions = {
  readonly signature?: string | undefined
  readonly redactedData?: string | undefined
}

/**
 * @since 0.1.0
 * @category Provider Metadata
 */
export type ReasoningMetadata = ReasoningOptions

/**
 * The Bedrock outputs of an answer, in the `finish` part's metadata.
 *
 * @since 0.1.0
 * @category Provider Metadata
 */
export type FinishMetadata = {
  /** Bedrock's own stop reason (`end_turn`, `tool_use`, `guardrail_intervened`, ...). */
  readonly rawFinishReason: string
  readonly requestId?: string | undefined
  /** Bedrock's `metrics.latencyMs`. */
  readonly latencyMs?: number | undefined
  /** What the call cost, when its price is known (`BedrockPricing`). */
  readonly cost?: Response.Cost | undefined
  /** Input tokens read from the prompt cache (also `usage.cachedInputTokens`). */
  readonly cacheReadTokens: number
  /** Input tokens written to the prompt cache. */
  readonly cacheWriteTokens: number
  readonly serviceTier?: string | undefined
  /**
   * `true` when Bedrock reported no usage (a ConverseStream that ended after `messageStop` without
   * its `metadata` event): the token counts of the finish part are then `undefined`, not 0.
   */
  readonly usageUnknown?: true | undefined
  /** Other token counts Bedrock reported. */
  readonly usageDetails?: Readonly<Record<string, number>> | undefined
  /** Guardrail / prompt-router trace, when asked for. */
  readonly trace?: unknown
  readonly performanceConfig?: unknown
  readonly additionalModelResponseFields?: unknown
  /** Content blocks not modelled (citations, guard content, ...), kept as they came. */
  readonly unknownBlocks?: ReadonlyArray<{ readonly kind: string; readonly raw: unknown }> | undefined
}

/**
 * @since 0.1.0
 * @category Provider Metadata
 */
export type ResponseMetadata = {
  readonly requestId?: string | undefined
  readonly latencyMs?: number | undefined
}

declare module "@effect/ai/Prompt" {
  export interface SystemMessageOptions extends ProviderOptions {
    readonly effectBedrock?: CachePointOptions | undefined
  }
  export interface UserMessageOptions extends ProviderOptions {
    readonly effectBedrock?: CachePointOptions | undefined
  }
  export interface ToolMessageOptions extends ProviderOptions {
    readonly effectBedrock?: CachePointOptions | undefined
  }
  export interface TextPartOptions extends ProviderOptions {
    readonly effectBedrock?: CachePointOptions | undefined
  }
  export interface FilePartOptions extends ProviderOptions {
    readonly effectBedrock?: FileOptions | undefined
  }
  export interface ReasoningPartOptions extends ProviderOptions {
    readonly effectBedrock?: ReasoningOptions | undefined
  }
}

declare module "@effect/ai/Response" {
  export interface ReasoningPartMetadata extends ProviderMetadata {
    readonly effectBedrock?: ReasoningMetadata | undefined
  }
  export interface ReasoningEndPartMetadata extends ProviderMetadata {
    readonly effectBedrock?: ReasoningMetadata | undefined
  }
  export interface ResponseMetadataPartMetadata extends ProviderMetadata {
    readonly effectBedrock?: ResponseMetadata | undefined
  }
  export interface FinishPartMetadata extends ProviderMetadata {
    readonly effectBedrock?: FinishMetadata | undefined
  }
}

// =============================================================================
// Configuration
// =============================================================================

/**
 * Settings for every call made inside an effect (see `withConfigOverride`);
 * they win key by key over the model's `config`. For a stream:
 * `Stream.provideService(BedrockAiLanguageModel.Config, settings)`.
 *
 * @since 0.1.0
 * @category Context
 */
export class Config extends Context.Tag("@effect-bedrock/ai/BedrockAiLanguageModel/Config")<
  Config,
  BedrockModelSettings.Settings
>() {}

/**
 * Runs an effect with these settings for every Bedrock call inside it (a
 * whole tool loop, a `Chat` turn). Nested overrides merge, the inner one
 * winning; invalid values fail the calls with `AiError.MalformedInput`.
 *
 * @example
 * ```ts
 * import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
 * import { LanguageModel } from "@effect/ai"
 *
 * const precise = LanguageModel.generateText({ prompt: "2 + 2?" }).pipe(
 *   BedrockAiLanguageModel.withConfigOverride({ temperature: 0, maxTokens: 64 })
 * )
 * ```
 *
 * @since 0.1.0
 * @category Configuration
 */
export const withConfigOverride: {
  (overrides: BedrockModelSettings.Settings): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: BedrockModelSettings.Settings): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: BedrockModelSettings.Settings): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.serviceOption(Config),
      (current) =>
        Effect.provideService(
          self,
          Config,
          Option.isNone(current) ? overrides : BedrockModelSettings.merge(current.value, overrides)
        )
    )
)

// =============================================================================
// Constructors
// =============================================================================

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The model id (`us.anthropic.claude-...`, `amazon.nova-pro-v1:0`; known ones complete) or an inference-profile ARN. */
  readonly model: BedrockModelId.ModelId
  /** Settings of every call; `Config` and `withConfigOverride` win over them. */
  readonly config?: BedrockModelSettings.Settings | undefined
  /** Overrides of the capabilities detected from the model id. */
  readonly profile?: Partial<BedrockModelProfile.Profile> | undefined
}

const MODULE = "BedrockAiLanguageModel"

/** Signatures remembered per model, for `Chat` histories (see `ReasoningOptions`). */
const MEMO_CAPACITY = 64

const malformed = (issue: PromptMapping.MappingIssue, method: string) =>
  new AiError.MalformedInput({
    module: MODULE,
    method,
    description: issue.path === undefined ? issue.message : `${issue.message} (at ${issue.path})`
  })

/**
 * Builds the `@effect/ai` service. Fails with `AiError.MalformedInput` (its
 * cause our `InvalidRequestError`) when the model's config is invalid or the
 * model is not available on the Converse API.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: (
  options: Options
) => Effect.Effect<AiLanguageModel.Service, AiError.MalformedInput, BedrockClient.BedrockClient> = Effect.fnUntraced(
  function*(options: Options) {
    const modelId = options.model
    const model = yield* BedrockLanguageModel.make({
      model: modelId,
      settings: options.config,
      profile: options.profile
    }).pipe(
      Effect.mapError((error) =>
        BedrockAiError.fromLanguageModelError(error, { method: "make", modelId }) as AiError.MalformedInput
      )
    )
    const memo = new SignatureMemo(MEMO_CAPACITY)
    const modelConfig = options.config
    const toAiError = (method: string) => (error: CoreLanguageModel.LanguageModelError) =>
      BedrockAiError.fromLanguageModelError(error, { method, modelId })

    const prepare = (
      providerOptions: AiLanguageModel.ProviderOptions,
      config: Option.Option<BedrockModelSettings.Settings>,
      method: string
    ) => {
      const mapped = PromptMapping.mapRequest(providerOptions, Option.getOrUndefined(config), memo)
      if (Either.isLeft(mapped)) return Either.left(malformed(mapped.left, method))
      // The span's settings: the model's < the request's (which holds any `withConfigOverride`), as the call merges them.
      Telemetry.annotateRequest(
        providerOptions.span,
        modelId,
        resolveSettings<BedrockModelSettings.Settings>([modelConfig, mapped.right.request.settings])
      )
      return Either.right(mapped.right)
    }

    const generateText = (providerOptions: AiLanguageModel.ProviderOptions) =>
      Effect.flatMap(Effect.serviceOption(Config), (config) => {
        const prepared = prepare(providerOptions, config, "generateText")
        if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
        const mapped = prepared.right
        return model.generate(mapped.request).pipe(
          Effect.mapError(toAiError("generateText")),
          Effect.map((response) => {
            Telemetry.annotateResponse(providerOptions.span, response)
            return ResponseMapping.fromResponse(response, { toolNames: mapped.toolNames, memo })
          })
        )
      })

    const streamText = (providerOptions: AiLanguageModel.ProviderOptions) =>
      Streams.contextWith((context: Context.Context<never>) => {
        const config = Context.getOption(context as Context.Context<Config>, Config)
        const prepared = prepare(providerOptions, config, "streamText")
        if (Either.isLeft(prepared)) return Stream.fail(prepared.left)
        const mapped = prepared.right
        // This function runs once per run of the stream, so the mapper's state is per run.
        return model.stream(mapped.request).pipe(
          Stream.mapChunks(ResponseMapping.streamMapper({
            toolNames: mapped.toolNames,
            memo,
            onFinish: (response) => Telemetry.annotateResponse(providerOptions.span, response)
          })),
          Stream.mapError(toAiError("streamText"))
        )
      })

    return yield* AiLanguageModel.make({ generateText, streamText })
  }
)

/**
 * The `@effect/ai` `LanguageModel` over Bedrock, built from `BedrockClient`.
 * An invalid `config` fails the layer with `AiError.MalformedInput`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<AiLanguageModel.LanguageModel, AiError.MalformedInput, BedrockClient.BedrockClient> =>
  Layer.effect(AiLanguageModel.LanguageModel, make(options))

/**
 * The model as an `@effect/ai` `Model` (a Layer that also names its provider,
 * `"bedrock"`), for `ExecutionPlan` and `Effect.provide`. A `Model` cannot
 * fail to build: an invalid `config` makes every call fail with
 * `AiError.MalformedInput` instead.
 *
 * @example
 * ```ts
 * import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
 * import { BedrockClient } from "@effect-bedrock/core"
 * import { LanguageModel } from "@effect/ai"
 * import { Effect } from "effect"
 *
 * const Nova = BedrockAiLanguageModel.model("us.amazon.nova-pro-v1:0", { temperature: 0 })
 *
 * const program = LanguageModel.generateText({ prompt: "Hello" }).pipe(
 *   Effect.provide(Nova),
 *   Effect.provide(BedrockClient.layerConfig())
 * )
 * ```
 *
 * @since 0.1.0
 * @category Constructors
 */
export const model = (
  modelId: BedrockModelId.ModelId,
  config?: BedrockModelSettings.Settings,
  profile?: Partial<BedrockModelProfile.Profile>
): AiModel.Model<"bedrock", AiLanguageModel.LanguageModel, BedrockClient.BedrockClient> =>
  AiModel.make(
    "bedrock",
    Layer.effect(
      AiLanguageModel.LanguageModel,
      make({ model: modelId, config, profile }).pipe(
        Effect.catchAll((error) =>
          AiLanguageModel.make({ generateText: () => Effect.fail(error), streamText: () => Stream.fail(error) })
        )
      )
    )
  )

/**
 * The model from `Config`: by default `BEDROCK_MODEL_ID`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  options: {
    readonly model?: EffectConfig.Config<string> | undefined
    readonly config?: BedrockModelSettings.Settings | undefined
    readonly profile?: Partial<BedrockModelProfile.Profile> | undefined
  } = {}
): Layer.Layer<
  AiLanguageModel.LanguageModel,
  AiError.MalformedInput | ConfigError.ConfigError,
  BedrockClient.BedrockClient
> =>
  Layer.effect(
    AiLanguageModel.LanguageModel,
    Effect.flatMap(
      options.model ?? EffectConfig.string("BEDROCK_MODEL_ID"),
      (model) => make({ model, config: options.config, profile: options.profile })
    )
  )
