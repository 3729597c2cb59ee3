/**
 * The Bedrock Runtime client as an Effect service: `converse`, `converseStream` and `countTokens` over the
 * AWS SDK, with typed errors (`BedrockError`), interruption that aborts the HTTP request, our own retry
 * policy (`withRetry`, any `Schedule`) and per-call headers. For rotating credentials see `BedrockClientSwap`;
 * for a scripted stub in tests, `BedrockClientStub` (from `@effect-bedrock/core/testing`).
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* BedrockClient.BedrockClient
 *   const output = yield* client.converse({
 *     modelId: "us.amazon.nova-micro-v1:0",
 *     messages: [{ role: "user", content: [{ text: "Hello" }] }]
 *   })
 *   return output.output?.message?.content?.[0]?.text ?? ""
 * }).pipe(
 *   // Still throttled after the retries: every failure is a tagged `BedrockError`.
 *   Effect.catchTag("ThrottlingError", (error) => Effect.succeed(`Busy, try later (${error.requestId})`)),
 *   Effect.provide(BedrockClient.layerConfig())
 * )
 * ```
 *
 * @since 0.1.0
 */
import {
  BedrockRuntimeClient,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type CountTokensCommandInput,
  type CountTokensCommandOutput
} from "@aws-sdk/client-bedrock-runtime"
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import type * as Recorder from "@effect-bedrock/converse/cassette/recorder"
import { scrubSecrets } from "@effect-bedrock/converse/errors/scrub"
import type * as EngineCallOptions from "@effect-bedrock/converse/net/callOptions"
import type * as Decoder from "@effect-bedrock/converse/stream/decoder"
import * as FrameGuard from "@effect-bedrock/converse/stream/frameGuard"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type * as BedrockError from "./BedrockError.js"
import * as ClientConfig from "./internal/client/clientConfig.js"
import * as ClientEndpoint from "./internal/client/clientEndpoint.js"
import * as ClientOperations from "./internal/client/clientOperations.js"
import * as ClientOptions from "./internal/client/clientOptions.js"
import * as ClientRetry from "./internal/client/clientRetry.js"
import * as OptionsValidation from "./internal/client/optionsValidation.js"

// =============================================================================
// Models
// =============================================================================

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockClient extends Context.Tag("@effect-bedrock/core/BedrockClient")<BedrockClient, Service>() {}

/**
 * The operations of the client. Every failure is a `BedrockError`; interrupting a call aborts its HTTP
 * request, and leaving a stream early (interruption, `Stream.take`, a downstream failure) aborts the HTTP/2
 * stream.
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
  ) => Stream.Stream<StreamEvent, BedrockError.BedrockError>
  readonly countTokens: (
    input: CountTokensCommandInput,
    options?: CallOptions
  ) => Effect.Effect<CountTokensCommandOutput, BedrockError.BedrockError>
  /** The client's region, when known: prices depend on it (see `BedrockPricing`). */
  readonly region?: string | undefined
  /** Where requests go, when known: telemetry's `server.address` and `server.port`. */
  readonly server?: ServerInfo | undefined
}

/**
 * The host and port a client sends its requests to.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ServerInfo {
  readonly address: string
  readonly port: number
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
export interface ResponseMetadata extends EngineCallOptions.ResponseMetadata {}

/**
 * The first element of every `converseStream` attempt: the stream's initial HTTP response, so the request id
 * travels with the events it belongs to (a retried stream starts again with its own). It declares (through the
 * engine's `InitialResponse`) every event key of `ConverseStreamOutput` as absent, so code reading `event.contentBlockDelta?.delta` keeps compiling
 * and simply finds nothing on it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface InitialResponse extends Decoder.InitialResponse {
  readonly initialResponse: ResponseMetadata
}

/**
 * What `converseStream` emits: its `InitialResponse`, then the SDK's events.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamEvent = InitialResponse | ConverseStreamOutput

/**
 * Whether a stream element is the `InitialResponse` (and not an SDK event).
 *
 * @since 0.1.0
 * @category Guards
 */
