/**
 * A cost from rates per million tokens, shared by your prices (`BedrockPricing.costOf`) and the
 * bundled ones.
 *
 * @internal
 */
import type * as Response from "../Response.js"

/** Rounded to 1e-10 of the currency, so float noise (`0.00034649999999999997`) never shows. */
const round = (amount: number) => Math.round(amount * 1e10) / 1e10

/**
 * Cache reads and writes without a rate of their own are charged at the input rate; `input` is
 * the uncached input tokens only.
 *
 * @internal
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
