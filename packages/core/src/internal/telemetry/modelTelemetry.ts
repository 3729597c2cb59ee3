/**
 * What wraps each model call of `BedrockLanguageModel`: its span (`chat {model}` /
 * `count_tokens {model}`, GenAI attributes), metrics, debug log, cost (`Response.cost`) and usage
 * budget. Made once per model, so the per-call work is a span, a few attribute writes and metric
 * updates on precomputed metric keys.
 *
 * A stream's span covers the whole stream, to its last part, failure or interruption; time to
 * first chunk is an event, an attribute and a metric, all set synchronously when the first chunk
 * passes, in the one `mapChunks` stage the stream gets (no Effect step per event).
 *
 * What is fixed per model lives beside this module: the spans' base attributes
 * (`modelAttributes.ts`), the metric instruments (`modelInstruments.ts`) and the pricing of responses
 * (`modelPricing.ts`); `make` composes them.
 *
 * @internal
 */
import { effectiveServiceTier } from "@effect-bedrock/converse/mapping/converse"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import type * as BedrockClient from "../../BedrockClient.js"
import type * as BedrockModelSettings from "../../BedrockModelSettings.js"
import type * as BedrockPricing from "../../BedrockPricing.js"
import type * as LanguageModel from "../../LanguageModel.js"
import type * as Response from "../../Response.js"
import * as Telemetry from "../../Telemetry.js"
import { UsageLimitExceededError } from "../../UsageLimits.js"
import * as UsageBudget from "../limits/usageBudget.js"
import type * as PricingSource from "../pricing/pricingSource.js"
import * as Streams from "../streaming/streams.js"
import { ModelAttributes } from "./modelAttributes.js"
import { ModelInstruments, type Operation } from "./modelInstruments.js"
import { ModelPricing, tierOf } from "./modelPricing.js"
import { attr, errorTypeOf, nanosToSeconds, streamSpan } from "./telemetry.js"
import * as Contents from "./telemetryContents.js"

/** @internal */
export interface Options {
  readonly modelId: string
  readonly client: { readonly region?: string | undefined; readonly server?: BedrockClient.ServerInfo | undefined }
  /** Loads the bundled prices on the first response that needs one (`internal/pricingSource.ts`). */
  readonly pricing: PricingSource.PricingSource
  /** For budgets that count a request's tokens before sending it. */
  readonly countTokens: (request: LanguageModel.Request) => Effect.Effect<number, LanguageModel.LanguageModelError>
}

const debugEnabled: Effect.Effect<boolean> = Effect.map(
  FiberRef.get(FiberRef.currentMinimumLogLevel),
  (minimum) => LogLevel.lessThanEqual(minimum, LogLevel.Debug)
)

const startOf = (span: Tracer.Span, clock: Clock.Clock): bigint =>
  span.status._tag === "Started" ? span.status.startTime : clock.unsafeCurrentTimeNanos()

