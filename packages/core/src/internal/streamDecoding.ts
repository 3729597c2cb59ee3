/**
 * ConverseStream events -> `Response.StreamPart`s.
 *
 * A decoder holds only what the final response needs (the text so far, open
 * tool-call arguments, usage); events are not kept. `Finish` is emitted after
 * the upstream ends and only if `metadata` (usage) arrived, so a consumer never
 * sees a response finished without its usage.
 *
 * @internal
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../BedrockClient.js"
import * as BedrockError from "../BedrockError.js"
import type * as Response from "../Response.js"
import { TextDeltaPart, ThinkingDeltaPart, ToolCallDeltaPart } from "./deltaObjects.js"
import * as ResponseDecoding from "./responseDecoding.js"

/** @internal */
export interface StreamDecodeContext extends ResponseDecoding.DecodeContext {}

// Text is joined every so often so a long answer costs about its own size in
// memory, not one string object per delta.
const JOIN_EVERY = 512

class TextBuffer {
  private chunks: Array<string> = []
  private joined = ""
  append(text: string) {
    this.chunks.push(text)
    if (this.chunks.length >= JOIN_EVERY) {
      this.joined += this.chunks.join("")
      this.chunks = []
    }
  }
  toString() {
    return this.chunks.length === 0 ? this.joined : this.joined + this.chunks.join("")
  }
  get isEmpty() {
    return this.joined.length === 0 && this.chunks.length === 0
  }
}

type Block =
  | { readonly kind: "text"; readonly text: TextBuffer }
  | {
    readonly kind: "thinking"
    readonly text: TextBuffer
    signature: string | undefined
    redacted: Array<Uint8Array> | undefined
  }
  | { readonly kind: "tool"; readonly id: string; readonly name: string; readonly input: TextBuffer }
  | { readonly kind: "native"; readonly id: string; readonly name: string; readonly input: TextBuffer }
  | { readonly kind: "nativeResult"; readonly id: string; readonly name: string; result: unknown; status?: string }

// The exceptions Bedrock sends as events inside a stream, by their event key (`throttlingException`).
const streamExceptions: ReadonlyArray<readonly [string, (typeof BedrockError.exceptions)[number]]> = BedrockError
  .exceptions.filter((Class) => Class.exception.inStream).map((Class) =>
    [Class.exception.name[0]!.toLowerCase() + Class.exception.name.slice(1), Class] as const
  )

const concatBytes = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (pieces.length === 1) return pieces[0]!
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0))
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/**
 * A stateful decoder for one stream. `step` appends the parts an event yields
 * to `out`; `finish` gives the final part once the stream ended.
 *
 * @internal
 */
export class Decoder {
  private readonly open = new Map<number, Block>()
  private readonly done: Array<{ readonly index: number; readonly part: Response.Part }> = []
  private stopReason: string | undefined
  private additionalFields: unknown
  private metadata: ConverseStreamOutput.MetadataMember["metadata"] | undefined
  private requestId: string | undefined
  private timestamp: Date | undefined

  /** The request id of the attempt being decoded, from its `InitialResponse`. */
  get currentRequestId(): string | undefined {
    return this.requestId
  }
  failure: BedrockError.BedrockError | undefined

  constructor(readonly context: StreamDecodeContext) {
    this.requestId = context.requestId
  }

