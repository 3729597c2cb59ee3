// The README's `@effect/ai` examples, kept honest: they import the packages by name, as users do, and
// run against the local Bedrock (the one change: the local server's client instead of
// `BedrockClient.layerConfig()`).
import { BedrockAiError, BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { LanguageModel } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

describe("README examples (@effect/ai)", () => {
  it.effect("the ten-line example: generateText with Claude on Bedrock", () =>
    Effect.gen(function*() {
      const Client = LocalBedrock.layerBedrockClient()

      const Claude = BedrockAiLanguageModel.layer({ model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
        Layer.provide(Client)
      )

      const program = LanguageModel.generateText({ prompt: "Name three Portuguese cities." }).pipe(
        Effect.map((response) => response.text),
        Effect.provide(Claude)
      )

      const text = yield* program
      assert.isAbove(text.length, 0)
      const [request] = yield* Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.requests)
      assert.deepStrictEqual((request!.body as any).messages, [
        { role: "user", content: [{ text: "Name three Portuguese cities." }] }
      ])
    }).pipe(Effect.provide(LocalBedrock.layer())))

  it.effect("recovering the typed error: unwrap, then catch ThrottlingError by tag", () =>
    Effect.gen(function*() {
      const server = yield* LocalBedrock.LocalBedrock
      yield* server.script(Script.failure("ThrottlingException"))

      const answer = LanguageModel.generateText({ prompt: "Hello" }).pipe(
        BedrockAiError.unwrap, // AiError -> ThrottlingError | ValidationError | ... (others pass through)
        Effect.catchTag("ThrottlingError", (error) => Effect.succeed(`busy, request ${error.requestId}`))
      )

      const result = yield* answer.pipe(
        Effect.provide(BedrockAiLanguageModel.layer({ model: "us.amazon.nova-pro-v1:0" })),
        Effect.provide(LocalBedrock.layerBedrockClient({ retry: false }))
      )
      const [sent] = yield* server.requests
      assert.strictEqual(result, `busy, request ${sent!.requestId}`)
    }).pipe(Effect.provide(LocalBedrock.layer())))
})
