/**
 * `BedrockClient` for Effect 4: the swappable service over the AWS SDK's `BedrockRuntimeClient`. Each operation
 * is an `Effect` (or, for ConverseStream, a `Stream`) that fails with a typed `BedrockError`, and interrupting it
 * aborts the HTTP request. Failures are retried by one policy of ours, as in the Effect 3 client (`retry`,
 * `withRetry`; the SDK's own retries are off), and a `deadline` can bound a call with all its attempts. Provide
 * it with `layer` (a client this layer creates and destroys), `layerConfig` (options read from `Config`), or
 * `layerFromClient` (a client you own); swap it in tests with `Layer.succeed(BedrockClient, ...)`.
 *
 * @since 0.1.0
 */
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamCommandOutput,
  type ConverseStreamOutput,
  CountTokensCommand,
  type CountTokensCommandInput,
  type CountTokensCommandOutput
} from "@aws-sdk/client-bedrock-runtime"
import * as Recorder from "@effect-bedrock/converse/cassette/recorder"
import * as Classify from "@effect-bedrock/converse/errors/classify"
import * as Transport from "@effect-bedrock/converse/errors/transport"
import * as EngineCallOptions from "@effect-bedrock/converse/net/callOptions"
import * as RequestHandler from "@effect-bedrock/converse/net/requestHandler"
import { holdEvent } from "@effect-bedrock/converse/stream/deltaObjects"
import * as EventPump from "@effect-bedrock/converse/stream/eventPump"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Pull from "effect/Pull"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BedrockError from "./BedrockError.js"
import * as ClientRetry from "./internal/clientRetry.js"
import { fromDescriptor, fromSdk } from "./internal/fromSdk.js"

/**
 * What `BedrockClient` offers: the three Converse operations, and the SDK client underneath.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly client: BedrockRuntimeClient
  readonly converse: (
    input: ConverseCommandInput,
    options?: CallOptions
  ) => Effect.Effect<ConverseCommandOutput, BedrockError.BedrockError>
  readonly countTokens: (
    input: CountTokensCommandInput,
    options?: CallOptions
  ) => Effect.Effect<CountTokensCommandOutput, BedrockError.BedrockError>
  /** The stream's events; an exception Bedrock sends inside the stream fails it with its typed error. */
  readonly converseStream: (
    input: ConverseStreamCommandInput,
    options?: CallOptions
  ) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>
}

/**
 * Per-call settings, as in the Effect 3 client.
 *
 * - `headers`: extra HTTP headers for this request only (signed with the request, never seen by another
 *   request). Every attempt of the call sends them.
 * - `onResponse`: runs once per attempt when the HTTP response arrived, with its metadata (request id, HTTP
 *   status): for `converseStream` when the stream's initial response is in (before the first event), for
 *   `converse` and `countTokens` with the successful response. A retried call runs it once for each attempt
 *   that got a response.
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/effect4"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const bedrock = yield* BedrockClient.BedrockClient
 *   return yield* bedrock.converse(
 *     {
 *       modelId: "us.amazon.nova-micro-v1:0",
 *       messages: [{ role: "user", content: [{ text: "Hello" }] }]
 *     },
 *     {
 *       headers: { "x-trace-id": "abc" },
 *       onResponse: (metadata) => Effect.logDebug(`Bedrock request ${metadata.requestId}`)
 *     }
 *   )
 * })
 * ```
 *
 * @since 0.1.0
 * @category Models
 */
export interface CallOptions {
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly onResponse?: ((metadata: ResponseMetadata) => Effect.Effect<void>) | undefined
}

/**
 * The metadata of one HTTP response, as `CallOptions.onResponse` gets it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ResponseMetadata extends EngineCallOptions.ResponseMetadata {}

/** The caller's `onResponse` for this response, if any; the output after it. */
const respond = <Output extends { readonly $metadata?: ResponseMetadata | undefined }>(
  output: Output,
  options: CallOptions | undefined
): Effect.Effect<Output> =>
  options?.onResponse === undefined
    ? Effect.succeed(output)
    : Effect.as(options.onResponse(EngineCallOptions.metadataOf(output)), output)

