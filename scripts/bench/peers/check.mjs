// Smoke check of the peer adapters against a running local Bedrock server.
//   node scripts/bench/peers/check.mjs http://127.0.0.1:PORT [ai-sdk langchain effect-ai-bedrock]
// Each adapter must get the text from a Converse call and from a ConverseStream call, and build a
// request body for a 200-message, 50-tool conversation without touching the network.
import { makeConversation } from "./conversation.mjs";

const [endpoint, ...names] = process.argv.slice(2);
if (!endpoint) {
  console.error("usage: node check.mjs http://127.0.0.1:PORT [peer...]");
  process.exit(2);
}
const peers = names.length > 0 ? names : ["ai-sdk", "langchain", "effect-ai-bedrock"];
const modelId = process.env.MODEL_ID ?? "us.amazon.nova-micro-v1:0";
const conversation = makeConversation({ messages: 200, tools: 50 });

let failed = 0;
for (const name of peers) {
  const adapter = await import(`./${name}/adapter.mjs`);
  const client = await adapter.create({ endpoint, region: "us-east-1", modelId });
  try {
    const text = await client.converse("Say hello");
    const deltas = [];
    const t0 = performance.now();
    const times = [];
    await client.stream("Say hello", (d) => {
      deltas.push(d);
      times.push(Math.round(performance.now() - t0));
    });
    let mapping = "n/a";
    if (client.mapRequest) {
      const native = client.prepareConversation(conversation);
      const body = await client.mapRequest(native);
      const json = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
      mapping = `${json.messages.length} messages, ${json.toolConfig?.tools?.length ?? 0} tools, ${JSON.stringify(json).length} chars`;
      const n = 200;
      const t1 = performance.now();
      for (let i = 0; i < n; i++) await client.mapRequest(native);
      mapping += `, ~${((performance.now() - t1) / n).toFixed(2)} ms/mapRequest`;
    }
    console.log(`${name} ${JSON.stringify(adapter.info.packages)}`);
    console.log(`  converse: ${JSON.stringify(text)}`);
    console.log(`  stream:   ${JSON.stringify(deltas)} at ms ${JSON.stringify(times)}`);
    console.log(`  mapping:  ${mapping}`);
    if (text !== "hello there" && !process.env.ANY_TEXT) throw new Error("unexpected converse text");
  } catch (e) {
    failed++;
    console.log(`${name} FAILED:`, e);
  } finally {
    await client.close();
  }
}
process.exitCode = failed ? 1 : 0;
