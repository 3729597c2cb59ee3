/**
 * The pricing of one model's responses (`BedrockLanguageModel` telemetry): the cost of a response
 * (`Response.cost`) and the estimate a usage budget checks before a call, both in the model's region
 * and service tier. Owned by `modelTelemetry.make`; holds no mutable state of its own (the prices
 * are loaded and cached by the shared `PricingSource`).
 *
 * @internal
 */
import type * as BedrockPricing from "../../BedrockPricing.js"
import * as Response from "../../Response.js"
import type * as UsageBudget from "../limits/usageBudget.js"

/** A service tier as Bedrock reports it: a string or `{ type }`. @internal */
export const tierOf = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
    ? (value as { type: string }).type
    : undefined

/** @internal */
export class ModelPricing {
  constructor(private readonly modelId: string, private readonly region: string | undefined) {}

  /** The tier a response is priced in: the one it reports wins over the one requested. */
  tierFor(response: Response.Response, requestedTier: string | undefined): string | undefined {
    return tierOf(response.providerFields?.serviceTier) ?? requestedTier
  }

  /** The response with its cost, when its price is known. */
  priced(
    prices: BedrockPricing.Service,
    response: Response.Response,
    requestedTier: string | undefined
  ): Response.Response {
    // Usage the provider did not report: no cost rather than a cost of 0.
    if (response.usage.unknown === true) return response
    const cost = prices.cost({
      modelId: this.modelId,
      region: this.region,
      serviceTier: this.tierFor(response, requestedTier),
      usage: response.usage
    })
    return cost === undefined ? response : { ...response, cost }
  }

  /** What a usage budget checks before the call: its input tokens and, on demand, their cost. */
  estimate(prices: BedrockPricing.Service, inputTokens: number, tier: string | undefined): UsageBudget.Estimate {
    const { modelId, region } = this
    return {
      inputTokens,
      cost: () =>
        prices.cost({
          modelId,
          region,
          serviceTier: tier,
          usage: { ...Response.emptyUsage, inputTokens, totalTokens: inputTokens }
        })
    }
  }
}
