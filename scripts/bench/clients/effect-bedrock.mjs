// Benchmark adapter for this library: `LanguageModel` from `BedrockLanguageModel.layer` over
// `BedrockClient.layer`, built once in a ManagedRuntime. Same API as the peers' adapters
// (../peers/README.md). Imports the built packages (dist/), as a user would.
import { BedrockClient, BedrockLanguageModel, BedrockModelProfile, LanguageModel, Response } from "@effect-bedrock/core"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { createRequire } from "node:module"
// The pure request mapping (the package does not export internals; the benchmark reads dist/).
import { toConverseInput } from "../../../packages/converse/dist/mapping/converse.js"

const require = createRequire(import.meta.url)

export const info = {
  client: "effect-bedrock",
  packages: {
    "@effect-bedrock/core": require("../../../packages/core/package.json").version,
    effect: require("effect/package.json").version,
    "@aws-sdk/client-bedrock-runtime": require("@aws-sdk/client-bedrock-runtime/package.json").version
  }
}

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") }

/** Neutral (Converse-shaped) conversation -> our Prompt and tool definitions (untimed). */
export function prepareConversation(conversation) {
  const names = new Map()
  const messages = []
  for (const s of conversation.system ?? []) messages.push({ _tag: "System", content: s.text })
  for (const m of conversation.messages) {
    if (m.role === "assistant") {
      messages.push({
        _tag: "Assistant",
        parts: m.content.map((b) => {
          if (typeof b.text === "string") return { _tag: "Text", text: b.text }
          if (b.toolUse) {
            names.set(b.toolUse.toolUseId, b.toolUse.name)
            return { _tag: "ToolCall", id: b.toolUse.toolUseId, name: b.toolUse.name, input: b.toolUse.input }
          }
          throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
        })
      })
      continue
    }
    const results = []
    const parts = []
    for (const b of m.content) {
      if (typeof b.text === "string") parts.push({ _tag: "Text", text: b.text })
      else if (b.toolResult) {
        results.push({
          _tag: "ToolResult",
          id: b.toolResult.toolUseId,
          name: names.get(b.toolResult.toolUseId) ?? "unknown",
          result: b.toolResult.content.map((c) => c.text).join(""),
          isError: b.toolResult.status === "error"
        })
      } else throw new Error(`unsupported content block: ${Object.keys(b).join(",")}`)
    }
    if (results.length > 0) messages.push({ _tag: "Tool", parts: results })
    if (parts.length > 0) messages.push({ _tag: "User", parts })
  }
  const tools = (conversation.toolConfig?.tools ?? []).map(({ toolSpec }) => ({
    name: toolSpec.name,
    description: toolSpec.description,
    parameters: toolSpec.inputSchema.json
  }))
  return { prompt: { messages }, tools }
}

/**
 * The connection variants of the `ttft-tls` scenarios (an HTTPS local Bedrock whose certificate is
 * passed as `ca`), each `BedrockClient.layer` with the `ca` and:
 * - `default`: nothing else (a connection per stream, resuming the last TLS session);
 * - `no-resume`: `tlsSessionResumption: false` (a connection and a full TLS handshake per stream, as
 *   the raw SDK does);
 * - `warm`: `warmConnection: true` (the next stream's connection is opened ahead of time);
 * - `shared`: `shareStreamSessions: true` (streams share the pooled HTTP/2 session).
 */
export const tlsVariants = ["default", "no-resume", "warm", "shared"]

const VARIANT_OPTIONS = {
  default: {},
  "no-resume": { tlsSessionResumption: false },
  warm: { warmConnection: true },
  shared: { shareStreamSessions: true }
}

export async function create({ endpoint, region = "us-east-1", modelId, ca, variant = "default" }) {
  const options = { region, endpoint, credentials: CREDENTIALS, retry: false, ...VARIANT_OPTIONS[variant] }
  if (ca !== undefined) options.ca = ca
  const layer = BedrockLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(BedrockClient.layer(options))
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void) // build the layers now, not in the first timed call
  const profile = BedrockModelProfile.forModel(modelId)
  const onPart = (onDelta) => (part) => part._tag === "TextDelta" ? Effect.sync(() => onDelta(part.delta)) : Effect.void
  return {
    async converse(prompt) {
      const response = await runtime.runPromise(LanguageModel.generate({ prompt }))
      return Response.text(response)
    },
    async stream(prompt, onDelta) {
      await runtime.runPromise(Stream.runForEach(LanguageModel.stream({ prompt }), onPart(onDelta)))
    },
    /** Our pure Request -> ConverseCommandInput mapping (no network, no serialisation). */
    async mapRequest(native) {
      const mapped = toConverseInput({ modelId, profile, settings: {}, request: native })
      if (!mapped.ok) throw new Error(`mapping failed: ${mapped.issues[0].message}`)
      return mapped.value.input
    },
    prepareConversation,
    async close() {
      await runtime.dispose()
    }
  }
}
