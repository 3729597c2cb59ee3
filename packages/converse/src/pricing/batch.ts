/**
 * What a batch record costs. The bundled price data (`@pydantic/genai-prices`) has on-demand prices only, no
 * batch ones, so a batch cost comes, in this order, from:
 *
 * 1. a batch price you gave (core's `BedrockPricing` entries with `serviceTier: "batch"`), asked for as the
 *    service tier `"batch"`;
 * 2. else the on-demand price of the same model, region and usage, at the discount AWS documents: the Amazon
 *    Bedrock pricing page (https://aws.amazon.com/bedrock/pricing/, "Batch") says select foundation models from
 *    Anthropic, Meta, Mistral AI and Amazon run in batch at a 50% lower price than on-demand, and AWS's
 *    capacity guide (https://docs.aws.amazon.com/bedrock/latest/userguide/capacity-limits-cost-optimization.html)
 *    lists batch as "50% cost savings vs on-demand". So the discount applies to those four providers' models
 *    only, to input and output tokens; cache reads and writes have no documented batch price, so a record
 *    that has them gets no cost;
 * 3. else no cost (`undefined`): never a guessed one.
 *
 * @since 0.1.0
 */
import type { Family } from "../models/profiles.js"
import { family } from "../models/profiles.js"
import type * as Response from "../response/types.js"
import type { Prices, Query } from "./cost.js"

/**
 * The batch discount AWS documents: the factor on the on-demand price, the model families it applies to, and
 * where it is written.
 *
 * @since 0.1.0
 * @category Batch
 */
export const documentedDiscount: {
  readonly factor: number
  readonly families: ReadonlySet<Family>
  readonly source: string
} = {
  factor: 0.5,
  families: new Set<Family>(["anthropic", "meta", "mistral", "amazon"]),
  source: "https://aws.amazon.com/bedrock/pricing/ (Batch: select models from Anthropic, Meta, Mistral AI and " +
    "Amazon at a 50% lower price than on-demand)"
}

/**
 * The service tier a batch price is asked for with.
 *
 * @since 0.1.0
 * @category Batch
 */
export const batchTier = "batch"

const round = (amount: number) => Math.round(amount * 1e10) / 1e10

/**
 * How a batch cost was found: your batch price, AWS's documented discount on the on-demand price, or not at all.
 *
 * @since 0.1.0
 * @category Batch
 */
export type Basis = "batch-price" | "documented-discount" | "unknown"

/**
 * The cost of one batch record, and how it was found.
 *
 * @since 0.1.0
 * @category Batch
 */
export const batchCost = (
  prices: Prices,
  query: Omit<Query, "serviceTier">
): { readonly cost: Response.Cost | undefined; readonly basis: Basis } => {
  const own = prices.cost({ ...query, serviceTier: batchTier })
  if (own !== undefined) return { cost: own, basis: "batch-price" }
  if (!documentedDiscount.families.has(family(query.modelId))) return { cost: undefined, basis: "unknown" }
  if (query.usage.cacheReadTokens > 0 || query.usage.cacheWriteTokens > 0) return { cost: undefined, basis: "unknown" }
  const onDemand = prices.cost({ ...query, serviceTier: undefined })
  if (onDemand === undefined) return { cost: undefined, basis: "unknown" }
  const factor = documentedDiscount.factor
  const input = round(onDemand.input * factor)
  const output = round(onDemand.output * factor)
  return {
    cost: { input, output, cacheRead: 0, cacheWrite: 0, total: round(input + output), currency: onDemand.currency },
    basis: "documented-discount"
  }
}
