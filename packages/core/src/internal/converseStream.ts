/**
 * `converseStream` for one attempt: the request phase (one `Effect.async` sending
 * `ConverseStreamCommand` with a plain idle timer), the abort controller owned by the stream's
 * scope, and the bridge from the event pump's takes to a `Stream`. Measured for time to first
 * token and throughput (docs/benchmarks): every Effect step here is per request or per batch,
 * never per event.
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
import * as BedrockError from "../BedrockError.js"
import { type CallContext, contextOf, metadataOf, runOnResponse, streamTimeoutError } from "./clientCall.js"
import * as ClientOptions from "./clientOptions.js"
import * as EventPump from "./eventPump.js"

/** Events read ahead of the consumer at most, and so the largest batch a pull hands over. */
const EVENT_BATCH = 256

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
          settle(Effect.fail(streamTimeoutError(call, "request")))
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
    const initial: BedrockClient.InitialResponse = { initialResponse: metadata }
    const events = pump
    if (events === undefined) return Stream.succeed(initial)
    const context = contextOf(call, "converseStream", input.modelId, metadata.requestId)
    // Events are read ahead (bounded) and pulled in batches: one Effect step per batch, not per
    // event. See eventPump.ts.
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
              ? streamTimeoutError(call, "stream", metadata.requestId)
              : BedrockError.fromSdk(take.error, "stream", context)
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
