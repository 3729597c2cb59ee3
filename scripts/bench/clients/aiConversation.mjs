// The benchmark's neutral (Converse-shaped) conversation as an Effect AI prompt and toolkit, shared by the two
// Effect AI adapters: `@effect/ai` on Effect 3 (effect-bedrock-ai) and `effect/ai` on Effect 4
// (effect-bedrock-effect4). The walk is the same; what differs between the lines is given as a dialect:
//   Schema, Prompt, Tool          the line's modules
//   literals(values)              an enum as a Schema (Effect 3: Schema.Literal(...v); 4: Schema.Literals(v))
//   describe(schema, text)        a description annotation (Effect 3: annotations; 4: annotate)
//   parameters(fields)            a tool's parameters from Schema fields (Effect 3: the fields; 4: a Struct)
//   toolResult                    extra fields of a tool-result part (Effect 3: providerExecuted: false)

/** The conversation mapper of one line (untimed: the worker prepares conversations before timing). */
export const makePrepareConversation = (dialect) => {
  const { describe, literals, parameters, Prompt, Schema, Tool, toolResult = {} } = dialect
  // The benchmark's tool JSON Schemas (flat objects of scalars, enums and arrays) as Schema fields.
  const schemaFromJson = (json) => {
    const annotate = (schema) => json.description ? describe(schema, json.description) : schema
    if (Array.isArray(json.enum)) return annotate(literals(json.enum))
    switch (json.type) {
      case "string":
        return annotate(Schema.String)
      case "integer":
        return annotate(Schema.Int)
      case "number":
        return annotate(Schema.Number)
      case "boolean":
        return annotate(Schema.Boolean)
      case "array":
        return annotate(Schema.Array(json.items ? schemaFromJson(json.items) : Schema.Unknown))
      case "object":
        return annotate(Schema.Struct(fieldsFromJson(json)))
      default:
        return annotate(Schema.Unknown)
    }
  }
  const fieldsFromJson = (json) => {
    const required = new Set(json.required ?? [])
    return Object.fromEntries(
      Object.entries(json.properties ?? {}).map(([key, value]) => {
        const schema = schemaFromJson(value)
        return [key, required.has(key) ? schema : Schema.optional(schema)]
      })
    )
  }
  return (conversation) => {
    const names = new Map()
    const messages = []
    if (conversation.system?.length) {
      for (const s of conversation.system) messages.push({ role: "system", content: s.text })
    }
    for (const m of conversation.messages) {
      if (m.role === "assistant") {
        messages.push({
          role: "assistant",
          content: m.content.map((b) => {
            if (typeof b.text === "string") return { type: "text", text: b.text }
            if (b.toolUse) {
              names.set(b.toolUse.toolUseId, b.toolUse.name)
              return { type: "tool-call", id: b.toolUse.toolUseId, name: b.toolUse.name, params: b.toolUse.input }
            }
            throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
          })
        })
        continue
      }
      const results = []
      const parts = []
      for (const b of m.content) {
        if (typeof b.text === "string") parts.push({ type: "text", text: b.text })
        else if (b.toolResult) {
          results.push({
            type: "tool-result",
            id: b.toolResult.toolUseId,
            name: names.get(b.toolResult.toolUseId) ?? "unknown",
            result: b.toolResult.content.map((c) => c.text).join(""),
            isFailure: b.toolResult.status === "error",
            ...toolResult
          })
        } else throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
      }
      if (results.length > 0) messages.push({ role: "tool", content: results })
      if (parts.length > 0) messages.push({ role: "user", content: parts })
    }
    const tools = (conversation.toolConfig?.tools ?? []).map(({ toolSpec }) =>
      Tool.make(toolSpec.name, {
        description: toolSpec.description,
        parameters: parameters(fieldsFromJson(toolSpec.inputSchema.json))
      })
    )
    return { prompt: Prompt.make(messages), tools }
  }
}
