import { batchCost, documentedDiscount } from "@effect-bedrock/converse/pricing/batch"
import type { Prices } from "@effect-bedrock/converse/pricing/cost"
import * as Cost from "@effect-bedrock/converse/pricing/cost"
import * as Helpers from "@effect-bedrock/converse/response/helpers"
import { assert, describe, it } from "vitest"

const usage = { ...Helpers.emptyUsage, inputTokens: 1_000_000, outputTokens: 100_000, totalTokens: 1_100_000 }

// On-demand $3 / $15 per million for every model; a batch price only where the tier says so.
const onDemand: Prices = {
  cost: (query) =>
    query.serviceTier === undefined ? Cost.make(query.usage, 3, 15, undefined, undefined, "USD") : undefined
}

describe("batch pricing", () => {
  it("without a batch price: AWS's documented 50% off on-demand, for the providers it names", () => {
    const claude = batchCost(onDemand, { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", usage })
    assert.strictEqual(claude.basis, "documented-discount")
    assert.deepStrictEqual(claude.cost, {
      input: 1.5,
      output: 0.75,
      cacheRead: 0,
      cacheWrite: 0,
      total: 2.25,
      currency: "USD"
    })
    assert.strictEqual(documentedDiscount.factor, 0.5)
    assert.match(documentedDiscount.source, /aws\.amazon\.com\/bedrock\/pricing/)
    for (
      const modelId of [
        "us.amazon.nova-micro-v1:0",
        "us.meta.llama3-3-70b-instruct-v1:0",
        "mistral.mistral-large-2407-v1:0"
      ]
    ) {
      assert.strictEqual(batchCost(onDemand, { modelId, usage }).basis, "documented-discount", modelId)
    }
  })

  it("no documented discount, no on-demand price, or cache tokens: the cost is unknown, never guessed", () => {
    assert.deepStrictEqual(batchCost(onDemand, { modelId: "cohere.command-r-plus-v1:0", usage }), {
      cost: undefined,
      basis: "unknown"
    })
    const none: Prices = { cost: () => undefined }
    assert.isUndefined(batchCost(none, { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", usage }).cost)
    const cached = { ...usage, cacheReadTokens: 10 }
    assert.isUndefined(
      batchCost(onDemand, { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", usage: cached }).cost
    )
  })

  it("your batch price wins (asked for as the service tier \"batch\")", () => {
    const own: Prices = {
      cost: (query) =>
        query.serviceTier === "batch" ? Cost.make(query.usage, 1, 2, undefined, undefined, "EUR") : onDemand.cost(query)
    }
    const priced = batchCost(own, { modelId: "cohere.command-r-plus-v1:0", usage })
    assert.strictEqual(priced.basis, "batch-price")
    assert.deepInclude(priced.cost, { input: 1, output: 0.2, currency: "EUR" })
  })
})