export const isInitialResponse = (event: StreamEvent): event is InitialResponse => "initialResponse" in event

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
 * Our retry policy (the SDK's own retries are off). Exponential backoff from `baseDelay` (default 500 ms,
 * doubling, jittered x0.5 to x1.5) capped at `maxDelay` (default 20 s), `maxAttempts` attempts in total
 * (default 3), retryable errors only (`BedrockError.isRetryable`), and a timed-out attempt retried at most
 * `timeoutRetries` times (default 1). A stream is retried only when it failed before its first event. For
 * another `Schedule`, see `withRetry`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.DurationInput | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
  /**
   * How many times an attempt that timed out (`TransportError` of kind `"Timeout"`) is retried
   * (default 1, `0` for none): a server that never answers holds a call for two timeouts, not
   * `maxAttempts` of them.
   */
  readonly timeoutRetries?: number | undefined
}

/**
 * How to build the client. Everything is optional: without credentials or `apiKey` the SDK's default chain is
 * used (environment, `profile` / `AWS_PROFILE`, SSO, container and instance roles).
 *
 * - `region`, `endpoint` (override, for example a local server), `profile` (named profile).
 * - `credentials` (static keys) or `apiKey` (Bedrock API key, sent as `Authorization: Bearer`).
 * - `connectTimeout` (TCP + TLS, default 60 s) and `requestTimeout` (no activity on the request's
 *   HTTP/2 stream for that long, default 300 s; for `converseStream`: until the response, then
 *   between two events, failing with a `TransportError` of kind `"Timeout"`). `Duration.infinity`
 *   disables one, and so does a duration longer than a timer can wait (24.8 days).
 * - `retry`: see `RetryOptions`; `false` disables retries.
 * - `deadline`: an overall time limit for each call, every attempt and retry delay included (`converse` and
 *   `countTokens` as a whole, `converseStream` until its first event); when it passes the call fails with a
 *   `TransportError` of kind `"Timeout"`, not retryable. No default. Without it, a server that never answers
 *   holds a call for two `requestTimeout`s (300 s each by default, the retry of a timed-out attempt is
 *   limited to one) plus one retry delay: about 10 minutes.
 * - `ca`: extra CA certificates (PEM: one string, which may hold several, or an array) to trust
 *   for an `https:` endpoint, on top of Node's bundled roots (`tls.rootCertificates`), for this
 *   client only: for private endpoints, TLS-inspecting proxies and tests (a local server's
 *   self-signed certificate). Never turn certificate checks off instead.
 * - Connections (docs/reliability.md, "One HTTP/2 session per ConverseStream"): `converse` and `countTokens`
 *   share a pooled HTTP/2 session; every `converseStream` gets a connection of its own, so that a connection
 *   failure or GOAWAY ends one stream, never its neighbours.
 *   - `tlsSessionResumption` (default true): a new connection resumes the last TLS session of the same host
 *     and port (an abbreviated handshake), as Node's `https.Agent` does. `false`: a full handshake each time.
 *   - `warmConnection` (default false): one spare connection per endpoint, opened when one is taken and
 *     handed to the next stream, so that stream does not wait for a handshake. Costs one idle connection,
 *     closed after 10 s unused or when the server closes it.
 *   - `shareStreamSessions` (default false): streams share the pooled session (no connection set-up per
 *     stream), overriding the SDK's isolation of event streams. The fastest time to first token, but the
 *     streams share their fate: a GOAWAY, reset or dropped connection fails all of them at once, and they
 *     all wait behind the server's concurrent-stream limit on one connection.
 * - `maxEventBytes` (default 4 MiB, `defaultMaxEventBytes`): the largest event-stream frame (one event) a
 *   `converseStream` accepts. A frame declaring more fails the stream with a `TransportError` of kind
 *   `"MalformedEventStream"` before its bytes are read (the SDK would allocate the declared length at once).
 *   Bedrock's own events are a few kilobytes at most. Applies to clients built from these options, not to an
 *   SDK client given to `makeFromClient`.
 * - `transformClientConfig`: last word on the SDK client configuration.
 * - `record`: record every Converse, ConverseStream and CountTokens exchange into a cassette file (a path,
 *   or the recorder's options: `@effect-bedrock/converse/cassette/recorder`), secrets scrubbed before anything
 *   is written; replay it with `LocalBedrock.cassette` from `@effect-bedrock/local` (docs/testing.md). The
 *   recorder wraps the request handler the client ends up with, `transformClientConfig`'s included.
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
  readonly deadline?: Duration.DurationInput | undefined
  readonly ca?: string | ReadonlyArray<string> | undefined
  readonly tlsSessionResumption?: boolean | undefined
  readonly warmConnection?: boolean | undefined
  readonly shareStreamSessions?: boolean | undefined
  readonly maxEventBytes?: number | undefined
  readonly transformClientConfig?: ((config: BedrockRuntimeClientConfig) => BedrockRuntimeClientConfig) | undefined
  readonly record?: string | Recorder.Options | undefined
}

/**
 * The default of `Options.maxEventBytes`: 4 MiB per event-stream frame.
 *
 * @since 0.1.0
 * @category Models
 */
