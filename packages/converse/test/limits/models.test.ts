import * as Models from "@effect-bedrock/converse/limits/models"
import * as TokenEstimate from "@effect-bedrock/converse/limits/tokenEstimate"
import { assert, describe, it } from "vitest"

const input = { modelId: "m", messages: [{ role: "user" as const, content: [{ text: "x".repeat(400) }] }] }
const inputTokens = TokenEstimate.inputTokens(input)

describe("limits/models", () => {
  it("settings: the defaults under what was given", () => {
    const settings = Models.settings({ budgets: {}, maxQueued: 3.5, burstMillis: 0, adaptive: { intervalMillis: 50 } })
    assert.strictEqual(settings.maxWaitMillis, 60_000)
    assert.strictEqual(settings.maxQueued, 3)
    assert.strictEqual(settings.burstMillis, 1)
    assert.strictEqual(settings.defaultMaxTokens, 4096)
    assert.strictEqual(settings.storeTimeoutMillis, 1000)
    assert.strictEqual(settings.keyPrefix, "effect-bedrock:ratelimit:")
    assert.strictEqual(settings.adaptive?.intervalMillis, 50)
    assert.isUndefined(Models.settings({ budgets: {}, adaptive: false }).adaptive)
  })

  it("a model's limits: its own budget, else `*`'s; none without a positive budget", () => {
    const budgets = { a: { requestsPerMinute: 60 }, b: { tokensPerMinute: 0 }, "*": { concurrency: 2 } }
    assert.strictEqual(Models.limitsOf(budgets, "a")?.requestsPerMinute, 60)
    assert.isUndefined(Models.limitsOf(budgets, "b"))
    assert.strictEqual(Models.limitsOf(budgets, "c")?.concurrency, 2)
    let made = 0
    const models = new Models.Models(budgets, (limits) => {
      made++
      return { limits }
    })
    assert.strictEqual(models.stateOf("a"), models.stateOf("a"))
    assert.isUndefined(models.stateOf("b"))
    assert.isUndefined(models.stateOf("b"))
    assert.isUndefined(models.stateOf(undefined))
    assert.strictEqual(made, 1)
    assert.deepStrictEqual(models.snapshot(), [
      { modelId: "a", rate: 1, waiting: 0, inFlight: 0, admitted: 0, throttled: 0, rejected: 0 }
    ])
  })

  it("the queue, the bucket request, the end of a call and the refusal", () => {
    const settings = Models.settings({ budgets: {}, maxWaitMillis: 500 })
    const limits = new Models.ModelLimits("m", 600, 60_000, undefined)
    assert.isTrue(limits.enter(2))
    assert.isTrue(limits.enter(2))
    assert.isFalse(limits.enter(2))
    limits.leave()
    assert.strictEqual(limits.waiting, 1)
    assert.deepStrictEqual(limits.bucketRequest(settings, "requests", 1, "delay"), {
      algorithm: "token-bucket",
      onExceeded: "delay",
      key: "effect-bedrock:ratelimit:m:requests",
      limit: 10,
      windowMillis: 1000,
      tokens: 1
    })
    // A give-back sized for the call that reserved the tokens.
    assert.strictEqual(limits.bucketRequest(settings, "tokens", -5000, "delay", 5000).limit, 5000)
    assert.strictEqual(limits.bucketRequest(settings, "tokens", -5000, "delay").limit, 1000)
    assert.strictEqual(limits.succeeded(settings.adaptive, 0, 100, 40), -60)
    assert.strictEqual(limits.failed(settings.adaptive, 0, { _tag: "ThrottlingError", position: "request" }, 100), 100)
    assert.strictEqual(limits.stats.throttled, 1)
    assert.closeTo(limits.rate.factor, 0.7, 1e-9)
    assert.strictEqual(limits.bucketRequest(settings, "requests", 1, "fail").limit, 7)
    assert.match(limits.refused(settings, "requests", 1200.2), /would wait 1201 ms, more than its deadline \(500 ms\)/)
    assert.strictEqual(limits.stats.rejected, 1)
    // Without a tokens budget there is nothing to correct.
    assert.strictEqual(new Models.ModelLimits("n", 60, undefined, undefined).succeeded(undefined, 0, 100, 40), 0)
  })

  it("the estimate: the caller's, clamped; the default when it throws or is not a number, warned once", () => {
    const fallback = new Models.Estimator({ defaultMaxTokens: 10, estimate: undefined }).estimate(input)
    assert.deepStrictEqual(fallback, { tokens: inputTokens + 10, warning: undefined })
    assert.deepStrictEqual(
      new Models.Estimator({ defaultMaxTokens: 10, estimate: (r) => r.inputTokens / 3 }).estimate(input),
      { tokens: Math.ceil(inputTokens / 3), warning: undefined }
    )
    const estimator = new Models.Estimator({
      defaultMaxTokens: 10,
      estimate: () => {
        throw new Error("boom")
      }
    })
    const first = estimator.estimate(input)
    assert.strictEqual(first.tokens, inputTokens + 10)
    assert.match(first.warning!, /threw \(boom\)/)
    assert.deepStrictEqual(estimator.estimate(input), { tokens: inputTokens + 10, warning: undefined })
  })
})
