/**
 * `converseStream` for one attempt: the request phase (one `Effect.async` sending
 * `ConverseStreamCommand` with a plain timer), the abort controller owned by the attempt,
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
import * as Classify from "@effect-bedrock/converse/errors/classify"
import { holdEvent } from "@effect-bedrock/converse/stream/deltaObjects"
import * as EventPump from "@effect-bedrock/converse/stream/eventPump"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"
import { type CallContext, contextOf, metadataOf, runOnResponse, streamTimeoutError } from "../client/clientCall.js"
import * as ClientOptions from "../client/clientOptions.js"

/**
 * `BedrockError.fromSdk` with `outputDelivered`: the failure ended a stream after some of its events were
 * delivered, so sending the same request again would repeat output the caller already has: `retryable` is
 * false whatever the error.
 *
 * @internal
 */
export const fromSdk = (
  error: unknown,
  position: BedrockError.Position,
  context?: BedrockError.FromSdkContext,
  outputDelivered = false
): BedrockError.BedrockError =>
  BedrockError.isBedrockError(error) ?
    error :
    BedrockError.fromDescriptor(Classify.classifySdkError(error, position, context, outputDelivered))

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
 * One `converseStream` attempt, no retry: a single `repeatEffectChunkOption` over the attempt's
 * pull, with one `ensuring` for its release. The first pull sends the request and hands over the
 * `InitialResponse`; the next ones take the pump's batches. (A scoped `Stream.unwrapScoped` did
 * the same with a `Scope`, a forked finaliser and one more channel: measured, it was a third of
 * the time a stream spends in Effect before its first event, see docs/benchmarks.)
 *
 * @internal
 */
export const converseStream = (
  client: BedrockRuntimeClient,
  call: CallContext,
  input: ConverseStreamCommandInput,
  options?: BedrockClient.CallOptions
): Stream.Stream<BedrockClient.StreamEvent, BedrockError.BedrockError> =>
  // Per run: a re-run (a retry) is a new attempt.
  Stream.suspend(() => {
    const attempt = new Attempt(client, call, input, options)
    return Stream.ensuring(Stream.repeatEffectChunkOption(attempt.pull), attempt.release)
  })

type Pull = Effect.Effect<Chunk.Chunk<BedrockClient.StreamEvent>, Option.Option<BedrockError.BedrockError>>

/** The state of one attempt: its abort controller, the SDK's iterator and the event pump. */
class Attempt {
  // Owned by the attempt: leaving the SDK's iterator early does not close the HTTP/2 stream, so
  // every exit (end, failure, interruption, `Stream.take`) aborts the request.
  private readonly controller = new AbortController()
  private iterator: AsyncIterator<ConverseStreamOutput> | undefined
  private pump: EventPump.EventPump<ConverseStreamOutput> | undefined
  private metadata: BedrockClient.ResponseMetadata | undefined
  private context: ReturnType<typeof contextOf> | undefined
  private sent = false
  // Whether any event went out: a failure after that is not retryable (a new attempt would
  // repeat what the consumer already has).
  private delivered = false

  constructor(
    private readonly client: BedrockRuntimeClient,
    private readonly call: CallContext,
    private readonly input: ConverseStreamCommandInput,
    private readonly options: BedrockClient.CallOptions | undefined
  ) {}

  /**
   * Abort before `iterator.return()`: on a generator with a pending `next()` it waits for that
   * `next()` to settle, which for a stalled connection would be never. Then drop every
   * reference: whatever still holds this attempt (a pending promise of the SDK) holds no events.
   */
  readonly release: Effect.Effect<void> = Effect.sync(() => {
    const stopped = this.pump
    const left = this.iterator
    this.pump = undefined
    this.iterator = undefined
    stopped?.stop()
    this.controller.abort(CLOSED)
    left?.return?.().catch(() => undefined)
  })

  readonly pull: Pull = Effect.suspend((): Pull => {
    if (!this.sent) {
      this.sent = true
      return this.request
    }
    const events = this.pump
    if (events === undefined) return this.delivered ? END : this.fromTake(ENDED)
    const ready = events.poll()
    if (ready !== undefined) return this.fromTake(ready)
    return Effect.async<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>>((resume) => {
      events.await((take) => resume(this.fromTake(take)))
      return Effect.sync(() => events.cancel())
    })
  })

