// Benchmark adapter for Effect's `@effect/ai-amazon-bedrock` (Effect 3 line, `@effect/ai` 0.35).
// Plain ESM so that `node` runs it without a build. See ../README.md.
import { LanguageModel, Prompt, Tool, Toolkit } from "@effect/ai";
import { AmazonBedrockClient, AmazonBedrockLanguageModel } from "@effect/ai-amazon-bedrock";
import { FetchHttpClient, HttpClient } from "@effect/platform";
import { NodeHttpClient } from "@effect/platform-node";
import { Effect, Layer, ManagedRuntime, Redacted, Schema, Stream } from "effect";
import { createRequire } from "node:module";
import { CANNED_CONVERSE_RESPONSE, toolNamesById, toolResultText, unsupportedBlock } from "../conversation.mjs";

const require = createRequire(import.meta.url);
const version = (name) => require(`${name}/package.json`).version;

export const info = {
  client: "effect-ai-bedrock",
  packages: {
    "@effect/ai-amazon-bedrock": version("@effect/ai-amazon-bedrock"),
    "@effect/ai": version("@effect/ai"),
    "@effect/platform": version("@effect/platform"),
    "@effect/platform-node": version("@effect/platform-node"),
    effect: version("effect")
  }
};

const HTTP_CLIENTS = {
  // The platform's fetch client (Node's global fetch, i.e. undici's global dispatcher).
  fetch: () => FetchHttpClient.layer,
  // @effect/platform-node: undici with its own Dispatcher, or node:http with a keep-alive agent.
  undici: () => NodeHttpClient.layerUndici,
  node: () => NodeHttpClient.layer
};

/** A small JSON Schema -> Effect Schema translation, enough for the benchmark's tool specs. */
function schemaFromJson(json) {
  const annotate = (s) => (json.description ? s.annotations({ description: json.description }) : s);
  if (Array.isArray(json.enum)) return annotate(Schema.Literal(...json.enum));
  switch (json.type) {
    case "string": return annotate(Schema.String);
    case "integer": return annotate(Schema.Int);
    case "number": return annotate(Schema.Number);
    case "boolean": return annotate(Schema.Boolean);
    case "array": return annotate(Schema.Array(json.items ? schemaFromJson(json.items) : Schema.Unknown));
    case "object": return annotate(Schema.Struct(fieldsFromJson(json)));
    default: return annotate(Schema.Unknown);
  }
}
function fieldsFromJson(json) {
  const required = new Set(json.required ?? []);
  return Object.fromEntries(Object.entries(json.properties ?? {}).map(([key, value]) => {
    const s = schemaFromJson(value);
    return [key, required.has(key) ? s : Schema.optional(s)];
  }));
}

/** Converse-shaped conversation (see ../conversation.mjs) -> an `@effect/ai` Prompt and a
 * Toolkit with (never called) handlers, both built once, untimed. */
export function prepareConversation(conversation) {
  const names = toolNamesById(conversation);
  const messages = [];
  if (conversation.system?.length) messages.push({ role: "system", content: conversation.system.map((s) => s.text).join("\n") });
  for (const m of conversation.messages) {
    if (m.role === "assistant") {
      messages.push({
        role: "assistant",
        content: m.content.map((b) => {
          if (typeof b.text === "string") return { type: "text", text: b.text };
          if (b.toolUse) return { type: "tool-call", id: b.toolUse.toolUseId, name: b.toolUse.name, params: b.toolUse.input, providerExecuted: false };
          throw unsupportedBlock(b);
        })
      });
      continue;
    }
    const results = [];
    const parts = [];
    for (const b of m.content) {
      if (typeof b.text === "string") parts.push({ type: "text", text: b.text });
      else if (b.toolResult) {
        results.push({
          type: "tool-result",
          id: b.toolResult.toolUseId,
          name: names.get(b.toolResult.toolUseId) ?? "unknown",
          result: toolResultText(b.toolResult),
          isFailure: b.toolResult.status === "error",
          providerExecuted: false
        });
      } else throw unsupportedBlock(b);
    }
    if (results.length > 0) messages.push({ role: "tool", content: results });
    if (parts.length > 0) messages.push({ role: "user", content: parts });
  }
  const prompt = Prompt.make(messages);
  const specs = conversation.toolConfig?.tools ?? [];
  let toolkit;
  if (specs.length > 0) {
    const tools = specs.map(({ toolSpec }) => Tool.make(toolSpec.name, {
      description: toolSpec.description,
      parameters: fieldsFromJson(toolSpec.inputSchema.json),
      success: Schema.Unknown
    }));
    const kit = Toolkit.make(...tools);
    const handlers = Object.fromEntries(specs.map(({ toolSpec }) => [toolSpec.name, () => Effect.die("tool handlers are not used by the benchmark")]));
    toolkit = Effect.runSync(kit.pipe(Effect.provide(kit.toLayer(handlers))));
  }
  return { prompt, toolkit };
}

