/**
 * Telemetry primitives shared by the model, the tool loop and the client's retries: the names of
 * the OpenTelemetry GenAI semantic conventions, the metrics (Effect `Metric`s, which
 * `@effect/opentelemetry` exports as they are), a span over a whole stream, and the retry events
 * and warnings.
 *
 * Effect metric labels are strings, so `server.port` is exported as a string; the `unit` label is
 * how `@effect/opentelemetry` learns a metric's unit.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Clock from "effect/Clock"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as Streams from "../streaming/streams.js"

/** @internal */
export const providerName = "aws.bedrock"

/**
 * Attribute keys: the GenAI conventions', plus `effect_bedrock.*` for what they do not name.
 *
 * @internal
 */
export const attr = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestStream: "gen_ai.request.stream",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestTemperature: "gen_ai.request.temperature",
  requestTopP: "gen_ai.request.top_p",
  requestTopK: "gen_ai.request.top_k",
  requestStopSequences: "gen_ai.request.stop_sequences",
  outputType: "gen_ai.output.type",
  responseId: "gen_ai.response.id",
  responseModel: "gen_ai.response.model",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  responseTimeToFirstChunk: "gen_ai.response.time_to_first_chunk",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageCacheReadTokens: "gen_ai.usage.cache_read.input_tokens",
  usageCacheCreationTokens: "gen_ai.usage.cache_creation.input_tokens",
  tokenType: "gen_ai.token.type",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  toolDescription: "gen_ai.tool.description",
  toolCallArguments: "gen_ai.tool.call.arguments",
  toolCallResult: "gen_ai.tool.call.result",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  systemInstructions: "gen_ai.system_instructions",
  serverAddress: "server.address",
  serverPort: "server.port",
  cloudRegion: "cloud.region",
  errorType: "error.type",
  serviceTier: "aws.bedrock.service_tier",
  costTotal: "effect_bedrock.cost.total",
  costCurrency: "effect_bedrock.cost.currency",
  step: "effect_bedrock.step",
  retryAttempt: "effect_bedrock.retry.attempt",
  retryDelayMs: "effect_bedrock.retry.delay_ms",
  awsRequestId: "aws.request_id"
} as const

// =============================================================================
// Metrics
// =============================================================================

const tokenBoundaries = MetricBoundaries.fromIterable([
  1,
  4,
  16,
  64,
  256,
  1024,
  4096,
  16384,
  65536,
  262144,
  1048576,
  4194304,
  16777216,
  67108864
])

const secondsBoundaries = MetricBoundaries.fromIterable([
  0.01,
  0.02,
  0.04,
  0.08,
  0.16,
  0.32,
  0.64,
  1.28,
  2.56,
  5.12,
  10.24,
  20.48,
  40.96,
  81.92
])

/**
 * A histogram with its unit label. Updated with `record` and a label array made once per set of
 * labels: a metric caches its registry entry per label array (a `WeakMap` keyed by the array), so
 * the same array is a lookup, while a metric made with `Metric.tagged` builds a new array, and
 * so a new key to hash, on every update.
 *
 * @internal
 */
export interface Instrument {
  readonly metric: Metric.Metric.Histogram<number>
  readonly unit: MetricLabel.MetricLabel
}

const instrument = (
  name: string,
  boundaries: MetricBoundaries.MetricBoundaries,
  description: string,
  unit: string
): Instrument => ({ metric: Metric.histogram(name, boundaries, description), unit: MetricLabel.make("unit", unit) })

/**
 * Records into `instrument` with `labels` (and its unit): for labels known in advance, one array
 * made here and reused.
 *
 * @internal
 */
export const recorder = (
  instrument: Instrument,
  labels: ReadonlyArray<MetricLabel.MetricLabel>
): (value: number) => void => {
  const tags = [instrument.unit, ...labels]
  return (value) => instrument.metric.unsafeUpdate(value, tags)
}

/**
 * Records once, with labels known only now.
 *
 * @internal
 */
export const record = (instrument: Instrument, value: number, labels: ReadonlyArray<MetricLabel.MetricLabel>): void =>
  instrument.metric.unsafeUpdate(value, [instrument.unit, ...labels])

/** @internal */
export const tokenUsage: Instrument = instrument(
  "gen_ai.client.token.usage",
  tokenBoundaries,
  "Number of input and output tokens used",
  "{token}"
)

/** @internal */
export const operationDuration: Instrument = instrument(
  "gen_ai.client.operation.duration",
  secondsBoundaries,
  "GenAI operation duration",
  "s"
)

/** @internal */
export const timeToFirstChunk: Instrument = instrument(
  "gen_ai.client.operation.time_to_first_chunk",
  secondsBoundaries,
  "Time to receive the first chunk of a streamed response, from when the request was made",
  "s"
)

/** @internal */
export const toolDuration: Instrument = instrument(
  "gen_ai.execute_tool.duration",
  secondsBoundaries,
  "Tool execution duration",
  "s"
)

/**
 * Labels from attributes (metric labels are strings; absent values are left out).
 *
 * @internal
 */
