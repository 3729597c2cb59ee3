/**
 * ConverseStream events -> stream parts, pushed: `step` takes one event and appends the parts it
 * yields, `finish` gives the final part once the stream ended.
 *
 * A decoder holds only what the final response needs (the text so far, open
 * tool-call arguments, usage); events are not kept. Every payload is checked as
 * it is read (typeof checks only: `step` runs once per delta); one of the wrong
 * shape, or an exception event, sets `failure` to a plain descriptor, made once,
 * which the caller turns into its own error.
 *
 * @since 0.1.0
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import { streamExceptions } from "../errors/exceptions.js"
import * as ResponseDecoding from "../response/decode.js"
import type * as Response from "../response/types.js"
import { concatBytes } from "../util/bytes.js"
import { TextDeltaPart, ThinkingDeltaPart, ToolCallDeltaPart } from "./deltaObjects.js"

/**
 * What the caller knows about the call being decoded.
 *
 * @since 0.1.0
 * @category Models
 */
export interface StreamDecodeContext extends ResponseDecoding.DecodeContext {}

/**
 * The first element of each attempt's stream: the attempt's response metadata, before the SDK's events.
 *
 * @since 0.1.0
 * @category Models
 */
export interface InitialResponse {
  readonly initialResponse: { readonly requestId?: string | undefined }
  readonly messageStart?: never
  readonly contentBlockStart?: never
  readonly contentBlockDelta?: never
  readonly contentBlockStop?: never
  readonly messageStop?: never
  readonly metadata?: never
  readonly internalServerException?: never
  readonly modelStreamErrorException?: never
  readonly validationException?: never
  readonly throttlingException?: never
  readonly serviceUnavailableException?: never
  readonly $unknown?: never
}

/**
 * What the decoder reads: an `InitialResponse`, or one of the SDK's events.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamEvent = InitialResponse | ConverseStreamOutput

/**
 * Why a stream ended in failure: an exception Bedrock sent as an event (`name` is its row of
 * `errors/exceptions.ts`), or an event payload of the wrong shape (`InvalidEventPayload`, naming the
 * event type). `requestId` is the attempt's, when known.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamFailure =
  | {
    readonly _tag: "Exception"
    readonly name: string
    readonly message: string
    readonly requestId: string | undefined
  }
  | {
    readonly _tag: "Transport"
    readonly kind: "InvalidEventPayload"
    readonly message: string
    readonly eventType: string
    readonly requestId: string | undefined
  }

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

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const isOptionalString = (u: unknown): u is string | undefined => u === undefined || typeof u === "string"

const isIndex = (u: unknown): u is number => typeof u === "number" && Number.isInteger(u) && u >= 0

/** A short description of a refused value, for the error message (never the whole value). */
const describeValue = (u: unknown): string => {
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  switch (typeof u) {
    case "string":
      return u.length > 40 ? `a string of ${u.length} characters` : `the string ${JSON.stringify(u)}`
    case "number":
    case "boolean":
      return `${typeof u} ${String(u)}`
    case "object":
      return "an object"
    default:
      return typeof u
  }
}

/**
 * A stateful decoder for one stream. `step` appends the parts an event yields
 * to `out`; `finish` gives the final part once the stream ended. After an
 * exception event or a payload of the wrong shape, `failure` is set (once) and
 * later events are ignored.
 *
 * @since 0.1.0
 * @category Decoding
 */
export class Decoder {
  private readonly open = new Map<number, Block>()
  private readonly done: Array<{ readonly index: number; readonly part: Response.Part }> = []
  private stopped = false
  private stopReason: string | undefined
  private additionalFields: unknown
  private metadata: ConverseStreamOutput.MetadataMember["metadata"] | undefined
  private requestId: string | undefined
  private timestamp: Date | undefined

  /** The request id of the attempt being decoded, from its `InitialResponse`. */
  get currentRequestId(): string | undefined {
    return this.requestId
  }
  failure: StreamFailure | undefined

  constructor(readonly context: StreamDecodeContext) {
    this.requestId = context.requestId
  }

