/**
 * The Bedrock Runtime client as an Effect service: `converse`, `converseStream` and
 * `countTokens` over the AWS SDK, with typed errors (`BedrockError`), interruption that aborts the
 * HTTP request, our own retry policy, per-call headers, a scripted stub for tests and a swappable
 * variant for rotating credentials.
 *
 * @since 0.1.0
 */
import {
  BedrockRuntimeClient,
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
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import * as Chunk from "effect/Chunk"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BedrockError from "./BedrockError.js"
import * as ClientOptions from "./internal/clientOptions.js"
import * as ClientRetry from "./internal/clientRetry.js"
import * as EventPump from "./internal/eventPump.js"

// =============================================================================
// Models
// =============================================================================

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockClient extends Context.Tag("@effect-bedrock/core/BedrockClient")<BedrockClient, Service>() {}

/**
 * The operations of the client. Every failure is a `BedrockError`; interrupting a call aborts its
 * HTTP request, and leaving a stream early (interruption, `Stream.take`, a downstream failure)
 * aborts the HTTP/2 stream.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly converse: (
    input: ConverseCommandInput,
    options?: CallOptions
  ) => Effect.Effect<ConverseCommandOutput, BedrockError.BedrockError>
  readonly converseStream: (
    input: ConverseStreamCommandInput,
    options?: CallOptions
  ) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>
  readonly countTokens: (
    input: CountTokensCommandInput,
    options?: CallOptions
  ) => Effect.Effect<CountTokensCommandOutput, BedrockError.BedrockError>
}

/**
 * Per-call settings.
 *
 * - `headers`: extra HTTP headers for this request only (signed with the request, never seen by
 *   another request, also under concurrency).
 * - `onResponse`: runs once per attempt when the HTTP response arrived: for `converseStream` when
 *   the stream's initial response is in (before the first event), for `converse`/`countTokens`
 *   with the successful response.
 *
 * @since 0.1.0
 * @category Models
 */
export interface CallOptions {
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly onResponse?: ((metadata: ResponseMetadata) => Effect.Effect<void>) | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface ResponseMetadata {
  readonly requestId?: string | undefined
  readonly httpStatusCode?: number | undefined
}

/**
 * Static AWS credentials. The secret parts stay `Redacted` until the SDK client is built.
 *
 * @since 0.1.0
 * @category Models
 */
export interface StaticCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: Redacted.Redacted<string>
  readonly sessionToken?: Redacted.Redacted<string> | undefined
}

/**
 * Our retry policy (the SDK's own retries are off). Exponential backoff from `baseDelay`
 * (default 500 ms, doubling, jittered x0.5 to x1.5) capped at `maxDelay` (default 20 s),
 * `maxAttempts` attempts in total (default 3), retryable errors only (`BedrockError.isRetryable`).
 * A stream is retried only when it failed before its first event.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.DurationInput | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
}

/**
 * How to build the client. Everything is optional: without credentials or `apiKey` the SDK's
 * default chain is used (environment, `profile` / `AWS_PROFILE`, SSO, container and instance
 * roles).
 *
 * - `region`, `endpoint` (override, for example a local server), `profile` (named profile).
 * - `credentials` (static keys) or `apiKey` (Bedrock API key, sent as `Authorization: Bearer`).
 * - `connectTimeout` (TCP + TLS, default 60 s) and `requestTimeout` (no activity on the request's
 *   HTTP/2 stream for that long, default 300 s). `Duration.infinity` disables one.
 * - `retry`: see `RetryOptions`; `false` disables retries.
 * - `transformClientConfig`: last word on the SDK client configuration.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly profile?: string | undefined
  readonly credentials?: StaticCredentials | undefined
  readonly apiKey?: Redacted.Redacted<string> | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
  readonly requestTimeout?: Duration.DurationInput | undefined
  readonly retry?: RetryOptions | false | undefined
  readonly transformClientConfig?: ((config: BedrockRuntimeClientConfig) => BedrockRuntimeClientConfig) | undefined
}

/**
 * Options for wrapping an existing SDK client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface FromClientOptions {
  readonly retry?: RetryOptions | false | undefined
  /** Secrets to remove from error messages, if the client was built with any. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

// =============================================================================
// Printing
// =============================================================================

const describe = (description: Record<string, unknown>) => ({
  toJSON: { value: () => ({ _id: "BedrockClient", ...description }), configurable: true },
  toString: { value: () => Inspectable.format({ _id: "BedrockClient", ...description }), configurable: true },
  [Inspectable.NodeInspectSymbol]: { value: () => ({ _id: "BedrockClient", ...description }), configurable: true }
})

const printable = <S extends Service>(service: S, description: Record<string, unknown>): S =>
  Object.defineProperties(service, describe(description))

// =============================================================================
// Retry
// =============================================================================

/**
 * Wraps a service with the retry policy: an effect is repeated while its failure is retryable;
 * a stream is repeated only when it failed before its first event, so no output is ever
 * duplicated. `false` (or `maxAttempts <= 1`) returns the service unchanged.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withRetry = (service: Service, retry?: RetryOptions | false | undefined): Service => {
  const schedule = ClientRetry.makeSchedule(retry)
  if (schedule === undefined) return service
  return {
    converse: (input, options) => Effect.retry(service.converse(input, options), schedule),
    countTokens: (input, options) => Effect.retry(service.countTokens(input, options), schedule),
    converseStream: (input, options) =>
      Stream.suspend(() => {
        let started = false
        return service.converseStream(input, options).pipe(
          // Per chunk, not per event (a stream's events come in batches).
          Stream.mapChunks((chunk) => {
            if (Chunk.isNonEmpty(chunk)) started = true
            return chunk
          }),
          Stream.retry(Schedule.whileInput(schedule, () => !started))
        )
      })
  }
}

// =============================================================================
// Constructors
// =============================================================================

interface CallContext {
  readonly region: string | undefined
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /**
   * Our own idle timeout for event streams. The SDK's `requestTimeout` fires on a stream that
   * stalls after its response arrived by closing the HTTP/2 stream cleanly: the iterator then just
   * ends, and a truncated answer would look complete. So streams get our timeout (typed
   * `TransportError` "Timeout") and the SDK's is pushed past it for that request.
   */
  readonly streamIdleTimeout: number | undefined
}