  step(event: BedrockClient.StreamEvent, out: Array<Response.StreamPart>): void {
    if (this.failure !== undefined) return
    if (event.contentBlockDelta !== undefined) {
      const { contentBlockIndex, delta } = event.contentBlockDelta
      const index = contentBlockIndex ?? 0
      if (delta === undefined) return
      if (delta.text !== undefined) return this.text(index, delta.text, out)
      if (delta.toolUse !== undefined) return this.toolInput(index, delta.toolUse.input ?? "", out)
      if (delta.reasoningContent !== undefined) return this.thinking(index, delta.reasoningContent, out)
      if (delta.toolResult !== undefined) return this.nativeResult(index, delta.toolResult)
      return
    }
    if (event.contentBlockStart !== undefined) {
      const { contentBlockIndex, start } = event.contentBlockStart
      const index = contentBlockIndex ?? 0
      const toolUse = start?.toolUse
      if (toolUse !== undefined) {
        const id = toolUse.toolUseId ?? ""
        const name = toolUse.name ?? ""
        if (toolUse.type === "server_tool_use") {
          // A native tool's call: its input arrives as tool-use deltas; emitted whole at the stop.
          this.open.set(index, { kind: "native", id, name, input: new TextBuffer() })
          return
        }
        this.open.set(index, { kind: "tool", id, name, input: new TextBuffer() })
        out.push({ _tag: "ToolCallStart", index, id, name })
        return
      }
      const toolResult = start?.toolResult
      const native = ResponseDecoding.nativeToolOfResult(toolResult?.type)
      if (toolResult !== undefined && native !== undefined) {
        const block: Block = { kind: "nativeResult", id: toolResult.toolUseId ?? "", name: native, result: undefined }
        if (toolResult.status !== undefined) block.status = toolResult.status
        this.open.set(index, block)
      }
      return
    }
    if (event.contentBlockStop !== undefined) return this.stop(event.contentBlockStop.contentBlockIndex ?? 0, out)
    if (event.messageStop !== undefined) {
      this.stopReason = event.messageStop.stopReason
      this.additionalFields = event.messageStop.additionalModelResponseFields
      return
    }
    if (event.metadata !== undefined) {
      this.metadata = event.metadata
      return
    }
    if (event.messageStart !== undefined) return
    if ("initialResponse" in event) {
      // Each attempt starts with its own: the id of the attempt that produced the answer wins.
      this.requestId = event.initialResponse.requestId ?? this.requestId
      this.timestamp = new Date()
      return
    }
    for (const [key, Exception] of streamExceptions) {
      const exception = (event as unknown as Record<string, { message?: string } | undefined>)[key]
      if (exception !== undefined) {
        const name = Exception.exception.name
        this.failure = BedrockError.fromSdk(
          Object.assign(new Error(exception.message ?? name), { name, $fault: "server" }),
          "stream",
          { requestId: this.requestId }
        )
        return
      }
    }
    // Unknown events are dropped, as the SDK itself does.
  }

  private text(index: number, text: string, out: Array<Response.StreamPart>) {
    if (text.length === 0) return
    let block = this.open.get(index)
    if (block === undefined) {
      // Whitespace at the start of a part is dropped for some families (as pydantic-ai does with
      // whitespace-only deltas; the rest of the first delta is trimmed too, so a streamed answer
      // and a non-streamed one give the same text).
      if (this.context.trimLeadingWhitespace === true) {
        text = text.trimStart()
        if (text.length === 0) return
      }
      block = { kind: "text", text: new TextBuffer() }
      this.open.set(index, block)
      out.push({ _tag: "TextStart", index })
    }
    if (block.kind === "text") {
      block.text.append(text)
      out.push(new TextDeltaPart(index, text))
    }
  }

  private toolInput(index: number, input: string, out: Array<Response.StreamPart>) {
    const block = this.open.get(index)
    if (block === undefined || input.length === 0) return
    if (block.kind === "native") return block.input.append(input)
    if (block.kind !== "tool") return
    block.input.append(input)
    out.push(new ToolCallDeltaPart(index, block.id, input))
  }

  private nativeResult(
    index: number,
    delta: NonNullable<ConverseStreamOutput.ContentBlockDeltaMember["contentBlockDelta"]["delta"]>["toolResult"]
  ) {
    const block = this.open.get(index)
    const first = delta?.[0]
    if (block === undefined || block.kind !== "nativeResult" || first === undefined) return
    if ("json" in first && first.json !== undefined) block.result = first.json
  }

  private thinking(
    index: number,
    delta: NonNullable<ConverseStreamOutput.ContentBlockDeltaMember["contentBlockDelta"]["delta"]>["reasoningContent"],
    out: Array<Response.StreamPart>
  ) {
    if (delta === undefined) return
    let block = this.open.get(index)
    if (block === undefined) {
      block = { kind: "thinking", text: new TextBuffer(), signature: undefined, redacted: undefined }
      this.open.set(index, block)
      out.push({ _tag: "ThinkingStart", index })
    }
    if (block.kind !== "thinking") return
    if (delta.text !== undefined) {
      if (delta.text.length === 0) return
      block.text.append(delta.text)
      out.push(new ThinkingDeltaPart(index, delta.text))
    } else if (delta.signature !== undefined) {
      block.signature = (block.signature ?? "") + delta.signature
      out.push({ _tag: "ThinkingDelta", index, signature: delta.signature })
    } else if (delta.redactedContent !== undefined) {
      ;(block.redacted ??= []).push(delta.redactedContent)
      out.push({ _tag: "ThinkingDelta", index, redacted: delta.redactedContent })
    }
  }

