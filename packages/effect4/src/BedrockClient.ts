/**
 * `BedrockClient` for Effect 4: the swappable service over the AWS SDK's `BedrockRuntimeClient`. Each operation
 * is an `Effect` (or, for ConverseStream, a `Stream`) that fails with a typed `BedrockError`, and interrupting it
 * aborts the HTTP request. Provide it with `layer` (a client this layer creates and destroys), `layerConfig`
 * (options read from `Config`), or `layerFromClient` (a client you own); swap it in tests with
 * `Layer.succeed(BedrockClient, ...)`.
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
  type ConverseStreamOutput,
  CountTokensCommand,
  type CountTokensCommandInput,
  type CountTokensCommandOutput
} from "@aws-sdk/client-bedrock-runtime"
import * as Recorder from "@effect-bedrock/converse/cassette/recorder"
import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import * as RequestHandler from "@effect-bedrock/converse/net/requestHandler"
import { holdEvent } from "@effect-bedrock/converse/stream/deltaObjects"
import * as EventPump from "@effect-bedrock/converse/stream/eventPump"
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Pull from "effect/Pull"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BedrockError from "./BedrockError.js"
import { fromSdk } from "./internal/fromSdk.js"

/**
 * What `BedrockClient` offers: the three Converse operations, and the SDK client underneath.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly client: BedrockRuntimeClient
  readonly converse: (input: ConverseCommandInput) => Effect.Effect<ConverseCommandOutput, BedrockError.BedrockError>
  readonly countTokens: (
    input: CountTokensCommandInput
  ) => Effect.Effect<CountTokensCommandOutput, BedrockError.BedrockError>
  /** The stream's events; an exception Bedrock sends inside the stream fails it with its typed error. */
  readonly converseStream: (
    input: ConverseStreamCommandInput
  ) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>
}

/**
 * The service key.
 *
 * @since 0.1.0
 * @category Services
 */
export class BedrockClient extends Context.Service<BedrockClient, Service>()("@effect-bedrock/effect4/BedrockClient") {}

/**
 * An exception event inside a ConverseStream (`{ throttlingException: { message } }`) as its typed error;
 * not retryable once events were delivered (a new attempt would repeat them).
 */
const streamException = (
  event: ConverseStreamOutput,
  delivered: boolean
): BedrockError.BedrockError | undefined => {
  if (event.contentBlockDelta !== undefined) return undefined
  for (const [key, info] of Exceptions.streamExceptions) {
    const payload = (event as Record<string, any>)[key]
    if (payload === undefined) continue
    const Exception = BedrockError.exceptionClass(info.name)!
    const message = typeof payload?.message === "string" ? payload.message : info.name
    return new Exception({
      message,
      status: info.status,
      position: "stream",
      exceptionName: info.name,
      operation: "converseStream",
      retryable: !delivered && info.retryable
    })
  }
  return undefined
}

/** Events read ahead of the consumer (the engine's `EventPump`) and handed over per pull. */
const EVENT_BATCH = 256

/**
 * The pull of one ConverseStream: the events read so far as one array (one Effect step per batch, not per event),
 * every failure classified where it happens, with whether output was already delivered. An exception event ends
 * the stream after the events before it.
 */
