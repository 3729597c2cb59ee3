/**
 * Service tiers as prices see them, and the regions the bundled prices cover.
 *
 * @since 0.1.0
 */

/**
 * Normalises a requested or reported service tier: absent, `"auto"` and `"standard"` are `"default"`.
 *
 * @since 0.1.0
 * @category Tiers
 */
export const serviceTierOf = (tier: string | undefined): string =>
  tier === undefined || tier === "auto" || tier === "standard" ? "default" : tier

/**
 * The regions the bundled prices apply to (its prices are the US on-demand list prices).
 *
 * @since 0.1.0
 * @category Regions
 */
export const bundledRegions: ReadonlySet<string> = new Set(["us-east-1", "us-east-2", "us-west-1", "us-west-2"])
