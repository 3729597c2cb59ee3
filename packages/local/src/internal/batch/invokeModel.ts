/**
 * Records of `InvokeModel` batch jobs (Bedrock's default invocation type), whose `modelInput` is the
 * model's native request body: the two text formats the local Bedrock understands are turned into a
 * Converse body (so they run through the same path), and the Converse answer back into the native
 * response body.
 *
 * - Anthropic Messages (`anthropic_version`, `max_tokens`, `messages` with string or `text` block
 *   content, `system`): answered `{ id, type: "message", role, model, content: [{ type: "text", text }],
 *   stop_reason, stop_sequence, usage: { input_tokens, output_tokens } }`.
 * - Amazon Nova (`schemaVersion: "messages-v1"` or `messages` whose content is `[{ text }]`, with
 *   `inferenceConfig.max_new_tokens`): answered `{ output: { message }, stopReason, usage }`.
 *
 * Anything else is a record error (400), as a body the model does not accept would be.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { asArray, isObject, type Json } from "../json.js"

/** @internal */
export interface Native {
  /** The Converse body to run. */
  readonly converse: Json
  /** The native response body for the Converse answer. */
  readonly answer: (output: Json, modelId: string) => Json
}

const textOf = (content: unknown, block: (b: Json) => string | undefined): Array<{ text: string }> | undefined => {
  if (typeof content === "string") return [{ text: content }]
  const out: Array<{ text: string }> = []
  for (const b of asArray(content)) {
    const text = isObject(b) ? block(b) : undefined
    if (text === undefined) return undefined
    out.push({ text })
  }
  return out.length > 0 ? out : undefined
}

const messagesOf = (
  messages: unknown,
  block: (b: Json) => string | undefined
): Array<{ role: string; content: Array<{ text: string }> }> | undefined => {
  const out: Array<{ role: string; content: Array<{ text: string }> }> = []
  for (const m of asArray(messages)) {
    if (!isObject(m) || (m.role !== "user" && m.role !== "assistant")) return undefined
    const content = textOf(m.content, block)
    if (content === undefined) return undefined
    out.push({ role: m.role, content })
  }
  return out.length > 0 ? out : undefined
}

const answerText = (output: Json): string => {
  const message = isObject(output.output) && isObject(output.output.message) ? output.output.message : {}
  return asArray(message.content)
    .map((b) => (isObject(b) && typeof b.text === "string" ? b.text : ""))
    .join("")
}

const usageOf = (output: Json): { inputTokens: number; outputTokens: number } => {
  const usage = isObject(output.usage) ? output.usage : {}
  return {
    inputTokens: typeof usage.inputTokens === "number" ? usage.inputTokens : 0,
    outputTokens: typeof usage.outputTokens === "number" ? usage.outputTokens : 0
  }
}

const number = (u: unknown): number | undefined => (typeof u === "number" ? u : undefined)

const inference = (entries: Record<string, unknown>): Json =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined))

const anthropic = (body: Json): Native | undefined => {
  const messages = messagesOf(
    body.messages,
    (b) => (b.type === "text" && typeof b.text === "string" ? b.text : undefined)
  )
  if (messages === undefined) return undefined
  const system = body.system === undefined
    ? undefined
    : textOf(body.system, (b) => (b.type === "text" && typeof b.text === "string" ? b.text : undefined))
  const config = inference({
    maxTokens: number(body.max_tokens),
    temperature: number(body.temperature),
    topP: number(body.top_p),
    stopSequences: Array.isArray(body.stop_sequences) ? body.stop_sequences : undefined
  })
  return {
    converse: { messages, ...(system === undefined ? {} : { system }), inferenceConfig: config },
    answer: (output, modelId) => {
      const usage = usageOf(output)
      return {
        id: `msg_bdrk_${randomBytes(12).toString("hex")}`,
        type: "message",
        role: "assistant",
        model: modelId,
        content: [{ type: "text", text: answerText(output) }],
        stop_reason: typeof output.stopReason === "string" ? output.stopReason : "end_turn",
        stop_sequence: null,
        usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens }
      }
    }
  }
}

const nova = (body: Json): Native | undefined => {
  const messages = messagesOf(body.messages, (b) => (typeof b.text === "string" ? b.text : undefined))
  if (messages === undefined) return undefined
  const system = body.system === undefined
    ? undefined
    : textOf(body.system, (b) => (typeof b.text === "string" ? b.text : undefined))
  const given = isObject(body.inferenceConfig) ? body.inferenceConfig : {}
  const config = inference({
    maxTokens: number(given.max_new_tokens) ?? number(given.maxTokens),
    temperature: number(given.temperature),
    topP: number(given.top_p) ?? number(given.topP),
    stopSequences: Array.isArray(given.stopSequences) ? given.stopSequences : undefined
  })
  return {
    converse: { messages, ...(system === undefined ? {} : { system }), inferenceConfig: config },
    answer: (output) => {
      const usage = usageOf(output)
      return {
        output: { message: { role: "assistant", content: [{ text: answerText(output) }] } },
        stopReason: typeof output.stopReason === "string" ? output.stopReason : "end_turn",
        usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens }
      }
    }
  }
}

/**
 * The Converse body for a native `modelInput`, and how to answer it natively; undefined for a body in
 * neither format.
 *
 * @internal
 */
export const fromNative = (body: Json): Native | undefined =>
  typeof body.anthropic_version === "string" ? anthropic(body) : nova(body)