const streamTimeoutError = (
  call: CallContext,
  position: BedrockError.Position,
  modelId: string | undefined,
  requestId?: string
): BedrockError.BedrockError =>
  new BedrockError.TransportError({
    message: `Stream timed out because of no activity for ${call.streamIdleTimeout} ms`,
    kind: "Timeout",
    position,
    operation: "converseStream",
    ...(requestId === undefined ? {} : { requestId })
  }, { disableValidation: true })

const contextOf = (call: CallContext, operation: string, modelId: string | undefined, requestId?: string) => ({
  operation,
  modelId,
  region: call.region,
  requestId,
  secrets: call.secrets.map(Redacted.value)
})

const metadataOf = (output: { readonly $metadata?: ResponseMetadata | undefined }): ResponseMetadata => ({
  requestId: output.$metadata?.requestId,
  httpStatusCode: output.$metadata?.httpStatusCode
})

const runOnResponse = (options: CallOptions | undefined, metadata: ResponseMetadata) =>
  options?.onResponse === undefined ? Effect.void : options.onResponse(metadata)

/** Events read ahead of the consumer at most, and so the largest batch a pull hands over. */
const EVENT_BATCH = 256

/** Single attempts, no retry. */
const makeOperations = (client: BedrockRuntimeClient, call: CallContext): Service => {
  const converse = (input: ConverseCommandInput, options?: CallOptions) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(ClientOptions.addHeaders(new ConverseCommand(input), options?.headers), { abortSignal: signal }),
      catch: (error) => BedrockError.fromSdk(error, "request", contextOf(call, "converse", input.modelId))
    }).pipe(Effect.tap((output) => runOnResponse(options, metadataOf(output))))

  const countTokens = (input: CountTokensCommandInput, options?: CallOptions) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(ClientOptions.addHeaders(new CountTokensCommand(input), options?.headers), {
          abortSignal: signal
        }),
      catch: (error) => BedrockError.fromSdk(error, "request", contextOf(call, "countTokens", input.modelId))
    }).pipe(Effect.tap((output) => runOnResponse(options, metadataOf(output))))

  const converseStream = (input: ConverseStreamCommandInput, options?: CallOptions) =>
    Stream.unwrapScoped(Effect.gen(function*() {
      // Owned by the stream's scope: leaving the SDK's iterator early does not close the HTTP/2
      // stream, so every exit (end, failure, interruption, `Stream.take`) aborts the request.
      const controller = new AbortController()
      let iterator: AsyncIterator<ConverseStreamOutput> | undefined
      let pump: EventPump.EventPump<ConverseStreamOutput> | undefined
      // Abort before `iterator.return()`: on a generator with a pending `next()` it waits for that
      // `next()` to settle, which for a stalled connection would be never.
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          pump?.stop()
          controller.abort()
          iterator?.return?.().catch(() => undefined)
        })
      )
      // One `Effect.async` for the request phase, with its idle timeout as a plain timer (not an
      // Effect.tryPromise + timeout, which forks fibers): fewer steps before the first event.
      const output = yield* Effect.async<ConverseStreamCommandOutput, BedrockError.BedrockError>((resume) => {
        let done = false
        let timer: ReturnType<typeof setTimeout> | undefined
        const settle = (effect: Effect.Effect<ConverseStreamCommandOutput, BedrockError.BedrockError>) => {
          if (done) return
          done = true
          if (timer !== undefined) clearTimeout(timer)
          resume(effect)
        }
        const failed = (error: unknown) =>
          settle(Effect.fail(BedrockError.fromSdk(error, "request", contextOf(call, "converseStream", input.modelId))))
        const succeeded = (output: ConverseStreamCommandOutput) => {
          if (done) return
          // Start reading events at once, while the fiber resumes: the first event is decoded by
          // the time the stream is pulled.
          if (output.stream !== undefined) {
            iterator = output.stream[Symbol.asyncIterator]()
            pump = new EventPump.EventPump(iterator, {
              highWaterMark: EVENT_BATCH,
              idleTimeoutMs: call.streamIdleTimeout,
              onIdleTimeout: () => controller.abort()
            })
            pump.start()
          }
          settle(Effect.succeed(output))
        }
        if (call.streamIdleTimeout !== undefined) {
          timer = setTimeout(() => {
            settle(Effect.fail(streamTimeoutError(call, "request", input.modelId)))
            controller.abort()
          }, call.streamIdleTimeout)
        }
        try {
          client.send(ClientOptions.addHeaders(new ConverseStreamCommand(input), options?.headers), {
            abortSignal: controller.signal,
            ...(call.streamIdleTimeout === undefined ? {} : { requestTimeout: call.streamIdleTimeout + 1_000 })
          }).then(succeeded, failed)
        } catch (error) {
          failed(error)
        }
        // Interrupted while waiting for the response.
        return Effect.sync(() => {
          done = true
          if (timer !== undefined) clearTimeout(timer)
          controller.abort()
        })
      })
      const metadata = metadataOf(output)
      yield* runOnResponse(options, metadata)
      const events = pump
      if (events === undefined) return Stream.empty
      const context = contextOf(call, "converseStream", input.modelId, metadata.requestId)
      // Events are read ahead (bounded) and pulled in batches: one Effect step per batch, not per
      // event. See internal/eventPump.ts.
      const fromTake = (
        take: EventPump.Take<ConverseStreamOutput>
      ): Effect.Effect<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>> => {
        switch (take._tag) {
          case "Events":
            return Effect.succeed(Chunk.unsafeFromArray(take.events))
          case "End":
            return Effect.fail(Option.none())
          case "Failure":
            return Effect.fail(Option.some(
              take.timeout
                ? streamTimeoutError(call, "stream", input.modelId, metadata.requestId)
                : BedrockError.fromSdk(take.error, "stream", context)
            ))
        }
      }
      const pull = Effect.suspend(() => {
        const ready = events.poll()
        if (ready !== undefined) return fromTake(ready)
        return Effect.async<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>>((resume) => {
          events.await((take) => resume(fromTake(take)))
          return Effect.sync(() => events.cancel())
        })
      })
      return Stream.repeatEffectChunkOption(pull)
    }))

  return { converse, converseStream, countTokens }
}