/**
 * The service key.
 *
 * @since 0.1.0
 * @category Services
 */
export class BedrockClient extends Context.Service<BedrockClient, Service>()("@effect-bedrock/effect4/BedrockClient") {}

/**
 * The default retry policy, the engine's (`@effect-bedrock/converse/retry/policy`, the same as the Effect 3
 * client's): exponential backoff from `baseDelay` (default 500 ms, doubling, jittered x0.5 to x1.5) capped at
 * `maxDelay` (default 20 s), `maxAttempts` attempts in total (default 3), and an attempt that timed out
 * (`TransportError` of kind `"Timeout"`) retried at most `timeoutRetries` times (default 1). Only retryable
 * failures are retried, and a stream only when it failed before its first event.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.Input | undefined
  readonly maxDelay?: Duration.Input | undefined
  readonly timeoutRetries?: number | undefined
}

/**
 * A retry policy: any `Schedule` (it decides the delays and how many retries), `RetryOptions` for the default
 * one, or `false` for none.
 *
 * @since 0.1.0
 * @category Models
 */
export type RetryPolicy = Schedule.Schedule<unknown, BedrockError.BedrockError> | RetryOptions | false

/**
 * How to build the client: the AWS SDK's client options (`region`, `endpoint`, `credentials`, `profile`, a
 * `requestHandler` of yours, ...), plus
 *
 * - `retry`: our retry policy (default: `RetryOptions`' defaults; `false` for none). The SDK's own retries are
 *   off (`maxAttempts: 1`) unless you set the SDK's `maxAttempts` yourself, in which case each of our attempts
 *   is that many of the SDK's.
 * - `deadline`: an overall time limit for each call, every attempt and retry delay included (`converse` and
 *   `countTokens` as a whole, `converseStream` until its first event); when it passes, the call fails with a
 *   `TransportError` of kind `"Timeout"`, not retryable. No default.
 * - `requestTimeout`: no activity on a request for that long fails it with a `TransportError` of kind
 *   `"Timeout"` (default 300 s, the engine's `defaultRequestTimeoutMs`, as in the Effect 3 client). For
 *   `converseStream` the timer is ours: until the response, then between two events (counted only while the
 *   next event is awaited; time your consumer spends does not count), and the HTTP request is aborted when it
 *   fires; retryable until the first event was delivered. For `converse` and `countTokens` it is the engine's
 *   request handler's (when the client builds it; a `requestHandler` of yours keeps its own timeouts).
 *   `Duration.infinity` disables it, and so does a duration longer than a timer can wait (24.8 days).
 * - `record`: record every Converse, ConverseStream and CountTokens exchange into a cassette file (a path, or the
 *   recorder's options: `@effect-bedrock/converse/cassette/recorder`), secrets scrubbed before anything is
 *   written; the local Bedrock replays it (docs/testing.md).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options extends BedrockRuntimeClientConfig {
  readonly retry?: RetryPolicy | undefined
  readonly deadline?: Duration.Input | undefined
  readonly requestTimeout?: Duration.Input | undefined
  readonly record?: string | Recorder.Options | undefined
}

/**
 * Options for a service over an SDK client you own: our `retry` (default: the default policy) and `deadline`,
 * as in `Options`. The client's own retry setting (`maxAttempts`) still applies; build it with `maxAttempts: 1`
 * to leave retries to `retry`. The client's own timeouts apply too: there is no idle timer of ours on its
 * streams unless `streamIdleTimeout` gives one (`requestTimeout`'s stream timer of `Options`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface FromClientOptions {
  readonly retry?: RetryPolicy | undefined
  readonly deadline?: Duration.Input | undefined
  readonly streamIdleTimeout?: Duration.Input | undefined
}

/**
 * Sets a service's retry policy: any `Schedule`, `RetryOptions` for the default backoff, or `false` (no
 * retries). It replaces the policy the service was built with (`retry` of `make` / `fromClient`, or an earlier
 * `withRetry`) instead of nesting inside it, so a call makes the attempts this policy says, not a product of
 * two; the `deadline` stays outermost. Over a `BedrockRateLimiter` client it replaces the limiter's policy, and
 * every attempt is still admitted. Whatever the schedule, only retryable failures (`retryable`) are retried,
 * and a stream only when it failed before its first event, so no output is ever repeated.
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/effect4"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Schedule from "effect/Schedule"
 *
 * // Up to 5 retries, 200 ms apart.
 * const policy = Schedule.spaced("200 millis").pipe(Schedule.while(({ attempt }) => attempt <= 5))
 *
 * // Data-last: `withRetry(policy)` is a `Service => Service`; data-first is `withRetry(service, policy)`.
 * const Client = Layer.effect(
 *   BedrockClient.BedrockClient,
 *   Effect.map(Effect.service(BedrockClient.BedrockClient), BedrockClient.withRetry(policy))
 * ).pipe(Layer.provide(BedrockClient.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withRetry: {
  <Out>(policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false): (service: Service) => Service
  <Out>(service: Service, policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false): Service
} = dual(
  2,
  <Out>(service: Service, policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false): Service =>
    ClientRetry.retryService(service, policy as RetryPolicy)
)

/** Events read ahead of the consumer (the engine's `EventPump`) and handed over per pull. */
const EVENT_BATCH = 256