/** @internal */
export const make = (options: Options) => {
  const { modelId, pricing } = options
  const { region, server } = options.client

  // Made once per model: the spans' base attributes, the metric instruments, the pricing of responses.
  const baseAttributes = new ModelAttributes(modelId, region, server)
  const instruments = new ModelInstruments(modelId, server)
  const modelPricing = new ModelPricing(modelId, region)

  // ===========================================================================
  // Requests
  // ===========================================================================

  /**
   * The span's request attributes. `settings` are the call's effective ones (the model's < scoped <
   * the request's, merged and decoded once by the caller), undefined when they were invalid: then the
   * call fails before it is sent, and the span has no settings attributes.
   */
  const requestAttributes = (
    request: LanguageModel.Request,
    settings: BedrockModelSettings.Settings | undefined,
    tier: string | undefined,
    stream: boolean,
    record: boolean
  ): Record<string, unknown> => {
    const attributes = baseAttributes.base("chat")
    if (stream) attributes[attr.requestStream] = true
    if (settings !== undefined) {
      if (settings.maxTokens !== undefined) attributes[attr.requestMaxTokens] = settings.maxTokens
      if (settings.temperature !== undefined) attributes[attr.requestTemperature] = settings.temperature
      if (settings.topP !== undefined) attributes[attr.requestTopP] = settings.topP
      if (settings.topK !== undefined) attributes[attr.requestTopK] = settings.topK
      const stop = settings.stopSequences
      if (stop !== undefined && stop.length > 0) attributes[attr.requestStopSequences] = JSON.stringify(stop)
    }
    if (request.output !== undefined) attributes[attr.outputType] = "json"
    if (tier !== undefined) attributes[attr.serviceTier] = tier
    if (record) {
      attributes[attr.inputMessages] = Contents.inputMessages(request)
      const instructions = Contents.systemInstructions(request)
      if (instructions !== undefined) attributes[attr.systemInstructions] = instructions
    }
    return attributes
  }

  /** The prices for this tier: at once when at hand, else once loaded. */
  const pricesFor = (tier: string | undefined): Effect.Effect<BedrockPricing.Service> => {
    const ready = pricing.ready(tier)
    return ready === undefined ? pricing.load : Effect.succeed(ready)
  }

  const checkBefore = (
    budget: UsageBudget.Budget,
    request: LanguageModel.Request,
    tier: string | undefined
  ): Effect.Effect<void, LanguageModel.LanguageModelError> =>
    Effect.flatMap(pricesFor(tier), (loaded) => {
      const check = (inputTokens: number) => {
        const violation = budget.before(modelPricing.estimate(loaded, inputTokens, tier))
        return violation === undefined ? Effect.void : Effect.fail(new UsageLimitExceededError(violation))
      }
      return budget.wantsCount ? Effect.flatMap(options.countTokens(request), check) : check(1)
    })

  // ===========================================================================
  // Responses
  // ===========================================================================

  const responseAttributes = (span: Tracer.Span, response: Response.Response, record: boolean) => {
    if (response.requestId !== undefined) span.attribute(attr.responseId, response.requestId)
    span.attribute(attr.responseModel, response.modelId)
    span.attribute(attr.responseFinishReasons, JSON.stringify([response.rawFinishReason]))
    span.attribute(attr.usageInputTokens, response.usage.inputTokens)
    span.attribute(attr.usageOutputTokens, response.usage.outputTokens)
    span.attribute(attr.usageCacheReadTokens, response.usage.cacheReadTokens)
    span.attribute(attr.usageCacheCreationTokens, response.usage.cacheWriteTokens)
    const tier = tierOf(response.providerFields?.serviceTier)
    if (tier !== undefined) span.attribute(attr.serviceTier, tier)
    if (response.cost !== undefined) {
      span.attribute(attr.costTotal, response.cost.total)
      span.attribute(attr.costCurrency, response.cost.currency)
    }
    if (record) span.attribute(attr.outputMessages, Contents.outputMessages(response))
  }

  const log = (
    operation: Operation,
    seconds: number,
    exit: Exit.Exit<unknown, unknown>,
    errorType: string | undefined,
    response: Response.Response | undefined,
    count: number | undefined
  ): Effect.Effect<void> => {
    const throttled = errorType === "ThrottlingError"
    const log = (): Effect.Effect<void> => {
      const ms = Math.round(seconds * 1000)
      const requestId = response?.requestId ??
        (exit._tag === "Failure"
          ? Option.getOrUndefined(Option.flatMap(Cause.failureOption(exit.cause), requestIdOf))
          : undefined)
      const annotations: Record<string, unknown> = {
        [attr.operationName]: operation,
        [attr.requestModel]: modelId,
        ...(requestId !== undefined ? { [attr.responseId]: requestId } : {}),
        "effect_bedrock.latency_ms": ms,
        ...(response !== undefined
          ? {
            [attr.usageInputTokens]: response.usage.inputTokens,
            [attr.usageOutputTokens]: response.usage.outputTokens,
            ...(response.cost !== undefined
              ? { [attr.costTotal]: response.cost.total, [attr.costCurrency]: response.cost.currency }
              : {})
          }
          : {}),
        ...(count !== undefined ? { [attr.usageInputTokens]: count } : {}),
        ...(errorType !== undefined ? { [attr.errorType]: errorType } : {})
      }
      const head = `Bedrock ${operation} ${modelId}${requestId !== undefined ? ` (request ${requestId})` : ""}`
      const message = errorType !== undefined
        ? `${head} failed with ${errorType} after ${ms} ms`
        : exit._tag === "Failure"
        ? `${head} interrupted after ${ms} ms`
        : response !== undefined
        ? `${head}: ${response.usage.inputTokens} input + ${response.usage.outputTokens} output tokens${
          response.cost !== undefined ? `, ${formatCost(response.cost)}` : ""
        } in ${ms} ms`
        : `${head}: ${count ?? 0} input tokens in ${ms} ms`
      return (throttled ? Effect.logWarning(message) : Effect.logDebug(message)).pipe(Effect.annotateLogs(annotations))
    }
    return throttled ? log() : Effect.flatMap(debugEnabled, (enabled) => enabled ? log() : Effect.void)
  }

  const finishChat = (
    span: Tracer.Span,
    clock: Clock.Clock,
    exit: Exit.Exit<unknown, unknown>,
    response: Response.Response | undefined,
    record: boolean
  ): Effect.Effect<void> => {
    const seconds = nanosToSeconds(clock.unsafeCurrentTimeNanos() - startOf(span, clock))
    const errorType = errorTypeOf(exit)
    if (errorType !== undefined) span.attribute(attr.errorType, errorType)
    if (response !== undefined) {
      responseAttributes(span, response, record)
      instruments.inputTokens(response.usage.inputTokens)
      instruments.outputTokens(response.usage.outputTokens)
    }
    instruments.recordDuration("chat", seconds, errorType)
    return log("chat", seconds, exit, errorType, response, undefined)
  }

  const spanOptions = (attributes: Record<string, unknown>): Tracer.SpanOptions => ({
    kind: "client",
    attributes,
    captureStackTrace: false
  })

  // ===========================================================================
  // Operations
  // ===========================================================================

  /**
   * Wraps a generate call. `settings` are the call's effective settings (undefined when invalid) and
   * `context` the caller's, both read once per call by the caller.
   */
  const generate = <E>(
    request: LanguageModel.Request,
    settings: BedrockModelSettings.Settings | undefined,
    context: Context.Context<never>,
    self: Effect.Effect<Response.Response, E>
  ): Effect.Effect<Response.Response, E | LanguageModel.LanguageModelError> => {
    const record = Context.get(context as Context.Context<Telemetry.RecordContents>, Telemetry.RecordContents)
    const budget = Context.getOption(context as Context.Context<UsageBudget.CurrentBudget>, UsageBudget.CurrentBudget)
    const tier = settings === undefined ? undefined : effectiveServiceTier(settings)
    let call: Effect.Effect<Response.Response, E | LanguageModel.LanguageModelError> = Effect.flatMap(
      self,
      (response) => {
        const ready = pricing.ready(modelPricing.tierFor(response, tier))
        return ready !== undefined
          ? Effect.succeed(modelPricing.priced(ready, response, tier))
          : Effect.map(pricing.load, (prices) => modelPricing.priced(prices, response, tier))
      }
    )
    if (Option.isSome(budget)) {
      call = Effect.zipRight(
        checkBefore(budget.value, request, tier),
        Effect.flatMap(call, (response) => {
          const violation = budget.value.after(response.usage, response.cost)
          return violation === undefined
            ? Effect.succeed(response)
            : Effect.fail(new UsageLimitExceededError(violation))
        })
      )
    }
    return Effect.clockWith((clock) =>
      Effect.useSpan(
        `chat ${modelId}`,
        spanOptions(requestAttributes(request, settings, tier, false, record)),
        (span) =>
          Effect.onExit(Effect.withParentSpan(call, span), (exit) =>
            finishChat(span, clock, exit, exit._tag === "Success" ? exit.value : undefined, record))
      )
    )
  }

  /** Wraps a stream, as `generate` a generate call. */
  const stream = (
    request: LanguageModel.Request,
    settings: BedrockModelSettings.Settings | undefined,
    context: Context.Context<never>,
    self: Stream.Stream<Response.StreamPart, LanguageModel.LanguageModelError>
  ): Stream.Stream<Response.StreamPart, LanguageModel.LanguageModelError> => {
    const record = Context.get(context as Context.Context<Telemetry.RecordContents>, Telemetry.RecordContents)
    const budget = Context.getOption(context as Context.Context<UsageBudget.CurrentBudget>, UsageBudget.CurrentBudget)
    const tier = settings === undefined ? undefined : effectiveServiceTier(settings)
    return streamSpan(
      `chat ${modelId}`,
      spanOptions(requestAttributes(request, settings, tier, true, record)),
      // Per run: a re-run of the stream starts afresh.
      (): { response: Response.Response | undefined } => ({ response: undefined }),
      (span, clock, state) => {
        let first = true
        let violation: UsageBudget.Violation | undefined
        // A Finish whose prices were not loaded yet: emitted once they are, after the other parts.
        let pending: Response.Finish | undefined
        /** The Finish with its cost, or undefined when the response broke a usage limit. */
        const complete = (last: Response.Finish, prices: BedrockPricing.Service): Response.Finish | undefined => {
          const response = modelPricing.priced(prices, last.response, tier)
          state.response = response
          if (Option.isSome(budget)) {
            violation = budget.value.after(response.usage, response.cost)
            // The stream fails right after the response that broke a limit, in place of its Finish.
            if (violation !== undefined) return undefined
          }
          return { ...last, response }
        }
        const mapped = self.pipe(Stream.mapChunks((chunk) => {
          if (chunk.length === 0) return chunk
          if (first && Chunk.unsafeHead(chunk)._tag !== "Finish") {
            first = false
            const now = clock.unsafeCurrentTimeNanos()
            const seconds = nanosToSeconds(now - startOf(span, clock))
            span.event("first_chunk", now, { [attr.responseTimeToFirstChunk]: seconds })
            span.attribute(attr.responseTimeToFirstChunk, seconds)
            instruments.timeToFirstChunk(seconds)
          }
          const last = Chunk.unsafeLast(chunk)
          if (last._tag !== "Finish") return chunk
          const rest = Chunk.dropRight(chunk, 1)
          const prices = pricing.ready(modelPricing.tierFor(last.response, tier))
          if (prices === undefined) {
            pending = last
            return rest
          }
          const finish = complete(last, prices)
          return finish === undefined ? rest : Chunk.append(rest, finish)
        }))
        // Only until the bundled prices are loaded: a stage that loads them at the stream's end.
        const observed = pricing.settled() ? mapped : Stream.concat(
          mapped,
          Stream.suspend(() => {
            const last = pending
            if (last === undefined) return Stream.empty
            pending = undefined
            return Streams.unwrap(Effect.map(pricing.load, (prices) => {
              const finish = complete(last, prices)
              return finish === undefined ? Stream.empty : Stream.succeed(finish)
            }))
          })
        )
        if (Option.isNone(budget)) return observed
        return Streams.unwrap(Effect.as(
          checkBefore(budget.value, request, tier),
          Stream.concat(
            observed,
            Stream.suspend(() =>
              violation === undefined ? Stream.empty : Stream.fail(new UsageLimitExceededError(violation))
            )
          )
        ))
      },
      (span, exit, clock, state) => finishChat(span, clock, exit, state.response, record)
    )
  }

  const countTokens =
    (_request: LanguageModel.Request) => <E>(self: Effect.Effect<number, E>): Effect.Effect<number, E> =>
      Effect.clockWith((clock) =>
        Effect.useSpan(
          `count_tokens ${modelId}`,
          spanOptions(baseAttributes.base("count_tokens")),
          (span) =>
            Effect.onExit(Effect.withParentSpan(self, span), (exit) => {
              const seconds = nanosToSeconds(clock.unsafeCurrentTimeNanos() - startOf(span, clock))
              const errorType = errorTypeOf(exit)
              if (errorType !== undefined) span.attribute(attr.errorType, errorType)
              const count = exit._tag === "Success" ? exit.value : undefined
              if (count !== undefined) span.attribute(attr.usageInputTokens, count)
              instruments.recordDuration("count_tokens", seconds, errorType)
              return log("count_tokens", seconds, exit, errorType, undefined, count)
            })
        )
      )

  return { generate, stream, countTokens }
}

const requestIdOf = (error: unknown): Option.Option<string> =>
  typeof error === "object" && error !== null && typeof (error as { requestId?: unknown }).requestId === "string"
    ? Option.some((error as { requestId: string }).requestId)
    : Option.none()

const formatCost = (cost: Response.Cost): string =>
  `${cost.currency === "USD" ? "$" : `${cost.currency} `}${cost.total.toFixed(cost.total < 0.01 ? 6 : 4)}`
