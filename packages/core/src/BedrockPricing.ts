/**
 * What a Bedrock call costs. Every `Response` from `BedrockLanguageModel` gets
 * a `cost` (input, output, cache read and cache write tokens, with the
 * currency) when the price of its model, region and service tier is known; an
 * unknown price gives no cost, never a guessed one.
 *
 * The prices come from the `BedrockPricing` service in context, else from the
 * bundled dataset (`bundled`): the prices pydantic-ai uses
 * (`@pydantic/genai-prices`, maintained from the AWS Bedrock pricing page),
 * which cover Bedrock's model ids, including the cross-region (`us.`, `eu.`,
 * ...) and `global.` profiles and their different prices. That dataset has one
 * price per model, the on-demand list price of the US regions, so it is used
 * only for `us-east-1`, `us-east-2`, `us-west-1` and `us-west-2` and the
 * standard service tier; elsewhere (other regions, the flex, priority and
 * reserved tiers) give your own prices with `layer`.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockLanguageModel, BedrockPricing } from "@effect-bedrock/core"
 * import { Layer } from "effect"
 *
 * // Your negotiated price in Frankfurt; everything else from the bundled dataset.
 * const Pricing = BedrockPricing.layer([
 *   { model: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0", regions: ["eu-central-1"], input: 3.3, output: 16.5 }
 * ])
 *
 * const Model = BedrockLanguageModel.layer({ model: "eu.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
 *   Layer.provide(Pricing),
 *   Layer.provide(BedrockClient.layer({ region: "eu-central-1" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Cost from "@effect-bedrock/converse/pricing/cost"
import * as Tiers from "@effect-bedrock/converse/pricing/tiers"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Response from "./Response.js"

// =============================================================================
// Models
// =============================================================================

/**
 * A price per million tokens. Cache reads and writes without a price of their
 * own are charged as input tokens.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Price {
  readonly input: number
  readonly output: number
  readonly cacheRead?: number | undefined
  readonly cacheWrite?: number | undefined
  /** ISO 4217 code; default `"USD"`. */
  readonly currency?: string | undefined
}

/**
 * Bedrock's service tiers. A request without one (or with `"auto"`) is priced
 * as `"default"`; the tier the response reports wins over the one requested.
 * `"batch"` prices the records of a `BedrockBatch` job (without a batch entry,
 * a batch record is priced at the discount AWS documents, see `BedrockBatch`).
 *
 * @since 0.1.0
 * @category Models
 */
export type ServiceTier = "default" | "flex" | "priority" | "reserved" | "batch"

/**
 * A price for the models it matches: a model id (exact) or a `RegExp`, in the
 * given regions (any region when absent) and service tier (`"default"` when
 * absent).
 *
 * @since 0.1.0
 * @category Models
 */
export interface PriceEntry extends Price {
  readonly model: string | RegExp
  readonly regions?: ReadonlyArray<string> | undefined
  readonly serviceTier?: ServiceTier | undefined
}

/**
 * What a cost is asked for.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Query extends Cost.Query {}

/**
 * The cost of a call (`cost`), or `undefined` when its price is not known: the engine's `Prices`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service extends Cost.Prices {}

/**
 * Prices for `BedrockLanguageModel`, read when its layer is built. Without
 * one in context, the bundled prices are used.
 *
 * @since 0.1.0
 * @category Context
 */
export class BedrockPricing extends Context.Tag("@effect-bedrock/core/BedrockPricing")<BedrockPricing, Service>() {}

// =============================================================================
// Constructors
// =============================================================================

/**
 * Normalises a requested or reported service tier: absent, `"auto"` and
 * `"standard"` are `"default"`.
 *
 * @since 0.1.0
 * @category Utils
 */
export const serviceTierOf: (tier: string | undefined) => string = Tiers.serviceTierOf

/**
 * The cost of `usage` at `price`.
 *
 * @since 0.1.0
 * @category Utils
 */
export const costOf = (price: Price, usage: Response.Usage): Response.Cost =>
  Cost.make(usage, price.input, price.output, price.cacheRead, price.cacheWrite, price.currency ?? "USD")

const matches = (entry: PriceEntry, query: Query, tier: string): boolean =>
  (typeof entry.model === "string" ? entry.model === query.modelId : entry.model.test(query.modelId)) &&
  (entry.serviceTier ?? "default") === tier &&
  (entry.regions === undefined || (query.region !== undefined && entry.regions.includes(query.region)))

/**
 * Prices from a list: the first entry that matches the model, region and
 * service tier wins; when none does, `fallback` (default: no cost).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fromPrices = (entries: ReadonlyArray<PriceEntry>, fallback: Service = none): Service => ({
  cost: (query) => {
    const tier = serviceTierOf(query.serviceTier)
    for (const entry of entries) {
      if (matches(entry, query, tier)) return costOf(entry, query.usage)
    }
    return fallback.cost(query)
  }
})

/**
 * No prices: no response gets a cost.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const none: Service = { cost: () => undefined }

/**
 * The bundled prices (`@pydantic/genai-prices`, loaded on first use): Bedrock
 * on-demand list prices in US dollars, for the US regions (`us-east-1`,
 * `us-east-2`, `us-west-1`, `us-west-2`) and the default service tier only.
 * Models it does not list, other regions and other tiers get no cost; so does
 * a call with cache writes on a model whose one-hour cache writes have their
 * own price (the usage does not say which were written).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const bundled: Effect.Effect<Service> = Effect.tryPromise(() =>
  import("@effect-bedrock/converse/pricing/bundled")
).pipe(
  Effect.map((module) => module.service),
  Effect.orElseSucceed(() => none)
)

/**
 * The prices in context, else the bundled ones.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const current: Effect.Effect<Service> = Effect.flatMap(
  Effect.serviceOption(BedrockPricing),
  Option.match({ onNone: () => bundled, onSome: Effect.succeed })
)

// =============================================================================
// Layers
// =============================================================================

/**
 * Your prices, then the bundled ones (`fallback: "bundled"`, the default) or
 * nothing else (`fallback: "none"`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  entries: ReadonlyArray<PriceEntry>,
  options?: { readonly fallback?: "bundled" | "none" | undefined }
): Layer.Layer<BedrockPricing> =>
  Layer.effect(
    BedrockPricing,
    options?.fallback === "none"
      ? Effect.succeed(fromPrices(entries))
      : Effect.map(bundled, (fallback) => fromPrices(entries, fallback))
  )

/**
 * No costs at all.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerNone: Layer.Layer<BedrockPricing> = Layer.succeed(BedrockPricing, none)