export const defaultMaxEventBytes: number = FrameGuard.defaultMaxEventBytes

/**
 * Options for wrapping an existing SDK client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface FromClientOptions {
  readonly retry?: RetryOptions | false | undefined
  /** See `Options.deadline`. */
  readonly deadline?: Duration.DurationInput | undefined
  /** Secrets to remove from error messages, if the client was built with any. */
  readonly secrets?: ReadonlyArray<Redacted.Redacted<string>> | undefined
}

// =============================================================================
// Retry
// =============================================================================

/**
 * Sets a service's retry policy: any `Schedule` (it decides the delays and how many retries), `RetryOptions`
 * for the default exponential backoff, or `false` (no retries). It replaces the policy the client was built
 * with (`options.retry` of `make` and `makeFromClient`, or an earlier `withRetry`) instead of nesting inside
 * it, so a call makes the attempts this policy says, not a product of two; the client's `deadline` stays
 * outermost. Over a `BedrockRateLimiter` client it replaces the limiter's policy, and every attempt is still
 * admitted. Whatever the schedule, only retryable failures (`BedrockError.isRetryable`) are retried, and a
 * stream only when it failed before its first event, so no output is ever duplicated.
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/core"
 * import { Effect, Layer, Schedule } from "effect"
 *
 * // Up to 5 retries, 200 ms doubling.
 * const policy = Schedule.exponential("200 millis").pipe(Schedule.compose(Schedule.recurs(5)))
 *
 * // Data-last: `withRetry(policy)` is a `Service => Service`; data-first is `withRetry(service, policy)`.
 * const Client = Layer.effect(
 *   BedrockClient.BedrockClient,
 *   Effect.map(BedrockClient.BedrockClient, BedrockClient.withRetry(policy))
 * ).pipe(Layer.provide(BedrockClient.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withRetry: {
  <Out>(
    policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false | undefined
  ): (service: Service) => Service
  <Out>(
    service: Service,
    policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false | undefined
  ): Service
} = dual(
  2,
  <Out>(
    service: Service,
    policy: Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false | undefined
  ): Service => ClientRetry.retryService(service, policy)
)

// =============================================================================
// Constructors
// =============================================================================

/**
 * A service over an existing SDK client, which stays yours (it is not destroyed). Its own retry setting
 * (`maxAttempts`) still applies; set it to 1 to leave retries to `options.retry`. Invalid options (a
 * non-`Redacted` secret, `maxAttempts: NaN`) and a client without a region fail with a `ConfigError`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeFromClient = (
  client: BedrockRuntimeClient,
  options?: FromClientOptions
): Effect.Effect<Service, ConfigError.ConfigError> =>
  Effect.gen(function*() {
    const problem = OptionsValidation.checkFromClientOptions(options)
    if (problem !== undefined) return yield* Effect.fail(problem)
    const region = yield* Effect.tryPromise(() => client.config.region()).pipe(
      Effect.orElseSucceed(() => undefined)
    )
    if (region === undefined || region === "") return yield* Effect.fail(missingRegion("the SDK client has none"))
    const server = yield* ClientEndpoint.serverOf(client)
    return ClientRetry.assemble(
      {
        ...ClientOperations.make(client, {
          region,
          secrets: options?.secrets ?? [],
          streamIdleTimeout: undefined,
          ownsStreamTimers: false
        }),
        region,
        server
      },
      options?.retry,
      options?.deadline,
      { region }
    )
  })

const missingRegion = (why: string): ConfigError.ConfigError =>
  ConfigError.MissingData(
    ["region"],
    `No AWS region (${why}): give the region option (BedrockClient.layer({ region: "us-east-1" })), set ` +
      "AWS_REGION (or AWS_DEFAULT_REGION for layerConfig), or use a profile that has one (the profile option or " +
      "AWS_PROFILE). A custom endpoint, such as a local Bedrock, needs a region too: requests are signed with it"
  )

/**
 * Builds an SDK client from `options` inside the current scope and destroys it (closing its connections) when
 * the scope closes. Invalid options (an empty or malformed region, a timeout that is not a positive duration,
 * a secret not wrapped in `Redacted`, an endpoint that is not a URL) fail with a `ConfigError` naming the
 * option, before any client is built. So does a missing region (neither the `region` option, nor
 * `AWS_REGION`, nor the profile's): every request needs one, also to a custom endpoint.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const problem = OptionsValidation.checkOptions(options)
    if (problem !== undefined) return yield* Effect.fail(problem)
    const client = yield* Effect.acquireRelease(
      Effect.try({
        try: () => new BedrockRuntimeClient(ClientOptions.toClientConfig(options)),
        // What the SDK's constructor (or `transformClientConfig`) still rejects.
        catch: (error) =>
          ConfigError.InvalidData(
            [],
            scrubSecrets(
              error instanceof Error ? error.message : String(error),
              ClientOptions.secretsOf(options).map(Redacted.value)
            )
          )
      }),
      (client) => Effect.sync(() => client.destroy())
    )
    const region = options.region ??
      (yield* Effect.tryPromise(() => client.config.region()).pipe(Effect.orElseSucceed(() => undefined)))
    // Every request needs one, also to a custom endpoint (SigV4 signs with it; the SDK resolves it
    // before it looks at the auth scheme): fail here, not at the first call.
    if (region === undefined || region === "") return yield* Effect.fail(missingRegion("none was found"))
    const server = yield* ClientEndpoint.serverOf(client)
    return ClientRetry.assemble(
      {
        ...ClientOperations.make(client, {
          region,
          secrets: ClientOptions.secretsOf(options),
          streamIdleTimeout: ClientOptions.requestTimeoutMillis(options),
          ownsStreamTimers: true
        }),
        region,
        server
      },
      options.retry,
      options.deadline,
      ClientOperations.describe(options, region)
    )
  })

// =============================================================================
// Layers
// =============================================================================

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Options = {}): Layer.Layer<BedrockClient, ConfigError.ConfigError> =>
  Layer.scoped(BedrockClient, make(options))

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerFromClient = (
  client: BedrockRuntimeClient,
  options?: FromClientOptions
): Layer.Layer<BedrockClient, ConfigError.ConfigError> => Layer.effect(BedrockClient, makeFromClient(client, options))

/**
 * A `Config` per option; pass your own for any of them, the rest come from `defaultConfig`.
 *
 * @since 0.1.0
 * @category Config
 */
