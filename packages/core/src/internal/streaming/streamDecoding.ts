/**
 * ConverseStream events -> `Response.StreamPart`s, as an Effect `Stream`: the
 * engine's push decoder (`@effect-bedrock/converse/stream/decoder`) driven by one
 * channel.
 *
 * `Finish` is emitted after the upstream ends, once `messageStop` arrived: with
 * the usage of the `metadata` event, or, when the stream ended without one, with
 * usage marked unknown and a warning logged. An exception event ends the stream
 * with its typed error; a payload of the wrong shape with a `TransportError` of
 * kind `InvalidEventPayload` (the decoder's failure descriptor becomes an error
 * class once per stream).
 *
 * @internal
 */
import * as Classify from "@effect-bedrock/converse/errors/classify"
import { Decoder, type StreamDecodeContext, type StreamFailure } from "@effect-bedrock/converse/stream/decoder"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"
import type * as Response from "../../Response.js"

/** @internal */
export type { StreamDecodeContext } from "@effect-bedrock/converse/stream/decoder"

/** @internal */
export { Decoder } from "@effect-bedrock/converse/stream/decoder"

/** The typed error for the decoder's failure (made once, when the stream ends with it). */
const toError = (failure: StreamFailure): BedrockError.BedrockError =>
  failure._tag === "Exception"
    ? BedrockError.fromDescriptor(Classify.classifyStreamFailure(failure))
    : new BedrockError.TransportError({
      kind: failure.kind,
      message: failure.message,
      eventType: failure.eventType,
      position: "stream",
      retryable: false,
      ...(failure.requestId !== undefined ? { requestId: failure.requestId } : {})
    })

/**
 * Decodes a stream of ConverseStream events. Parts before an exception event
 * are delivered, then the stream fails with the exception's typed error.
 *
 * One channel reading the events (one step per batch of events, not per event), which also
 * writes the `Finish` (or the failure) when the events end: no `concat` of a second stream.
 *
 * @internal
 */
export const decode = (context: StreamDecodeContext) =>
<E, R>(
  events: Stream.Stream<BedrockClient.StreamEvent, E, R>
): Stream.Stream<Response.StreamPart, E | BedrockError.BedrockError, R> =>
  Stream.fromChannel(Channel.suspend(() => {
    const decoder = new Decoder(context)
    const loop: Channel.Channel<
      Chunk.Chunk<Response.StreamPart>,
      Chunk.Chunk<BedrockClient.StreamEvent>,
      E | BedrockError.BedrockError,
      E,
      unknown,
      unknown
    > = Channel.readWithCause({
      onInput: (chunk: Chunk.Chunk<BedrockClient.StreamEvent>) => {
        const out: Array<Response.StreamPart> = []
        for (const event of chunk) decoder.step(event, out)
        // An exception event or an invalid payload ends the stream at once, after the parts before it
        // (the upstream's finaliser then closes the request).
        const next = decoder.failure === undefined ? loop : Channel.fail(toError(decoder.failure))
        return out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next)
      },
      onFailure: Channel.failCause,
      onDone: () => {
        if (decoder.failure !== undefined) return Channel.fail(toError(decoder.failure))
        if (!decoder.complete) {
          if (decoder.answered) {
            // `messageStop` without `metadata`: the answer is whole, its usage unknown.
            return Channel.zipRight(
              Channel.fromEffect(
                Effect.logWarning(
                  "The ConverseStream ended after messageStop without its metadata event: the answer is complete, " +
                    "its usage unknown (usage.unknown is true, counted as 0 tokens)"
                ).pipe(Effect.annotateLogs({
                  "gen_ai.request.model": context.modelId,
                  ...(decoder.currentRequestId !== undefined ? { "gen_ai.response.id": decoder.currentRequestId } : {})
                }))
              ),
              Channel.write(Chunk.of<Response.StreamPart>(decoder.finish()))
            )
          }
          return Channel.fail(
            BedrockError.fromDescriptor(
              Classify.truncatedStream("beforeMessageStop", { requestId: decoder.currentRequestId })
            )
          )
        }
        return Channel.write(Chunk.of<Response.StreamPart>(decoder.finish()))
      }
    })
    return Channel.pipeTo(Stream.toChannel(events), loop)
  }))
