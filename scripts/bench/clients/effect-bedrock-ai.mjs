// Benchmark adapter for `@effect-bedrock/ai`: `@effect/ai`'s `LanguageModel` (`generateText`,
// `streamText`) from `BedrockAiLanguageModel.layer` over `BedrockClient.layer`, built once in a
// ManagedRuntime, so the same path as effect-bedrock plus `@effect/ai` on top. Same API as the
// peers' adapters (../peers/README.md). Imports the built packages (dist/), as a user would.
import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { BedrockClient } from "@effect-bedrock/core"
import { LanguageModel, Prompt, Tool } from "@effect/ai"
import { Effect, Either, Layer, ManagedRuntime, Redacted, Schema, Stream, Tracer } from "effect"
import { createRequire } from "node:module"
// The pure mappings (the packages do not export internals; the benchmark reads dist/):
// @effect/ai provider options -> our Request, the call's settings merged and checked (what core's
// BedrockLanguageModel does on every call), then ConverseCommandInput: the same chain as effect-bedrock-effect4's.
import { mapRequest } from "../../../packages/ai/dist/internal/promptMapping.js"
import { SignatureMemo } from "../../../packages/ai/dist/internal/signatureMemo.js"
import { toConverseInput } from "../../../packages/converse/dist/mapping/converse.js"
import * as Prepare from "../../../packages/converse/dist/prepare/prepare.js"
import { makePrepareConversation } from "./aiConversation.mjs"

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

/** Neutral (Converse-shaped) conversation -> an `@effect/ai` Prompt and tools (untimed). */
export const prepareConversation = makePrepareConversation({
  Schema,
  Prompt,
  Tool,
  literals: (values) => Schema.Literal(...values),
  describe: (schema, description) => schema.annotations({ description }),
  parameters: (fields) => fields,
  toolResult: { providerExecuted: false }
})

export async function create({ endpoint, region = "us-east-1", modelId }) {
  const layer = BedrockAiLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(BedrockClient.layer({ region, endpoint, credentials: CREDENTIALS, retry: false }))
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runPromise(Effect.void) // build the layers now, not in the first timed call
  const model = Prepare.makeModel({ model: modelId })
  if (!model.ok) throw new Error(`model: ${model.issues[0].message}`)
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
    /** The pure mappings of a call: @effect/ai provider options -> our Request -> settings merged and checked ->
     * ConverseCommandInput. */
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
      const prepared = Prepare.prepare(model.value, mapped.right.request, undefined)
      if (!prepared.ok) throw new Error(`mapping failed: ${prepared.issues[0].message}`)
      const input = toConverseInput({ ...prepared.value, stream: false })
      if (!input.ok) throw new Error(`mapping failed: ${input.issues[0].message}`)
      return input.value.input
    },
    prepareConversation,
    async close() {
      await runtime.dispose()
    }
  }
}