export const labels = (attributes: Record<string, string | number | undefined>): Array<MetricLabel.MetricLabel> => {
  const out: Array<MetricLabel.MetricLabel> = []
  for (const key in attributes) {
    const value = attributes[key]
    if (value !== undefined) out.push(MetricLabel.make(key, String(value)))
  }
  return out
}

/**
 * The failure's tag as `error.type` (`_OTHER` for a failure without one), or `undefined` for a
 * success or an interruption.
 *
 * @internal
 */
export const errorTypeOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (exit._tag === "Success") return undefined
  let found: string | undefined
  let failed = false
  const visit = (cause: typeof exit.cause): void => {
    if (found !== undefined) return
    switch (cause._tag) {
      case "Fail": {
        failed = true
        const error = cause.error
        if (typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string") {
          found = error._tag
        }
        return
      }
      case "Die":
        failed = true
        return
      case "Sequential":
      case "Parallel":
        visit(cause.left)
        visit(cause.right)
        return
      default:
        return
    }
  }
  visit(exit.cause)
  return found ?? (failed ? "_OTHER" : undefined)
}

/** @internal */
export const nanosToSeconds = (nanos: bigint): number => Number(nanos) / 1e9

// =============================================================================
// Spans over streams
// =============================================================================

/**
 * A span that covers a whole stream run, to its end, failure or interruption: `use` gets the span
 * and a fresh `state` per run (for events and attributes set synchronously as elements pass, with
 * no Effect step per element) and runs as the span's child; `onEnd` runs just before the span
 * ends, with the same state.
 *
 * @internal
 */
export const streamSpan = <S, A, E, R>(
  name: string,
  options: Tracer.SpanOptions,
  init: () => S,
  use: (span: Tracer.Span, clock: Clock.Clock, state: S) => Stream.Stream<A, E, R>,
  onEnd: (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, clock: Clock.Clock, state: S) => Effect.Effect<void>
): Stream.Stream<A, E, Exclude<R, Tracer.ParentSpan>> =>
  Stream.fromChannel(Channel.acquireUseRelease(
    Effect.flatMap(
      Effect.makeSpan(name, { captureStackTrace: false, ...options }),
      (span) =>
        Effect.clockWith((clock) =>
          Effect.contextWith((context: Context.Context<Exclude<R, Tracer.ParentSpan>>) =>
            [span, clock, context, init()] as const
          )
        )
    ),
    // The span as the parent of what the stream does, in one `provideContext` (streams.ts).
    ([span, clock, context, state]) =>
      Stream.toChannel(Streams.provideServiceIn(use(span, clock, state), context, Tracer.ParentSpan, span)),
    ([span, clock, , state], exit) =>
      Effect.zipRight(
        onEnd(span, exit, clock, state),
        Effect.sync(() => span.end(clock.unsafeCurrentTimeNanos(), exit))
      )
  ))

// =============================================================================
// Retries
// =============================================================================

/** What a retried failure carries, when it is a `BedrockError`. */
interface Retried {
  readonly _tag?: string
  readonly requestId?: string | undefined
  readonly status?: number | undefined
}

const onRetry = (
  error: Retried,
  attempt: number,
  delay: Duration.Duration,
  operation: string,
  modelId: string | undefined
): Effect.Effect<void> => {
  const errorType = typeof error._tag === "string" ? error._tag : "_OTHER"
  const delayMs = Math.round(Duration.toMillis(delay))
  const annotations: Record<string, unknown> = {
    "gen_ai.request.model": modelId,
    "effect_bedrock.operation": operation,
    [attr.errorType]: errorType,
    [attr.retryAttempt]: attempt,
    [attr.retryDelayMs]: delayMs,
    ...(error.requestId !== undefined ? { [attr.awsRequestId]: error.requestId } : {})
  }
  return Effect.zipRight(
    Effect.flatMap(Effect.serviceOption(Tracer.ParentSpan), (span) =>
      Option.isSome(span) && span.value._tag === "Span"
        ? Effect.map(Clock.currentTimeNanos, (now) => {
          ;(span.value as Tracer.Span).event("retry", now, {
            [attr.errorType]: errorType,
            [attr.retryAttempt]: attempt,
            [attr.retryDelayMs]: delayMs,
            ...(error.requestId !== undefined ? { [attr.awsRequestId]: error.requestId } : {})
          })
        })
        : Effect.void),
    Effect.logWarning(
      `Bedrock ${operation} failed with ${errorType}${
        error.requestId !== undefined ? ` (request ${error.requestId})` : ""
      }; retry ${attempt} in ${delayMs} ms`
    ).pipe(Effect.annotateLogs(annotations))
  )
}

/**
 * The schedule, reporting each retry (error tag, retry number, delay) as an event on the current
 * span and as a warning log.
 *
 * @internal
 */
export const observeRetries = <Out, In extends Retried>(
  schedule: Schedule.Schedule<Out, In>,
  operation: string,
  modelId: string | undefined
): Schedule.Schedule<[In, number], In> =>
  Schedule.intersect(Schedule.passthrough(schedule), Schedule.count).pipe(
    Schedule.modifyDelayEffect(([error, count], delay) =>
      Effect.as(onRetry(error, count + 1, delay, operation, modelId), delay)
    )
  )
