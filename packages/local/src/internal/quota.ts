/**
 * Per-model quotas, enforced like Bedrock's: requests per minute and tokens per minute, each a
 * bucket refilled continuously at its per-minute rate and holding at most `burstSeconds` worth of
 * it. A converse or converse-stream request is admitted when both buckets have room for it (one
 * request; its input tokens plus `maxTokens`), otherwise it is throttled and takes nothing. When
 * its answer is done, the tokens it reserved but did not generate go back to the bucket.
 *
 * @internal
 */
import { defaultMaxTokens } from "@effect-bedrock/converse/limits/tokenEstimate"
import type * as Script from "../LocalBedrockScript.js"
import type { Quota } from "../LocalBedrockServer.js"
import { isObject, type Json } from "./json.js"
import * as tokenCount from "./tokenCount.js"

const TOO_MANY_REQUESTS = "Too many requests, please wait before trying again."
const TOO_MANY_TOKENS = "Too many tokens, please wait before trying again."

class Bucket {
  private level: number
  private last: number
  private readonly perMs: number

  constructor(perMinute: number, readonly capacity: number, now: number) {
    this.perMs = perMinute / 60_000
    this.level = capacity
    this.last = now
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs)
    this.last = now
  }

  has(amount: number, now: number): boolean {
    this.refill(now)
    return this.level >= amount
  }

  take(amount: number): void {
    this.level -= amount
  }

  give(amount: number, now: number): void {
    this.refill(now)
    this.level = Math.min(this.capacity, this.level + amount)
  }
}

interface Budget {
  readonly requests: Bucket | undefined
  readonly tokens: Bucket | undefined
}

/** @internal */
export type Verdict =
  | { readonly _tag: "Throttled"; readonly message: string }
  | {
    readonly _tag: "Admitted"
    /** The answer's output tokens, when the answer knows them. */
    readonly onUsage: (outputTokens: number) => void
    /** The answer is done: give back the reserved tokens that were not generated. */
    readonly settle: () => void
  }

const positive = (n: number | undefined): number | undefined =>
  n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined

/** @internal */
export class Quotas {
  private readonly budgets = new Map<string, Budget>()

  constructor(
    private readonly quotas: Readonly<Record<string, Quota>>,
    private readonly now: () => number = () => performance.now()
  ) {}

  private budgetOf(modelId: string): Budget | undefined {
    const existing = this.budgets.get(modelId)
    if (existing !== undefined) return existing
    const quota = Object.prototype.hasOwnProperty.call(this.quotas, modelId) ? this.quotas[modelId] : this.quotas["*"]
    if (quota === undefined) return undefined
    const burst = (positive(quota.burstSeconds) ?? 60) / 60
    const rpm = positive(quota.requestsPerMinute)
    const tpm = positive(quota.tokensPerMinute)
    const now = this.now()
    const budget: Budget = {
      requests: rpm === undefined ? undefined : new Bucket(rpm, Math.max(1, rpm * burst), now),
      tokens: tpm === undefined ? undefined : new Bucket(tpm, tpm * burst, now)
    }
    this.budgets.set(modelId, budget)
    return budget
  }

  /**
   * Admits or throttles a validated request; `undefined` when no quota applies (count-tokens, or
   * a model without a quota).
   */
  admit(operation: Script.Operation, modelId: string, body: Json): Verdict | undefined {
    if (operation === "count-tokens") return undefined
    const budget = this.budgetOf(modelId)
    if (budget === undefined) return undefined
    const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {}
    const maxTokens = typeof inference.maxTokens === "number" ? inference.maxTokens : defaultMaxTokens
    const reserved = tokenCount.countTokens(body, modelId) + maxTokens
    const now = this.now()
    if (budget.requests !== undefined && !budget.requests.has(1, now)) {
      return { _tag: "Throttled", message: TOO_MANY_REQUESTS }
    }
    if (budget.tokens !== undefined && !budget.tokens.has(reserved, now)) {
      return { _tag: "Throttled", message: TOO_MANY_TOKENS }
    }
    budget.requests?.take(1)
    budget.tokens?.take(reserved)
    let output: number | undefined
    let settled = false
    return {
      _tag: "Admitted",
      onUsage: (outputTokens) => {
        output = outputTokens
      },
      settle: () => {
        if (settled || output === undefined || budget.tokens === undefined) return
        settled = true
        if (maxTokens > output) budget.tokens.give(maxTokens - output, this.now())
      }
    }
  }

  /** Every bucket full again. */
  reset(): void {
    this.budgets.clear()
  }
}

/**
 * Parses one `--quota` command-line value: `[<modelId>=]rpm:<n>,tpm:<n>,burst:<seconds>` (any
 * subset of the three, in any order; no model id means every model).
 *
 * @internal
 */
export const parseQuota = (spec: string): readonly [string, Quota] => {
  const at = spec.lastIndexOf("=")
  const modelId = at < 0 ? "*" : spec.slice(0, at)
  const quota: { requestsPerMinute?: number; tokensPerMinute?: number; burstSeconds?: number } = {}
  for (const part of spec.slice(at + 1).split(",").filter((p) => p.trim().length > 0)) {
    const [name, value] = part.split(":").map((s) => s.trim())
    const n = Number(value)
    if (value === undefined || value.length === 0 || !Number.isFinite(n) || n <= 0) {
      throw new Error(`Invalid quota "${spec}": "${part}" needs a positive number`)
    }
    if (name === "rpm") quota.requestsPerMinute = n
    else if (name === "tpm") quota.tokensPerMinute = n
    else if (name === "burst") quota.burstSeconds = n
    else throw new Error(`Invalid quota "${spec}": unknown "${name}" (rpm, tpm, burst)`)
  }
  if (modelId.length === 0) throw new Error(`Invalid quota "${spec}": empty model id`)
  return [modelId, quota]
}
