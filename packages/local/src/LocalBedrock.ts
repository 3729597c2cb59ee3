/**
 * The local Bedrock Runtime server as an Effect service: started by `make` / `layer`, closed
 * (every connection destroyed) when the scope closes. See `LocalBedrockServer` for what the server
 * speaks and the reserved model ids, and `LocalBedrockScript` for scripts.
 *
 * @since 0.1.0
 */
import * as BedrockClient from "@effect-bedrock/core/BedrockClient"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { LocalServer } from "./internal/server.js"
import * as LocalBedrockCassette from "./LocalBedrockCassette.js"
import type * as Script from "./LocalBedrockScript.js"
import type { ConnectionStats, Options, ReceivedRequest } from "./LocalBedrockServer.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** `http://127.0.0.1:PORT` (`https://` with `tls: true`) */
  readonly endpoint: string
  readonly port: number
  /** With `tls: true`: the server's self-signed certificate (PEM), for the client under test to trust. */
  readonly certificate: string | undefined
  /** Connections and TLS handshakes so far (see `LocalBedrockServer.ConnectionStats`). */
  readonly connections: Effect.Effect<ConnectionStats>
  /** Queue scripts (FIFO); each is consumed by the next matching request. */
  readonly script: (...scripts: ReadonlyArray<Script.Script>) => Effect.Effect<void>
  /** The request log so far (secrets redacted). */
  readonly requests: Effect.Effect<ReadonlyArray<ReceivedRequest>>
  /** Requests received whose response has not finished and whose stream was not closed. */
  readonly openRequests: Effect.Effect<number>
  /** Scripts not consumed yet. */
  readonly pendingScripts: Effect.Effect<number>
  /** Waits until no request is open. */
  readonly awaitIdle: Effect.Effect<void>
  /**
   * Drops queued scripts, the request log, the connection counts and the prompt-cache memory, and
   * fills every quota again.
   */
  readonly reset: Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class LocalBedrock extends Context.Tag("@effect-bedrock/local/LocalBedrock")<LocalBedrock, Service>() {}

/**
 * Starts the server; it closes, destroying every connection, when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Options): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.promise(() => LocalServer.start(options)),
      (server) => Effect.promise(() => server.close())
    ),
    (server) =>
      LocalBedrock.of({
        endpoint: server.endpoint,
        port: server.port,
        certificate: server.certificate,
        connections: Effect.sync(() => server.connections),
        script: (...scripts) => Effect.sync(() => server.script(scripts)),
        requests: Effect.sync(() => server.requests),
        openRequests: Effect.sync(() => server.openRequests),
        pendingScripts: Effect.sync(() => server.pendingScripts),
        awaitIdle: Effect.async<void>((resume) => {
          const cancel = server.onIdle(() => resume(Effect.void))
          return Effect.sync(cancel)
        }),
        reset: Effect.sync(() => server.reset())
      })
  )

/**
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options?: Options): Layer.Layer<LocalBedrock> => Layer.scoped(LocalBedrock, make(options))

/**
 * Static credentials for the local server: it checks that requests are signed,
 * not by whom.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const localCredentials: BedrockClient.StaticCredentials = {
  accessKeyId: "AKIDLOCALBEDROCK",
  secretAccessKey: Redacted.make("local-bedrock-secret")
}

/**
 * `BedrockClient` wired to the running local server (real SDK, real wire
 * protocol, region `us-east-1`, static local credentials; in HTTPS mode, `ca`
 * is the server's certificate). Options override the defaults, for example
 * `retry` or `requestTimeout`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerBedrockClient = (
  options?: Omit<BedrockClient.Options, "endpoint">
): Layer.Layer<BedrockClient.BedrockClient, ConfigError.ConfigError, LocalBedrock> =>
  Layer.unwrapEffect(Effect.map(LocalBedrock, (local) =>
    BedrockClient.layer({
      region: "us-east-1",
      credentials: localCredentials,
      ...(local.certificate === undefined ? {} : { ca: local.certificate }),
      ...options,
      endpoint: local.endpoint
    })))

/**
 * A local server and a `BedrockClient` talking to it, in one Layer; the
 * server is also provided, for scripting and reading its request log.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerWithClient = (
  options?: { readonly server?: Options | undefined; readonly client?: Omit<BedrockClient.Options, "endpoint"> }
): Layer.Layer<BedrockClient.BedrockClient | LocalBedrock, ConfigError.ConfigError> =>
  layerBedrockClient(options?.client).pipe(Layer.provideMerge(layer(options?.server)))

/**
 * A `BedrockClient` over a cassette: replayed by a local server (`replay`, the default), recorded from
 * Bedrock (`record`), or both (`once`); see `LocalBedrockCassette` for the modes and the report.
 *
 * @example
 * ```ts
 * import { BedrockLanguageModel, LanguageModel } from "@effect-bedrock/core"
 * import { LocalBedrock } from "@effect-bedrock/local"
 * import { Effect, Layer } from "effect"
 *
 * const program = LanguageModel.generate({ prompt: "Hello" }).pipe(
 *   Effect.provide(
 *     BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(
 *       Layer.provide(LocalBedrock.cassette("test/cassettes/hello.json", { mode: "replay" }))
 *     )
 *   )
 * )
 * ```
 *
 * @since 0.1.0
 * @category Layers
 */
export const cassette: (
  file: string | URL,
  options?: LocalBedrockCassette.Options
) => Layer.Layer<
  BedrockClient.BedrockClient | LocalBedrockCassette.LocalBedrockCassette,
  LocalBedrockCassette.CassetteError | ConfigError.ConfigError
> = LocalBedrockCassette.layer
