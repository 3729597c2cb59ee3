/**
 * The bodies of the `LocalBedrockScript` constructors; their signatures and docs live there.
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import * as errors from "./errors.js"
import * as eventStream from "./eventStream.js"

/** Only the filter fields that are set (so an unset one matches everything). */
const filter = (options: Script.Filter | undefined): Script.Filter => ({
  ...(options?.operation !== undefined ? { operation: options.operation } : {}),
  ...(options?.modelId !== undefined ? { modelId: options.modelId } : {})
})

// =============================================================================
// Constructors
// =============================================================================

/** @internal */
export const json: typeof Script.json = (body, options) => ({
  _tag: "Json",
  ...filter(options),
  body,
  status: options?.status,
  delayMs: options?.delayMs
})

/** @internal */
export const converseText: typeof Script.converseText = (text, options) => {
  const inputTokens = options?.inputTokens ?? 10
  const outputTokens = options?.outputTokens ?? text.split(/\s+/).filter((w) => w.length > 0).length
  return json({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: options?.stopReason ?? "end_turn",
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
    metrics: { latencyMs: 1 }
  }, { operation: "converse", ...options })
}

/** @internal */
export const countTokens: typeof Script.countTokens = (inputTokens, options) =>
  json({ inputTokens }, { ...options, operation: "count-tokens" })

/** @internal */
export const failure: typeof Script.failure = (name, options) => ({
  _tag: "Failure",
  ...filter(options),
  name,
  message: options?.message ?? errors.defaultExceptionMessage[name],
  status: options?.status ?? errors.exceptionStatus[name],
  delayMs: options?.delayMs
})

/** @internal */
export const event: typeof Script.event = (eventType, payload, options) => ({
  _tag: "Event",
  eventType,
  payload,
  padding: options?.padding
})

/** @internal */
export const exception: typeof Script.exception = (exceptionType, message) => ({
  _tag: "Exception",
  exceptionType,
  message: message ?? `Local Bedrock ${exceptionType}`
})

/** @internal */
export const raw: typeof Script.raw = (headers, body) => ({
  _tag: "Raw",
  headers,
  body
})

/** @internal */
export const bytes: typeof Script.bytes = (data, options) => ({
  _tag: "Bytes",
  bytes: data,
  ...(options?.repeat !== undefined ? { repeat: options.repeat } : {})
})

/** @internal */
export const frameBytes: typeof Script.frameBytes = (headers, body, options) =>
  eventStream.frameBytes(headers, body, options)

/** @internal */
export const textEvents: typeof Script.textEvents = (pieces, options) => {
  const inputTokens = options?.inputTokens ?? 10
  const outputTokens = options?.outputTokens ?? pieces.length
  return [
    event("messageStart", { role: "assistant" }),
    ...pieces.map((text) => event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } })),
    event("contentBlockStop", { contentBlockIndex: 0 }),
    event("messageStop", { stopReason: options?.stopReason ?? "end_turn" }),
    event("metadata", {
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      metrics: { latencyMs: 1 }
    })
  ]
}

/** @internal */
export const stream: typeof Script.stream = (events, options) => ({
  _tag: "Stream",
  ...filter(options),
  operation: "converse-stream",
  events,
  delayFirstMs: options?.delayFirstMs,
  delayBetweenMs: options?.delayBetweenMs,
  fault: options?.fault
})

/** @internal */
export const generated: typeof Script.generated = (options) => ({
  _tag: "Generated",
  ...filter(options),
  operation: "converse-stream",
  deltas: options.deltas,
  text: options.text ?? "x",
  pauseAfterFirstMs: options.pauseAfterFirstMs,
  delayFirstMs: options.delayFirstMs,
  delayBetweenMs: options.delayBetweenMs,
  fault: options.fault
})

/** @internal */
export const ttft: typeof Script.ttft = (options) =>
  generated({
    ...filter(options),
    deltas: options.deltas ?? 16,
    text: options.text,
    pauseAfterFirstMs: options.waitMs
  })

/** @internal */
export const hang: typeof Script.hang = (options) => ({ _tag: "Hang", ...filter(options) })

/** @internal */
export const reset: typeof Script.reset = (options) => ({
  _tag: "Reset",
  ...filter(options),
  delayMs: options?.delayMs
})

/** @internal */
export const delayed: typeof Script.delayed = (delayMs, options) => ({
  _tag: "Delayed",
  ...filter(options),
  delayMs
})

// =============================================================================
// Faults
// =============================================================================

/** @internal */
export const exceptionAfter: typeof Script.exceptionAfter = (after, exceptionType, message) => ({
  _tag: "ExceptionEvent",
  after,
  exceptionType,
  message: message ?? `Local Bedrock ${exceptionType}`
})

/** @internal */
export const resetAfter: typeof Script.resetAfter = (after) => ({ _tag: "Reset", after })

/** @internal */
export const truncateAfter: typeof Script.truncateAfter = (after) => ({ _tag: "Truncate", after })

/** @internal */
export const badCrcAfter: typeof Script.badCrcAfter = (after) => ({ _tag: "BadCrc", after })

/** @internal */
export const hangAfter: typeof Script.hangAfter = (after) => ({ _tag: "Hang", after })
