// The benchmark's view of this package (scripts/bench): the effect-bedrock-effect4 client's ratio to
// effect-bedrock-ai (the same path on Effect 3), and its targets: ahead of effect-bedrock-ai and of every peer.
import { assert, describe, it } from "@effect/vitest"
import * as Stats from "../../../scripts/bench/stats.mjs"

const m = (value: number) => ({ value, unit: "deltas/s", higherIsBetter: true })

describe("bench: effect-bedrock-effect4", () => {
  it("is a client, compared per round with effect-bedrock-ai and effect-bedrock", () => {
    assert.include(Stats.CLIENTS, Stats.OURS_EFFECT4)
    const rows = Stats.rowsFor("stream-20k", {
      "aws-sdk": [m(100), m(100), m(100)],
      "effect-bedrock": [m(100), m(80), m(100)],
      "effect-bedrock-ai": [m(50), m(80), m(70)],
      "effect-bedrock-effect4": [m(60), m(60), m(77)]
    })
    const effect4 = rows.find((r) => r.client === Stats.OURS_EFFECT4)!
    // Per round: 1.2, 0.75, 1.1.
    assert.strictEqual(effect4.ratioToAi, 1.1)
    // Per round: 0.6, 0.75, 0.77.
    assert.strictEqual(effect4.ratioToOurs, 0.75)
    assert.isUndefined(rows.find((r) => r.client === Stats.OURS_AI)!.ratioToAi)
  })

  it("must be ahead of effect-bedrock-ai and the peers; effect-bedrock does not count it as a peer", () => {
    const checks = Stats.checkTargets(Stats.rowsFor("ttft-added", {
      "aws-sdk": [{ value: 10, unit: "ms", higherIsBetter: false }],
      "effect-bedrock": [{ value: 11, unit: "ms", higherIsBetter: false }],
      "effect-bedrock-ai": [{ value: 12.5, unit: "ms", higherIsBetter: false }],
      "effect-bedrock-effect4": [{ value: 12, unit: "ms", higherIsBetter: false }],
      "langchain": [{ value: 11.5, unit: "ms", higherIsBetter: false }]
    }))
    assert.isTrue(checks.find((c) => c.target === "effect-bedrock-effect4 ahead of effect-bedrock-ai")!.ok)
    assert.isFalse(checks.find((c) => c.target === "effect-bedrock-effect4 ahead of langchain")!.ok)
    assert.isUndefined(checks.find((c) => c.target === "ahead of effect-bedrock-effect4"))
    assert.isUndefined(checks.find((c) => c.target === "effect-bedrock-effect4 ahead of effect-bedrock"))
  })
})
