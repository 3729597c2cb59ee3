// Benchmark adapter for `@effect-bedrock/effect4`: Effect 4's `effect/ai` `LanguageModel` (`generateText`,
// `streamText`) from `BedrockLanguageModel.layer` over `BedrockClient.layer`, built once in a ManagedRuntime:
// the path of effect-bedrock-ai (the engine under effect/ai) on the Effect 4 line. Same API as the peers'
// adapters (../peers/README.md). Imports the built package (dist/) by path, and Effect 4 from where that
// package resolves it (packages/effect4/node_modules/effect): the same module files the package itself loads,
// never the workspace's hoisted Effect 3.
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"

const require = createRequire(import.meta.url)
const effect4 = new URL("../../../packages/effect4/", import.meta.url)
const requireFromEffect4 = createRequire(new URL("package.json", effect4))
/** A module of `effect` as packages/effect4 resolves it. */
const load = (specifier) => import(pathToFileURL(requireFromEffect4.resolve(specifier)).href)

const [
  { BedrockClient, BedrockLanguageModel },
  Effect,
  Layer,
  ManagedRuntime,
  Schema,
  Stream,
  Result,
  LanguageModel,
  Prompt,
  Tool,
  // The pure mappings (the package does not export internals; the benchmark reads dist/):
  // effect/ai provider options -> the engine's Request -> settings checked -> ConverseCommandInput.
  AiMapping,
  Prepare,
  Mapping
] = await Promise.all([
  import(new URL("dist/internal/entry/index.js", effect4).href),
  load("effect/Effect"),
  load("effect/Layer"),
  load("effect/ManagedRuntime"),
  load("effect/Schema"),
  load("effect/Stream"),
  load("effect/Result"),
  load("effect/ai/LanguageModel"),
  load("effect/ai/Prompt"),
  load("effect/ai/Tool"),
  import(new URL("dist/internal/aiMapping.js", effect4).href),
  import(new URL("../converse/dist/prepare/prepare.js", effect4).href),
  import(new URL("../converse/dist/mapping/converse.js", effect4).href)
])

export const info = {
  client: "effect-bedrock-effect4",
  packages: {
    "@effect-bedrock/effect4": require("../../../packages/effect4/package.json").version,
    effect: requireFromEffect4("effect/package.json").version,
    "@aws-sdk/client-bedrock-runtime": require("@aws-sdk/client-bedrock-runtime/package.json").version
  }
}

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" }

/** The benchmark's tool JSON Schemas (flat objects of scalars, enums and arrays) as Effect 4 Schema fields,
 * built once per conversation: effect/ai tools take their parameters as a Schema. */
const schemaFromJson = (json) => {
  const annotate = (schema) => json.description ? schema.annotate({ description: json.description }) : schema
  if (Array.isArray(json.enum)) return annotate(Schema.Literals(json.enum))
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

/** Neutral (Converse-shaped) conversation -> an effect/ai Prompt and tools (untimed). */
export function prepareConversation(conversation) {
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
          isFailure: b.toolResult.status === "error"
        })
      } else throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
    }
    if (results.length > 0) messages.push({ role: "tool", content: results })
    if (parts.length > 0) messages.push({ role: "user", content: parts })
  }
  const tools = (conversation.toolConfig?.tools ?? []).map(({ toolSpec }) =>
    Tool.make(toolSpec.name, {
      description: toolSpec.description,
      parameters: Schema.Struct(fieldsFromJson(toolSpec.inputSchema.json))
    })
  )
  return { prompt: Prompt.make(messages), tools }
}

export async function create({ endpoint, region = "us-east-1", modelId }) {
  // The layer's defaults, as a user gets them (the SDK's own request handler); retries off: the Effect 4
  // client has no retry unless one is added (`withRetry`), and the SDK's own attempts are set to one.
  const layer = BedrockLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(BedrockClient.layer({ region, endpoint, credentials: CREDENTIALS, maxAttempts: 1 }))
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void) // build the layers now, not in the first timed call
  const model = Prepare.makeModel({ model: modelId })
  if (!model.ok) throw new Error(`model: ${model.issues[0].message}`)
  return {
    async converse(prompt) {
      const response = await runtime.runPromise(LanguageModel.generateText({ prompt }))
      return response.text
    },
    async stream(prompt, onDelta) {
      await runtime.runPromise(
        LanguageModel.streamText({ prompt }).pipe(
          Stream.runForEach((part) => part.type === "text-delta" ? Effect.sync(() => onDelta(part.delta)) : Effect.void)
        )
      )
    },
    /** The pure mappings of `streamText` / `generateText`: effect/ai provider options -> the engine's Request ->
     * settings merged and checked -> ConverseCommandInput. */
    async mapRequest(native) {
      const mapped = AiMapping.toRequest({
        prompt: native.prompt,
        tools: native.tools,
        toolChoice: "auto",
        responseFormat: { type: "text" }
      })
      if (Result.isFailure(mapped)) throw new Error(`mapping failed: ${mapped.failure.message}`)
      const prepared = Prepare.prepare(model.value, mapped.success.request, undefined)
      if (!prepared.ok) throw new Error(`mapping failed: ${prepared.issues[0].message}`)
      const input = Mapping.toConverseInput({ ...prepared.value, stream: false })
      if (!input.ok) throw new Error(`mapping failed: ${input.issues[0].message}`)
      return input.value.input
    },
    prepareConversation,
    async close() {
      await runtime.dispose()
    }
  }
}
