import { BedrockLanguageModel, LanguageModel, Response } from "@effect-bedrock/core"
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

// Recorded once from Amazon Bedrock (BEDROCK_CASSETTE_MODE=record npx vitest run), replayed in every other run.
const bedrock = BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(
  Layer.provide(LocalBedrock.cassette(new URL("cassettes/haiku.json", import.meta.url), { strict: true }))
)

it.effect("writes a haiku", () =>
  Effect.gen(function*() {
    const haiku = yield* LanguageModel.generate({ prompt: "Write a haiku about the sea." }).pipe(
      Effect.map(Response.text)
    )
    assert.strictEqual(haiku.split("\n").length, 3)
  }).pipe(Effect.provide(bedrock)))
