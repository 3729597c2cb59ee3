// Benchmark adapter for Vercel's AI SDK (`ai` + `@ai-sdk/amazon-bedrock`).
// Plain ESM so that `node` runs it without a build. See ../README.md.
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { generateText, jsonSchema, streamText, tool } from "ai";
import { createRequire } from "node:module";
import { CANNED_CONVERSE_RESPONSE, toolNamesById, toolResultText, unsupportedBlock } from "../conversation.mjs";

const require = createRequire(import.meta.url);
const version = (name) => require(`${name}/package.json`).version;

export const info = {
  client: "ai-sdk",
  packages: {
    ai: version("ai"),
    "@ai-sdk/amazon-bedrock": version("@ai-sdk/amazon-bedrock")
  }
};

// The AI SDK prints provider warnings with console.warn unless this global is false.
globalThis.AI_SDK_LOG_WARNINGS = false;

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" };
// No retries, telemetry explicitly off (it is off anyway unless an integration is registered).
const CALL_OPTIONS = { maxRetries: 0, telemetry: { isEnabled: false } };

/** Converse-shaped conversation (see ../conversation.mjs) -> AI SDK call options (untimed). */
export function prepareConversation(conversation) {
  const names = toolNamesById(conversation);
  const messages = [];
  for (const m of conversation.messages) {
    if (m.role === "assistant") {
      messages.push({
        role: "assistant",
        content: m.content.map((b) => {
          if (typeof b.text === "string") return { type: "text", text: b.text };
          if (b.toolUse) return { type: "tool-call", toolCallId: b.toolUse.toolUseId, toolName: b.toolUse.name, input: b.toolUse.input };
          throw unsupportedBlock(b);
        })
      });
      continue;
    }
    // A Converse user message may mix tool results and text: the AI SDK wants the results in a
    // `tool` message and the text in a `user` message.
    const results = [];
    const parts = [];
    for (const b of m.content) {
      if (typeof b.text === "string") parts.push({ type: "text", text: b.text });
      else if (b.toolResult) {
        const value = toolResultText(b.toolResult);
        results.push({
          type: "tool-result",
          toolCallId: b.toolResult.toolUseId,
          toolName: names.get(b.toolResult.toolUseId) ?? "unknown",
          output: b.toolResult.status === "error" ? { type: "error-text", value } : { type: "text", value }
        });
      } else throw unsupportedBlock(b);
    }
    if (results.length > 0) messages.push({ role: "tool", content: results });
    if (parts.length > 0) messages.push({ role: "user", content: parts });
  }
  const options = { messages };
  if (conversation.system?.length) options.instructions = conversation.system.map((s) => s.text).join("\n");
  if (conversation.toolConfig?.tools?.length) {
    options.tools = Object.fromEntries(conversation.toolConfig.tools.map(({ toolSpec }) => [
      toolSpec.name,
      tool({ description: toolSpec.description, inputSchema: jsonSchema(toolSpec.inputSchema.json) })
    ]));
  }
  return options;
}

export async function create({ endpoint, region = "us-east-1", modelId }) {
  const provider = createAmazonBedrock({ region, ...CREDENTIALS, baseURL: endpoint });
  const model = provider(modelId);

  // mapRequest: a second provider whose fetch never touches the network. The AI SDK signs the
  // request (aws4fetch) and then calls this fetch, so the measured work is: prompt validation and
  // standardisation in `ai`, the Bedrock provider's mapping, JSON.stringify, SigV4 signing, and
  // parsing a tiny canned ConverseResponse.
  let captured;
  const interceptingFetch = async (_url, init) => {
    captured = init?.body;
    return new Response(CANNED_CONVERSE_RESPONSE, { status: 200, headers: { "content-type": "application/json" } });
  };
  const mappingModel = createAmazonBedrock({ region, ...CREDENTIALS, baseURL: endpoint, fetch: interceptingFetch })(modelId);

  return {
    async converse(prompt) {
      const result = await generateText({ model, prompt, ...CALL_OPTIONS });
      return result.text;
    },
    async stream(prompt, onDelta) {
      // onError: the default one prints every stream error with console.error; the error is thrown
      // below instead. fullStream, not textStream: textStream skips error parts.
      const result = streamText({ model, prompt, ...CALL_OPTIONS, onError: () => {} });
      for await (const part of result.fullStream) {
        if (part.type === "text-delta") onDelta(part.text);
        else if (part.type === "error") throw part.error;
      }
    },
    /** `native` comes from prepareConversation. Resolves with the request body the peer built. */
    async mapRequest(native) {
      captured = undefined;
      await generateText({ model: mappingModel, ...native, ...CALL_OPTIONS });
      return captured;
    },
    prepareConversation,
    async close() {
      // Nothing to close: the provider uses the global fetch (undici's global dispatcher).
    }
  };
}