/**
 * @param {{ endpoint: string, region?: string, modelId: string,
 *           httpClient?: "fetch" | "undici" | "node", tracing?: boolean }} options
 *   httpClient: which HttpClient layer carries the requests ("fetch", the default, is the
 *   platform's FetchHttpClient). tracing: false (the default) turns Effect's tracer off and stops
 *   the HttpClient from adding `traceparent` / `b3` headers.
 */
export async function create({ endpoint, region = "us-east-1", modelId, httpClient = "fetch", tracing = false }) {
  const makeHttp = HTTP_CLIENTS[httpClient];
  if (!makeHttp) throw new Error(`unknown httpClient ${httpClient}`);
  const clientOptions = {
    apiUrl: endpoint,
    accessKeyId: "AKIDLOCAL",
    secretAccessKey: Redacted.make("local-secret"),
    region,
    ...(tracing ? {} : { transformClient: HttpClient.withTracerPropagation(false) })
  };
  // No retries: neither the client nor LanguageModel retries unless asked to.
  const modelLayer = (http) =>
    AmazonBedrockLanguageModel.layer({ model: modelId }).pipe(
      Layer.provide(AmazonBedrockClient.layer(clientOptions)),
      Layer.provide(http),
      Layer.merge(tracing ? Layer.empty : Layer.setTracerEnabled(false))
    );
  const runtime = ManagedRuntime.make(modelLayer(makeHttp()));

  // mapRequest: FetchHttpClient with a fetch that never touches the network. Measured work: the
  // Prompt/Toolkit -> Converse mapping (tool JSON Schemas are generated from the Effect Schemas on
  // every call), JSON encoding, SigV4 signing (aws4fetch), and decoding a tiny canned response.
  let captured;
  const interceptingFetch = async (_url, init) => {
    captured = init?.body;
    return new Response(CANNED_CONVERSE_RESPONSE, { status: 200, headers: { "content-type": "application/json" } });
  };
  const mappingRuntime = ManagedRuntime.make(modelLayer(
    FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, interceptingFetch)))
  ));

  return {
    async converse(prompt) {
      const response = await runtime.runPromise(LanguageModel.generateText({ prompt }));
      return response.text;
    },
    async stream(prompt, onDelta) {
      await runtime.runPromise(
        LanguageModel.streamText({ prompt }).pipe(
          Stream.runForEach((part) => (part.type === "text-delta" ? Effect.sync(() => onDelta(part.delta)) : Effect.void))
        )
      );
    },
    /** `native` comes from prepareConversation. Resolves with the request body the peer built. */
    async mapRequest(native) {
      captured = undefined;
      await mappingRuntime.runPromise(LanguageModel.generateText(
        native.toolkit
          ? { prompt: native.prompt, toolkit: native.toolkit, disableToolCallResolution: true }
          : { prompt: native.prompt }
      ));
      return captured;
    },
    prepareConversation,
    async close() {
      await runtime.dispose();
      await mappingRuntime.dispose();
    }
  };
}
