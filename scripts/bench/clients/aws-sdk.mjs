// Benchmark adapter for the raw AWS SDK (`@aws-sdk/client-bedrock-runtime`), the baseline every
// other figure is divided by. Same API as the peers' adapters (../peers/README.md).
// The client keeps the SDK's default request handler (NodeHttp2Handler for Bedrock Runtime, with
// `disableConcurrentStreams: true`): what `new BedrockRuntimeClient(...)` gives a user.
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import { createRequire } from "node:module"

const require = createRequire(import.meta.url)

export const info = {
  client: "aws-sdk",
  packages: {
    "@aws-sdk/client-bedrock-runtime": require("@aws-sdk/client-bedrock-runtime/package.json").version
  }
}

export const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" }

/** What a user of the raw SDK writes: the neutral (Converse-shaped) conversation, turned into a
 * ConverseCommandInput by hand. Untimed part: nothing (the conversation is already plain data). */
export function prepareConversation(conversation) {
  return conversation
}

const mapBlock = (block) => {
  if (typeof block.text === "string") return { text: block.text }
  if (block.toolUse) {
    return { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name, input: block.toolUse.input } }
  }
  if (block.toolResult) {
    return {
      toolResult: {
        toolUseId: block.toolResult.toolUseId,
        content: block.toolResult.content.map((c) => ({ text: c.text })),
        ...(block.toolResult.status ? { status: block.toolResult.status } : {})
      }
    }
  }
  throw new Error(`unsupported content block: ${Object.keys(block).join(",")}`)
}

/** The hand-built ConverseCommandInput (the timed part of `mapRequest`). */
export function buildInput(modelId, conversation) {
  const input = {
    modelId,
    messages: conversation.messages.map((m) => ({ role: m.role, content: m.content.map(mapBlock) }))
  }
  if (conversation.system?.length) input.system = conversation.system.map((s) => ({ text: s.text }))
  if (conversation.toolConfig?.tools?.length) {
    input.toolConfig = {
      tools: conversation.toolConfig.tools.map(({ toolSpec }) => ({
        toolSpec: {
          name: toolSpec.name,
          description: toolSpec.description,
          inputSchema: { json: toolSpec.inputSchema.json }
        }
      }))
    }
  }
  return input
}

/**
 * The connection variants of the `ttft-tls` scenario (an HTTPS local Bedrock whose certificate is
 * passed as `ca`):
 * - `default`: the SDK's default handler settings (`disableConcurrentStreams: true`: a new HTTP/2
 *   session, so a new TCP connection and a full TLS handshake, for every stream), plus the `ca`;
 * - `shared`: a pooled handler and the send option `isEventStream: false`, so that streams share
 *   one HTTP/2 session (and its TLS connection) like non-streaming calls do.
 */
export const tlsVariants = ["default", "shared"]

const requestHandlerFor = (ca, variant) => {
  if (ca === undefined) return undefined
  const nodeHttp2ConnectOptions = { ca }
  // A plain object replaces the SDK's default handler options entirely: keep its
  // `disableConcurrentStreams: true` for the default variant.
  return variant === "shared"
    ? new NodeHttp2Handler({ nodeHttp2ConnectOptions })
    : new NodeHttp2Handler({ disableConcurrentStreams: true, nodeHttp2ConnectOptions })
}

export async function create({ endpoint, region = "us-east-1", modelId, ca, variant = "default" }) {
  const requestHandler = requestHandlerFor(ca, variant)
  const client = new BedrockRuntimeClient({
    region,
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    ...(requestHandler === undefined ? {} : { requestHandler })
  })
  return over(client, modelId, variant === "shared" ? { isEventStream: false } : undefined)
}

/** The adapter over an SDK client (shared with aws-sdk-tuned.mjs, which only configures another handler). */
export function over(client, modelId, streamOptions) {
  const prompt = (text) => [{ role: "user", content: [{ text }] }]
  return {
    async converse(text) {
      const output = await client.send(new ConverseCommand({ modelId, messages: prompt(text) }))
      return (output.output?.message?.content ?? []).map((b) => b.text ?? "").join("")
    },
    async stream(text, onDelta) {
      const output = await client.send(new ConverseStreamCommand({ modelId, messages: prompt(text) }), streamOptions)
      for await (const event of output.stream) {
        const delta = event.contentBlockDelta?.delta?.text
        if (delta !== undefined) onDelta(delta)
      }
    },
    /** The ConverseCommandInput a user builds by hand (no network, no serialisation). */
    async mapRequest(native) {
      return buildInput(modelId, native)
    },
    prepareConversation,
    async close() {
      client.destroy()
    }
  }
}
