/**
 * Converse output -> `Response`. Pure; shared by the non-streaming decoder and
 * by the stream decoder's final response so both give the same value.
 *
 * @internal
 */
import type {
  ContentBlock,
  ConverseResponse,
  ConverseStreamMetadataEvent,
  TokenUsage
} from "@aws-sdk/client-bedrock-runtime"
import type * as Prompt from "../Prompt.js"
import type * as Response from "../Response.js"

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

const usageKeys = new Set([
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "cacheReadInputTokens",
  "cacheWriteInputTokens"
])

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
    if (context.trimLeadingWhitespace !== true) return { _tag: "Text", text: block.text }
    const text = block.text.trimStart()
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
        result: first !== undefined && "json" in first ? first.json : undefined,
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