const pullEvents = (
  pump: EventPump.EventPump<ConverseStreamOutput>
): Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> => {
  let delivered = false
  let pending: BedrockError.BedrockError | undefined
  const fromTake = (
    take: EventPump.Take<ConverseStreamOutput>
  ): Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> => {
    switch (take._tag) {
      case "Events": {
        const events = take.events
        for (let i = 0; i < events.length; i++) {
          const failure = streamException(events[i]!, delivered)
          if (failure !== undefined) {
            if (i === 0) return Effect.fail(failure)
            pending = failure
            return Effect.succeed(events.slice(0, i) as unknown as Arr.NonEmptyReadonlyArray<ConverseStreamOutput>)
          }
          delivered = true
        }
        return Arr.isReadonlyArrayNonEmpty(events) ? Effect.succeed(events) : pull
      }
      case "End":
        return Cause.done()
      case "Failure":
        return Effect.fail(fromSdk(take.error, "stream", "converseStream", delivered))
    }
  }
  const pull: Pull.Pull<Arr.NonEmptyReadonlyArray<ConverseStreamOutput>, BedrockError.BedrockError> = Effect
    .suspend(() => {
      if (pending !== undefined) return Effect.fail(pending)
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

/**
 * The service over an SDK client you own (this service never destroys it).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromClient = (client: BedrockRuntimeClient): Service => ({
  client,
  converse: (input) =>
    Effect.tryPromise({
      try: (signal) => client.send(new ConverseCommand(input), { abortSignal: signal }),
      catch: (error) => fromSdk(error, "request", "converse")
    }),
  countTokens: (input) =>
    Effect.tryPromise({
      try: (signal) => client.send(new CountTokensCommand(input), { abortSignal: signal }),
      catch: (error) => fromSdk(error, "request", "countTokens")
    }),
  converseStream: (input) =>
    Stream.unwrap(Effect.gen(function*() {
      // Aborted when the stream ends, fails or is interrupted: the HTTP request never outlives its stream.
      const controller = yield* Effect.acquireRelease(
        Effect.sync(() => new AbortController()),
        (controller) => Effect.sync(() => controller.abort())
      )
      const output = yield* Effect.tryPromise({
        try: () => client.send(new ConverseStreamCommand(input), { abortSignal: controller.signal }),
        catch: (error) => fromSdk(error, "request", "converseStream")
      })
      if (output.stream === undefined) {
        return yield* new BedrockError.UnknownBedrockError({
          message: "ConverseStream answered without a stream",
          position: "request",
          operation: "converseStream",
          retryable: false
        })
      }
      const pump = new EventPump.EventPump(output.stream[Symbol.asyncIterator](), {
        highWaterMark: EVENT_BATCH,
        idleTimeoutMs: undefined,
        onIdleTimeout: () => undefined,
        hold: holdEvent
      })
      // Stops reading before the request is aborted (finalisers run in reverse order).
      yield* Effect.addFinalizer(() => Effect.sync(() => pump.stop()))
      pump.start()
      return Stream.fromPull(Effect.succeed(pullEvents(pump)))
    }))
})

/**
 * The SDK client configuration, and `record`: record every Converse, ConverseStream and CountTokens exchange
 * into a cassette file (a path, or the recorder's options: `@effect-bedrock/converse/cassette/recorder`),
 * secrets scrubbed before anything is written; the local Bedrock replays it (docs/testing.md).
 *
 * @since 0.1.0
 * @category Models
 */
export type Options = BedrockRuntimeClientConfig & { readonly record?: string | Recorder.Options | undefined }

const clientConfig = ({ record, ...config }: Options): BedrockRuntimeClientConfig => {
  const withHandler = config.requestHandler === undefined
    ? { ...config, requestHandler: RequestHandler.make() }
    : config
  return record === undefined ? withHandler : Recorder.recordingConfig(withHandler, record)
}

/**
 * A service over a new SDK client, destroyed when the scope closes. Without a `requestHandler` of
 * yours, the client gets the engine's (`@effect-bedrock/converse/net/requestHandler`, as the Effect 3
 * packages do): one pooled HTTP/2 session for non-streaming calls, the seed's 60 s connect and 300 s
 * read timeouts, TLS session resumption, and the cap on one event frame.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (config: Options = {}): Effect.Effect<Service, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => new BedrockRuntimeClient(clientConfig(config))),
      (client) => Effect.sync(() => client.destroy())
    ),
    fromClient
  )

/**
 * The layer of a new SDK client built from `config`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (config: Options = {}): Layer.Layer<BedrockClient> => Layer.effect(BedrockClient, make(config))

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
export const layerFromClient = (client: BedrockRuntimeClient): Layer.Layer<BedrockClient> =>
  Layer.succeed(BedrockClient, fromClient(client))
