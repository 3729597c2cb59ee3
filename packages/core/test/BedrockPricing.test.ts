import { costAt } from "@effect-bedrock/converse/pricing/bundled"
import { assert, describe, it } from "@effect/vitest"
import { calcPrice } from "@pydantic/genai-prices"
import { Effect } from "effect"
import * as BedrockPricing from "../src/BedrockPricing.js"
import * as Response from "../src/Response.js"

const usage = (
  inputTokens: number,
  outputTokens: number,
  cacheReadTokens = 0,
  cacheWriteTokens = 0
): Response.Usage => ({
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
  details: {}
})

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

describe("BedrockPricing", () => {
  it.effect("bundled: the regional and global profiles have their own prices, with cache reads and writes", () =>
    Effect.gen(function*() {
      const pricing = yield* BedrockPricing.bundled
      const cost = pricing.cost({ modelId: SONNET, region: "us-east-1", usage: usage(1600, 200, 500, 100) })!
      // Regional Claude Sonnet 4.5: $3.30 / $16.50 per million, cache read $0.33, write $4.125.
      assert.strictEqual(cost.currency, "USD")
      assert.closeTo(cost.input, 1000 * 3.3 / 1e6, 1e-12)
      assert.closeTo(cost.output, 200 * 16.5 / 1e6, 1e-12)
      assert.closeTo(cost.cacheRead, 500 * 0.33 / 1e6, 1e-12)
      assert.closeTo(cost.cacheWrite, 100 * 4.125 / 1e6, 1e-12)
      assert.closeTo(cost.total, cost.input + cost.output + cost.cacheRead + cost.cacheWrite, 1e-15)
      // The same figure as the dataset's own calculator.
      const reference = calcPrice(
        { input_tokens: 1600, output_tokens: 200, cache_read_tokens: 500, cache_write_tokens: 100 },
        SONNET,
        { providerId: "aws" }
      )!
      assert.closeTo(cost.total, reference.total_price, 1e-12)
      const global = pricing.cost({
        modelId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        region: "us-west-2",
        usage: usage(1_000_000, 0)
      })!
      assert.closeTo(global.total, 3, 1e-9)
      const nova = pricing.cost({ modelId: "us.amazon.nova-micro-v1:0", region: "us-east-2", usage: usage(1e6, 1e6) })!
      assert.closeTo(nova.total, 0.035 + 0.14, 1e-9)
    }))

  it.effect("bundled: no cost outside what the dataset covers, never a guess", () =>
    Effect.gen(function*() {
      const pricing = yield* BedrockPricing.bundled
      const u = usage(100, 10)
      assert.isUndefined(pricing.cost({ modelId: "acme.unknown-model-v1:0", region: "us-east-1", usage: u }))
      assert.isUndefined(pricing.cost({ modelId: SONNET, region: "eu-west-1", usage: u }))
      assert.isUndefined(pricing.cost({ modelId: SONNET, region: undefined, usage: u }))
      assert.isUndefined(pricing.cost({ modelId: SONNET, region: "us-east-1", serviceTier: "flex", usage: u }))
      assert.isUndefined(pricing.cost({ modelId: SONNET, region: "us-east-1", serviceTier: "priority", usage: u }))
      assert.isDefined(pricing.cost({ modelId: SONNET, region: "us-east-1", serviceTier: "default", usage: u }))
      assert.isDefined(pricing.cost({ modelId: SONNET, region: "us-east-1", serviceTier: "auto", usage: u }))
      assert.isUndefined(
        pricing.cost({
          modelId: "arn:aws:bedrock:us-east-1:123:application-inference-profile/x",
          region: "us-east-1",
          usage: u
        })
      )
    }))

  it("the dataset's price rules: tiers by input tokens, cache rates defaulting to input, one-hour cache writes", () => {
    const tiered = { input_mtok: { base: 1, tiers: [{ start: 1000, price: 2 }] }, output_mtok: 10 }
    assert.closeTo(costAt(tiered as never, usage(1000, 1))!.total, (1000 * 1 + 10) / 1e6, 1e-15)
    assert.closeTo(costAt(tiered as never, usage(1001, 1))!.total, (1001 * 2 + 10) / 1e6, 1e-15)
    // No cache prices: cached tokens are charged as input.
    const flat = costAt({ input_mtok: 2, output_mtok: 4 }, usage(300, 0, 100, 100))!
    assert.closeTo(flat.cacheRead, 100 * 2 / 1e6, 1e-15)
    assert.closeTo(flat.cacheWrite, 100 * 2 / 1e6, 1e-15)
    assert.closeTo(flat.input, 100 * 2 / 1e6, 1e-15)
    // A one-hour cache-write price: which writes were one-hour ones is unknown, so no cost.
    const hourly = { input_mtok: 1, output_mtok: 1, cache_write_mtok: 1.25, cache_write_1h_mtok: 2 }
    assert.isUndefined(costAt(hourly, usage(100, 1, 0, 50)))
    assert.isDefined(costAt(hourly, usage(100, 1, 0, 0)))
    // A price key this library cannot apply: no cost.
    assert.isUndefined(costAt({ input_mtok: 1, output_mtok: 1, requests_kcount: 5 }, usage(1, 1)))
  })

  it.effect("your prices first (by id or RegExp, region, tier), then the fallback", () =>
    Effect.gen(function*() {
      const pricing = BedrockPricing.fromPrices([
        { model: SONNET, regions: ["eu-central-1"], input: 4, output: 20, currency: "EUR" },
        { model: /nova-pro/, serviceTier: "flex", input: 0.4, output: 1.6 }
      ], yield* BedrockPricing.bundled)
      const eu = pricing.cost({ modelId: SONNET, region: "eu-central-1", usage: usage(1e6, 1e6, 1e6 / 2) })!
      assert.strictEqual(eu.currency, "EUR")
      assert.closeTo(eu.total, 0.5 * 4 + 0.5 * 4 + 20, 1e-9) // cache reads at the input price
      const flex = pricing.cost({
        modelId: "us.amazon.nova-pro-v1:0",
        region: "ap-south-1",
        serviceTier: "flex",
        usage: usage(1e6, 0)
      })!
      assert.closeTo(flex.total, 0.4, 1e-12)
      // Not matched: the bundled prices.
      const us = pricing.cost({ modelId: SONNET, region: "us-east-1", usage: usage(1e6, 0) })!
      assert.closeTo(us.total, 3.3, 1e-9)
      assert.isUndefined(
        BedrockPricing.fromPrices([]).cost({ modelId: SONNET, region: "us-east-1", usage: usage(1, 1) })
      )
    }))

  it.effect("layers: your prices with the bundled fallback, without it, and none at all", () =>
    Effect.gen(function*() {
      const entries = [{ model: "acme.model", input: 1, output: 1 }]
      const query = { modelId: SONNET, region: "us-east-1", usage: usage(1e6, 0) }
      const withFallback = yield* Effect.provide(BedrockPricing.BedrockPricing, BedrockPricing.layer(entries))
      assert.closeTo(withFallback.cost(query)!.total, 3.3, 1e-9)
      const without = yield* Effect.provide(
        BedrockPricing.BedrockPricing,
        BedrockPricing.layer(entries, { fallback: "none" })
      )
      assert.isUndefined(without.cost(query))
      assert.isDefined(without.cost({ ...query, modelId: "acme.model" }))
      const none = yield* Effect.provide(BedrockPricing.current, BedrockPricing.layerNone)
      assert.isUndefined(none.cost(query))
      assert.isDefined((yield* BedrockPricing.current).cost(query))
    }))

  it("Response.addCost: unknown or another currency gives no sum", () => {
    const cost = BedrockPricing.costOf({ input: 1, output: 2 }, usage(1e6, 1e6))
    assert.deepStrictEqual(Response.addCost(cost, cost), {
      input: 2,
      output: 4,
      cacheRead: 0,
      cacheWrite: 0,
      total: 6,
      currency: "USD"
    })
    assert.isUndefined(Response.addCost(cost, undefined))
    assert.isUndefined(Response.addCost(cost, { ...cost, currency: "EUR" }))
  })
})