export type ConfigOptions = { readonly [K in keyof Options]?: Config.Config<Options[K]> | undefined }

/**
 * What `layerConfig` reads by default:
 *
 * - `region`: `AWS_REGION`, else `AWS_DEFAULT_REGION`
 * - `endpoint`: `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
 * - `profile`: `AWS_PROFILE`
 * - `credentials`: `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), when both are set
 * - `apiKey`: `AWS_BEARER_TOKEN_BEDROCK`
 * - `connectTimeout` / `requestTimeout`: `BEDROCK_CONNECT_TIMEOUT` / `BEDROCK_REQUEST_TIMEOUT`
 *   (`"30 seconds"` or milliseconds), else pydantic-ai's `AWS_CONNECT_TIMEOUT` / `AWS_READ_TIMEOUT`
 *   (seconds)
 * - `retry`: `BEDROCK_MAX_ATTEMPTS` (attempts in total)
 * - `deadline`: `BEDROCK_DEADLINE` (`"2 minutes"` or milliseconds)
 * - `ca`: the PEM file named by `BEDROCK_CA_BUNDLE`, else `AWS_CA_BUNDLE` (added to Node's roots)
 * - `tlsSessionResumption` / `warmConnection` / `shareStreamSessions`: `BEDROCK_TLS_SESSION_RESUMPTION` /
 *   `BEDROCK_WARM_CONNECTION` / `BEDROCK_SHARE_STREAM_SESSIONS` (`true` / `false`)
 * - `maxEventBytes`: `BEDROCK_MAX_EVENT_BYTES` (bytes)
 *
 * @since 0.1.0
 * @category Config
 */
