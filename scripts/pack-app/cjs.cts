// A CommonJS consumer (`.cts`: `require` at run time, `module: NodeNext` types): no TS1479.
import { BedrockClient, BedrockLanguageModel, LanguageModel, Response } from "@effect-bedrock/core"
import { TestLanguageModel } from "@effect-bedrock/core/testing"
import { LocalBedrock } from "@effect-bedrock/local"
import { Effect, Layer } from "effect"

const scripted = LanguageModel.generate({ prompt: "hi" }).pipe(
  Effect.map(Response.text),
  Effect.provide(TestLanguageModel.layerScripted("from the stub"))
)

const local = LanguageModel.generate({ prompt: "from CommonJS" }).pipe(
  Effect.map(Response.text),
  Effect.provide(
    BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(Layer.provide(BedrockClient.layerConfig()))
  )
)

Effect.runPromise(Effect.all([scripted, local])).then(
  ([a, b]) => {
    if (a !== "from the stub" || b !== "You said: from CommonJS" || typeof LocalBedrock.layer !== "function") {
      throw new Error(`cjs.cts: ${a} / ${b}`)
    }
    console.log("cjs.cts (CommonJS): ok")
  }
).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
