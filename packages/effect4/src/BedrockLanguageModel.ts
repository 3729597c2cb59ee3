/**
 * A provider for Effect 4's `effect/ai` `LanguageModel` on Amazon Bedrock's Converse API: `generateText`,
 * `streamText`, `generateObject`, tools through `Toolkit` (and Bedrock's own tools: `BedrockTool`), built on the
 * `@effect-bedrock/converse` engine (request rules, mapping, decoding, pricing) and `BedrockClient`.
 *
 * - Settings: every Bedrock setting (`maxTokens`, `thinking`, `guardrailConfig`, `serviceTier`,
 *   `performanceConfig`, `requestMetadata`, `promptVariables`, `additionalModelRequestFields`, the cache
 *   settings, ...) is typed (`BedrockSettings`), on the model (`config`) or for the calls inside an effect
 *   (`withConfigOverride`), and checked by the engine before the network (a mistyped key gets a "did you mean").
 * - Per message and part, under the `effectBedrock` options (typed by module augmentation of `effect/ai`'s
 *   `Prompt`): a `cachePoint` after a system, user or tool message or a text or file part (on the leading system
 *   messages it caches the system prompt: `cacheInstructions`); a file's `documentName` (by default from its file
 *   name); a reasoning part's `signature` or `redactedData`, which the answers carry in the same place
 *   (`Chat` keeps them), so thinking goes back signed on the next turn. Unknown keys and bad values fail the call
 *   with `InvalidRequestError` before the network.
 * - The finish part carries the usage (cache tokens included) and `metadata.effectBedrock`: request id, Bedrock's
 *   stop reason, latency, service tier, trace, and the cost when the model's price is known.
 * - Telemetry: the span `LanguageModel` opens for a call gets `effect/ai`'s GenAI annotations (provider
 *   `aws.bedrock`, operation, requested model and settings, response id and model, Bedrock's stop reason, usage),
 *   plus core's: cache read / write tokens, `cloud.region`, `server.address` / `server.port`, `aws.request_id`,
 *   `aws.bedrock.service_tier`, `effect_bedrock.cost.total` / `.currency`.
 * - Failures are `AiError`s whose `reason` says what happened (`RateLimitError` for throttling,
 *   `QuotaExhaustedError`, `AuthenticationError`, `InvalidRequestError`, ...) and keeps our typed error as its
 *   `cause` (`bedrockError`).
 * - Guardrails: a guardrail that intervenes is not an exception in Bedrock but an answer (stop reason
 *   `guardrail_intervened`, the guardrail's message as its text). `generateText` and `streamText` return it, with
 *   finish reason `content-filter` (as effect/ai's own providers report a content filter) and the stop reason in
 *   `metadata.effectBedrock.rawFinishReason`. `generateObject` fails with reason `ContentPolicyError`, since no
 *   object was produced.
 *
 * @since 0.1.0
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as Classify from "@effect-bedrock/converse/errors/classify"
import * as Mapping from "@effect-bedrock/converse/mapping/converse"
import type { Profile } from "@effect-bedrock/converse/models/profiles"
import { resolveServer } from "@effect-bedrock/converse/net/clientServer"
import * as Prepare from "@effect-bedrock/converse/prepare/prepare"
import type * as Costs from "@effect-bedrock/converse/pricing/cost"
import { bundledRegions, serviceTierOf } from "@effect-bedrock/converse/pricing/tiers"
import * as ResponseAnswer from "@effect-bedrock/converse/response/answer"
import type * as EngineResponse from "@effect-bedrock/converse/response/types"
import type { Settings } from "@effect-bedrock/converse/settings/types"
import { coalesceDeltas } from "@effect-bedrock/converse/stream/coalesce"
import { Decoder } from "@effect-bedrock/converse/stream/decoder"
import type * as AiError from "effect/ai/AiError"
import * as LanguageModel from "effect/ai/LanguageModel"
import * as AiModel from "effect/ai/Model"
import type * as Response from "effect/ai/Response"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import * as EffectConfig from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Pull from "effect/Pull"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as BedrockError from "./BedrockError.js"
import * as AiMapping from "./internal/aiMapping.js"
import { fromDescriptor, fromStreamFailure } from "./internal/fromSdk.js"
import * as Telemetry from "./internal/telemetry.js"

// =============================================================================
// Models
// =============================================================================

/**
 * Every Bedrock setting of a call (`maxTokens`, `temperature`, `thinking`, `guardrailConfig`,
 * `cacheInstructions`, `serviceTier`, ...), as the engine defines and checks them.
 *
 * @since 0.1.0
 * @category Models
 */