/**
 * The pull of one ConverseStream: the events read so far as one array (one Effect step per batch, not per event),
 * every failure classified by the engine where it happens, with the stream's request id and whether output was
 * already delivered. An exception Bedrock sends inside the stream is thrown by the SDK's event-stream reader and
 * classified like any other failure; an event that still carries one (not the SDK's way) is handed on as it
 * is, as the Effect 3 client does, and the engine's stream decoder fails on it (`BedrockLanguageModel`).
 */
const pullEvents = (
  pump: EventPump.EventPump<ConverseStreamOutput>,
  context: Classify.Context,
  idleMs: number | undefined
): Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> => {
  let delivered = false
  const fromTake = (
    take: EventPump.Take<ConverseStreamOutput>
  ): Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> => {
    switch (take._tag) {
      case "Events": {
        if (!Arr.isReadonlyArrayNonEmpty(take.events)) return pull
        delivered = true
        return Effect.succeed(take.events)
      }
      case "End":
        // A 200 answer whose event stream ended before any event: nothing was delivered, so this is a failed
        // request like a reset before the first event, and a new attempt may succeed (as in the Effect 3 client).
        return delivered ? Cause.done() : Effect.fail(emptyStream(context.requestId))
      case "Failure":
        return Effect.fail(
          take.timeout
            ? idleTimeout(idleMs, "stream", context.requestId, delivered)
            : fromSdk(take.error, "stream", context, delivered)
        )
    }
  }
  const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> = Effect
    .suspend(() => {
      const take = pump.poll()
      if (take !== undefined) return fromTake(take)
      return Effect.callback<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError | Cause.Done>(
        (resume) => {
          pump.await((take) => resume(fromTake(take)))
          return Effect.sync(() => pump.cancel())
        }
      )
    })
  return pull
}

/** No answer, or no next event, within the stream's idle timeout; not retryable once output was delivered. */
const idleTimeout = (
  ms: number | undefined,
  position: BedrockError.Position,
  requestId: string | undefined,
  delivered: boolean
): BedrockError.BedrockError =>
  new BedrockError.TransportError({
    kind: "Timeout",
    message: EventPump.idleTimeoutMessage(ms),
    position,
    operation: "converseStream",
    // Sending the request again would repeat what the caller already has.
    retryable: !delivered && Transport.retryableTransportKinds.has("Timeout"),
    ...(requestId !== undefined ? { requestId } : {})
  })

