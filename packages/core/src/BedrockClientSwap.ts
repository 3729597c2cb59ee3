/**
 * A `BedrockClient` whose SDK client can be replaced at runtime (rotated credentials, another
 * region), with the `BedrockClientSwap` service to replace it. Calls already running finish on
 * the client they started with.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockClientSwap } from "@effect-bedrock/core"
 * import { Effect, Redacted } from "effect"
 *
 * const rotate = (accessKeyId: string, secretAccessKey: string) =>
 *   Effect.flatMap(BedrockClientSwap.BedrockClientSwap, (swap) =>
 *     swap.swap({
 *       region: "us-east-1",
 *       credentials: { accessKeyId, secretAccessKey: Redacted.make(secretAccessKey) }
 *     }))
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* BedrockClient.BedrockClient
 *   yield* rotate("AKIDNEW", "new-secret")
 *   return yield* client.countTokens({
 *     modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
 *     input: { converse: { messages: [{ role: "user", content: [{ text: "Hello" }] }] } }
 *   })
 * }).pipe(Effect.provide(BedrockClientSwap.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as ClientCall from "./internal/client/clientCall.js"
import * as ClientRetry from "./internal/client/clientRetry.js"

// =============================================================================
// Models
// =============================================================================

/**
 * Replaces the client behind a swappable service at runtime. Calls already running finish on the
 * client they started with; that client is destroyed once the last of them is done. New calls use
 * the new client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Fails with a `ConfigError` (and keeps the current client) when the options are invalid. */
  readonly swap: (options: BedrockClient.Options) => Effect.Effect<void, ConfigError.ConfigError>
  readonly swapClient: (
    client: BedrockRuntimeClient,
    options?: BedrockClient.FromClientOptions
  ) => Effect.Effect<void, ConfigError.ConfigError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class BedrockClientSwap
  extends Context.Tag("@effect-bedrock/core/BedrockClientSwap")<BedrockClientSwap, Service>()
{}

/**
 * A swappable client: `service` is the `BedrockClient` service, `swap` / `swapClient` replace
 * its SDK client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Swappable extends Service {
  readonly service: BedrockClient.Service
}

// =============================================================================
// Constructors
// =============================================================================

interface Generation {
  /** The client, with its own retry policy and deadline. */
  readonly service: BedrockClient.Service
  /** The same client without them (see `ClientRetry.unretried`). */
  readonly parts: ReturnType<typeof ClientRetry.unretried>
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
export const make = (
  options: BedrockClient.Options = {}
): Effect.Effect<Swappable, ConfigError.ConfigError, Scope.Scope> =>
  Effect.gen(function*() {
    const live = new Set<Generation>()
    const build = (service: Effect.Effect<BedrockClient.Service, ConfigError.ConfigError, Scope.Scope>) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const built = yield* Scope.extend(service, scope).pipe(
          Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
        )
        const generation: Generation = {
          service: built,
          parts: ClientRetry.unretried(built),
          scope,
          active: 0,
          retired: false
        }
        live.add(generation)
        return generation
      })
    const close = (generation: Generation) =>
      Effect.suspend(() => {
        live.delete(generation)
        return Scope.close(generation.scope, Exit.void)
      })
    let current = yield* build(BedrockClient.make(options))
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
    const replace = (service: Effect.Effect<BedrockClient.Service, ConfigError.ConfigError, Scope.Scope>) =>
      lock.withPermits(1)(Effect.gen(function*() {
        const next = yield* build(service)
        const previous = current
        current = next
        previous.retired = true
        if (previous.active === 0) yield* close(previous)
      }))

    const service: BedrockClient.Service = {
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
    // The same calls on the current client's unretried base: `withRetry` and `BedrockRateLimiter` over
    // the swappable client build on it, so their retry replaces the client's own instead of nesting around it.
    const base: BedrockClient.Service = {
      converse: (input, callOptions) =>
        Effect.acquireUseRelease(acquire, (generation) => generation.parts.base.converse(input, callOptions), release),
      countTokens: (input, callOptions) =>
        Effect.acquireUseRelease(
          acquire,
          (generation) => generation.parts.base.countTokens(input, callOptions),
          release
        ),
      converseStream: (input, callOptions) =>
        Stream.unwrapScoped(
          Effect.map(
            Effect.acquireRelease(acquire, release),
            (generation) => generation.parts.base.converseStream(input, callOptions)
          )
        )
    }
    const description = { swappable: true }
    ClientRetry.register(ClientCall.printable(service, description), {
      base,
      get policy() {
        return current.parts.policy
      },
      get deadline() {
        return current.parts.deadline
      },
      description
    })
    return {
      service,
      swap: (next) => replace(BedrockClient.make(next)),
      swapClient: (client, fromClientOptions) => replace(BedrockClient.makeFromClient(client, fromClientOptions))
    }
  })

// =============================================================================
// Layers
// =============================================================================

/**
 * Provides a swappable `BedrockClient` together with `BedrockClientSwap` to replace its client.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: BedrockClient.Options = {}
): Layer.Layer<BedrockClient.BedrockClient | BedrockClientSwap, ConfigError.ConfigError> =>
  Layer.scopedContext(
    Effect.map(make(options), (swappable) =>
      Context.make(BedrockClient.BedrockClient, swappable.service).pipe(
        Context.add(BedrockClientSwap, { swap: swappable.swap, swapClient: swappable.swapClient })
      ))
  )
