import { BedrockLanguageModel, LanguageModel, Response } from "@effect-bedrock/core"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"

// The real BedrockLanguageModel and BedrockClient, the real AWS SDK, a local Bedrock on 127.0.0.1.
const bedrock = BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: { baseDelay: "1 millis" } } }))
)

// excludeTestServices: the retry waits on the real clock (1 ms), not on the TestClock.
layer(bedrock, { excludeTestServices: true })("under Bedrock's failures", (it) => {
  it.effect("a throttled call is retried, then answered", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(
        LocalBedrockScript.failure("ThrottlingException"),
        LocalBedrockScript.converseText("Hello!")
      )
      const answer = yield* LanguageModel.generate({ prompt: "Hi" }).pipe(Effect.map(Response.text))
      assert.strictEqual(answer, "Hello!")
      assert.strictEqual((yield* local.requests).length, 2)
    }))
})
