/**
 * The budget behind `UsageLimits.withUsageLimits`: what was used inside the scope (requests,
 * tokens, cost), checked before each request against what the request will use at least (one
 * input token, or the tokens counted when `countTokensBeforeRequest` is on) and after each
 * response against what it used. Nested scopes chain: every budget in the chain is checked and
 * charged.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Response from "../../Response.js"
import type { Limit, UsageLimits } from "../../UsageLimits.js"

/** A limit a request would break or a response broke: the fields of `UsageLimitExceededError`. */
export interface Violation {
  readonly limit: Limit
  readonly max: number
  readonly value?: number
  readonly position: "beforeRequest" | "afterResponse"
  readonly message: string
}

/** The least a request can add, or what counting its tokens found. */
export interface Estimate {
  readonly inputTokens: number
  /** Its input tokens priced (asked only under a cost limit); `undefined` when the price is not known. */
  readonly cost: () => Response.Cost | undefined
}

const names: Record<Limit, string> = {
  requests: "request",
  inputTokens: "input token",
  outputTokens: "output token",
  totalTokens: "total token",
  cost: "cost"
}

const exceeded = (
  limit: Limit,
  max: number,
  value: number | undefined,
  position: "beforeRequest" | "afterResponse",
  message?: string
): Violation => ({
  limit,
  max,
  ...(value !== undefined ? { value } : {}),
  position,
  message: message ?? (position === "beforeRequest"
    ? `The ${names[limit]} limit of ${max} would be exceeded by the next request (${value} at least)`
    : `The ${names[limit]} limit of ${max} was exceeded (${value})`)
})

/** @internal */
export class Budget {
  requests = 0
  usage: Response.Usage = Response.emptyUsage
  cost: Response.Cost | undefined

  constructor(readonly limits: UsageLimits, readonly parent: Budget | undefined) {
    this.cost = {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      total: 0,
      currency: limits.currency ?? "USD"
    }
  }

  /** Whether any budget in the chain wants the request's tokens counted first. */
  get wantsCount(): boolean {
    for (const budget of chainOf(this)) {
      const limits = budget.limits
      if (
        limits.countTokensBeforeRequest === true &&
        (limits.inputTokens !== undefined || limits.totalTokens !== undefined || limits.cost !== undefined)
      ) return true
    }
    return false
  }

  private check(estimate: Estimate): Violation | undefined {
    const { limits } = this
    if (limits.requests !== undefined && this.requests + 1 > limits.requests) {
      return exceeded("requests", limits.requests, this.requests + 1, "beforeRequest")
    }
    if (limits.inputTokens !== undefined && this.usage.inputTokens + estimate.inputTokens > limits.inputTokens) {
      return exceeded("inputTokens", limits.inputTokens, this.usage.inputTokens + estimate.inputTokens, "beforeRequest")
    }
    if (limits.totalTokens !== undefined && this.usage.totalTokens + estimate.inputTokens > limits.totalTokens) {
      return exceeded("totalTokens", limits.totalTokens, this.usage.totalTokens + estimate.inputTokens, "beforeRequest")
    }
    if (limits.cost !== undefined) {
      const currency = limits.currency ?? "USD"
      const cost = estimate.cost()
      if (cost === undefined || cost.currency !== currency || this.cost === undefined) {
        return exceeded(
          "cost",
          limits.cost,
          undefined,
          "beforeRequest",
          `A cost limit of ${limits.cost} ${currency} is set, but ${
            this.cost === undefined ? "an earlier response" : "this request"
          } has no known price in ${currency}, so the limit cannot be kept`
        )
      }
      if (this.cost.total + cost.total > limits.cost) {
        return exceeded("cost", limits.cost, this.cost.total + cost.total, "beforeRequest")
      }
    }
    return undefined
  }

  /** Checks every budget in the chain, then counts the request in each; the first limit it would break. */
  before(estimate: Estimate): Violation | undefined {
    const chain = chainOf(this)
    for (const budget of chain) {
      const error = budget.check(estimate)
      if (error !== undefined) return error
    }
    for (const budget of chain) budget.requests++
    return undefined
  }

  private add(usage: Response.Usage, cost: Response.Cost | undefined): Violation | undefined {
    this.usage = addUsage(this.usage, usage)
    this.cost = Response.addCost(this.cost, cost)
    const { limits } = this
    if (limits.inputTokens !== undefined && this.usage.inputTokens > limits.inputTokens) {
      return exceeded("inputTokens", limits.inputTokens, this.usage.inputTokens, "afterResponse")
    }
    if (limits.outputTokens !== undefined && this.usage.outputTokens > limits.outputTokens) {
      return exceeded("outputTokens", limits.outputTokens, this.usage.outputTokens, "afterResponse")
    }
    if (limits.totalTokens !== undefined && this.usage.totalTokens > limits.totalTokens) {
      return exceeded("totalTokens", limits.totalTokens, this.usage.totalTokens, "afterResponse")
    }
    if (limits.cost !== undefined && this.cost !== undefined && this.cost.total > limits.cost) {
      return exceeded("cost", limits.cost, this.cost.total, "afterResponse")
    }
    return undefined
  }

  /** Charges a response to every budget in the chain; the first limit it broke. */
  after(usage: Response.Usage, cost: Response.Cost | undefined): Violation | undefined {
    let error: Violation | undefined
    for (const budget of chainOf(this)) {
      error ??= budget.add(usage, cost)
    }
    return error
  }
}

const chainOf = (budget: Budget): Array<Budget> => {
  const chain: Array<Budget> = []
  for (let current: Budget | undefined = budget; current !== undefined; current = current.parent) chain.push(current)
  return chain
}

const addUsage = (self: Response.Usage, that: Response.Usage): Response.Usage => ({
  inputTokens: self.inputTokens + that.inputTokens,
  outputTokens: self.outputTokens + that.outputTokens,
  totalTokens: self.totalTokens + that.totalTokens,
  cacheReadTokens: self.cacheReadTokens + that.cacheReadTokens,
  cacheWriteTokens: self.cacheWriteTokens + that.cacheWriteTokens,
  details: {}
})

/**
 * The innermost budget in scope.
 *
 * @internal
 */
export class CurrentBudget extends Context.Tag("@effect-bedrock/core/UsageLimits/CurrentBudget")<
  CurrentBudget,
  Budget
>() {}
