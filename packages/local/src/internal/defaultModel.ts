/**
 * The deterministic model that answers every request nothing was scripted for: its answer to a
 * Converse body (text, tool use, thinking, structured output, stop sequences, prompt-cache usage),
 * as a ConverseResponse or as ConverseStream events. Tokens are counted by `tokenCount`; tool
 * inputs and structured output come from `schemaValue`.
 *
 * @internal
 */
import { asArray, isObject, type Json } from "./json.js"
import { valueFor } from "./schemaValue.js"
import { blockTokens, prefixOf, words } from "./tokenCount.js"

// =============================================================================
// Answers
// =============================================================================

/** @internal */
export type Block =
  | { readonly text: string }
  | { readonly toolUse: { readonly toolUseId: string; readonly name: string; readonly input: unknown } }
  | { readonly reasoningContent: { readonly reasoningText: { readonly text: string; readonly signature: string } } }

/** @internal */
export interface Usage {
  readonly inputTokens: number
  readonly outputTokens: number
  readonly totalTokens: number
  readonly cacheReadInputTokens?: number
  readonly cacheWriteInputTokens?: number
}

/** @internal */
export interface Answer {
  readonly content: ReadonlyArray<Block>
  readonly stopReason: string
  readonly usage: Usage
  readonly additionalModelResponseFields?: Json | undefined
}

const hash = (s: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, "0")
}

const textOf = (blocks: ReadonlyArray<unknown>): string =>
  blocks.flatMap((b) => (isObject(b) && typeof b.text === "string" ? [b.text] : [])).join(" ")

// `chanceOfRain` and `chance_of_rain` read as "chance of rain".
const keyWords = (key: string): string =>
  key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase()

const valueText = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "object" && value !== null
    ? JSON.stringify(value)
    : String(value)

const pairs = (object: Json): string =>
  Object.entries(object).map(([key, value]) => `${keyWords(key)} ${valueText(value)}`).join(", ")

