/**
 * The bundled prices: `@pydantic/genai-prices` (provider `aws`), the dataset pydantic-ai uses,
 * loaded by `BedrockPricing.bundled` on first use (about 800 kB of data, so never at import
 * time). Its model match runs once per model id (it costs about 0.1 ms); each call then prices
 * the usage from the cached model entry, in microseconds.
 *
 * Its prices are the AWS pricing page's on-demand prices for the US regions, in US dollars, one
 * per model (the regional `us.`/`eu.` profiles and the `global.` ones are separate models with
 * their own prices). So they are used only in the US regions and the default tier.
 *
 * Reached only by its own path (`@effect-bedrock/converse/pricing/bundled`), loaded lazily: the
 * engine's index never imports it.
 *
 * @since 0.1.0
 * @internal
 */
import { calcPrice, type ModelInfo, type ModelPrice } from "@pydantic/genai-prices"
import type * as Response from "../response/types.js"
import * as Costs from "./cost.js"
import { bundledRegions, serviceTierOf } from "./tiers.js"

/** @internal */
export const regions: ReadonlySet<string> = bundledRegions

/** The keys of a model price this module knows how to apply; any other key makes the price unusable. */
const handled = new Set(["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok"])
// Audio prices (speech models) never apply to Converse's text usage.
const ignored = new Set(["input_audio_mtok", "output_audio_mtok"])

type Rate = ModelPrice[string]

const models = new Map<string, ModelInfo | null>()

const modelFor = (modelId: string): ModelInfo | undefined => {
  let model = models.get(modelId)
  if (model === undefined) {
    const found = calcPrice({ input_tokens: 0, output_tokens: 0 }, modelId, { providerId: "aws" })
    model = found === null ? null : found.model
    models.set(modelId, model)
  }
  return model ?? undefined
}

/** The price in force at `at`: the last entry whose start date has passed. Other constraints: unknown. */
const priceAt = (model: ModelInfo, at: Date): ModelPrice | undefined => {
  if (!Array.isArray(model.prices)) return model.prices as ModelPrice
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const entry = model.prices[i]!
    const constraint = entry.constraint
    if (constraint === undefined) return entry.prices
    if (constraint.type !== "start_date") return undefined
    if (at.getTime() >= new Date(constraint.start_date).getTime()) return entry.prices
  }
  return undefined
}

/** A rate per million tokens; tiered rates by the request's input tokens (the dataset's rule). */
const rateOf = (rate: Rate, inputTokens: number): number | undefined => {
  if (rate === undefined) return undefined
  if (typeof rate === "number") return rate
  let price = rate.base
  for (const tier of rate.tiers) {
    if (inputTokens > tier.start) price = tier.price
  }
  return price
}

/**
 * The cost of `usage` at a dataset price, or `undefined` when the price has a key this module
 * cannot apply.
 *
 * @internal
 */
export const costAt = (price: ModelPrice, usage: Response.Usage): Response.Cost | undefined => {
  for (const key of Object.keys(price)) {
    if (price[key] !== undefined && !handled.has(key) && !ignored.has(key)) return undefined
  }
  // One-hour cache writes have their own price, and the usage does not say which writes were.
  if (price.cache_write_1h_mtok !== undefined && usage.cacheWriteTokens > 0) return undefined
  const input = rateOf(price.input_mtok, usage.inputTokens)
  const output = rateOf(price.output_mtok, usage.inputTokens)
  if (input === undefined || output === undefined) return undefined
  return Costs.make(
    usage,
    input,
    output,
    rateOf(price.cache_read_mtok, usage.inputTokens),
    rateOf(price.cache_write_mtok, usage.inputTokens),
    "USD"
  )
}

/** @internal */
export const service: Costs.Prices = {
  cost: (query) => {
    if (query.region === undefined || !regions.has(query.region)) return undefined
    if (serviceTierOf(query.serviceTier) !== "default") return undefined
    const model = modelFor(query.modelId)
    if (model === undefined) return undefined
    const price = priceAt(model, query.timestamp ?? new Date())
    return price === undefined ? undefined : costAt(price, query.usage)
  }
}
