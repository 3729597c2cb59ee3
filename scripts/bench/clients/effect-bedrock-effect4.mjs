// Benchmark adapter for `@effect-bedrock/effect4`: Effect 4's `effect/ai` `LanguageModel` (`generateText`,
// `streamText`) from `BedrockLanguageModel.layer` over `BedrockClient.layer`, built once in a ManagedRuntime:
// the path of effect-bedrock-ai (the engine under effect/ai) on the Effect 4 line. Same API as the peers'
// adapters (../peers/README.md). Imports the built package (dist/) by path, and Effect 4 from where that
// package resolves it (packages/effect4/node_modules/effect): the same module files the package itself loads,
// never the workspace's hoisted Effect 3.
import { createRequire } from "node:module"
import { pathToFileURL } from "node:url"
import { makePrepareConversation } from "./aiConversation.mjs"

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

/** Neutral (Converse-shaped) conversation -> an effect/ai Prompt and tools (untimed). */
export const prepareConversation = makePrepareConversation({
  Schema,
  Prompt,
  Tool,
  literals: (values) => Schema.Literals(values),
  describe: (schema, description) => schema.annotate({ description }),
  parameters: (fields) => Schema.Struct(fields)
})

export async function create({ endpoint, region = "us-east-1", modelId }) {
  // The layer's defaults, as a user gets them (the engine's request handler, as the Effect 3 clients have);
  // retries off (`retry: false`), as the Effect 3 clients of the bench have them.
  const layer = BedrockLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(BedrockClient.layer({ region, endpoint, credentials: CREDENTIALS, retry: false }))
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
