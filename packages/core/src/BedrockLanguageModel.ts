/**
 * The `LanguageModel` service over Amazon Bedrock's Converse API.
 *
 * A request is validated and mapped to Converse before anything is sent (its
 * shape, checked with the `LanguageModel.Request` and `Prompt` Schemas, so a
 * JavaScript caller gets the same errors; settings, media types, tool names and
 * choice, cache points): bad input fails with `InvalidRequestError` and costs
 * no request. Files given by an `http(s)://` URL are downloaded first, with the
 * guards of `FileDownload`. Responses and streams decode to the same `Response`.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockLanguageModel, LanguageModel, Response } from "@effect-bedrock/core"
 * import { Effect, Layer } from "effect"
 *
 * const Model = BedrockLanguageModel.layer({
 *   model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
 *   settings: { maxTokens: 1024, temperature: 0 }
 * }).pipe(Layer.provide(BedrockClient.layerConfig()))
 *
 * const program = LanguageModel.generate({ prompt: "Hello" }).pipe(
 *   Effect.map(Response.text),
 *   Effect.provide(Model)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime"
import * as RequestMapping from "@effect-bedrock/converse/mapping/converse"
import * as Prepare from "@effect-bedrock/converse/prepare/prepare"
import * as ResponseAnswer from "@effect-bedrock/converse/response/answer"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as BedrockError from "./BedrockError.js"
import type * as BedrockModelId from "./BedrockModelId.js"
import type * as BedrockModelProfile from "./BedrockModelProfile.js"
import * as BedrockModelSettings from "./BedrockModelSettings.js"
import * as BedrockPricing from "./BedrockPricing.js"
import * as RequestValidation from "./internal/languageModel/requestValidation.js"
import * as PricingSource from "./internal/pricing/pricingSource.js"
import * as StreamDecoding from "./internal/streaming/streamDecoding.js"
import * as Streams from "./internal/streaming/streams.js"
import * as ModelTelemetry from "./internal/telemetry/modelTelemetry.js"
import * as LanguageModel from "./LanguageModel.js"
import * as Prompt from "./Prompt.js"
import type * as Response from "./Response.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The model id (`us.anthropic.claude-...`, `amazon.nova-pro-v1:0`; known ones complete) or an inference-profile ARN. */
  readonly model: BedrockModelId.ModelId
  /** Defaults for every request; a request's own settings win key by key. */
  readonly settings?: BedrockModelSettings.Settings | undefined
  /** Overrides of the capabilities detected from the model id. */
  readonly profile?: Partial<BedrockModelProfile.Profile> | undefined
}

/** The first of the engine's issues, as `invalid` takes it (no path for the whole input). */
const issueOf = (issues: ReadonlyArray<{ readonly message: string; readonly path: string }>) => {
  const first = issues[0]!
  return first.path === "" ? { message: first.message } : first
}

const invalid = (issue: { readonly message: string; readonly path?: string | undefined }, operation: string) =>
  new LanguageModel.InvalidRequestError({
    message: issue.message,
    position: "request",
    operation,
    ...(issue.path !== undefined ? { field: issue.path } : {})
  })

const outputContext = (mapped: RequestMapping.ConverseMapping) => ({
  outputTool: mapped.outputTool,
  unwrapKey: mapped.output?._tag === "Tool" ? mapped.output.unwrapKey : undefined
})

/**
 * What the mapping could not send as asked (a strict schema that lost meaning, tool choice names of
 * tools not offered), as warnings: each its own message (not `forEach`'s index beside it).
 */
const logWarnings = (mapped: RequestMapping.ConverseMapping) =>
  mapped.warnings === undefined
    ? Effect.void
    : Effect.forEach(mapped.warnings, (warning) => Effect.logWarning(warning), { discard: true })