// Tool results often arrive as JSON text (families that take no json blocks): read them as JSON.
const parsedObject = (text: string): Json | undefined => {
  if (!text.startsWith("{")) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

const contentText = (c: unknown): string => {
  if (!isObject(c)) return "[media]"
  if (typeof c.text === "string") {
    const object = parsedObject(c.text.trim())
    return object !== undefined ? pairs(object) : c.text.trim()
  }
  if (isObject(c.json)) return pairs(c.json)
  return c.json !== undefined ? valueText(c.json) : "[media]"
}

/**
 * The answer built from tool results, the way a model sums them up: "Based on get_weather: city
 * Lisbon, temperature 18, conditions light rain." (JSON objects read as key-value pairs).
 */
const toolResultAnswer = (result: Json, name: string): string => {
  const said = asArray(result.content).map(contentText).filter((t) => t.length > 0).join("; ").replace(/[.!?]+$/, "")
  return result.status === "error" ? `${name} failed: ${said}.` : `Based on ${name}: ${said}.`
}

const thinkingRequested = (fields: unknown): boolean => {
  if (!isObject(fields)) return false
  const thinking = fields.thinking
  return (isObject(thinking) && (thinking.type === "enabled" || thinking.type === "adaptive")) ||
    fields.reasoning_config !== undefined || fields.reasoning_effort !== undefined
}

const PROMPTED = "compatible with this schema:"

/**
 * The schema of prompted structured output: a system block asking for JSON compatible with a
 * schema, given as JSON on the line after the blank line that follows the request.
 */
const promptedSchema = (system: unknown): unknown => {
  for (const block of asArray(system)) {
    if (!isObject(block) || typeof block.text !== "string") continue
    const at = block.text.indexOf(PROMPTED)
    if (at === -1) continue
    const line = block.text.slice(at + PROMPTED.length).trim().split("\n")[0]!
    try {
      return JSON.parse(line)
    } catch {
      return undefined
    }
  }
  return undefined
}

const setPath = (target: Json, pointer: string, value: unknown) => {
  const parts = pointer.split("/").filter((p) => p.length > 0)
  let node = target
  parts.forEach((part, i) => {
    if (i === parts.length - 1) node[part] = value
    else node = (node[part] = isObject(node[part]) ? node[part] : {}) as Json
  })
}

/**
 * The default model's answer to a Converse body. `cache` holds the prompt-cache prefixes seen so
 * far (first sight writes, later sights read).
 *
 * @internal
 */
export const answer = (body: Json, modelId: string, cache: Set<string>): Answer => {
  const messages = asArray(body.messages).filter(isObject)
  const lastUser = [...messages].reverse().find((m) => m.role === "user")
  const lastUserContent = lastUser !== undefined ? asArray(lastUser.content) : []
  const toolResults = lastUserContent.flatMap((b) => (isObject(b) && isObject(b.toolResult) ? [b.toolResult] : []))
  const toolConfig = isObject(body.toolConfig) ? body.toolConfig : {}
  const tools = asArray(toolConfig.tools).flatMap((t) => (isObject(t) && isObject(t.toolSpec) ? [t.toolSpec] : []))
  const choice = isObject(toolConfig.toolChoice) ? toolConfig.toolChoice : {}
  const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {}
  // What the user said last: the tool inputs and structured output take their strings from it.
  const said = textOf(lastUserContent).trim()
  const content: Array<Block> = []
  let stopReason = "end_turn"
  let stopSequence: string | null = null

  if (thinkingRequested(body.additionalModelRequestFields)) {
    const thought = "Thinking about the request."
    content.push({
      reasoningContent: { reasoningText: { text: thought, signature: `local-signature-${hash(thought)}` } }
    })
  }

  if (tools.length > 0 && toolResults.length === 0) {
    const forced = isObject(choice.tool) && typeof choice.tool.name === "string" ? choice.tool.name : undefined
    const tool = tools.find((t) => t.name === forced) ?? tools[0]!
    const schema = isObject(tool.inputSchema) ? tool.inputSchema.json : {}
    const name = String(tool.name)
    content.push({
      toolUse: {
        toolUseId: `tooluse_${hash(`${JSON.stringify(messages)}\u0000${name}`)}${hash(name)}`,
        name,
        input: valueFor(schema, said)
      }
    })
    stopReason = "tool_use"
  } else {
    let text: string
    const format = isObject(body.outputConfig) && isObject(body.outputConfig.textFormat)
      ? body.outputConfig.textFormat
      : undefined
    const structure = format !== undefined && isObject(format.structure) && isObject(format.structure.jsonSchema)
      ? format.structure.jsonSchema
      : undefined
    if (toolResults.length > 0) {
      const previous = messages[messages.indexOf(lastUser!) - 1]
      const names = new Map<string, string>()
      for (const b of asArray(previous?.content)) {
        if (isObject(b) && isObject(b.toolUse)) names.set(String(b.toolUse.toolUseId), String(b.toolUse.name))
      }
      text = toolResults.map((r) => toolResultAnswer(r, names.get(String(r.toolUseId)) ?? "the tool")).join(" ")
    } else if (structure !== undefined && typeof structure.schema === "string") {
      let schema: unknown = {}
      try {
        schema = JSON.parse(structure.schema)
      } catch {
        schema = {}
      }
      text = JSON.stringify(valueFor(schema, said))
    } else if (promptedSchema(body.system) !== undefined) {
      text = JSON.stringify(valueFor(promptedSchema(body.system), said))
    } else {
      text = said.length > 0
        ? `You said: ${said}`
        : `You sent ${lastUserContent.length} content block${lastUserContent.length === 1 ? "" : "s"}.`
    }
    const stops = asArray(inference.stopSequences).filter((s): s is string => typeof s === "string" && s.length > 0)
    for (const stop of stops) {
      const at = text.indexOf(stop)
      if (at >= 0) {
        text = text.slice(0, at)
        stopReason = "stop_sequence"
        stopSequence = stop
        break
      }
    }
    const maxTokens = typeof inference.maxTokens === "number" ? inference.maxTokens : undefined
    if (maxTokens !== undefined && words(text) > maxTokens) {
      text = (text.match(/\s*\S+/g) ?? []).slice(0, maxTokens).join("")
      stopReason = "max_tokens"
    }
    if (text.trim().length > 0) content.push({ text })
  }

  const prefix = prefixOf(body, modelId)
  let cacheRead = 0
  let cacheWrite = 0
  if (prefix.key !== undefined && prefix.cached > 0) {
    if (cache.has(prefix.key)) cacheRead = prefix.cached
    else {
      cacheWrite = prefix.cached
      cache.add(prefix.key)
    }
  }
  const inputTokens = prefix.tokens - cacheRead - cacheWrite
  const outputTokens = Math.max(1, content.reduce<number>((n, b) => n + blockTokens(b), 0))
  const usage: Usage = {
    inputTokens,
    outputTokens,
    totalTokens: inputTokens + outputTokens + cacheRead + cacheWrite,
    ...(prefix.key !== undefined ? { cacheReadInputTokens: cacheRead, cacheWriteInputTokens: cacheWrite } : {})
  }
  const paths = asArray(body.additionalModelResponseFieldPaths).filter((p): p is string => typeof p === "string")
  let additionalModelResponseFields: Json | undefined
  if (paths.length > 0) {
    additionalModelResponseFields = {}
    for (const path of paths) {
      setPath(additionalModelResponseFields, path, path === "/stop_sequence" ? stopSequence : `local:${path}`)
    }
  }
  return { content, stopReason, usage, additionalModelResponseFields }
}

/** @internal */
export const converseResponse = (answer: Answer, latencyMs: number): Json => ({
  output: { message: { role: "assistant", content: answer.content } },
  stopReason: answer.stopReason,
  usage: answer.usage,
  metrics: { latencyMs },
  ...(answer.additionalModelResponseFields !== undefined
    ? { additionalModelResponseFields: answer.additionalModelResponseFields }
    : {})
})

// =============================================================================
// Stream events
// =============================================================================

/**
 * Splits text into one piece per word (leading whitespace attached), concatenating to the text.
 *
 * @internal
 */
export const wordPieces = (text: string): Array<string> => {
  const pieces: Array<string> = text.match(/\s*\S+/g) ?? []
  const joined = pieces.join("")
  if (joined.length < text.length) pieces.push(text.slice(joined.length))
  return pieces.length > 0 ? pieces : [text]
}

const jsonPieces = (json: string): Array<string> => {
  const n = Math.min(4, Math.max(1, Math.ceil(json.length / 8)))
  const size = Math.ceil(json.length / n)
  const out: Array<string> = []
  for (let i = 0; i < json.length; i += size) out.push(json.slice(i, i + size))
  return out
}

/** @internal */
export interface StreamEvent {
  readonly eventType: string
  readonly payload: unknown
}

/**
 * The ConverseStream events of an answer: text one delta per word, tool input JSON in several
 * pieces, thinking text per word then its signature.
 *
 * @internal
 */
export const streamEvents = (answer: Answer, latencyMs: number): Array<StreamEvent> => {
  const events: Array<StreamEvent> = [{ eventType: "messageStart", payload: { role: "assistant" } }]
  answer.content.forEach((block, contentBlockIndex) => {
    if ("text" in block) {
      for (const text of wordPieces(block.text)) {
        events.push({ eventType: "contentBlockDelta", payload: { contentBlockIndex, delta: { text } } })
      }
    } else if ("toolUse" in block) {
      const { input, name, toolUseId } = block.toolUse
      events.push({
        eventType: "contentBlockStart",
        payload: { contentBlockIndex, start: { toolUse: { toolUseId, name } } }
      })
      for (const piece of jsonPieces(JSON.stringify(input))) {
        events.push({
          eventType: "contentBlockDelta",
          payload: { contentBlockIndex, delta: { toolUse: { input: piece } } }
        })
      }
    } else {
      const { signature, text } = block.reasoningContent.reasoningText
      for (const piece of wordPieces(text)) {
        events.push({
          eventType: "contentBlockDelta",
          payload: { contentBlockIndex, delta: { reasoningContent: { text: piece } } }
        })
      }
      events.push({
        eventType: "contentBlockDelta",
        payload: { contentBlockIndex, delta: { reasoningContent: { signature } } }
      })
    }
    events.push({ eventType: "contentBlockStop", payload: { contentBlockIndex } })
  })
  events.push({
    eventType: "messageStop",
    payload: {
      stopReason: answer.stopReason,
      ...(answer.additionalModelResponseFields !== undefined
        ? { additionalModelResponseFields: answer.additionalModelResponseFields }
        : {})
    }
  })
  events.push({ eventType: "metadata", payload: { usage: answer.usage, metrics: { latencyMs } } })
  return events
}