  /**
   * The request phase: one `Effect.async` with its timeout as a plain timer (not an
   * `Effect.tryPromise` + timeout, which forks fibers), then the `InitialResponse`, alone.
   */
  private get request(): Pull {
    const sent = Effect.async<ConverseStreamCommandOutput, Option.Option<BedrockError.BedrockError>>((resume) => {
      let done = false
      let timer: ReturnType<typeof setTimeout> | undefined
      const settle = (effect: Effect.Effect<ConverseStreamCommandOutput, Option.Option<BedrockError.BedrockError>>) => {
        if (done) return
        done = true
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        resume(effect)
      }
      const failed = (error: unknown) =>
        settle(
          Effect.fail(
            Option.some(fromSdk(error, "request", contextOf(this.call, "converseStream", this.input.modelId)))
          )
        )
      const succeeded = (output: ConverseStreamCommandOutput) => {
        if (done) return
        // Start reading events at once, while the fiber resumes: the first event is decoded by
        // the time the stream is pulled.
        try {
          if (output.stream !== undefined) {
            this.iterator = output.stream[Symbol.asyncIterator]()
            this.pump = new EventPump.EventPump(this.iterator, {
              highWaterMark: EVENT_BATCH,
              idleTimeoutMs: this.call.streamIdleTimeout,
              onIdleTimeout: () => this.controller.abort(CLOSED),
              hold: holdEvent
            })
            this.pump.start()
          }
        } catch (error) {
          // Never a throw out of this promise callback.
          return failed(error)
        }
        settle(Effect.succeed(output))
      }
      if (this.call.streamIdleTimeout !== undefined) {
        timer = setTimeout(() => {
          settle(Effect.fail(Option.some(streamTimeoutError(this.call, "request"))))
          this.controller.abort(CLOSED)
        }, this.call.streamIdleTimeout)
      }
      try {
        this.client.send(
          ClientOptions.addHeaders(new ConverseStreamCommand(this.input), this.options?.headers),
          sendOptions(this.call, this.controller.signal)
        ).then(succeeded, failed)
      } catch (error) {
        failed(error)
      }
      // Interrupted while waiting for the response.
      return Effect.sync(() => {
        done = true
        if (timer !== undefined) clearTimeout(timer)
        timer = undefined
        this.controller.abort(CLOSED)
      })
    })
    return Effect.flatMap(sent, (output) => {
      const metadata = metadataOf(output)
      this.metadata = metadata
      this.context = contextOf(this.call, "converseStream", this.input.modelId, metadata.requestId)
      const initial = Chunk.of<BedrockClient.StreamEvent>({ initialResponse: metadata })
      return this.options?.onResponse === undefined
        ? Effect.succeed(initial)
        : Effect.as(runOnResponse(this.options, metadata), initial)
    })
  }

  private fromTake(
    take: EventPump.Take<ConverseStreamOutput>
  ): Effect.Effect<Chunk.Chunk<ConverseStreamOutput>, Option.Option<BedrockError.BedrockError>> {
    switch (take._tag) {
      case "Events":
        this.delivered = true
        return Effect.succeed(Chunk.unsafeFromArray(take.events))
      case "End":
        // A 200 answer whose event stream ended before any event: nothing was delivered, so this is
        // a failed request like a reset before the first event, and a new attempt may succeed.
        return this.delivered ? END : Effect.fail(Option.some(emptyStreamError(this.metadata?.requestId)))
      case "Failure":
        return Effect.fail(Option.some(
          take.timeout
            ? streamTimeoutError(this.call, "stream", this.metadata?.requestId, this.delivered)
            : fromSdk(take.error, "stream", this.context!, this.delivered)
        ))
    }
  }
}

const END = Effect.fail(Option.none())

const ENDED: EventPump.Take<never> = { _tag: "End" }

const emptyStreamError = (requestId: string | undefined) =>
  BedrockError.fromDescriptor(Classify.truncatedStream("beforeFirstEvent", { operation: "converseStream", requestId }))
