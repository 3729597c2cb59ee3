/**
 * The prices `BedrockLanguageModel` prices its responses with: the `BedrockPricing` service in
 * context when its layer is built, else the bundled dataset, loaded on the first response that
 * needs a price rather than when the layer is built (about 3 MB of heap that a model in another
 * region, or a process that never gets a response, does not need). A stream's cost is computed at
 * its end, so loading then never holds back its first parts.
 *
 * @internal
 */
import { bundledRegions } from "@effect-bedrock/converse/pricing/tiers"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as BedrockPricing from "../../BedrockPricing.js"

/** @internal */
export interface PricingSource {
  /** The prices for a response in this service tier when they are at hand, without loading anything. */
  readonly ready: (serviceTier: string | undefined) => BedrockPricing.Service | undefined
  /** The prices, loading the bundled ones the first time. */
  readonly load: Effect.Effect<BedrockPricing.Service>
  /** Whether no response will ever have to wait for `load`. */
  readonly settled: () => boolean
}

/**
 * The given prices, else the bundled ones for a client in `region`.
 *
 * @internal
 */
export const make = (
  given: Option.Option<BedrockPricing.Service>,
  region: string | undefined
): PricingSource => {
  if (Option.isSome(given)) {
    const service = given.value
    return { ready: () => service, load: Effect.succeed(service), settled: () => true }
  }
  // Outside the regions (and tier) the bundled prices cover, they would give no cost anyway.
  const covered = region !== undefined && bundledRegions.has(region)
  let loaded: BedrockPricing.Service | undefined
  return {
    ready: (serviceTier) =>
      loaded ?? (covered && BedrockPricing.serviceTierOf(serviceTier) === "default" ? undefined : BedrockPricing.none),
    load: Effect.suspend(() =>
      loaded !== undefined ? Effect.succeed(loaded) : Effect.map(BedrockPricing.bundled, (service) => {
        loaded = service
        return service
      })
    ),
    settled: () => loaded !== undefined || !covered
  }
}
