/**
 * `@effect-bedrock/core` answers -> `@effect/ai` parts (encoded, as
 * `LanguageModel.make` takes them): a whole `Response` for `generateText`, and
 * a stateful mapper of stream chunks for `streamText`. Bedrock outputs go in
 * the `effectBedrock` part metadata.
 *
 * @internal
 */
import { coalesceDeltas } from "@effect-bedrock/converse/stream/coalesce"
import { concatBytes } from "@effect-bedrock/converse/util/bytes"
import type * as Response from "@effect-bedrock/core/Response"
import type * as AiResponse from "@effect/ai/Response"
import * as Chunk from "effect/Chunk"
import * as Encoding from "effect/Encoding"
import type { FinishMetadata, ReasoningMetadata } from "../BedrockAiLanguageModel.js"
import type { SignatureMemo } from "./signatureMemo.js"

/** @internal */
export interface ResponseContext {
  /** Tool names as sent to Bedrock -> the toolkit's names, when a name had to change. */
  readonly toolNames: ReadonlyMap<string, string> | undefined
  readonly memo: SignatureMemo
  /** Runs with the final response of a stream (telemetry). */
  readonly onFinish?: ((response: Response.Response) => void) | undefined
}

const toolName = (name: string, context: ResponseContext): string =>
  context.toolNames === undefined ? name : context.toolNames.get(name) ?? name

/** A complete tool call, as `@effect/ai` wants it (from a response, or at the end of a streamed call). */
const toolCallPart = (
  part: { readonly id: string; readonly name: string; readonly input: unknown },
  context: ResponseContext
) => ({
  type: "tool-call" as const,
  id: part.id,
  name: toolName(part.name, context),
  params: part.input,
  providerExecuted: false
})

const reasoningMetadata = (
  signature: string | undefined,
  redacted: Uint8Array | undefined
): { readonly effectBedrock?: ReasoningMetadata } => {
  if (signature === undefined && redacted === undefined) return {}
  const metadata: { signature?: string; redactedData?: string } = {}
  if (signature !== undefined) metadata.signature = signature
  if (redacted !== undefined) metadata.redactedData = Encoding.encodeBase64(redacted)
  return { effectBedrock: metadata }
}

const serviceTierOf = (fields: Readonly<Record<string, unknown>> | undefined): string | undefined => {
  const tier = fields?.serviceTier
  if (typeof tier === "string") return tier
  if (typeof tier === "object" && tier !== null && typeof (tier as { type?: unknown }).type === "string") {
    return (tier as { type: string }).type
  }
  return undefined
}

/**
 * The Bedrock outputs of an answer, for the finish part's metadata.
 *
 * @internal
 */
export const finishMetadata = (response: Response.Response): FinishMetadata => {
  const usage = response.usage
  const fields = response.providerFields
  const metadata: { -readonly [K in keyof FinishMetadata]: FinishMetadata[K] } = {
    rawFinishReason: response.rawFinishReason,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWriteTokens: usage.cacheWriteTokens
  }
  if (response.requestId !== undefined) metadata.requestId = response.requestId
  if (response.latencyMs !== undefined) metadata.latencyMs = response.latencyMs
  if (response.cost !== undefined) metadata.cost = response.cost
  const tier = serviceTierOf(fields)
  if (tier !== undefined) metadata.serviceTier = tier
  if (usage.unknown === true) metadata.usageUnknown = true
  if (Object.keys(usage.details).length > 0) metadata.usageDetails = usage.details
  if (fields?.trace !== undefined) metadata.trace = fields.trace
  if (fields?.performanceConfig !== undefined) metadata.performanceConfig = fields.performanceConfig
  if (fields?.additionalModelResponseFields !== undefined) {
    metadata.additionalModelResponseFields = fields.additionalModelResponseFields
  }
  const unknown = response.parts.filter((part): part is Response.UnknownPart => part._tag === "Unknown")
  if (unknown.length > 0) metadata.unknownBlocks = unknown.map((part) => ({ kind: part.kind, raw: part.raw }))
  return metadata
}

const finishPart = (response: Response.Response): AiResponse.FinishPartEncoded => ({
  type: "finish",
  reason: response.finishReason,
  // Usage Bedrock never reported is unknown (`undefined`, as @effect/ai's Usage allows), not 0.
  usage: response.usage.unknown === true
    ? { inputTokens: undefined, outputTokens: undefined, totalTokens: undefined }
    : {
      inputTokens: response.usage.inputTokens,
      outputTokens: response.usage.outputTokens,
      totalTokens: response.usage.totalTokens,
      cachedInputTokens: response.usage.cacheReadTokens
    },
  metadata: { effectBedrock: finishMetadata(response) }
})

const metadataPart = (response: Response.Response): AiResponse.ResponseMetadataPartEncoded => ({
  type: "response-metadata",
  modelId: response.modelId,
  ...(response.timestamp !== undefined ? { timestamp: response.timestamp.toISOString() } : {}),
  ...(response.requestId !== undefined ? { id: response.requestId } : {}),
  metadata: {
    effectBedrock: {
      ...(response.requestId !== undefined ? { requestId: response.requestId } : {}),
      ...(response.latencyMs !== undefined ? { latencyMs: response.latencyMs } : {})
    }
  }
})

