/**
 * `converseStream` for one attempt: the request phase (one `Effect.async` sending
 * `ConverseStreamCommand` with a plain timer), the abort controller owned by the stream's scope,
 * and the bridge from the event pump's takes to a `Stream`. The timers are ours alone (see
 * `sendOptions`), and whatever ends the stream releases everything it held at once. Measured for
 * time to first token and throughput (docs/benchmarks): every Effect step here is per request or
 * per batch, never per event.
 *
 * @internal
 */
import {
  type BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamCommandOutput,
  type ConverseStreamOutput
} from "@aws-sdk/client-bedrock-runtime"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../BedrockClient.js"
import type * as BedrockError from "../BedrockError.js"
import { type CallContext, contextOf, metadataOf, runOnResponse, streamTimeoutError } from "./clientCall.js"
import * as ClientOptions from "./clientOptions.js"
import * as EventPump from "./eventPump.js"
import { fromSdk } from "./fromSdk.js"

/** Events read ahead of the consumer at most, and so the largest batch a pull hands over. */
const EVENT_BATCH = 256

/**
 * The abort reason of every stream: a string, so that aborting captures no stack trace (a
 * `DOMException` would, and with it the finaliser's closure, for as long as anything holds the
 * signal).
 */
const CLOSED = "effect-bedrock: the stream was closed"

/**
 * The SDK options of one stream request. Per request, `requestTimeout: 0` arms no timer on the
 * HTTP/2 stream: ours time the request (until the response) and the events (idle time). Node
 * leaves an HTTP/2 stream's timer armed after the stream ended, holding the stream, the SDK's
 * closures, the abort signal and through it everything the request held, until it fires.
 */
const sendOptions = (call: CallContext, signal: AbortSignal) =>
  call.ownsStreamTimers ? { abortSignal: signal, requestTimeout: 0 } : { abortSignal: signal }

/**
 * One `converseStream` attempt, no retry.
 *
 * @internal
 */
export const converseStream = (
  client: BedrockRuntimeClient,
  call: CallContext,
  input: ConverseStreamCommandInput,
  options?: BedrockClient.CallOptions
): Stream.Stream<BedrockClient.StreamEvent, BedrockError.BedrockError> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    // Owned by the stream's scope: leaving the SDK's iterator early does not close the HTTP/2
    // stream, so every exit (end, failure, interruption, `Stream.take`) aborts the request.
    const controller = new AbortController()
    let iterator: AsyncIterator<ConverseStreamOutput> | undefined
    let pump: EventPump.EventPump<ConverseStreamOutput> | undefined
    // Abort before `iterator.return()`: on a generator with a pending `next()` it waits for that
    // `next()` to settle, which for a stalled connection would be never. Then drop every
    // reference: whatever still holds this closure (a pending promise of the SDK) holds no events.
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        const stopped = pump
        const left = iterator
        pump = undefined
        iterator = undefined
        stopped?.stop()
        controller.abort(CLOSED)
        left?.return?.().catch(() => undefined)
      })
    )
    // One `Effect.async` for the request phase, with its timeout as a plain timer (not an
    // Effect.tryPromise + timeout, which forks fibers): fewer steps before the first event.
    const output = yield* Effect.async<ConverseStreamCommandOutput, BedrockError.BedrockError>((resume) => {
      let done = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (effect: Effect.Effect<ConverseStreamCommandOutput, BedrockError.BedrockError>) => {
        if (done) return
        done = true
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        resume(effect)
      }
      const failed = (error: unknown) =>
        settle(Effect.fail(fromSdk(error, "request", contextOf(call, "converseStream", input.modelId))))
      const succeeded = (output: ConverseStreamCommandOutput) => {
        if (done) return
        // Start reading events at once, while the fiber resumes: the first event is decoded by
        // the time the stream is pulled.
        if (output.stream !== undefined) {
          iterator = output.stream[Symbol.asyncIterator]()
          pump = new EventPump.EventPump(iterator, {
            highWaterMark: EVENT_BATCH,
            idleTimeoutMs: call.streamIdleTimeout,
            onIdleTimeout: () => controller.abort(CLOSED)
          })
          pump.start()
        }
        settle(Effect.succeed(output))
      }
      if (call.streamIdleTimeout !== undefined) {
        timer = setTimeout(() => {
          settle(Effect.fail(streamTimeoutError(call, "request")))
          controller.abort(CLOSED)
        }, call.streamIdleTimeout)
      }
      try {
        client.send(
          ClientOptions.addHeaders(new ConverseStreamCommand(input), options?.headers),
          sendOptions(call, controller.signal)
        ).then(succeeded, failed)
      } catch (error) {
        failed(error)
      }
      // Interrupted while waiting for the response.
      return Effect.sync(() => {
        done = true
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        controller.abort(CLOSED)
      })
    })
    const metadata = metadataOf(output)
    yield* runOnResponse(options, metadata)
    const initial: BedrockClient.InitialResponse = { initialResponse: metadata }
    const events = pump
    if (events === undefined) return Stream.succeed(initial)
    const context = contextOf(call, "converseStream", input.modelId, metadata.requestId)
    // Whether any event went out: a failure after that is not retryable (a new attempt would
    // repeat what the consumer already has).
    let delivered = false
    // Events are read ahead (bounded) and pulled in batches: one Effect step per batch, not per
    // event. See eventPump.ts.
    const fromTake = (
      take: EventPump.Take<ConverseStreamOutput>
    ): Effect.Effect<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>> => {
      switch (take._tag) {
        case "Events":
          delivered = true
          return Effect.succeed(Chunk.unsafeFromArray(take.events))
        case "End":
          return Effect.fail(Option.none())
        case "Failure":
          return Effect.fail(Option.some(
            take.timeout
              ? streamTimeoutError(call, "stream", metadata.requestId, delivered)
              : fromSdk(take.error, "stream", context, delivered)
          ))
      }
    }
    // The initial response goes first, alone: one extra pull per stream, none per event.
    let first = true
    const pull = Effect.suspend((): Effect.Effect<
      Chunk.Chunk<BedrockClient.StreamEvent>,
      Option.Option<BedrockError.BedrockError>
    > => {
      if (first) {
        first = false
        return Effect.succeed(Chunk.of(initial))
      }
      const ready = events.poll()
      if (ready !== undefined) return fromTake(ready)
      return Effect.async<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>>((resume) => {
        events.await((take) => resume(fromTake(take)))
        return Effect.sync(() => events.cancel())
      })
    })
    return Stream.repeatEffectChunkOption(pull)
  }))