/**
 * A service over an existing SDK client, which stays yours (it is not destroyed). Its own retry
 * setting (`maxAttempts`) still applies; set it to 1 to leave retries to `options.retry`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeFromClient = (
  client: BedrockRuntimeClient,
  options?: FromClientOptions
): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const region = yield* Effect.tryPromise(() => client.config.region()).pipe(
      Effect.orElseSucceed(() => undefined)
    )
    return printable(
      withRetry(
        makeOperations(client, { region, secrets: options?.secrets ?? [], streamIdleTimeout: undefined }),
        options?.retry
      ),
      { region, retry: options?.retry ?? {} }
    )
  })

/**
 * Builds an SDK client from `options` inside the current scope and destroys it (closing its
 * connections) when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const client = yield* Effect.acquireRelease(
      Effect.sync(() => new BedrockRuntimeClient(ClientOptions.toClientConfig(options))),
      (client) => Effect.sync(() => client.destroy())
    )
    const region = options.region ??
      (yield* Effect.tryPromise(() => client.config.region()).pipe(Effect.orElseSucceed(() => undefined)))
    const service = withRetry(
      makeOperations(client, {
        region,
        secrets: ClientOptions.secretsOf(options),
        streamIdleTimeout: ClientOptions.requestTimeoutMillis(options)
      }),
      options.retry
    )
    return printable(service, describeOptions(options, region))
  })

const describeOptions = (options: Options, region: string | undefined): Record<string, unknown> => ({
  region,
  endpoint: options.endpoint,
  profile: options.profile,
  auth: options.apiKey !== undefined ? "apiKey" : options.credentials !== undefined ? "static" : "default chain",
  accessKeyId: options.credentials?.accessKeyId,
  connectTimeout: Duration.format(Duration.decode(options.connectTimeout ?? ClientOptions.defaultConnectTimeout)),
  requestTimeout: Duration.format(Duration.decode(options.requestTimeout ?? ClientOptions.defaultRequestTimeout)),
  retry: options.retry ?? {}
})

// =============================================================================
// Layers
// =============================================================================

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<BedrockClient> => Layer.scoped(BedrockClient, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerFromClient = (
  client: BedrockRuntimeClient,
  options?: FromClientOptions
): Layer.Layer<BedrockClient> => Layer.effect(BedrockClient, makeFromClient(client, options))

/**
 * A `Config` per option; pass your own for any of them, the rest come from `defaultConfig`.
 *
 * @since 0.1.0
 * @category Config
 */
