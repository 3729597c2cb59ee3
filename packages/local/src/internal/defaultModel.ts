/**
 * The deterministic model that answers every request nothing was scripted for.
 *
 * @internal
 */

type Json = Record<string, unknown>

const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)
const asArray = (u: unknown): ReadonlyArray<unknown> => (Array.isArray(u) ? u : [])

// =============================================================================
// Tokens
// =============================================================================

/** @internal */
export const words = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length

const jsonTokens = (value: unknown): number => words((JSON.stringify(value) ?? "").replace(/[{}[\]":,]/g, " "))

const MEDIA_TOKENS = 64

const blockTokens = (block: unknown): number => {
  if (!isObject(block)) return 0
  if (typeof block.text === "string") return words(block.text)
  if (isObject(block.image) || isObject(block.video)) return MEDIA_TOKENS
  if (isObject(block.document)) {
    const source = isObject(block.document.source) ? block.document.source : {}
    return MEDIA_TOKENS + (typeof source.text === "string" ? words(source.text) : 0)
  }
  if (isObject(block.toolUse)) return 4 + jsonTokens(block.toolUse.input)
  if (isObject(block.toolResult)) {
    return 4 + asArray(block.toolResult.content).reduce<number>((n, c) =>
      n + (isObject(c) && c.json !== undefined ? jsonTokens(c.json) : blockTokens(c)), 0)
  }
  if (isObject(block.reasoningContent)) {
    const rt = block.reasoningContent.reasoningText
    return isObject(rt) && typeof rt.text === "string" ? words(rt.text) : 16
  }
  if (isObject(block.guardContent)) return jsonTokens(block.guardContent)
  if (isObject(block.citationsContent)) return jsonTokens(block.citationsContent)
  return 0
}

interface Prefix {
  readonly tokens: number
  readonly cached: number
  readonly key: string | undefined
}

/**
 * Walks tools, then system, then messages (the order of the prompt cache), summing tokens and
 * remembering the prefix before the last cache point.
 */
const prefixOf = (input: Json, modelId: string): Prefix => {
  let tokens = 0
  let cached = 0
  let key: string | undefined
  const seen: Array<unknown> = []
  const visit = (block: unknown) => {
    if (isObject(block) && isObject(block.cachePoint)) {
      cached = tokens
      key = `${modelId}\u0000${JSON.stringify(seen)}`
      return
    }
    seen.push(block)
    tokens += isObject(block) && isObject(block.toolSpec)
      ? 8 + jsonTokens(block.toolSpec)
      : blockTokens(block)
  }
  const toolConfig = isObject(input.toolConfig) ? input.toolConfig : {}
  asArray(toolConfig.tools).forEach(visit)
  asArray(input.system).forEach(visit)
  for (const message of asArray(input.messages)) {
    if (!isObject(message)) continue
    seen.push(message.role)
    asArray(message.content).forEach(visit)
  }
  return { tokens: Math.max(tokens, 1), cached, key }
}

/**
 * The CountTokens answer for `input.converse`: the same total Converse reports as input tokens
 * (inputTokens + cacheReadInputTokens + cacheWriteInputTokens).
 *
 * @internal
 */
export const countTokens = (input: unknown, modelId: string): number =>
  isObject(input) ? prefixOf(input, modelId).tokens : 1

// =============================================================================
// JSON Schema -> value
// =============================================================================

const resolveRef = (root: Json, ref: string): Json => {
  if (!ref.startsWith("#/")) return {}
  let node: unknown = root
  for (const part of ref.slice(2).split("/")) {
    node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined
  }
  return isObject(node) ? node : {}
}

const numberIn = (schema: Json, integer: boolean, index: number): number => {
  const step = integer ? 1 : 0.5
  const exMin = schema.exclusiveMinimum
  const exMax = schema.exclusiveMaximum
  let lo: number | undefined = typeof schema.minimum === "number" ? schema.minimum : undefined
  let hi: number | undefined = typeof schema.maximum === "number" ? schema.maximum : undefined
  if (typeof exMin === "number") lo = lo === undefined ? exMin + step : Math.max(lo, exMin + step)
  else if (exMin === true && lo !== undefined) lo = lo + step
  if (typeof exMax === "number") hi = hi === undefined ? exMax - step : Math.min(hi, exMax - step)
  else if (exMax === true && hi !== undefined) hi = hi - step
  if (integer) {
    if (lo !== undefined) lo = Math.ceil(lo)
    if (hi !== undefined) hi = Math.floor(hi)
  }
  let value = lo !== undefined && hi !== undefined
    ? (integer ? Math.floor((lo + hi) / 2) : (lo + hi) / 2)
    : lo !== undefined
    ? lo
    : hi !== undefined
    ? Math.min(hi, integer ? 1 : 1.5)
    : (integer ? 1 : 1.5)
  value += index
  if (hi !== undefined && value > hi) value = lo ?? hi
  const multipleOf = schema.multipleOf
  if (typeof multipleOf === "number" && multipleOf > 0) {
    value = Math.ceil(value / multipleOf) * multipleOf
    if (hi !== undefined && value > hi) value = Math.floor(hi / multipleOf) * multipleOf
  }
  return value
}

const stringFor = (schema: Json, name: string, index: number): string => {
  switch (schema.format) {
    case "date-time":
      return "2026-01-01T00:00:00Z"
    case "date":
      return "2026-01-01"
    case "time":
      return "12:00:00"
    case "email":
      return `${name || "local"}${index > 0 ? index : ""}@example.com`
    case "uri":
    case "url":
      return `https://example.com/${name || "local"}${index > 0 ? index : ""}`
    case "uuid":
      return `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`
  }
  let value = `${name || "value"}${index > 0 ? `-${index + 1}` : ""}`
  const min = typeof schema.minLength === "number" ? schema.minLength : 0
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity
  while (value.length < min) value += "x"
  if (value.length > max) value = value.slice(0, max)
  return value
}

const typeOf = (schema: Json): string | undefined => {
  const type = schema.type
  if (typeof type === "string") return type
  if (Array.isArray(type)) {
    const nonNull = type.find((t) => t !== "null")
    return typeof nonNull === "string" ? nonNull : "null"
  }
  if (isObject(schema.properties)) return "object"
  if (schema.items !== undefined) return "array"
  return undefined
}

/**
 * A value satisfying the JSON schema (the common subset: types, required properties, enums,
 * const, numeric and length bounds, arrays, nested objects, `$ref`, `anyOf` / `oneOf` / `allOf`).
 *
 * @internal
 */
export const valueFor = (schema: unknown, root: Json = isObject(schema) ? schema : {}, name = "", index = 0, depth = 0): unknown => {
  if (!isObject(schema) || depth > 12) return null
  if (typeof schema.$ref === "string") return valueFor(resolveRef(root, schema.$ref), root, name, index, depth + 1)
  if (schema.const !== undefined) return schema.const
  // Schema authors' own examples make the most plausible arguments.
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[index % schema.examples.length]
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const options = schema.enum.filter((e) => e !== null)
    const pool = options.length > 0 ? options : schema.enum
    return pool[index % pool.length]
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => !(isObject(o) && o.type === "null")) ?? options[0]
      return valueFor(pick, root, name, index, depth + 1)
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const parts = schema.allOf.map((s) => valueFor(s, root, name, index, depth + 1))
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]
  }
  switch (typeOf(schema)) {
    case "object": {
      const out: Json = {}
      const properties = isObject(schema.properties) ? schema.properties : {}
      const required = asArray(schema.required).filter((r): r is string => typeof r === "string")
      for (const [key, sub] of Object.entries(properties)) {
        if (required.includes(key) || depth < 3) out[key] = valueFor(sub, root, key, 0, depth + 1)
      }
      for (const key of required) {
        if (!(key in out)) out[key] = isObject(schema.additionalProperties)
          ? valueFor(schema.additionalProperties, root, key, 0, depth + 1)
          : key
      }
      return out
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 1
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity
      const length = Math.min(Math.max(min, 1), max)
      const prefix = asArray(schema.prefixItems)
      const items: Array<unknown> = []
      for (let i = 0; i < length; i++) {
        const itemSchema = i < prefix.length ? prefix[i] : Array.isArray(schema.items) ? schema.items[i] ?? {} : schema.items ?? {}
        items.push(valueFor(itemSchema, root, name.replace(/s$/, ""), i, depth + 1))
      }
      return items
    }
    case "string":
      return stringFor(schema, name, index)
    case "integer":
      return numberIn(schema, true, index)
    case "number":
      return numberIn(schema, false, index)
    case "boolean":
      return true
    case "null":
      return null
    default:
      return name || "value"
  }
}

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