  step(event: StreamEvent, out: Array<Response.StreamPart>): void {
    if (this.failure !== undefined) return
    // Every payload is checked where it is read (typeof checks only: this runs once per delta). A
    // payload of the wrong shape ends the stream with `InvalidEventPayload`, naming the event type.
    const blockDelta = event.contentBlockDelta
    if (blockDelta !== undefined) {
      if (!isObject(blockDelta)) return this.invalid("contentBlockDelta", "the payload is not an object", blockDelta)
      const index = blockDelta.contentBlockIndex ?? 0
      if (!isIndex(index)) return this.invalid("contentBlockDelta", "contentBlockIndex is not an index", index)
      const delta = blockDelta.delta
      if (delta === undefined) return
      if (!isObject(delta)) return this.invalid("contentBlockDelta", "delta is not an object", delta)
      const text = delta.text
      if (text !== undefined) {
        if (typeof text !== "string") return this.invalid("contentBlockDelta", "delta.text is not a string", text)
        return this.text(index, text, out)
      }
      const toolUse = delta.toolUse
      if (toolUse !== undefined) {
        if (!isObject(toolUse)) return this.invalid("contentBlockDelta", "delta.toolUse is not an object", toolUse)
        const input = toolUse.input ?? ""
        if (typeof input !== "string") {
          return this.invalid("contentBlockDelta", "delta.toolUse.input is not a string", input)
        }
        return this.toolInput(index, input, out)
      }
      if (delta.reasoningContent !== undefined) return this.thinking(index, delta.reasoningContent, out)
      if (delta.toolResult !== undefined) return this.nativeResult(index, delta.toolResult)
      return
    }
    const blockStart = event.contentBlockStart
    if (blockStart !== undefined) return this.start(blockStart, out)
    const blockStop = event.contentBlockStop
    if (blockStop !== undefined) {
      if (!isObject(blockStop)) return this.invalid("contentBlockStop", "the payload is not an object", blockStop)
      const index = blockStop.contentBlockIndex ?? 0
      if (!isIndex(index)) return this.invalid("contentBlockStop", "contentBlockIndex is not an index", index)
      return this.stop(index, out)
    }
    const messageStop = event.messageStop
    if (messageStop !== undefined) {
      if (!isObject(messageStop)) return this.invalid("messageStop", "the payload is not an object", messageStop)
      if (!isOptionalString(messageStop.stopReason)) {
        return this.invalid("messageStop", "stopReason is not a string", messageStop.stopReason)
      }
      this.stopped = true
      this.stopReason = messageStop.stopReason
      this.additionalFields = messageStop.additionalModelResponseFields
      return
    }
    const metadata = event.metadata
    if (metadata !== undefined) {
      const problem = ResponseDecoding.metadataProblem(metadata)
      if (problem !== undefined) return this.invalid("metadata", problem.message, problem.value)
      this.metadata = metadata
      return
    }
    const messageStart = event.messageStart
    if (messageStart !== undefined) {
      if (!isObject(messageStart)) return this.invalid("messageStart", "the payload is not an object", messageStart)
      return
    }
    if ("initialResponse" in event) {
      // Each attempt starts with its own: the id of the attempt that produced the answer wins.
      this.requestId = event.initialResponse.requestId ?? this.requestId
      this.timestamp = new Date()
      return
    }
    for (const [key, info] of streamExceptions) {
      const exception = (event as unknown as Record<string, unknown>)[key]
      if (exception !== undefined) {
        const name = info.name
        const message = isObject(exception) && typeof exception.message === "string" ? exception.message : name
        this.failure = { _tag: "Exception", name, message, requestId: this.requestId }
        return
      }
    }
    // Unknown events are dropped, as the SDK itself does.
  }

  /** Ends the stream with `InvalidEventPayload`: `problem` of an event of type `eventType`. */
  private invalid(eventType: string, problem: string, value: unknown): void {
    this.failure = {
      _tag: "Transport",
      kind: "InvalidEventPayload",
      message: `Invalid ${eventType} event: ${problem} (${describeValue(value)})`,
      eventType,
      requestId: this.requestId
    }
  }

