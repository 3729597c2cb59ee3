// Benchmark adapter for `@effect-bedrock/ai`: `@effect/ai`'s `LanguageModel` (`generateText`,
// `streamText`) from `BedrockAiLanguageModel.layer` over `BedrockClient.layer`, built once in a
// ManagedRuntime, so the same path as effect-bedrock plus `@effect/ai` on top. Same API as the
// peers' adapters (../peers/README.md). Imports the built packages (dist/), as a user would.
import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { BedrockClient, BedrockModelProfile } from "@effect-bedrock/core"
import { LanguageModel, Prompt, Tool } from "@effect/ai"
import { Effect, Either, Layer, ManagedRuntime, Redacted, Schema, Stream, Tracer } from "effect"
import { createRequire } from "node:module"
// The pure mappings (the packages do not export internals; the benchmark reads dist/):
// @effect/ai provider options -> our Request, then our Request -> ConverseCommandInput.
import { mapRequest } from "../../../packages/ai/dist/internal/promptMapping.js"
import { SignatureMemo } from "../../../packages/ai/dist/internal/signatureMemo.js"
import { toConverseInput } from "../../../packages/converse/dist/mapping/converse.js"

const require = createRequire(import.meta.url)

export const info = {
  client: "effect-bedrock-ai",
  packages: {
    "@effect-bedrock/ai": require("../../../packages/ai/package.json").version,
    "@effect-bedrock/core": require("../../../packages/core/package.json").version,
    "@effect/ai": require("@effect/ai/package.json").version,
    effect: require("effect/package.json").version,
    "@aws-sdk/client-bedrock-runtime": require("@aws-sdk/client-bedrock-runtime/package.json").version
  }
}

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") }

/** The benchmark's tool JSON Schemas (flat objects of scalars, enums and arrays) as Effect Schema
 * fields, built once per conversation: `@effect/ai` tools take their parameters as a Schema. */
const schemaFromJson = (json) => {
  const annotate = (schema) => json.description ? schema.annotations({ description: json.description }) : schema
  if (Array.isArray(json.enum)) return annotate(Schema.Literal(...json.enum))
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

/** Neutral (Converse-shaped) conversation -> an `@effect/ai` Prompt and tools (untimed). */
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
          isFailure: b.toolResult.status === "error",
          providerExecuted: false
        })
      } else throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
    }
    if (results.length > 0) messages.push({ role: "tool", content: results })
    if (parts.length > 0) messages.push({ role: "user", content: parts })
  }
  const tools = (conversation.toolConfig?.tools ?? []).map(({ toolSpec }) =>
    Tool.make(toolSpec.name, {
      description: toolSpec.description,
      parameters: fieldsFromJson(toolSpec.inputSchema.json)
    })
  )
  return { prompt: Prompt.make(messages), tools }
}

export async function create({ endpoint, region = "us-east-1", modelId }) {
  const layer = BedrockAiLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(BedrockClient.layer({ region, endpoint, credentials: CREDENTIALS, retry: false }))
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void) // build the layers now, not in the first timed call
  const profile = BedrockModelProfile.forModel(modelId)
  const memo = new SignatureMemo(64)
  const span = Tracer.externalSpan({ spanId: "bench", traceId: "bench" })
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
    /** The two pure mappings: @effect/ai provider options -> our Request -> ConverseCommandInput. */
    async mapRequest(native) {
      const options = {
        prompt: native.prompt,
        tools: native.tools,
        toolChoice: "auto",
        responseFormat: { type: "text" },
        span
      }
      const mapped = mapRequest(options, undefined, memo)
      if (Either.isLeft(mapped)) throw new Error(`mapping failed: ${mapped.left.message}`)
      const input = toConverseInput({ modelId, profile, settings: {}, request: mapped.right.request })
      if (!input.ok) throw new Error(`mapping failed: ${input.issues[0].message}`)
      return input.value.input
    },
    prepareConversation,
    async close() {
      await runtime.dispose()
    }
  }
}