export type ConfigOptions = { readonly [K in keyof Options]?: Config.Config<Options[K]> | undefined }

const optionalConfig = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.option(config).pipe(Config.map(Option.getOrUndefined))

const durationConfig = (name: string): Config.Config<Duration.Duration | undefined> =>
  optionalConfig(
    Config.duration(name).pipe(Config.orElse(() => Config.number(name).pipe(Config.map(Duration.millis))))
  )

/**
 * What `layerConfig` reads by default:
 *
 * - `region`: `AWS_REGION`, else `AWS_DEFAULT_REGION`
 * - `endpoint`: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
 * - `profile`: `AWS_PROFILE`
 * - `credentials`: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), when both are set
 * - `apiKey`: `AWS_BEARER_TOKEN_BEDROCK`
 * - `connectTimeout` / `requestTimeout`: `BEDROCK_CONNECT_TIMEOUT` / `BEDROCK_REQUEST_TIMEOUT`
 *   (`"30 seconds"` or milliseconds)
 * - `retry`: `BEDROCK_MAX_ATTEMPTS` (attempts in total)
 *
 * @since 0.1.0
 * @category Config
 */
export const defaultConfig: { readonly [K in keyof Options]-?: Config.Config<Options[K]> } = {
  region: optionalConfig(Config.string("AWS_REGION").pipe(Config.orElse(() => Config.string("AWS_DEFAULT_REGION")))),
  endpoint: optionalConfig(Config.string("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")),
  profile: optionalConfig(Config.string("AWS_PROFILE")),
  credentials: optionalConfig(
    Config.all({
      accessKeyId: Config.string("AWS_ACCESS_KEY_ID"),
      secretAccessKey: Config.redacted("AWS_SECRET_ACCESS_KEY"),
      sessionToken: optionalConfig(Config.redacted("AWS_SESSION_TOKEN"))
    })
  ),
  apiKey: optionalConfig(Config.redacted("AWS_BEARER_TOKEN_BEDROCK")),
  connectTimeout: durationConfig("BEDROCK_CONNECT_TIMEOUT"),
  requestTimeout: durationConfig("BEDROCK_REQUEST_TIMEOUT"),
  retry: optionalConfig(Config.integer("BEDROCK_MAX_ATTEMPTS").pipe(Config.map((maxAttempts) => ({ maxAttempts })))),
  transformClientConfig: Config.succeed(undefined)
}