/**
 * Builds the service. Fails with `InvalidRequestError` when the model's own
 * settings are invalid or the model is not available on Converse.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  const client = yield* BedrockClient.BedrockClient
  if (typeof options !== "object" || options === null) {
    return yield* invalid({ message: "Expected options ({ model, settings?, profile? })" }, "make")
  }
  const model = Prepare.makeModel(options)
  if (!model.ok) return yield* invalid(issueOf(model.issues), "make")
  const { modelId, profile } = model.value

  /**
   * Settings (the model's < a `withConfigOverride` in scope < the request's) and prompt, decoded
   * and merged (the request's shape was checked by `malformed`). Pure: files given by URL are
   * downloaded afterwards by `download`, the one effectful step, and only when a prompt has such
   * files.
   */
  const prepare = (
    request: LanguageModel.Request,
    operation: string,
    scoped: Option.Option<BedrockModelSettings.Settings>
  ): Either.Either<Prepare.Prepared<LanguageModel.Request>, LanguageModel.InvalidRequestError> => {
    const prepared = Prepare.prepare(model.value, request, Option.getOrUndefined(scoped))
    return prepared.ok ? Either.right(prepared.value) : Either.left(invalid(issueOf(prepared.issues), operation))
  }

  /** Whether `download` has anything to do. */
  const needsDownload = (input: Prepare.Prepared<LanguageModel.Request>) => input.hasDownloads

  /**
   * Downloads the files given by an `http(s)://` URL, with the guards and options of
   * `FileDownload`. The module loads only when a request has such files.
   */
  const download = (input: RequestMapping.MappingInput, operation: string) =>
    Effect.flatMap(
      Effect.tryPromise({
        try: () => import("./internal/languageModel/fileDownload.js"),
        catch: (cause) =>
          new LanguageModel.InvalidRequestError({
            message: "Files given by URL cannot be downloaded: the download module did not load " +
              "(pass the file's bytes or an s3:// location instead)",
            operation,
            field: "prompt",
            cause
          })
      }),
      (module) => module.resolveUrls(Prompt.make(input.request.prompt), operation)
    ).pipe(Effect.map((prompt): RequestMapping.MappingInput => ({ ...input, request: { ...input.request, prompt } })))

  /** `prepare`, then `download` when needed: as an effect, for `countTokens`. */
  const prepareEffect = (request: LanguageModel.Request, operation: string) =>
    Effect.flatMap(Effect.serviceOption(ScopedSettings), (scoped) => {
      const input = prepare(request, operation, scoped)
      if (Either.isLeft(input)) return Effect.fail(input.left)
      return needsDownload(input.right)
        ? download(input.right, operation)
        : Effect.succeed<RequestMapping.MappingInput>(input.right)
    })

  const callOptions = (settings: BedrockModelSettings.Settings): BedrockClient.CallOptions | undefined =>
    settings.extraHeaders === undefined ? undefined : { headers: settings.extraHeaders }

  /**
   * The request's shape, checked first (`RequestValidation`): a JavaScript caller may pass anything,
   * and neither the mapping nor telemetry can describe a malformed request.
   */
  const malformed = (request: unknown, operation: string): LanguageModel.InvalidRequestError | undefined => {
    const issue = RequestValidation.checkRequest(request)
    return issue === undefined ? undefined : invalid(issue, operation)
  }

  const generateFrom = (
    input: RequestMapping.MappingInput
  ): Effect.Effect<Response.Response, LanguageModel.LanguageModelError> => {
    const mapped = RequestMapping.toConverseInput(input)
    if (!mapped.ok) return Effect.fail(invalid(issueOf(mapped.issues), "generate"))
    const mapping = mapped.value
    const decode = (
      converseOutput: ConverseCommandOutput
    ): Effect.Effect<Response.Response, BedrockError.TransportError> => {
      const requestId = converseOutput.$metadata?.requestId
      const answer = ResponseAnswer.decodeAnswer(converseOutput, mapping, {
        modelId,
        requestId,
        trimLeadingWhitespace: profile.ignoresLeadingWhitespaceInStream
      })
      return answer.ok ? Effect.succeed(answer.value) : Effect.fail(
        new BedrockError.TransportError({
          kind: "MalformedResponse",
          message: answer.message,
          operation: "converse",
          ...(requestId !== undefined ? { requestId } : {})
        })
      )
    }
    const call = Effect.flatMap(client.converse(mapping.input, callOptions(input.settings)), decode)
    return mapping.warnings === undefined ? call : Effect.zipRight(logWarnings(mapping), call)
  }

  /** The `withConfigOverride` in scope, read once per call. */
  const scopedIn = (context: Context.Context<never>) =>
    Context.getOption(context as Context.Context<ScopedSettings>, ScopedSettings)

  // The context is read and the request prepared once per call: the mapping, the span and the price
  // all see the same settings (and service tier).
  const generate = (request: LanguageModel.Request) =>
    Effect.contextWithEffect((context: Context.Context<never>) => {
      const input = prepare(request, "generate", scopedIn(context))
      if (Either.isLeft(input)) return telemetry.generate(request, undefined, context, Effect.fail(input.left))
      const prepared = input.right
      const call = needsDownload(prepared)
        ? Effect.flatMap(download(prepared, "generate"), generateFrom)
        : generateFrom(prepared)
      return telemetry.generate(request, prepared.settings, context, call)
    })

  const streamFrom = (
    input: RequestMapping.MappingInput
  ): Stream.Stream<Response.StreamPart, LanguageModel.LanguageModelError> => {
    const mapped = RequestMapping.toConverseInput({ ...input, stream: true })
    if (!mapped.ok) return Stream.fail(invalid(issueOf(mapped.issues), "stream"))
    const mapping = mapped.value
    // The request id arrives in the stream, as its `InitialResponse`.
    const decoded = client.converseStream(mapping.input, callOptions(input.settings)).pipe(StreamDecoding.decode({
      modelId,
      ...outputContext(mapping),
      trimLeadingWhitespace: profile.ignoresLeadingWhitespaceInStream
    }))
    return mapping.warnings === undefined ? decoded : Streams.unwrap(Effect.as(logWarnings(mapping), decoded))
  }

  const countTokens = (request: LanguageModel.Request) =>
    Effect.gen(function*() {
      const input = yield* prepareEffect(request, "countTokens")
      const counted = RequestMapping.toCountTokensInput(input)
      if (!counted.ok) return yield* invalid(issueOf(counted.issues), "countTokens")
      const mapped = counted.value
      const output = yield* client.countTokens(mapped, callOptions(input.settings))
      return output.inputTokens ?? 0
    }).pipe(telemetry.countTokens(request))

  // Spans, metrics, logs, cost and usage limits around each call (internal/telemetry/modelTelemetry.ts).
  const telemetry = ModelTelemetry.make({
    modelId,
    client,
    // The prices in context now; the bundled ones load on the first response that needs a price.
    pricing: PricingSource.make(yield* Effect.serviceOption(BedrockPricing.BedrockPricing), client.region),
    countTokens: (request) => countTokens(request)
  })
  // Without files to download the request is prepared and mapped synchronously: fewer Effect
  // steps before the request is sent, so less added time to first token.
  const stream = (request: LanguageModel.Request) =>
    Streams.contextWith((context: Context.Context<never>) => {
      const input = prepare(request, "stream", scopedIn(context))
      if (Either.isLeft(input)) return telemetry.stream(request, undefined, context, Stream.fail(input.left))
      const prepared = input.right
      const parts = needsDownload(prepared)
        ? Streams.unwrap(Effect.map(download(prepared, "stream"), streamFrom))
        : streamFrom(prepared)
      return telemetry.stream(request, prepared.settings, context, parts)
    })

  return LanguageModel.make({
    modelId,
    generate: (request) => {
      const error = malformed(request, "generate")
      return error === undefined ? generate(request) : Effect.fail(error)
    },
    stream: (request) => {
      const error = malformed(request, "stream")
      return error === undefined ? stream(request) : Stream.fail(error)
    },
    countTokens: (request) => {
      const error = malformed(request, "countTokens")
      return error === undefined ? countTokens(request) : Effect.fail(error)
    }
  })
})

