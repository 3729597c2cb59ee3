// generateObject is provider-agnostic: over the stub LanguageModel, the answer is read from the
// text (fences tolerated, else the last text part), decoded with the Schema, and the Schema's JSON
// Schema is what the request asks for.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import * as TestLanguageModel from "../src/TestLanguageModel.js"

const Point = Schema.Struct({ x: Schema.Number, y: Schema.Number })

describe("LanguageModel.generateObject", () => {
  it.effect("asks for the Schema's JSON Schema and decodes the answer", () =>
    Effect.gen(function*() {
      const point = yield* LanguageModel.generateObject({
        prompt: "a point",
        schema: Point,
        name: "point",
        description: "A point",
        mode: "prompted"
      })
      assert.deepStrictEqual(point, { x: 1, y: 2 })
      const [request] = yield* TestLanguageModel.requests
      assert.deepStrictEqual(request!.output, {
        name: "point",
        description: "A point",
        mode: "prompted",
        schema: {
          type: "object",
          required: ["x", "y"],
          properties: { x: { type: "number" }, y: { type: "number" } },
          additionalProperties: false
        }
      })
    }).pipe(Effect.provide(TestLanguageModel.layerScripted("```json\n{\"x\":1,\"y\":2}\n```"))))

  it.effect("a sentence before the JSON: the last text part is the answer", () =>
    Effect.gen(function*() {
      const point = yield* LanguageModel.generateObject({ prompt: "a point", schema: Point })
      assert.deepStrictEqual(point, { x: 3, y: 4 })
    }).pipe(Effect.provide(TestLanguageModel.layerScripted(
      TestLanguageModel.response([Prompt.text("Here it is:"), Prompt.text("{\"x\":3,\"y\":4}")])
    ))))

  it.effect("decodes with the Schema's transformations (the model sees the encoded side)", () =>
    Effect.gen(function*() {
      const Event = Schema.Struct({ at: Schema.Date })
      const event = yield* LanguageModel.generateObject({ prompt: "when", schema: Event })
      assert.strictEqual(event.at.toISOString(), "2026-05-01T00:00:00.000Z")
    }).pipe(Effect.provide(TestLanguageModel.layerScripted("{\"at\":\"2026-05-01T00:00:00.000Z\"}"))))
})