export type BedrockSettings = Settings

/**
 * The options of `make`, `layer` and `model`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** A Bedrock model id or inference profile (`us.anthropic.claude-sonnet-4-5-20250929-v1:0`). */
  readonly model: string
  /** The model's settings; a `withConfigOverride` in scope wins over them. */
  readonly config?: BedrockSettings | undefined
  /** Overrides of what the engine knows of the model (its family, whether it takes strict tools, ...). */
  readonly profile?: Partial<Profile> | undefined
}

/**
 * Settings for every call made inside an effect, over the model's own (`withConfigOverride`).
 *
 * @since 0.1.0
 * @category Context
 */
export class Config extends Context.Service<Config, BedrockSettings>()(
  "@effect-bedrock/effect4/BedrockLanguageModel/Config"
) {}

/**
 * A cache point: `true` (Bedrock's default time to live, 5 minutes), `"5m"` or `"1h"`; `false` or absent for
 * none.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export interface CachePointOptions {
  /**
   * On a user message or a user text / file part: a cache point after it. On a tool message: after its results.
   * On the leading system messages: after the system prompt (Converse caches it as a whole). Models without
   * prompt caching ignore it.
   */
  readonly cachePoint?: BedrockSettings["cacheInstructions"] | null
}

/**
 * Options of a file part: a cache point after it, and for a document the name Bedrock shows the model (by
 * default its file name without the extension, characters Bedrock refuses as spaces; else `Document N`). An
 * explicit name must be valid: letters, digits, single spaces, hyphens, parentheses, square brackets.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export interface FileOptions extends CachePointOptions {
  readonly documentName?: string | null
}

/**
 * A reasoning block's provider data, to send it back as Bedrock's own reasoning: its `signature`, or for
 * redacted reasoning the opaque bytes as base64 (`redactedData`). Reasoning without them goes back as text.
 * Answers carry the same fields in the reasoning part's metadata (streamed: on `reasoning-end`).
 *
 * @since 0.1.0
 * @category Provider Options
 */
export interface ReasoningOptions {
  readonly signature?: string | null
  readonly redactedData?: string | null
}

/**
 * A native tool result's status as Bedrock gave it (`success`, `error`), sent back with the result.
 *
 * @since 0.1.0
 * @category Provider Options
 */
export interface NativeToolResultOptions {
  readonly status?: string | null
}

/**
 * What this provider writes under `metadata.effectBedrock` of the finish part.
 *
 * @since 0.1.0
 * @category Models
 */
export type FinishMetadata = {
  /** The request id Bedrock gave the call (absent on a stream, whose request id is not surfaced). */
  readonly requestId?: string
  /** Bedrock's own stop reason (`end_turn`, `tool_use`, `guardrail_intervened`, ...). */
  readonly rawFinishReason: string
  readonly latencyMs?: number
  /**
   * The call's cost from the engine's prices (the bundled ones load on first use), when its price is known. The
   * engine's `Cost` mapped to an object type: an interface is not assignable to the JSON the metadata must be.
   */
  readonly cost?: { readonly [K in keyof EngineResponse.Cost]: EngineResponse.Cost[K] }
  /** Bedrock did not report the usage: counted as 0 tokens, no cost. */
  readonly usageUnknown?: boolean
  /** Other token counts Bedrock reported. */
  readonly usageDetails?: { readonly [key: string]: number }
  /** The service tier Bedrock served the call on. */
  readonly serviceTier?: string
  /** The guardrail / prompt-router trace, when asked for (`guardrailConfig.trace`). */
  readonly trace?: Schema.Json
  readonly performanceConfig?: Schema.Json
  /** What `additionalModelResponseFieldPaths` asked for. */
  readonly additionalModelResponseFields?: Schema.Json
  /** Content blocks the engine does not model (citations, guard content, ...), as they came. */
  readonly unknownBlocks?: ReadonlyArray<{ readonly kind: string; readonly raw: Schema.Json }>
}