/**
 * Settings for every Bedrock model call made inside an effect, between the
 * model's own settings and each request's (which still win). Set it with
 * `withConfigOverride`, or for a stream with
 * `Stream.provideService(BedrockLanguageModel.ScopedSettings, settings)`.
 *
 * @since 0.1.0
 * @category Context
 */
export class ScopedSettings extends Context.Tag("@effect-bedrock/core/BedrockLanguageModel/ScopedSettings")<
  ScopedSettings,
  BedrockModelSettings.Settings
>() {}

/**
 * Runs an effect with these settings for every Bedrock call inside it, for
 * example a whole tool loop at temperature 0. Nested overrides merge, the
 * inner one winning; invalid values fail the calls with `InvalidRequestError`.
 *
 * @example
 * ```ts
 * import { BedrockLanguageModel, Toolkit } from "@effect-bedrock/core"
 *
 * declare const toolkit: Toolkit.Toolkit<never>
 *
 * const deterministic = Toolkit.generate(toolkit, { prompt: "Plan my trip" }).pipe(
 *   BedrockLanguageModel.withConfigOverride({ temperature: 0, maxTokens: 2048 })
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
      Effect.serviceOption(ScopedSettings),
      (current) =>
        Effect.provideService(
          self,
          ScopedSettings,
          Option.isNone(current) ? overrides : BedrockModelSettings.merge(current.value, overrides)
        )
    )
)

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<LanguageModel.LanguageModel, LanguageModel.InvalidRequestError, BedrockClient.BedrockClient> =>
  Layer.effect(LanguageModel.LanguageModel, make(options))

/**
 * The model from `Config`: by default `BEDROCK_MODEL_ID`, and
 * `BEDROCK_INFERENCE_PROFILE` for an inference-profile ARN.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  config: {
    readonly model?: Config.Config<string> | undefined
    readonly inferenceProfile?: Config.Config<Option.Option<string>> | undefined
    readonly settings?: BedrockModelSettings.Settings | undefined
    readonly profile?: Partial<BedrockModelProfile.Profile> | undefined
  } = {}
): Layer.Layer<
  LanguageModel.LanguageModel,
  LanguageModel.InvalidRequestError | ConfigError.ConfigError,
  BedrockClient.BedrockClient
> =>
  Layer.effect(
    LanguageModel.LanguageModel,
    Effect.gen(function*() {
      const model = yield* (config.model ?? Config.string("BEDROCK_MODEL_ID"))
      const inferenceProfile = yield* (config.inferenceProfile ??
        Config.option(Config.string("BEDROCK_INFERENCE_PROFILE")))
      return yield* make({
        model,
        settings: Option.match(inferenceProfile, {
          onNone: () => config.settings,
          onSome: (arn) => ({ ...config.settings, inferenceProfile: arn })
        }),
        profile: config.profile
      })
    })
  )

// =============================================================================
// Typed accessors
// =============================================================================

/**
 * A `LanguageModel.Request` whose `settings` are Bedrock's. Through the
 * accessors below a typo in a per-request setting (`temprature`) is a compile
 * error, not only an `InvalidRequestError` at run time.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Request extends Omit<LanguageModel.Request, "settings"> {
  readonly settings?: BedrockModelSettings.Settings | undefined
}

/**
 * `LanguageModel.ObjectRequest` with Bedrock's `settings`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ObjectRequest<A, I, R> extends Omit<LanguageModel.ObjectRequest<A, I, R>, "settings"> {
  readonly settings?: BedrockModelSettings.Settings | undefined
}

/**
 * `LanguageModel.generate`, with the request's settings typed as Bedrock's.
 *
 * @example
 * ```ts
 * import { BedrockLanguageModel } from "@effect-bedrock/core"
 *
 * const answer = BedrockLanguageModel.generate({ prompt: "Hi", settings: { temperature: 0, cacheMessages: true } })
 * ```
 *
 * @since 0.1.0
 * @category Accessors
 */
