import { LanguageModel, Response } from "@effect-bedrock/core"
import { TestLanguageModel } from "@effect-bedrock/core/testing"
import { assert, it } from "@effect/vitest"
import { Effect } from "effect"

// The code under test only needs a LanguageModel.
const greet = (name: string) => LanguageModel.generate({ prompt: `Greet ${name}` }).pipe(Effect.map(Response.text))

it.effect("greets by name", () =>
  Effect.gen(function*() {
    assert.strictEqual(yield* greet("Ada"), "Hello, Ada!")
    const [request] = yield* TestLanguageModel.requests
    assert.strictEqual(request!.prompt, "Greet Ada")
  }).pipe(Effect.provide(TestLanguageModel.layerScripted("Hello, Ada!"))))
