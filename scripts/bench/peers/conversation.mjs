// The neutral conversation that every peer adapter's `prepareConversation` accepts.
// It is Bedrock Converse-shaped, so our library and the raw SDK take it as it is:
//
//   {
//     system?:   [{ text }],
//     messages:  [{ role: "user" | "assistant", content: Block[] }],
//     toolConfig?: { tools: [{ toolSpec: { name, description, inputSchema: { json } } }] }
//   }
//   Block = { text } | { toolUse: { toolUseId, name, input } }
//         | { toolResult: { toolUseId, content: [{ text }], status?: "success" | "error" } }
//
// Other block kinds (images, documents, reasoning, cache points) are not used by the benchmark and
// the adapters reject them.

/** Builds a deterministic conversation: `messages` turns (user/assistant alternating, every
 * `toolEvery`-th assistant turn calls a tool whose result comes back in the next user turn) and
 * `tools` tool specs with small JSON Schemas. */
export function makeConversation({ messages = 200, tools = 50, toolEvery = 5 } = {}) {
  const toolSpecs = Array.from({ length: tools }, (_, i) => ({
    toolSpec: {
      name: `tool_${i}`,
      description: `Tool number ${i}: looks something up and returns a short answer.`,
      inputSchema: {
        json: {
          type: "object",
          properties: {
            query: { type: "string", description: "What to look up" },
            limit: { type: "integer", description: "Maximum number of results" },
            exact: { type: "boolean" },
            tags: { type: "array", items: { type: "string" } },
            mode: { type: "string", enum: ["fast", "thorough"] }
          },
          required: ["query"]
        }
      }
    }
  }));
  const out = [];
  let pendingTool;
  let call = 0;
  for (let i = 0; i < messages; i++) {
    if (i % 2 === 0) {
      const content = [];
      if (pendingTool) {
        content.push({ toolResult: { toolUseId: pendingTool.toolUseId, content: [{ text: `result for ${pendingTool.name}: 42 items` }], status: "success" } });
        pendingTool = undefined;
      } else {
        content.push({ text: `User turn ${i}: please tell me something interesting about topic number ${i}.` });
      }
      out.push({ role: "user", content });
    } else {
      const turn = (i - 1) / 2;
      const content = [{ text: `Assistant turn ${i}: here is a fairly ordinary answer about topic ${i - 1}, with a few sentences of text.` }];
      if (tools > 0 && turn % toolEvery === toolEvery - 1 && i < messages - 1) {
        const name = `tool_${call % tools}`;
        const toolUseId = `tooluse_${call++}`;
        content.push({ toolUse: { toolUseId, name, input: { query: `topic ${i}`, limit: 3 } } });
        pendingTool = { toolUseId, name };
      }
      out.push({ role: "assistant", content });
    }
  }
  return {
    system: [{ text: "You are a helpful assistant used in a benchmark." }],
    messages: out,
    ...(tools > 0 ? { toolConfig: { tools: toolSpecs } } : {})
  };
}

/** toolUseId -> tool name, for peers whose tool results must name the tool. */
export function toolNamesById(conversation) {
  const names = new Map();
  for (const m of conversation.messages) {
    for (const b of m.content) if (b.toolUse) names.set(b.toolUse.toolUseId, b.toolUse.name);
  }
  return names;
}

export function toolResultText(toolResult) {
  return toolResult.content.map((c) => {
    if (typeof c.text === "string") return c.text;
    if (c.json !== undefined) return JSON.stringify(c.json);
    throw new Error("unsupported toolResult content block");
  }).join("");
}

export function unsupportedBlock(block) {
  return new Error(`unsupported content block: ${Object.keys(block).join(",")}`);
}

/** The ConverseResponse that `mapRequest` interceptors answer with. */
export const CANNED_CONVERSE_RESPONSE = JSON.stringify({
  output: { message: { role: "assistant", content: [{ text: "ok" }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
  metrics: { latencyMs: 0 }
});
