/**
 * What a cost is asked for (`Query`), what answers it (`Prices`), and a cost from rates per million
 * tokens, shared by your prices (core's `BedrockPricing.costOf`) and the bundled ones.
 *
 * @since 0.1.0
 */
import type * as Response from "../response/types.js"

/**
 * What a cost is asked for.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Query {
  /** The model id as given to the model (not an inference-profile ARN). */
  readonly modelId: string
  readonly region?: string | undefined
  readonly serviceTier?: string | undefined
  readonly usage: Response.Usage
  /** When the call was made (prices can change on a date); default now. */
  readonly timestamp?: Date | undefined
}

/**
 * Prices: the cost of a call, or `undefined` when its price is not known.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Prices {
  readonly cost: (query: Query) => Response.Cost | undefined
}

/** Rounded to 1e-10 of the currency, so float noise (`0.00034649999999999997`) never shows. */
const round = (amount: number) => Math.round(amount * 1e10) / 1e10

/**
 * The cost of `usage` at rates per million tokens. Cache reads and writes without a rate of their own
 * are charged at the input rate; `input` is the uncached input tokens only.
 *
 * @since 0.1.0
 * @category Costs
 */
export const make = (
  usage: Response.Usage,
  inputRate: number,
  outputRate: number,
  cacheReadRate: number | undefined,
  cacheWriteRate: number | undefined,
  currency: string
): Response.Cost => {
  const uncached = Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens)
  const input = round(uncached * inputRate / 1e6)
  const output = round(usage.outputTokens * outputRate / 1e6)
  const cacheRead = round(usage.cacheReadTokens * (cacheReadRate ?? inputRate) / 1e6)
  const cacheWrite = round(usage.cacheWriteTokens * (cacheWriteRate ?? inputRate) / 1e6)
  return { input, output, cacheRead, cacheWrite, total: round(input + output + cacheRead + cacheWrite), currency }
}