/**
 * Reads the options with `Config` (see `defaultConfig`), then builds the client like `layer`.
 *
 * @since 0.1.0
 * @category Config
 */
export const loadConfig = (config: ConfigOptions = {}): Effect.Effect<Options, ConfigError.ConfigError> =>
  Config.all({
    region: config.region ?? defaultConfig.region,
    endpoint: config.endpoint ?? defaultConfig.endpoint,
    profile: config.profile ?? defaultConfig.profile,
    credentials: config.credentials ?? defaultConfig.credentials,
    apiKey: config.apiKey ?? defaultConfig.apiKey,
    connectTimeout: config.connectTimeout ?? defaultConfig.connectTimeout,
    requestTimeout: config.requestTimeout ?? defaultConfig.requestTimeout,
    retry: config.retry ?? defaultConfig.retry,
    transformClientConfig: config.transformClientConfig ?? defaultConfig.transformClientConfig
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (config: ConfigOptions = {}): Layer.Layer<BedrockClient, ConfigError.ConfigError> =>
  Layer.scoped(BedrockClient, Effect.flatMap(loadConfig(config), make))

// =============================================================================
// Swappable client
// =============================================================================

/**
 * Replaces the client behind a swappable service at runtime (rotated credentials, another
 * region). Calls already running finish on the client they started with; that client is
 * destroyed once the last of them is done. New calls use the new client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Swap {
  readonly swap: (options: Options) => Effect.Effect<void>
  readonly swapClient: (client: BedrockRuntimeClient, options?: FromClientOptions) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockClientSwap
  extends Context.Tag("@effect-bedrock/core/BedrockClient/BedrockClientSwap")<BedrockClientSwap, Swap>()
{}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Swappable extends Swap {
  readonly service: Service
}

interface Generation {
  readonly service: Service
  readonly scope: Scope.CloseableScope
  active: number
  retired: boolean
}

/**
 * A service whose SDK client can be replaced with `swap` / `swapClient`. Every client it built is
 * destroyed when the surrounding scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeSwappable = (options: Options = {}): Effect.Effect<Swappable, never, Scope.Scope> =>
  Effect.gen(function*() {
    const live = new Set<Generation>()
    const build = (service: Effect.Effect<Service, never, Scope.Scope>) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const built = yield* Scope.extend(service, scope)
        const generation: Generation = { service: built, scope, active: 0, retired: false }
        live.add(generation)
        return generation
      })
    const close = (generation: Generation) =>
      Effect.suspend(() => {
        live.delete(generation)
        return Scope.close(generation.scope, Exit.void)
      })
    let current = yield* build(make(options))
    yield* Effect.addFinalizer(() => Effect.forEach(Array.from(live), close, { discard: true }))

    const acquire = Effect.sync(() => {
      const generation = current
      generation.active++
      return generation
    })
    const release = (generation: Generation) =>
      Effect.suspend(() => {
        generation.active--
        return generation.retired && generation.active === 0 ? close(generation) : Effect.void
      })
    const lock = yield* Effect.makeSemaphore(1)
    const replace = (service: Effect.Effect<Service, never, Scope.Scope>) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const next = yield* build(service)
        const previous = current
        current = next
        previous.retired = true
        if (previous.active === 0) yield* close(previous)
      }))

    const service: Service = {
      converse: (input, callOptions) =>
        Effect.acquireUseRelease(acquire, (generation) => generation.service.converse(input, callOptions), release),
      countTokens: (input, callOptions) =>
        Effect.acquireUseRelease(acquire, (generation) => generation.service.countTokens(input, callOptions), release),
      converseStream: (input, callOptions) =>
        Stream.unwrapScoped(
          Effect.map(
            Effect.acquireRelease(acquire, release),
            (generation) => generation.service.converseStream(input, callOptions)
          )
        )
    }
    return {
      service: printable(service, { swappable: true }),
      swap: (next) => replace(make(next)),
      swapClient: (client, fromClientOptions) => replace(makeFromClient(client, fromClientOptions))
    }
  })

/**
 * Provides a swappable `BedrockClient` together with `BedrockClientSwap` to replace its client.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerSwappable = (options: Options = {}): Layer.Layer<BedrockClient | BedrockClientSwap> =>
  Layer.scopedContext(
    Effect.map(makeSwappable(options), (swappable) =>
      Context.make(BedrockClient, swappable.service).pipe(
        Context.add(BedrockClientSwap, { swap: swappable.swap, swapClient: swappable.swapClient })
      ))
  )

// =============================================================================
// Stub
// =============================================================================

/**
 * One scripted reply of a stub operation: a value, a failure, or a function of the input.
 *
 * @since 0.1.0
 * @category Stub
 */
export type StubReply<I, A> =
  | A
  | BedrockError.BedrockError
  | ((input: I) => Effect.Effect<A, BedrockError.BedrockError>)

/**
 * One scripted stream: its events in order; a `BedrockError` in the list fails the stream at
 * that point (events after it are never emitted). Or a function of the input.
 *
 * @since 0.1.0
 * @category Stub
 */
export type StubStreamReply =
  | ReadonlyArray<ConverseStreamOutput | BedrockError.BedrockError>
  | ((input: ConverseStreamCommandInput) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>)

/**
 * Replies per operation, used in order, one per call. When an operation's replies run out, the
 * last one is used again; with none at all the call fails with an `UnknownBedrockError`.
 *
 * @since 0.1.0
 * @category Stub
 */
export interface StubScript {
  readonly converse?: ReadonlyArray<StubReply<ConverseCommandInput, ConverseCommandOutput>> | undefined
  readonly converseStream?: ReadonlyArray<StubStreamReply> | undefined
  readonly countTokens?: ReadonlyArray<StubReply<CountTokensCommandInput, CountTokensCommandOutput>> | undefined
}

/**
 * A call the stub received.
 *
 * @since 0.1.0
 * @category Stub
 */
export type StubRequest =
  | {
    readonly operation: "converse"
    readonly input: ConverseCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }
  | {
    readonly operation: "converseStream"
    readonly input: ConverseStreamCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }
  | {
    readonly operation: "countTokens"
    readonly input: CountTokensCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }

/**
 * Reads what a stub received.
 *
 * @since 0.1.0
 * @category Stub
 */
export interface StubLog {
  readonly requests: Effect.Effect<ReadonlyArray<StubRequest>>
  readonly clear: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category Stub
 */
export interface Stub extends StubLog {
  readonly service: Service
}

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockClientStub
  extends Context.Tag("@effect-bedrock/core/BedrockClient/BedrockClientStub")<BedrockClientStub, StubLog>()
{}

const pick = <R>(replies: ReadonlyArray<R> | undefined, index: number): R | undefined =>
  replies === undefined || replies.length === 0 ? undefined : replies[Math.min(index, replies.length - 1)]

const noReply = (operation: string, index: number) =>
  new BedrockError.UnknownBedrockError({
    message: `BedrockClient stub: no scripted ${operation} reply for call #${index + 1}`,
    operation
  })

const replyEffect = <I, A>(
  reply: StubReply<I, A> | undefined,
  input: I,
  operation: string,
  index: number
): Effect.Effect<A, BedrockError.BedrockError> => {
  if (reply === undefined) return Effect.fail(noReply(operation, index))
  if (BedrockError.isBedrockError(reply)) return Effect.fail(reply)
  if (typeof reply === "function") return (reply as (input: I) => Effect.Effect<A, BedrockError.BedrockError>)(input)
  return Effect.succeed(reply as A)
}

const replyStream = (
  reply: StubStreamReply | undefined,
  input: ConverseStreamCommandInput,
  index: number
): Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError> => {
  if (reply === undefined) return Stream.fail(noReply("converseStream", index))
  if (typeof reply === "function") return reply(input)
  const failureAt = reply.findIndex(BedrockError.isBedrockError)
  if (failureAt === -1) return Stream.fromIterable(reply as ReadonlyArray<ConverseStreamOutput>)
  return Stream.concat(
    Stream.fromIterable(reply.slice(0, failureAt) as ReadonlyArray<ConverseStreamOutput>),
    Stream.fail(reply[failureAt] as BedrockError.BedrockError)
  )
}

/**
 * A stub service with scripted replies that records every call. No network, no SDK client.
 * `onResponse` is called with `{ requestId: "stub-request-<n>", httpStatusCode: 200 }`.
 *
 * @since 0.1.0
 * @category Stub
 */
export const makeStub = (script: StubScript = {}): Effect.Effect<Stub> =>
  Effect.sync(() => {
    const requests: Array<StubRequest> = []
    const counts = { converse: 0, converseStream: 0, countTokens: 0 }
    const respond = (options: CallOptions | undefined) =>
      runOnResponse(options, { requestId: `stub-request-${requests.length}`, httpStatusCode: 200 })
    const service: Service = {
      converse: (input, options) =>
        Effect.suspend(() => {
          requests.push({ operation: "converse", input, headers: options?.headers })
          const index = counts.converse++
          return respond(options).pipe(
            Effect.zipRight(replyEffect(pick(script.converse, index), input, "converse", index))
          )
        }),
      countTokens: (input, options) =>
        Effect.suspend(() => {
          requests.push({ operation: "countTokens", input, headers: options?.headers })
          const index = counts.countTokens++
          return respond(options).pipe(
            Effect.zipRight(replyEffect(pick(script.countTokens, index), input, "countTokens", index))
          )
        }),
      converseStream: (input, options) =>
        Stream.suspend(() => {
          requests.push({ operation: "converseStream", input, headers: options?.headers })
          const index = counts.converseStream++
          return Stream.unwrap(
            Effect.as(respond(options), replyStream(pick(script.converseStream, index), input, index))
          )
        })
    }
    return {
      service: printable(service, { stub: true }),
      requests: Effect.sync(() => requests.slice()),
      clear: Effect.sync(() => {
        requests.length = 0
      })
    }
  })

/**
 * Provides a stub `BedrockClient` (see `makeStub`) and `BedrockClientStub` to read its calls.
 * `retry` wraps the stub with the retry policy (off by default).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerStub = (
  script: StubScript = {},
  options?: { readonly retry?: RetryOptions | false | undefined }
): Layer.Layer<BedrockClient | BedrockClientStub> =>
  Layer.effectContext(
    Effect.map(makeStub(script), (stub) =>
      Context.make(BedrockClient, withRetry(stub.service, options?.retry ?? false)).pipe(
        Context.add(BedrockClientStub, { requests: stub.requests, clear: stub.clear })
      ))
  )