const toolResultText = (result: Json): string =>
  asArray(result.content).map((c) =>
    isObject(c) && typeof c.text === "string" ? c.text : isObject(c) && c.json !== undefined ? JSON.stringify(c.json) : "[media]"
  ).join(" ")

const thinkingRequested = (fields: unknown): boolean => {
  if (!isObject(fields)) return false
  const thinking = fields.thinking
  return (isObject(thinking) && (thinking.type === "enabled" || thinking.type === "adaptive")) ||
    fields.reasoning_config !== undefined || fields.reasoning_effort !== undefined
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
  const content: Array<Block> = []
  let stopReason = "end_turn"
  let stopSequence: string | null = null

  if (thinkingRequested(body.additionalModelRequestFields)) {
    const thought = "Thinking about the request."
    content.push({ reasoningContent: { reasoningText: { text: thought, signature: `local-signature-${hash(thought)}` } } })
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
        input: valueFor(schema)
      }
    })
    stopReason = "tool_use"
  } else {
    let text: string
    const format = isObject(body.outputConfig) && isObject(body.outputConfig.textFormat) ? body.outputConfig.textFormat : undefined
    const structure = format !== undefined && isObject(format.structure) && isObject(format.structure.jsonSchema)
      ? format.structure.jsonSchema
      : undefined
    if (toolResults.length > 0) {
      const previous = messages[messages.indexOf(lastUser!) - 1]
      const names = new Map<string, string>()
      for (const b of asArray(previous?.content)) {
        if (isObject(b) && isObject(b.toolUse)) names.set(String(b.toolUse.toolUseId), String(b.toolUse.name))
      }
      text = `The tool results are: ${
        toolResults.map((r) => `${names.get(String(r.toolUseId)) ?? "tool"} returned ${toolResultText(r)}`).join("; ")
      }.`
    } else if (structure !== undefined && typeof structure.schema === "string") {
      let schema: unknown = {}
      try {
        schema = JSON.parse(structure.schema)
      } catch {
        schema = {}
      }
      text = JSON.stringify(valueFor(schema))
    } else {
      const said = textOf(lastUserContent).trim()
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
      events.push({ eventType: "contentBlockStart", payload: { contentBlockIndex, start: { toolUse: { toolUseId, name } } } })
      for (const piece of jsonPieces(JSON.stringify(input))) {
        events.push({ eventType: "contentBlockDelta", payload: { contentBlockIndex, delta: { toolUse: { input: piece } } } })
      }
    } else {
      const { signature, text } = block.reasoningContent.reasoningText
      for (const piece of wordPieces(text)) {
        events.push({ eventType: "contentBlockDelta", payload: { contentBlockIndex, delta: { reasoningContent: { text: piece } } } })
      }
      events.push({ eventType: "contentBlockDelta", payload: { contentBlockIndex, delta: { reasoningContent: { signature } } } })
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
