// Benchmark adapter for LangChain's ChatBedrockConverse (`@langchain/aws` + `@langchain/core`).
// Plain ESM so that `node` runs it without a build. See ../README.md.
//
// ChatBedrockConverse is not fetch-based: it sends through an AWS SDK v3 BedrockRuntimeClient,
// whose default Node handler speaks HTTP/2 (cleartext h2c to an http:// endpoint).
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { ChatBedrockConverse } from "@langchain/aws";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import http from "node:http";
import { createRequire } from "node:module";
import { CANNED_CONVERSE_RESPONSE, toolResultText, unsupportedBlock } from "../conversation.mjs";

const require = createRequire(import.meta.url);
const version = (name) => require(`${name}/package.json`).version;

export const info = {
  client: "langchain",
  packages: {
    "@langchain/aws": version("@langchain/aws"),
    "@langchain/core": version("@langchain/core"),
    "@aws-sdk/client-bedrock-runtime": version("@aws-sdk/client-bedrock-runtime")
  }
};

const CREDENTIALS = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" };

/** Converse-shaped conversation (see ../conversation.mjs) -> LangChain messages and tools (untimed). */
export function prepareConversation(conversation) {
  const messages = [];
  if (conversation.system?.length) messages.push(new SystemMessage(conversation.system.map((s) => s.text).join("\n")));
  for (const m of conversation.messages) {
    if (m.role === "assistant") {
      const text = [];
      const toolCalls = [];
      for (const b of m.content) {
        if (typeof b.text === "string") text.push(b.text);
        else if (b.toolUse) toolCalls.push({ id: b.toolUse.toolUseId, name: b.toolUse.name, args: b.toolUse.input, type: "tool_call" });
        else throw unsupportedBlock(b);
      }
      messages.push(new AIMessage({ content: text.join(""), tool_calls: toolCalls }));
      continue;
    }
    const text = [];
    for (const b of m.content) {
      if (typeof b.text === "string") text.push(b.text);
      else if (b.toolResult) {
        messages.push(new ToolMessage({
          content: toolResultText(b.toolResult),
          tool_call_id: b.toolResult.toolUseId,
          status: b.toolResult.status === "error" ? "error" : "success"
        }));
      } else throw unsupportedBlock(b);
    }
    if (text.length > 0) messages.push(new HumanMessage(text.join("")));
  }
  // LangChain's ToolDefinition (OpenAI function format) with the JSON Schema as is.
  const tools = (conversation.toolConfig?.tools ?? []).map(({ toolSpec }) => ({
    type: "function",
    function: { name: toolSpec.name, description: toolSpec.description, parameters: toolSpec.inputSchema.json }
  }));
  return { messages, tools };
}

/**
 * @param {{ endpoint: string, region?: string, modelId: string, transport?: "sdk-default" | "http1" }} options
 *   transport "sdk-default" (the default) keeps what ChatBedrockConverse gets out of the box, the
 *   SDK's HTTP/2 handler; "http1" swaps in NodeHttpHandler with a keep-alive agent.
 */
export async function create({ endpoint, region = "us-east-1", modelId, transport = "sdk-default" }) {
  // LangSmith tracing is switched on only by these variables; make sure it stays off in this process.
  process.env.LANGSMITH_TRACING = "false";
  process.env.LANGCHAIN_TRACING_V2 = "false";
  process.env.LANGCHAIN_TRACING = "false";

  let agent;
  const clientConfig = { region, endpoint, credentials: CREDENTIALS, maxAttempts: 1 };
  if (transport === "http1") {
    agent = new http.Agent({ keepAlive: true });
    clientConfig.requestHandler = new NodeHttpHandler({ httpAgent: agent });
  } else if (transport !== "sdk-default") throw new Error(`unknown transport ${transport}`);

  // ChatBedrockConverse's own `endpointHost` option always builds an https:// URL, and it overwrites
  // `clientOptions.endpoint`, so an http:// endpoint needs a client of our own (the `client` option).
  const client = new BedrockRuntimeClient(clientConfig);
  const modelFields = { region, credentials: CREDENTIALS, model: modelId, maxRetries: 0, callbacks: [] };
  const model = new ChatBedrockConverse({ ...modelFields, client });

  // mapRequest: a client whose request handler never touches the network. Measured work:
  // LangChain's message/tool conversion and invocation params, the SDK's middleware stack
  // (serialisation, SigV4 signing with a SHA-256 of the body), and deserialising a tiny canned
  // ConverseResponse.
  let captured;
  const canned = new TextEncoder().encode(CANNED_CONVERSE_RESPONSE);
  const mappingClient = new BedrockRuntimeClient({
    region,
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    requestHandler: {
      async handle(request) {
        captured = request.body;
        return { response: { statusCode: 200, headers: { "content-type": "application/json" }, body: canned } };
      },
      updateHttpClientConfig() {},
      httpHandlerConfigs() {
        return {};
      }
    }
  });
  const mappingModel = new ChatBedrockConverse({ ...modelFields, client: mappingClient });
  const bound = new WeakMap();

  return {
    async converse(prompt) {
      const message = await model.invoke(prompt);
      return message.text;
    },
    async stream(prompt, onDelta) {
      for await (const chunk of await model.stream(prompt)) {
        const text = chunk.text;
        if (text) onDelta(text);
      }
    },
    /** `native` comes from prepareConversation. Resolves with the request body the peer built. */
    async mapRequest(native) {
      captured = undefined;
      let runnable = bound.get(native);
      if (!runnable) {
        runnable = native.tools.length ? mappingModel.bindTools(native.tools) : mappingModel;
        bound.set(native, runnable);
      }
      await runnable.invoke(native.messages);
      return captured;
    },
    prepareConversation,
    async close() {
      client.destroy();
      mappingClient.destroy();
      agent?.destroy();
    }
  };
}