  private stop(index: number, out: Array<Response.StreamPart>) {
    const block = this.open.get(index)
    if (block === undefined) return
    this.open.delete(index)
    const part = this.close(block)
    this.done.push({ index, part })
    switch (block.kind) {
      case "text":
        out.push({ _tag: "TextEnd", index })
        return
      case "thinking":
        out.push({ _tag: "ThinkingEnd", index })
        return
      case "tool": {
        if (part._tag === "ToolCall") {
          out.push({ _tag: "ToolCall", index, id: part.id, name: part.name, input: part.input })
        }
        return
      }
      case "native": {
        if (part._tag === "NativeToolCall") {
          out.push({ _tag: "NativeToolCall", index, id: part.id, name: part.name, input: part.input })
        }
        return
      }
      case "nativeResult": {
        if (part._tag === "NativeToolResult") {
          out.push({
            _tag: "NativeToolResult",
            index,
            id: part.id,
            name: part.name,
            result: part.result,
            ...(part.status !== undefined ? { status: part.status } : {})
          })
        }
        return
      }
    }
  }

  private close(block: Block): Response.Part {
    switch (block.kind) {
      case "text":
        return { _tag: "Text", text: block.text.toString() }
      case "thinking":
        return {
          _tag: "Thinking",
          text: block.text.toString(),
          ...(block.signature !== undefined ? { signature: block.signature } : {}),
          ...(block.redacted !== undefined ? { redacted: concatBytes(block.redacted) } : {}),
          provider: "bedrock"
        }
      case "tool":
        return ResponseDecoding.toolCallPart(
          block.id,
          block.name,
          ResponseDecoding.parseToolInput(block.input.toString()),
          this.context
        )
      case "native":
        return ResponseDecoding.nativeToolCallPart(
          block.id,
          block.name,
          ResponseDecoding.parseToolInput(block.input.toString())
        )
      case "nativeResult":
        return {
          _tag: "NativeToolResult",
          id: block.id,
          name: block.name,
          result: block.result,
          ...(block.status !== undefined ? { status: block.status } : {}),
          provider: "bedrock"
        }
    }
  }

  /** True once usage arrived: the response can be completed. */
  get complete(): boolean {
    return this.metadata !== undefined
  }

  /** The final response, from the blocks seen (open ones included). */
  response(): Response.Response {
    const parts = this.done.slice()
    for (const [index, block] of this.open) parts.push({ index, part: this.close(block) })
    parts.sort((a, b) => a.index - b.index)
    const rawFinishReason = this.stopReason ?? "unknown"
    const fields = ResponseDecoding.providerFields({
      additionalModelResponseFields: this.additionalFields,
      ...(this.metadata !== undefined ? ResponseDecoding.metadataFields(this.metadata) : {})
    })
    const latencyMs = this.metadata?.metrics?.latencyMs
    const finalParts = parts.map((entry) => entry.part)
    return {
      parts: finalParts,
      finishReason: ResponseDecoding.finishReasonOf(rawFinishReason, finalParts, this.context),
      rawFinishReason,
      usage: ResponseDecoding.usage(this.metadata?.usage),
      modelId: this.context.modelId,
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      timestamp: this.timestamp ?? this.context.timestamp ?? new Date(),
      ...(fields !== undefined ? { providerFields: fields } : {})
    }
  }

  finish(): Response.Finish {
    const response = this.response()
    return { _tag: "Finish", finishReason: response.finishReason, usage: response.usage, response }
  }
}

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
        return out.length === 0 ? loop : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), loop)
      },
      onFailure: Channel.failCause,
      onDone: () => {
        if (decoder.failure !== undefined) return Channel.fail(decoder.failure)
        if (!decoder.complete) {
          return Channel.fail(
            new BedrockError.TransportError({
              kind: "TruncatedEventStream",
              message: "The ConverseStream ended before its metadata event (usage), so the answer is incomplete",
              position: "stream",
              retryable: false,
              ...(decoder.currentRequestId !== undefined ? { requestId: decoder.currentRequestId } : {})
            })
          )
        }
        return Channel.write(Chunk.of<Response.StreamPart>(decoder.finish()))
      }
    })
    return Channel.pipeTo(Stream.toChannel(events), loop)
  }))
