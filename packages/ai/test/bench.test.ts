// The benchmark's view of this package (scripts/bench): the effect-bedrock-ai client's ratio to our
// own LanguageModel, and its target against @effect/ai-amazon-bedrock.
import { assert, describe, it } from "@effect/vitest"
import * as Stats from "../../../scripts/bench/stats.mjs"

const m = (value: number) => ({ value, unit: "deltas/s", higherIsBetter: true })

describe("bench: effect-bedrock-ai", () => {
  it("is a client, compared per round with effect-bedrock", () => {
    assert.include(Stats.CLIENTS, Stats.OURS_AI)
    const rows = Stats.rowsFor("stream-20k", {
      "aws-sdk": [m(100), m(100), m(100)],
      "effect-bedrock": [m(90), m(80), m(100)],
      "effect-bedrock-ai": [m(45), m(60), m(70)]
    })
    const ai = rows.find((r) => r.client === "effect-bedrock-ai")!
    assert.strictEqual(ai.ratioToSdk, 0.6)
    // Per round: 0.5, 0.75, 0.7.
    assert.strictEqual(ai.ratioToOurs, 0.7)
    assert.isUndefined(rows.find((r) => r.client === "effect-bedrock")!.ratioToOurs)
  })

  it("must stay ahead of @effect/ai-amazon-bedrock; effect-bedrock is not checked against it", () => {
    const rows = Stats.rowsFor("stream-20k", {
      "aws-sdk": [m(100)],
      "effect-bedrock": [m(90)],
      "effect-bedrock-ai": [m(50)],
      "effect-ai-bedrock": [m(20)]
    })
    const checks = Stats.checkTargets(rows)
    assert.isTrue(checks.find((c) => c.target === "effect-bedrock-ai ahead of effect-ai-bedrock")!.ok)
    assert.isUndefined(checks.find((c) => c.target === "ahead of effect-bedrock-ai"))
    const behind = Stats.checkTargets(Stats.rowsFor("converse-c1", {
      "aws-sdk": [{ value: 100, unit: "req/s", higherIsBetter: true }],
      "effect-bedrock-ai": [{ value: 60, unit: "req/s", higherIsBetter: true }],
      "effect-ai-bedrock": [{ value: 70, unit: "req/s", higherIsBetter: true }]
    }))
    assert.isFalse(behind.find((c) => c.target === "effect-bedrock-ai ahead of effect-ai-bedrock")!.ok)
  })
})