export const generate = (
  request: Request
): Effect.Effect<Response.Response, LanguageModel.LanguageModelError, LanguageModel.LanguageModel> =>
  LanguageModel.generate(request)

/**
 * `LanguageModel.stream`, with the request's settings typed as Bedrock's.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const stream = (
  request: Request
): Stream.Stream<Response.StreamPart, LanguageModel.LanguageModelError, LanguageModel.LanguageModel> =>
  LanguageModel.stream(request)

/**
 * `LanguageModel.countTokens`, with the request's settings typed as Bedrock's.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const countTokens = (
  request: Request
): Effect.Effect<number, LanguageModel.LanguageModelError, LanguageModel.LanguageModel> =>
  LanguageModel.countTokens(request)

/**
 * `LanguageModel.generateObject`, with the request's settings typed as Bedrock's.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const generateObject = <A, I, R>(
  request: ObjectRequest<A, I, R>
): Effect.Effect<A, LanguageModel.LanguageModelError, LanguageModel.LanguageModel | R> =>
  LanguageModel.generateObject(request)

/**
 * `LanguageModel.generateObjectResponse` (the value and its response), with the request's settings typed as
 * Bedrock's.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const generateObjectResponse = <A, I, R>(
  request: ObjectRequest<A, I, R>
): Effect.Effect<LanguageModel.ObjectResponse<A>, LanguageModel.LanguageModelError, LanguageModel.LanguageModel | R> =>
  LanguageModel.generateObjectResponse(request)

/**
 * `LanguageModel.streamObject`, with the request's settings typed as Bedrock's.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const streamObject = <A, I, R>(
  request: ObjectRequest<A, I, R>
): Stream.Stream<
  LanguageModel.ObjectStreamPart<A>,
  LanguageModel.LanguageModelError,
  LanguageModel.LanguageModel | R
> => LanguageModel.streamObject(request)
