import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { vi } from "vitest"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientStub from "../src/BedrockClientStub.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import type * as Response from "../src/Response.js"

// What a plain stream does not need loads on first use: each module below counts its loads.
const loads = vi.hoisted(() => ({ prices: 0, downloads: 0 }))
vi.mock("@pydantic/genai-prices", async (importOriginal) => {
  loads.prices++
  return await importOriginal()
})
vi.mock("../src/internal/languageModel/fileDownload.js", async (importOriginal) => {
  loads.downloads++
  return await importOriginal()
})

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const events: ReadonlyArray<ConverseStreamOutput> = [
  { messageStart: { role: "assistant" } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hello" } } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { text: " there" } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  { messageStop: { stopReason: "end_turn" } },
  { metadata: { usage: { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 }, metrics: { latencyMs: 5 } } }
]

const model = (region: string) =>
  BedrockLanguageModel.layer({ model: SONNET }).pipe(
    Layer.provide(Layer.effect(
      BedrockClient.BedrockClient,
      Effect.map(BedrockClientStub.make({ converseStream: [events] }), (stub) => ({ ...stub.service, region }))
    ))
  )

/** Runs one stream; `atFirstDelta` is what was loaded when the first text delta arrived. */
const stream = Effect.gen(function*() {
  let atFirstDelta: { readonly prices: number; readonly downloads: number } | undefined
  let finish: Response.Finish | undefined
  yield* Stream.runForEach(LanguageModel.stream({ prompt: "Hi" }), (part) =>
    Effect.sync(() => {
      if (part._tag === "TextDelta" && atFirstDelta === undefined) atFirstDelta = { ...loads }
      if (part._tag === "Finish") finish = part
    }))
  assert.isDefined(finish)
  return { atFirstDelta: atFirstDelta!, finish: finish! }
})

describe("lazy modules", () => {
  it.effect("a plain stream loads neither the bundled prices before its end nor the download module", () =>
    Effect.gen(function*() {
      // Outside the regions the bundled prices cover, they never load.
      const elsewhere = yield* stream.pipe(Effect.provide(model("eu-west-1")))
      assert.isUndefined(elsewhere.finish.response.cost)
      assert.deepStrictEqual(loads, { prices: 0, downloads: 0 })

      // Building the layer loads nothing either.
      const context = yield* Layer.build(model("us-east-1"))
      assert.deepStrictEqual(loads, { prices: 0, downloads: 0 })

      // Where they apply, they load at the stream's end: its first parts never wait for them.
      const first = yield* stream.pipe(Effect.provide(context))
      assert.deepStrictEqual(first.atFirstDelta, { prices: 0, downloads: 0 })
      assert.strictEqual(loads.prices, 1)
      const cost = first.finish.response.cost!
      // Regional Claude Sonnet 4.5: $3.30 / $16.50 per million tokens.
      assert.closeTo(cost.total, (1000 * 3.3 + 200 * 16.5) / 1e6, 1e-12)

      // Once, for every later response; the download module is still not loaded.
      const second = yield* stream.pipe(Effect.provide(context))
      assert.deepStrictEqual(second.finish.response.cost, cost)
      const generated = yield* LanguageModel.generate({ prompt: "Hi" }).pipe(
        Effect.provide(
          BedrockLanguageModel.layer({ model: SONNET }).pipe(Layer.provide(Layer.effect(
            BedrockClient.BedrockClient,
            Effect.map(
              BedrockClientStub.make({
                converse: [{
                  output: { message: { role: "assistant", content: [{ text: "Hello" }] } },
                  stopReason: "end_turn",
                  usage: { inputTokens: 1000, outputTokens: 200, totalTokens: 1200 },
                  metrics: { latencyMs: 5 },
                  $metadata: {}
                }]
              }),
              (stub) => ({ ...stub.service, region: "us-west-2" })
            )
          )))
        )
      )
      assert.deepStrictEqual(generated.cost, cost)
      assert.deepStrictEqual(loads, { prices: 1, downloads: 0 })
    }).pipe(Effect.scoped))
})
