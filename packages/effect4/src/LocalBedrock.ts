/**
 * The local Bedrock (`@effect-bedrock/local`'s plain-Node server) as an Effect 4 `Layer`: a server on
 * 127.0.0.1 and an ephemeral port for the layer's lifetime, and a `BedrockClient` wired to it with
 * `layerWithClient`. The server is the same for both Effect lines; only this Layer is Effect 4. It needs
 * `@effect-bedrock/local` installed (a dev dependency of your tests).
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/effect4"
 * import { LocalBedrock } from "@effect-bedrock/effect4/testing"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* BedrockClient.BedrockClient
 *   const output = yield* client.converse({
 *     modelId: "us.amazon.nova-micro-v1:0",
 *     messages: [{ role: "user", content: [{ text: "Hello" }] }]
 *   })
 *   const requests = yield* (yield* LocalBedrock.LocalBedrock).requests
 *   return { stopReason: output.stopReason, requests: requests.length }
 * }).pipe(Effect.provide(LocalBedrock.layerWithClient()))
 * ```
 *
 * @since 0.1.0
 */
import type * as Script from "@effect-bedrock/local/LocalBedrockScript"
import type * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as BedrockClient from "./BedrockClient.js"

/**
 * What the local Bedrock's layer provides: where it listens, and its script and request log as effects.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** `http://127.0.0.1:<port>`: the endpoint to give the SDK client. */
  readonly url: string
  readonly port: number
  /** Queues scripted answers and faults, consumed in order by the next requests. */
  readonly script: (...scripts: ReadonlyArray<Script.Script>) => Effect.Effect<void>
  /** Every request received so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<LocalBedrockServer.ReceivedRequest>>
  /** Requests whose answer has not finished. */
  readonly openRequests: Effect.Effect<number>
  /** Forgets the request log and the queued scripts. */
  readonly reset: Effect.Effect<void>
  /** The plain-Node server underneath. */
  readonly server: LocalBedrockServer.LocalBedrockServer
}

/**
 * The service key.
 *
 * @since 0.1.0
 * @category Services
 */
export class LocalBedrock extends Context.Service<LocalBedrock, Service>()("@effect-bedrock/effect4/LocalBedrock") {}

/**
 * Options of the server (`@effect-bedrock/local`'s `Options`); it always listens on 127.0.0.1.
 *
 * @since 0.1.0
 * @category Models
 */
export type Options = Omit<LocalBedrockServer.Options, "host">

/**
 * Credentials the local Bedrock accepts (it checks that a request is signed, not by whom).
 *
 * @since 0.1.0
 * @category Constants
 */
export const localCredentials = { accessKeyId: "AKIDLOCALBEDROCK", secretAccessKey: "local-bedrock-secret" } as const

// By its deep path: the package's index also loads the Effect 3 Layer. A `const` specifier keeps bundlers and
// TypeScript from resolving it before the layer is built.
const serverModule = "@effect-bedrock/local/LocalBedrockServer"

const load = Effect.tryPromise({
  try: () => import(serverModule) as Promise<typeof LocalBedrockServer>,
  catch: (cause) =>
    new Error(
      "LocalBedrock needs @effect-bedrock/local: npm install --save-dev @effect-bedrock/local",
      { cause }
    )
}).pipe(Effect.orDie)

/**
 * Starts the local Bedrock on 127.0.0.1 (port 0: a free one, unless `options.port` says otherwise) and closes it
 * when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options?: Options): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.gen(function*() {
    const module = yield* load
    const server = yield* Effect.acquireRelease(
      Effect.promise(() => module.start({ port: 0, ...options, host: "127.0.0.1" })),
      (server) => Effect.promise(() => server.close())
    )
    return {
      url: server.endpoint,
      port: server.port,
      script: (...scripts) => Effect.sync(() => server.script(...scripts)),
      requests: Effect.sync(() => server.requests()),
      openRequests: Effect.sync(() => server.openRequests()),
      reset: Effect.sync(() => server.reset()),
      server
    } satisfies Service
  })

/**
 * The local Bedrock for the layer's lifetime.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options?: Options): Layer.Layer<LocalBedrock> => Layer.effect(LocalBedrock, make(options))

/**
 * A `BedrockClient` on the local Bedrock `LocalBedrock` provides: region `us-east-1`, `localCredentials`, one
 * attempt (`retry: false`: a scripted fault reaches the test); `client` overrides these (`retry` for a test of
 * the retry policy).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerBedrockClient = (
  client?: Omit<BedrockClient.Options, "endpoint">
): Layer.Layer<BedrockClient.BedrockClient, never, LocalBedrock> =>
  Layer.unwrap(Effect.gen(function*() {
    const local = yield* LocalBedrock
    return BedrockClient.layer({
      region: "us-east-1",
      credentials: localCredentials,
      retry: false,
      ...client,
      endpoint: local.url
    })
  }))

/**
 * The local Bedrock and a `BedrockClient` wired to it, both provided.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerWithClient = (
  options?: {
    readonly server?: Options | undefined
    readonly client?: Omit<BedrockClient.Options, "endpoint"> | undefined
  }
): Layer.Layer<BedrockClient.BedrockClient | LocalBedrock> =>
  Layer.provideMerge(layerBedrockClient(options?.client), layer(options?.server))