/**
 * Sends the ConverseStream request; with an idle timeout, a plain timer (no forked fiber) fails it with a
 * `Timeout` and aborts it when no response came in time.
 */
const sendStream = (
  client: BedrockRuntimeClient,
  input: ConverseStreamCommandInput,
  headers: Readonly<Record<string, string>> | undefined,
  controller: AbortController,
  timers: StreamTimers
): Effect.Effect<ConverseStreamCommandOutput, BedrockError.BedrockError> =>
  Effect.callback<ConverseStreamCommandOutput, BedrockError.BedrockError>((resume) => {
    let done = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const settle = (effect: Effect.Effect<ConverseStreamCommandOutput, BedrockError.BedrockError>) => {
      if (done) return
      done = true
      if (timer !== undefined) clearTimeout(timer)
      resume(effect)
    }
    const failed = (error: unknown) =>
      settle(Effect.fail(fromSdk(error, "request", { operation: "converseStream", modelId: input.modelId })))
    if (timers.idleMs !== undefined) {
      timer = setTimeout(() => {
        settle(Effect.fail(idleTimeout(timers.idleMs, "request", undefined, false)))
        controller.abort()
      }, timers.idleMs)
    }
    try {
      client.send(
        EngineCallOptions.addHeaders(new ConverseStreamCommand(input), headers),
        // The SDK's own timer on the HTTP/2 stream would end a stalled stream cleanly (a truncated answer that
        // looks complete): ours time it instead when the handler is the engine's.
        timers.owned ? { abortSignal: controller.signal, requestTimeout: 0 } : { abortSignal: controller.signal }
      ).then((output) => settle(Effect.succeed(output)), failed)
    } catch (error) {
      failed(error)
    }
    return Effect.sync(() => {
      done = true
      if (timer !== undefined) clearTimeout(timer)
    })
  })

/** The stream's idle timeout (`undefined`: none), and whether the SDK's stream timer is left off. */
interface StreamTimers {
  readonly idleMs: number | undefined
  readonly owned: boolean
}

const noTimers: StreamTimers = { idleMs: undefined, owned: false }

const timerMillis = (input: Duration.Input | undefined, fallback: number): number | undefined =>
  EventPump.idleTimerMillis(input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input)))

const emptyStream = (requestId: string | undefined): BedrockError.BedrockError =>
  fromDescriptor(Classify.truncatedStream("beforeFirstEvent", { operation: "converseStream", requestId }))

/**
 * One attempt of each operation over an SDK client, no retry.
 */
const operations = (client: BedrockRuntimeClient, timers: StreamTimers): Service => ({
  client,
  converse: (input, options) =>
    Effect.flatMap(
      Effect.tryPromise({
        try: (signal) =>
          client.send(EngineCallOptions.addHeaders(new ConverseCommand(input), options?.headers), {
            abortSignal: signal
          }),
        catch: (error) => fromSdk(error, "request", { operation: "converse", modelId: input.modelId })
      }),
      (output) => respond(output, options)
    ),
  countTokens: (input, options) =>
    Effect.flatMap(
      Effect.tryPromise({
        try: (signal) =>
          client.send(EngineCallOptions.addHeaders(new CountTokensCommand(input), options?.headers), {
            abortSignal: signal
          }),
        catch: (error) => fromSdk(error, "request", { operation: "countTokens", modelId: input.modelId })
      }),
      (output) => respond(output, options)
    ),
  converseStream: (input, options) =>
    Stream.unwrap(Effect.gen(function*() {
      // Aborted when the stream ends, fails or is interrupted: the HTTP request never outlives its stream.
      const controller = yield* Effect.acquireRelease(
        Effect.sync(() => new AbortController()),
        (controller) => Effect.sync(() => controller.abort())
      )
      const output = yield* sendStream(client, input, options?.headers, controller, timers)
      // The stream's initial response is in: before the first event is read.
      if (options?.onResponse !== undefined) yield* respond(output, options)
      const requestId = output.$metadata?.requestId
      if (output.stream === undefined) {
        return yield* new BedrockError.UnknownBedrockError({
          message: "ConverseStream answered without a stream",
          position: "request",
          operation: "converseStream",
          retryable: false,
          ...(requestId !== undefined ? { requestId } : {})
        })
      }
      const pump = new EventPump.EventPump(output.stream[Symbol.asyncIterator](), {
        highWaterMark: EVENT_BATCH,
        idleTimeoutMs: timers.idleMs,
        onIdleTimeout: () => controller.abort(),
        hold: holdEvent
      })
      // Stops reading before the request is aborted (finalisers run in reverse order).
      yield* Effect.addFinalizer(() => Effect.sync(() => pump.stop()))
      pump.start()
      // Exception events carry no request id: the stream's own is given to the classification.
      return Stream.fromPull(
        Effect.succeed(
          pullEvents(pump, { operation: "converseStream", modelId: input.modelId, requestId }, timers.idleMs)
        )
      )
    }))
})

