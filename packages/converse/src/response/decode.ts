/**
 * Converse output -> `Response`. Pure; shared by the non-streaming decoder and
 * by the stream decoder's final response so both give the same value.
 *
 * @since 0.1.0
 * @internal
 */
import type {
  ContentBlock,
  ConverseResponse,
  ConverseStreamMetadataEvent,
  TokenUsage
} from "@aws-sdk/client-bedrock-runtime"
import type * as Prompt from "../prompt/types.js"
import type * as Response from "./types.js"

/** @internal */
export interface DecodeContext {
  readonly modelId: string
  readonly requestId?: string | undefined
  /** Name of the forced tool used for structured output: its call becomes JSON text. */
  readonly outputTool?: string | undefined
  /** The answer is this key of the output tool's input (a non-object schema was wrapped). */
  readonly unwrapKey?: string | undefined
  /**
   * Some families (DeepSeek R1, Qwen, Moonshot) send whitespace before a text part: it is
   * dropped from the start of every text part, streamed or not, so both decode the same.
   */
  readonly trimLeadingWhitespace?: boolean | undefined
  /** When the answer arrived; now when not given. */
  readonly timestamp?: Date | undefined
}

/**
 * Native (server) tools by their Bedrock name, and the result block type of each.
 *
 * @internal
 */
export const nativeTools: Readonly<Record<string, { readonly name: string; readonly resultType: string }>> = {
  nova_code_interpreter: { name: "codeExecution", resultType: "nova_code_interpreter_result" }
}

const nativeResultTypes: Readonly<Record<string, string>> = { nova_code_interpreter_result: "codeExecution" }

/**
 * The native tool whose result block has this type, if any.
 *
 * @internal
 */
export const nativeToolOfResult = (type: string | undefined): string | undefined =>
  type !== undefined && Object.hasOwn(nativeResultTypes, type) ? nativeResultTypes[type] : undefined

/**
 * A native tool call part (`server_tool_use`), named by the `LanguageModel.NativeTool` it is.
 *
 * @internal
 */
export const nativeToolCallPart = (id: string, name: string, input: unknown): Prompt.NativeToolCallPart => ({
  _tag: "NativeToolCall",
  id,
  name: Object.hasOwn(nativeTools, name) ? nativeTools[name]!.name : name,
  input,
  provider: "bedrock"
})

const finishReasons: Record<string, Response.FinishReason> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  content_filtered: "content-filter",
  guardrail_intervened: "content-filter",
  malformed_model_output: "error",
  malformed_tool_use: "error",
  tool_use: "tool-calls"
}

/** @internal */
export const finishReason = (raw: string | undefined): Response.FinishReason =>
  raw !== undefined && Object.hasOwn(finishReasons, raw) ? finishReasons[raw]! : "unknown"

const usageKeys: ReadonlySet<string> = new Set([
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "cacheReadInputTokens",
  "cacheWriteInputTokens"
])

/**
 * The usage of a stream that ended after `messageStop` without its `metadata` event.
 *
 * @internal
 */
export const unknownUsage: Response.Usage = {
  inputTokens: 0,
  outputTokens: 0,
  totalTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  details: {},
  unknown: true
}

// =============================================================================
// Payload checks
// =============================================================================

/**
 * What is wrong with a value read from the network: a description and the value.
 *
 * @internal
 */