/** Signed reasoning is remembered, for a history that lost the signature. */
const remember = (response: Response.Response, memo: SignatureMemo): void => {
  for (const part of response.parts) {
    if (part._tag === "Thinking" && part.signature !== undefined) memo.remember(part.text, part.signature)
  }
}

/**
 * The parts of a whole answer: response metadata, content, finish.
 *
 * @internal
 */
export const fromResponse = (
  response: Response.Response,
  context: ResponseContext
): Array<AiResponse.PartEncoded> => {
  remember(response, context.memo)
  const out: Array<AiResponse.PartEncoded> = [metadataPart(response)]
  for (const part of response.parts) {
    switch (part._tag) {
      case "Text": {
        out.push({ type: "text", text: part.text })
        break
      }
      case "Thinking": {
        out.push({ type: "reasoning", text: part.text, metadata: reasoningMetadata(part.signature, part.redacted) })
        break
      }
      case "ToolCall": {
        out.push(toolCallPart(part, context))
        break
      }
      case "Unknown": {
        // Blocks not modelled by @effect-bedrock/core are in the finish metadata (unknownBlocks).
        break
      }
      case "NativeToolCall":
      case "NativeToolResult": {
        // Only asked for through `nativeTools`, which this provider never sends.
        break
      }
    }
  }
  out.push(finishPart(response))
  return out
}

interface ThinkingState {
  signature: string | undefined
  redacted: Array<Uint8Array> | undefined
}

/**
 * A mapper of stream chunks, with the state of one stream run (make one per
 * run). Text and reasoning ids are the content block indexes; tool calls keep
 * Bedrock's tool use id, and arrive both as `tool-params-*` parts and, once
 * complete, as a `tool-call` part (what `@effect/ai` resolves). The response
 * metadata (with the request id, known at the end) comes just before `finish`.
 *
 * Consecutive deltas of one block within a chunk become one delta (the engine's `coalesceDeltas`): they
 * were read from the wire together (a chunk is what the event pump had read), so no text waits, and
 * `@effect/ai` decodes every part with `Schema`, so fewer parts is much less work. The text is the same.
 *
 * @internal
 */
export const streamMapper = (context: ResponseContext) => {
  const thinking = new Map<number, ThinkingState>()
  const ids = new Map<number, string>()
  const id = (index: number): string => {
    let value = ids.get(index)
    if (value === undefined) {
      value = String(index)
      ids.set(index, value)
    }
    return value
  }
  const joined: Array<Response.StreamPart> = []
  return (chunk: Chunk.Chunk<Response.StreamPart>): Chunk.Chunk<AiResponse.StreamPartEncoded> => {
    const out: Array<AiResponse.StreamPartEncoded> = []
    coalesceDeltas(chunk, joined)
    for (const part of joined) {
      switch (part._tag) {
        case "TextStart": {
          out.push({ type: "text-start", id: id(part.index) })
          break
        }
        case "TextDelta": {
          out.push({ type: "text-delta", id: id(part.index), delta: part.delta })
          break
        }
        case "TextEnd": {
          out.push({ type: "text-end", id: id(part.index) })
          break
        }
        case "ThinkingStart": {
          thinking.set(part.index, { signature: undefined, redacted: undefined })
          out.push({ type: "reasoning-start", id: id(part.index) })
          break
        }
        case "ThinkingDelta": {
          const state = thinking.get(part.index)
          if (part.signature !== undefined && state !== undefined) {
            state.signature = (state.signature ?? "") + part.signature
          }
          if (part.redacted !== undefined && state !== undefined) (state.redacted ??= []).push(part.redacted)
          if (part.delta !== undefined) out.push({ type: "reasoning-delta", id: id(part.index), delta: part.delta })
          break
        }
        case "ThinkingEnd": {
          const state = thinking.get(part.index)
          thinking.delete(part.index)
          out.push({
            type: "reasoning-end",
            id: id(part.index),
            metadata: reasoningMetadata(
              state?.signature,
              state?.redacted === undefined ? undefined : concatBytes(state.redacted)
            )
          })
          break
        }
        case "ToolCallStart": {
          out.push({
            type: "tool-params-start",
            id: part.id,
            name: toolName(part.name, context),
            providerExecuted: false
          })
          break
        }
        case "ToolCallDelta": {
          out.push({ type: "tool-params-delta", id: part.id, delta: part.delta })
          break
        }
        case "ToolCall": {
          out.push({ type: "tool-params-end", id: part.id })
          out.push(toolCallPart(part, context))
          break
        }
        case "NativeToolCall":
        case "NativeToolResult": {
          // Only asked for through `nativeTools`, which this provider never sends.
          break
        }
        case "Finish": {
          remember(part.response, context.memo)
          context.onFinish?.(part.response)
          out.push(metadataPart(part.response))
          out.push(finishPart(part.response))
          break
        }
      }
    }
    joined.length = 0
    return Chunk.unsafeFromArray(out)
  }
}