export const defaultConfig: { readonly [K in keyof Options]-?: Config.Config<Options[K]> } = {
  region: ClientConfig.optionalConfig(
    OptionsValidation.nonEmptyConfig("AWS_REGION").pipe(
      Config.orElse(() => OptionsValidation.nonEmptyConfig("AWS_DEFAULT_REGION"))
    )
  ),
  endpoint: ClientConfig.optionalConfig(Config.string("AWS_ENDPOINT_URL_BEDROCK_RUNTIME")),
  profile: ClientConfig.optionalConfig(Config.string("AWS_PROFILE")),
  credentials: ClientConfig.optionalConfig(
    Config.all({
      accessKeyId: Config.string("AWS_ACCESS_KEY_ID"),
      secretAccessKey: Config.redacted("AWS_SECRET_ACCESS_KEY"),
      sessionToken: ClientConfig.optionalConfig(Config.redacted("AWS_SESSION_TOKEN"))
    })
  ),
  apiKey: ClientConfig.optionalConfig(Config.redacted("AWS_BEARER_TOKEN_BEDROCK")),
  connectTimeout: ClientConfig.timeoutConfig("BEDROCK_CONNECT_TIMEOUT", "AWS_CONNECT_TIMEOUT"),
  requestTimeout: ClientConfig.timeoutConfig("BEDROCK_REQUEST_TIMEOUT", "AWS_READ_TIMEOUT"),
  deadline: ClientConfig.durationConfig("BEDROCK_DEADLINE"),
  retry: ClientConfig.optionalConfig(
    Config.integer("BEDROCK_MAX_ATTEMPTS").pipe(
      Config.validate({ message: "Expected at least 1 attempt", validation: (n) => n >= 1 }),
      Config.map((maxAttempts) => ({ maxAttempts }))
    )
  ),
  ca: ClientConfig.caBundleConfig("BEDROCK_CA_BUNDLE", "AWS_CA_BUNDLE"),
  tlsSessionResumption: ClientConfig.optionalConfig(Config.boolean("BEDROCK_TLS_SESSION_RESUMPTION")),
  warmConnection: ClientConfig.optionalConfig(Config.boolean("BEDROCK_WARM_CONNECTION")),
  shareStreamSessions: ClientConfig.optionalConfig(Config.boolean("BEDROCK_SHARE_STREAM_SESSIONS")),
  maxEventBytes: ClientConfig.optionalConfig(
    Config.integer("BEDROCK_MAX_EVENT_BYTES").pipe(
      Config.validate({ message: "Expected at least 16 bytes", validation: (n) => n >= 16 })
    )
  ),
  transformClientConfig: Config.succeed(undefined),
  record: Config.succeed(undefined)
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
    deadline: config.deadline ?? defaultConfig.deadline,
    ca: config.ca ?? defaultConfig.ca,
    tlsSessionResumption: config.tlsSessionResumption ?? defaultConfig.tlsSessionResumption,
    warmConnection: config.warmConnection ?? defaultConfig.warmConnection,
    shareStreamSessions: config.shareStreamSessions ?? defaultConfig.shareStreamSessions,
    maxEventBytes: config.maxEventBytes ?? defaultConfig.maxEventBytes,
    transformClientConfig: config.transformClientConfig ?? defaultConfig.transformClientConfig
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerConfig = (config: ConfigOptions = {}): Layer.Layer<BedrockClient, ConfigError.ConfigError> =>
  Layer.scoped(BedrockClient, Effect.flatMap(loadConfig(config), make))