export interface Problem {
  readonly message: string
  readonly value: unknown
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const isCount = (u: unknown): boolean => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

/**
 * The first problem with a `usage` object (Converse response or stream `metadata`): each count
 * Bedrock documents must be absent or a whole number of tokens, 0 or more (`"5"` would become
 * `"500"` once cache counts are added, a negative count a negative cost).
 *
 * @internal
 */
export const usageProblem = (raw: unknown, path: string): Problem | undefined => {
  if (raw === undefined) return undefined
  if (!isObject(raw) || Array.isArray(raw)) return { message: `${path} is not an object`, value: raw }
  for (const key of usageKeys) {
    const value = raw[key]
    if (value !== undefined && !isCount(value)) {
      return { message: `${path}.${key} is not a count of tokens`, value }
    }
  }
  return undefined
}

/**
 * The first problem with a stream's `metadata` event payload.
 *
 * @internal
 */
export const metadataProblem = (metadata: unknown): Problem | undefined => {
  if (!isObject(metadata) || Array.isArray(metadata)) {
    return { message: "the payload is not an object", value: metadata }
  }
  const usageIssue = usageProblem(metadata.usage, "usage")
  if (usageIssue !== undefined) return usageIssue
  const metrics = metadata.metrics
  if (metrics === undefined) return undefined
  if (!isObject(metrics)) return { message: "metrics is not an object", value: metrics }
  const latencyMs = metrics.latencyMs
  if (latencyMs !== undefined && !(typeof latencyMs === "number" && Number.isFinite(latencyMs) && latencyMs >= 0)) {
    return { message: "metrics.latencyMs is not a duration", value: latencyMs }
  }
  return undefined
}

/**
 * The first problem with a Converse response, before it is decoded: a body that is `{}`, `null`,
 * a string or an array gives an output without `output.message`, which must not pass for an empty
 * answer.
 *
 * @internal
 */
export const converseProblem = (output: ConverseResponse): Problem | undefined => {
  const wrapper: unknown = output.output
  if (!isObject(wrapper)) return { message: "the response has no output", value: wrapper }
  const message = wrapper.message
  if (!isObject(message)) return { message: "output.message is not an object", value: message }
  const content = message.content
  if (!Array.isArray(content)) return { message: "output.message.content is not an array", value: content }
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i]
    if (!isObject(block)) return { message: `output.message.content[${i}] is not an object`, value: block }
    if (block.text !== undefined && typeof block.text !== "string") {
      return { message: `output.message.content[${i}].text is not a string`, value: block.text }
    }
    const toolUse = block.toolUse
    if (toolUse !== undefined) {
      if (!isObject(toolUse)) {
        return { message: `output.message.content[${i}].toolUse is not an object`, value: toolUse }
      }
      for (const key of ["toolUseId", "name", "type"] as const) {
        const value = toolUse[key]
        if (value !== undefined && typeof value !== "string") {
          return { message: `output.message.content[${i}].toolUse.${key} is not a string`, value }
        }
      }
    }
    const reasoning = block.reasoningContent
    if (reasoning !== undefined) {
      const problem = reasoningProblem(reasoning, `output.message.content[${i}].reasoningContent`)
      if (problem !== undefined) return problem
    }
    const toolResult = block.toolResult
    if (toolResult !== undefined && (!isObject(toolResult) || !isOptionalArray(toolResult.content))) {
      return { message: `output.message.content[${i}].toolResult is not a tool result`, value: toolResult }
    }
  }
  const stopReason: unknown = output.stopReason
  if (stopReason !== undefined && typeof stopReason !== "string") {
    return { message: "stopReason is not a string", value: stopReason }
  }
  const usageIssue = usageProblem(output.usage, "usage")
  if (usageIssue !== undefined) return usageIssue
  const metrics: unknown = output.metrics
  if (metrics !== undefined) {
    const latencyMs = isObject(metrics) ? metrics.latencyMs : metrics
    if (latencyMs !== undefined && !(typeof latencyMs === "number" && Number.isFinite(latencyMs) && latencyMs >= 0)) {
      return { message: "metrics.latencyMs is not a duration", value: latencyMs }
    }
  }
  return undefined
}

const isOptionalArray = (u: unknown): boolean => u === undefined || Array.isArray(u)

const reasoningProblem = (reasoning: unknown, path: string): Problem | undefined => {
  if (!isObject(reasoning)) return { message: `${path} is not an object`, value: reasoning }
  const text = reasoning.reasoningText
  if (text !== undefined) {
    if (!isObject(text)) return { message: `${path}.reasoningText is not an object`, value: text }
    for (const key of ["text", "signature"] as const) {
      const value = text[key]
      if (value !== undefined && typeof value !== "string") {
        return { message: `${path}.reasoningText.${key} is not a string`, value }
      }
    }
  }
  const redacted = reasoning.redactedContent
  if (redacted !== undefined && !(redacted instanceof Uint8Array)) {
    return { message: `${path}.redactedContent is not bytes`, value: redacted }
  }
  return undefined
}

/**
 * Input tokens include cache reads and writes, which Bedrock reports apart.
 *
 * @internal
 */
export const usage = (raw: TokenUsage | undefined): Response.Usage => {
  if (raw === undefined) {
    return { inputTokens: 0, outputTokens: 0, totalTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, details: {} }
  }
  const cacheReadTokens = raw.cacheReadInputTokens ?? 0
  const cacheWriteTokens = raw.cacheWriteInputTokens ?? 0
  const outputTokens = raw.outputTokens ?? 0
  const inputTokens = (raw.inputTokens ?? 0) + cacheReadTokens + cacheWriteTokens
  const details: Record<string, number> = {}
  for (const key in raw) {
    const value = (raw as unknown as Record<string, unknown>)[key]
    if (!usageKeys.has(key) && typeof value === "number") details[key] = value
  }
  return {
    inputTokens,
    outputTokens,
    totalTokens: raw.totalTokens ?? inputTokens + outputTokens,
    cacheReadTokens,
    cacheWriteTokens,
    details
  }
}

/**
 * Decodes tool arguments. Arguments that are not valid JSON are kept as the
 * raw string, so the tool loop can send a retry request instead of failing.
 *
 * @internal
 */