declare module "effect/ai/Response" {
  export interface FinishPartMetadata {
    readonly effectBedrock?: FinishMetadata | null
  }
  export interface ReasoningPartMetadata {
    readonly effectBedrock?: ReasoningOptions | null
  }
  export interface ReasoningEndPartMetadata {
    readonly effectBedrock?: ReasoningOptions | null
  }
  export interface ToolResultPartMetadata {
    readonly effectBedrock?: NativeToolResultOptions | null
  }
}

declare module "effect/ai/Prompt" {
  export interface SystemMessageOptions {
    readonly effectBedrock?: CachePointOptions | null
  }
  export interface UserMessageOptions {
    readonly effectBedrock?: CachePointOptions | null
  }
  export interface ToolMessageOptions {
    readonly effectBedrock?: CachePointOptions | null
  }
  export interface TextPartOptions {
    readonly effectBedrock?: CachePointOptions | null
  }
  export interface FilePartOptions {
    readonly effectBedrock?: FileOptions | null
  }
  export interface ReasoningPartOptions {
    readonly effectBedrock?: ReasoningOptions | null
  }
  export interface ToolResultPartOptions {
    readonly effectBedrock?: NativeToolResultOptions | null
  }
}

// =============================================================================
// Constructors
// =============================================================================

const METADATA_KEY = "effectBedrock"

/** Where a price can be found: the bundled dataset covers some regions and the default tier only. */
interface Pricing {
  readonly cost: (
    modelId: string,
    response: EngineResponse.Response,
    settings: Settings
  ) => Effect.Effect<EngineResponse.Cost | undefined>
}

const makePricing = (region: string | undefined): Pricing => {
  let loaded: Costs.Prices | undefined
  // The bundled prices load on the first response that needs one (a dynamic import: most of the dataset's size).
  const load = Effect.suspend(() =>
    loaded !== undefined ? Effect.succeed(loaded) : Effect.map(
      Effect.promise(() => import("@effect-bedrock/converse/pricing/bundled")),
      (module) => (loaded = module.service)
    )
  )
  return {
    cost: (modelId, response, settings) => {
      // Usage the provider did not report: no cost rather than a cost of 0.
      if (region === undefined || !bundledRegions.has(region) || response.usage.unknown === true) {
        return Effect.succeed(undefined)
      }
      const serviceTier = Mapping.effectiveServiceTier(settings)
      if (serviceTierOf(serviceTier) !== "default") return Effect.succeed(undefined)
      return Effect.map(
        load,
        (prices) => prices.cost({ modelId, region, serviceTier, usage: response.usage, timestamp: response.timestamp })
      )
    }
  }
}

/** Where the client sends its requests (region, server), for telemetry and prices; unknown parts undefined. */
const resolveWhere = (client: BedrockClient.Service): Effect.Effect<Telemetry.Where> =>
  Effect.promise(async () => {
    let region: string | undefined
    try {
      const configured = client.client.config.region
      region = typeof configured === "function" ? await configured() : configured
    } catch {
      region = undefined
    }
    const server = await resolveServer(client.client).catch(() => undefined)
    return { region, server }
  })

/** A stream that ended before its messageStop event: the answer is incomplete. */
const truncated = (requestId: string | undefined) =>
  fromDescriptor(Classify.truncatedStream("beforeMessageStop", { operation: "converseStream", requestId }))