/**
 * The service over an SDK client you own (this service never destroys it), with our retry policy (default: the
 * default one) and deadline. The client's own `maxAttempts` still applies: build it with `maxAttempts: 1` to
 * leave retries to `options.retry`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromClient = (client: BedrockRuntimeClient, options?: FromClientOptions): Service =>
  ClientRetry.assemble(
    operations(
      client,
      options?.streamIdleTimeout === undefined
        ? noTimers
        : { idleMs: timerMillis(options.streamIdleTimeout, RequestHandler.defaultRequestTimeoutMs), owned: false }
    ),
    options?.retry,
    options?.deadline
  )

/**
 * A service over a new SDK client, destroyed when the scope closes. Without a `requestHandler` of
 * yours, the client gets the engine's (`@effect-bedrock/converse/net/requestHandler`, as the Effect 3
 * packages do): one pooled HTTP/2 session for non-streaming calls, the seed's 60 s connect and 300 s
 * read timeouts, TLS session resumption, and the cap on one event frame. Retries are ours (`retry`): the
 * SDK client makes one attempt per call unless `maxAttempts` says otherwise.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> => {
  const { deadline, record, requestTimeout, retry, ...config } = options
  const idleMs = timerMillis(requestTimeout, RequestHandler.defaultRequestTimeoutMs)
  // The engine's handler (no session idle timer) lets our timers alone time a stream.
  const owned = config.requestHandler === undefined
  return Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => {
        const withHandler: BedrockRuntimeClientConfig = {
          // Retries are ours (retryable failures only, never after a stream's first event).
          maxAttempts: 1,
          ...config,
          ...(owned ? { requestHandler: RequestHandler.make({ requestTimeoutMs: idleMs }) } : {})
        }
        return new BedrockRuntimeClient(
          record === undefined ? withHandler : Recorder.recordingConfig(withHandler, record)
        )
      }),
      (client) => Effect.sync(() => client.destroy())
    ),
    (client) => ClientRetry.assemble(operations(client, { idleMs, owned }), retry, deadline)
  )
}

/**
 * The layer of a new SDK client built from `options`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<BedrockClient> => Layer.effect(BedrockClient, make(options))

/**
 * The layer of a new SDK client whose options are read from `Config` (fails with its `ConfigError`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (
  config: Config.Config<Options>
): Layer.Layer<BedrockClient, Config.ConfigError> => Layer.effect(BedrockClient, Effect.flatMap(config, make))

/**
 * The layer of an SDK client you own.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerFromClient = (
  client: BedrockRuntimeClient,
  options?: FromClientOptions
): Layer.Layer<BedrockClient> => Layer.succeed(BedrockClient, fromClient(client, options))
