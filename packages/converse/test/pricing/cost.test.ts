import * as Converse from "@effect-bedrock/converse"
import * as Cost from "@effect-bedrock/converse/pricing/cost"
import * as Tiers from "@effect-bedrock/converse/pricing/tiers"
import * as Helpers from "@effect-bedrock/converse/response/helpers"
import { assert, describe, it } from "vitest"

describe("pricing", () => {
  it("cost: uncached input, output and cache tokens at their rates (cache at the input rate by default)", () => {
    const usage = {
      ...Helpers.emptyUsage,
      inputTokens: 1_000,
      outputTokens: 500,
      cacheReadTokens: 200,
      cacheWriteTokens: 100
    }
    assert.deepStrictEqual(Cost.make(usage, 3, 15, 0.3, undefined, "USD"), {
      input: 0.0021,
      output: 0.0075,
      cacheRead: 0.00006,
      cacheWrite: 0.0003,
      total: 0.00996,
      currency: "USD"
    })
  })

  it("tiers: absent, auto and standard are default; the bundled prices cover the US regions", () => {
    for (const tier of [undefined, "auto", "standard", "default"]) {
      assert.strictEqual(Tiers.serviceTierOf(tier), "default")
    }
    assert.strictEqual(Tiers.serviceTierOf("flex"), "flex")
    assert.isTrue(Tiers.bundledRegions.has("us-east-1"))
    assert.isFalse(Tiers.bundledRegions.has("eu-west-1"))
  })

  it("the index reaches cost and tiers, never the bundled price data", () => {
    assert.strictEqual(Converse.PricingTiers.serviceTierOf, Tiers.serviceTierOf)
    assert.strictEqual(Converse.PricingCost.make, Cost.make)
    assert.notProperty(Converse, "Bundled")
  })
})