/**
 * Builds the `LanguageModel` service on the `BedrockClient` in context. Fails with an `AiError`
 * (`InvalidRequestError`) when the model's own settings are invalid or the model is not on Converse.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = yield* BedrockClient.BedrockClient
  const model = Prepare.makeModel({ model: options.model, settings: options.config, profile: options.profile })
  if (!model.ok) return yield* AiMapping.invalidRequest(model.issues[0]!, "make")
  const { modelId, profile } = model.value
  const where = yield* resolveWhere(client)
  const pricing = makePricing(where.region)

  /** The call's request through the engine: settings merged and checked, then mapped to Converse's input. */
  const prepare = (options: LanguageModel.ProviderOptions, method: string, stream: boolean) =>
    Effect.flatMap(Effect.serviceOption(Config), (scoped) => {
      const mapped = AiMapping.toRequest(options)
      if (Result.isFailure(mapped)) return Effect.fail(AiMapping.invalidRequest(mapped.failure, method))
      const prepared = Prepare.prepare(model.value, mapped.success.request, Option.getOrUndefined(scoped))
      if (!prepared.ok) return Effect.fail(AiMapping.invalidRequest(prepared.issues[0]!, method))
      const converse = Mapping.toConverseInput({ ...prepared.value, stream })
      if (!converse.ok) return Effect.fail(AiMapping.invalidRequest(converse.issues[0]!, method))
      Telemetry.annotateRequest(options.span, {
        target: prepared.value.target,
        settings: prepared.value.settings,
        stream,
        json: options.responseFormat.type === "json",
        where
      })
      const warnings = converse.value.warnings
      const result = { mapping: converse.value, settings: prepared.value.settings, toolNames: mapped.success.toolNames }
      return warnings === undefined
        ? Effect.succeed(result)
        : Effect.as(Effect.forEach(warnings, (warning) => Effect.logWarning(warning), { discard: true }), result)
    })

  const withCost = (response: EngineResponse.Response, settings: Settings) => pricing.cost(modelId, response, settings)

  const generateText = (options: LanguageModel.ProviderOptions) =>
    Effect.gen(function*() {
      const { mapping, settings, toolNames } = yield* prepare(options, "generateText", false)
      const output = yield* Effect.mapError(
        client.converse(mapping.input),
        (error) => AiMapping.toAiError(error, "generateText")
      )
      const requestId = output.$metadata?.requestId
      const answer = ResponseAnswer.decodeAnswer(output, mapping, {
        modelId,
        requestId,
        trimLeadingWhitespace: profile.ignoresLeadingWhitespaceInStream
      })
      if (!answer.ok) {
        return yield* AiMapping.toAiError(
          new BedrockError.TransportError({
            kind: "MalformedResponse",
            message: answer.message,
            position: "request",
            operation: "converse",
            retryable: false,
            ...(requestId !== undefined ? { requestId } : {})
          }),
          "generateText"
        )
      }
      const response = answer.value
      const cost = yield* withCost(response, settings)
      Telemetry.annotateResponse(options.span, response, cost)
      // A guardrail's answer is no object: generateObject fails with ContentPolicyError (see the module doc).
      if (options.responseFormat.type === "json" && response.finishReason === "content-filter") {
        return yield* AiMapping.contentPolicy(response, "generateText")
      }
      const parts: Array<Response.PartEncoded> = AiMapping.contentParts(response, toolNames)
      const [metadata, finish] = AiMapping.closingParts(response, cost)
      parts.push(metadata, finish)
      return parts
    })

  const streamText = (options: LanguageModel.ProviderOptions): Stream.Stream<
    Response.StreamPartEncoded,
    AiError.AiError
  > =>
    Stream.unwrap(
      Effect.map(prepare(options, "streamText", true), ({ mapping, settings, toolNames }) =>
        Stream.mapError(
          Stream.transformPull(client.converseStream(mapping.input), (pull) =>
            Effect.sync(() => {
              // One decoder and one mapper per run: a re-run starts fresh.
              const decoder = new Decoder({
                modelId,
                outputTool: mapping.outputTool,
                unwrapKey: mapping.output?._tag === "Tool" ? mapping.output.unwrapKey : undefined,
                trimLeadingWhitespace: profile.ignoresLeadingWhitespaceInStream
              })
              const mapper = new AiMapping.StreamMapper(toolNames)
              const engineParts: Array<EngineResponse.StreamPart> = []
              const joined: Array<EngineResponse.StreamPart> = []
              let ended = false
              // Per batch of events: the decoder's parts mapped at once (no Effect per event). A block's deltas
              // read in one batch go on as one delta (effect/ai decodes every part with Schema); none waits for
              // the next batch.
              const step = (events: ReadonlyArray<ConverseStreamOutput>): Array<Response.StreamPartEncoded> => {
                const out: Array<Response.StreamPartEncoded> = []
                for (const event of events) decoder.step(event, engineParts)
                coalesceDeltas(engineParts, joined)
                for (const part of joined) mapper.map(part, out)
                engineParts.length = 0
                joined.length = 0
                return out
              }
              // The events' end: the response's metadata and its finish (with the cost), or why there is none.
              const end = Effect.suspend(() => {
                if (decoder.failure !== undefined) return Effect.fail(fromStreamFailure(decoder.failure))
                if (!decoder.complete && !decoder.answered) return Effect.fail(truncated(decoder.currentRequestId))
                const finish = decoder.finish()
                const closing = Effect.map(withCost(finish.response, settings), (cost) => {
                  Telemetry.annotateResponse(options.span, finish.response, cost)
                  return AiMapping.closingParts(finish.response, cost)
                })
                return decoder.complete ? closing : Effect.andThen(
                  Effect.logWarning(
                    "The ConverseStream ended after messageStop without its metadata event: the answer is " +
                      "complete, its usage unknown (usage.unknown is true, counted as 0 tokens)"
                  ),
                  closing
                )
              })
              // One stage from events to parts: an exception event or an invalid payload ends the stream at
              // once, after the parts before it (the client's finaliser then aborts the request).
              const next: Pull.Pull<
                Arr.NonEmptyReadonlyArray<Response.StreamPartEncoded>,
                BedrockError.BedrockError
              > = Effect.suspend(() => {
                if (ended) {
                  return Cause.done()
                }
                return Effect.flatMap(
                  Pull.catchDone(pull, () => {
                    ended = true
                    return end
                  }),
                  (
                    value
                  ): Pull.Pull<Arr.NonEmptyReadonlyArray<Response.StreamPartEncoded>, BedrockError.BedrockError> => {
                    if (ended) {
                      return Effect.succeed(value as Arr.NonEmptyReadonlyArray<Response.StreamPartEncoded>)
                    }
                    const out = step(value as ReadonlyArray<ConverseStreamOutput>)
                    if (decoder.failure !== undefined) {
                      return Effect.fail(fromStreamFailure(decoder.failure))
                    }
                    return Arr.isReadonlyArrayNonEmpty(out) ? Effect.succeed(out) : next
                  }
                )
              })
              return next
            })),
          (error) => AiMapping.toAiError(error, "streamText")
        ))
    )

  return yield* LanguageModel.make({ generateText, streamText })
})