export const parseToolInput = (json: string): unknown => {
  if (json.trim() === "") return {}
  try {
    return JSON.parse(json)
  } catch {
    return json
  }
}

/** @internal */
export const toolCallPart = (
  id: string,
  name: string,
  input: unknown,
  context: DecodeContext
): Prompt.ToolCallPart | Prompt.TextPart =>
  context.outputTool !== undefined && name === context.outputTool
    ? { _tag: "Text", text: JSON.stringify(unwrap(input, context.unwrapKey)) }
    : { _tag: "ToolCall", id, name, input }

const unwrap = (input: unknown, key: string | undefined): unknown =>
  key !== undefined && typeof input === "object" && input !== null && key in input
    ? (input as Record<string, unknown>)[key]
    : input

/**
 * The finish reason, where a structured answer given through the output tool
 * counts as a normal stop rather than a tool call.
 *
 * @internal
 */
export const finishReasonOf = (
  raw: string,
  parts: ReadonlyArray<Response.Part>,
  context: DecodeContext
): Response.FinishReason => {
  const reason = finishReason(raw)
  return reason === "tool-calls" && context.outputTool !== undefined && !parts.some((p) => p._tag === "ToolCall")
    ? "stop"
    : reason
}

const contentPart = (block: ContentBlock, context: DecodeContext): Response.Part | undefined => {
  if (block.text !== undefined) {
    // An empty text block is skipped, as a stream skips empty deltas.
    const text = context.trimLeadingWhitespace === true ? block.text.trimStart() : block.text
    return text === "" ? undefined : { _tag: "Text", text }
  }
  if (block.toolUse !== undefined) {
    const toolUse = block.toolUse
    if (toolUse.type === "server_tool_use") {
      return nativeToolCallPart(toolUse.toolUseId ?? "", toolUse.name ?? "", toolUse.input ?? {})
    }
    return toolCallPart(toolUse.toolUseId ?? "", toolUse.name ?? "", toolUse.input ?? {}, context)
  }
  if (block.toolResult !== undefined) {
    const result = block.toolResult
    const native = nativeToolOfResult(result.type)
    if (native !== undefined) {
      const first = result.content?.[0]
      return {
        _tag: "NativeToolResult",
        id: result.toolUseId ?? "",
        name: native,
        result: isObject(first) && "json" in first ? first.json : undefined,
        ...(result.status !== undefined ? { status: result.status } : {}),
        provider: "bedrock"
      }
    }
  }
  if (block.reasoningContent !== undefined) {
    const reasoning = block.reasoningContent
    if (reasoning.reasoningText !== undefined) {
      return {
        _tag: "Thinking",
        text: reasoning.reasoningText.text ?? "",
        ...(reasoning.reasoningText.signature !== undefined ? { signature: reasoning.reasoningText.signature } : {}),
        provider: "bedrock"
      }
    }
    if (reasoning.redactedContent !== undefined) {
      return { _tag: "Thinking", text: "", redacted: reasoning.redactedContent, provider: "bedrock" }
    }
  }
  // Blocks we do not model (citations, images, guard content, ...) are kept as they came.
  const record = block as unknown as Record<string, unknown>
  const kind = Object.keys(record).find((key) => record[key] !== undefined) ?? "unknown"
  return { _tag: "Unknown", kind, raw: record[kind] }
}

/** @internal */
export const providerFields = (fields: {
  readonly additionalModelResponseFields?: unknown
  readonly trace?: unknown
  readonly performanceConfig?: unknown
  readonly serviceTier?: unknown
}): Record<string, unknown> | undefined => {
  let out: Record<string, unknown> | undefined
  for (const key of ["additionalModelResponseFields", "trace", "performanceConfig", "serviceTier"] as const) {
    if (fields[key] !== undefined) (out ??= {})[key] = fields[key]
  }
  return out
}

/** @internal */
export const fromConverseResponse = (output: ConverseResponse, context: DecodeContext): Response.Response => {
  const parts: Array<Response.Part> = []
  for (const block of output.output?.message?.content ?? []) {
    const part = contentPart(block, context)
    if (part !== undefined) parts.push(part)
  }
  const rawFinishReason = output.stopReason ?? "unknown"
  const fields = providerFields(output)
  return {
    parts,
    finishReason: finishReasonOf(rawFinishReason, parts, context),
    rawFinishReason,
    usage: usage(output.usage),
    modelId: context.modelId,
    ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
    ...(output.metrics?.latencyMs !== undefined ? { latencyMs: output.metrics.latencyMs } : {}),
    timestamp: context.timestamp ?? new Date(),
    ...(fields !== undefined ? { providerFields: fields } : {})
  }
}

/** @internal */
export const metadataFields = (metadata: ConverseStreamMetadataEvent) => ({
  trace: metadata.trace,
  performanceConfig: metadata.performanceConfig,
  serviceTier: metadata.serviceTier
})