  private start(
    payload: NonNullable<ConverseStreamOutput.ContentBlockStartMember["contentBlockStart"]>,
    out: Array<Response.StreamPart>
  ): void {
    if (!isObject(payload)) return this.invalid("contentBlockStart", "the payload is not an object", payload)
    const index = payload.contentBlockIndex ?? 0
    if (!isIndex(index)) return this.invalid("contentBlockStart", "contentBlockIndex is not an index", index)
    const start = payload.start
    if (start === undefined) return
    if (!isObject(start)) return this.invalid("contentBlockStart", "start is not an object", start)
    const toolUse = start.toolUse
    if (toolUse !== undefined) {
      if (!isObject(toolUse)) return this.invalid("contentBlockStart", "start.toolUse is not an object", toolUse)
      const { name, toolUseId, type } = toolUse
      if (!isOptionalString(toolUseId)) {
        return this.invalid("contentBlockStart", "start.toolUse.toolUseId is not a string", toolUseId)
      }
      if (!isOptionalString(name)) return this.invalid("contentBlockStart", "start.toolUse.name is not a string", name)
      const id = toolUseId ?? ""
      if (type === "server_tool_use") {
        // A native tool's call: its input arrives as tool-use deltas; emitted whole at the stop.
        this.open.set(index, { kind: "native", id, name: name ?? "", input: new TextBuffer() })
        return
      }
      this.open.set(index, { kind: "tool", id, name: name ?? "", input: new TextBuffer() })
      out.push({ _tag: "ToolCallStart", index, id, name: name ?? "" })
      return
    }
    const toolResult = start.toolResult
    if (toolResult === undefined) return
    if (!isObject(toolResult)) return this.invalid("contentBlockStart", "start.toolResult is not an object", toolResult)
    const { status, toolUseId, type } = toolResult
    if (!isOptionalString(type)) return this.invalid("contentBlockStart", "start.toolResult.type is not a string", type)
    if (!isOptionalString(toolUseId)) {
      return this.invalid("contentBlockStart", "start.toolResult.toolUseId is not a string", toolUseId)
    }
    if (!isOptionalString(status)) {
      return this.invalid("contentBlockStart", "start.toolResult.status is not a string", status)
    }
    const native = ResponseDecoding.nativeToolOfResult(type)
    if (native !== undefined) {
      const block: Block = { kind: "nativeResult", id: toolUseId ?? "", name: native, result: undefined }
      if (status !== undefined) block.status = status
      this.open.set(index, block)
    }
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
    if (!Array.isArray(delta)) return this.invalid("contentBlockDelta", "delta.toolResult is not an array", delta)
    const block = this.open.get(index)
    const first: unknown = delta[0]
    if (block === undefined || block.kind !== "nativeResult" || !isObject(first)) return
    if ("json" in first && first.json !== undefined) block.result = first.json
  }

  private thinking(
    index: number,
    delta: NonNullable<ConverseStreamOutput.ContentBlockDeltaMember["contentBlockDelta"]["delta"]>["reasoningContent"],
    out: Array<Response.StreamPart>
  ) {
    if (delta === undefined) return
    if (!isObject(delta)) return this.invalid("contentBlockDelta", "delta.reasoningContent is not an object", delta)
    const { redactedContent, signature, text } = delta
    if (!isOptionalString(text)) {
      return this.invalid("contentBlockDelta", "delta.reasoningContent.text is not a string", text)
    }
    if (!isOptionalString(signature)) {
      return this.invalid("contentBlockDelta", "delta.reasoningContent.signature is not a string", signature)
    }
    if (redactedContent !== undefined && !(redactedContent instanceof Uint8Array)) {
      return this.invalid("contentBlockDelta", "delta.reasoningContent.redactedContent is not bytes", redactedContent)
    }
    let block = this.open.get(index)
    if (block === undefined) {
      block = { kind: "thinking", text: new TextBuffer(), signature: undefined, redacted: undefined }
      this.open.set(index, block)
      out.push({ _tag: "ThinkingStart", index })
    }
    if (block.kind !== "thinking") return
    if (text !== undefined) {
      if (text.length === 0) return
      block.text.append(text)
      out.push(new ThinkingDeltaPart(index, text))
    } else if (signature !== undefined) {
      block.signature = (block.signature ?? "") + signature
      out.push({ _tag: "ThinkingDelta", index, signature })
    } else if (redactedContent !== undefined) {
      ;(block.redacted ??= []).push(redactedContent)
      out.push({ _tag: "ThinkingDelta", index, redacted: redactedContent })
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

  /**
   * True once `messageStop` arrived: the answer is whole even without its `metadata` event (seen in
   * real traffic), whose usage is then unknown.
   */
  get answered(): boolean {
    return this.stopped
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
      usage: this.metadata === undefined ? ResponseDecoding.unknownUsage : ResponseDecoding.usage(this.metadata.usage),
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