// =============================================================================
// Layers
// =============================================================================

/**
 * The `LanguageModel` on the `BedrockClient` in context.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<LanguageModel.LanguageModel, AiError.AiError, BedrockClient.BedrockClient> =>
  Layer.effect(LanguageModel.LanguageModel, make(options))

/**
 * `layer` with each option read from `Config`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (options: {
  readonly model: EffectConfig.Config<string>
  readonly config?: EffectConfig.Config<BedrockSettings> | undefined
}): Layer.Layer<
  LanguageModel.LanguageModel,
  AiError.AiError | EffectConfig.ConfigError,
  BedrockClient.BedrockClient
> =>
  Layer.effect(
    LanguageModel.LanguageModel,
    Effect.flatMap(
      EffectConfig.all({ model: options.model, config: options.config ?? EffectConfig.succeed(undefined) }),
      (resolved) => make({ model: resolved.model, config: resolved.config })
    )
  )

/**
 * The model as an `effect/ai` `Model` (provider `"amazon-bedrock"`), to provide where it is used.
 *
 * @since 0.1.0
 * @category Models
 */
export const model = (
  modelId: string,
  config?: BedrockSettings | undefined
): AiModel.Model<"amazon-bedrock", LanguageModel.LanguageModel, BedrockClient.BedrockClient> =>
  AiModel.make("amazon-bedrock", modelId, Layer.orDie(layer({ model: modelId, config })))

// =============================================================================
// Configuration
// =============================================================================

/**
 * Runs `self` with `overrides` over the settings in scope (a call's settings win over the model's).
 *
 * @since 0.1.0
 * @category Configuration
 */
export const withConfigOverride: {
  (overrides: BedrockSettings): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: BedrockSettings): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, overrides: BedrockSettings): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.serviceOption(Config),
      (current) =>
        Effect.provideService(self, Config, Option.isSome(current) ? { ...current.value, ...overrides } : overrides)
    )
)

// =============================================================================
// Errors
// =============================================================================

/**
 * Our typed error behind an `AiError` made by this provider (the `cause` of its `reason`), if any.
 *
 * @since 0.1.0
 * @category Errors
 */
export const bedrockError = (error: AiError.AiError): Option.Option<BedrockError.BedrockError> => {
  const cause: unknown = (error.reason as { readonly cause?: unknown }).cause
  return typeof cause === "object" && cause !== null && "retryable" in cause && "position" in cause
    ? Option.some(cause as BedrockError.BedrockError)
    : Option.none()
}

/**
 * The key of this provider's entries in the parts' `metadata` (`metadata.effectBedrock.cost` on the finish).
 *
 * @since 0.1.0
 * @category Models
 */
export const metadataKey: typeof METADATA_KEY = METADATA_KEY
