import * as Admission from "@effect-bedrock/converse/limits/admission"
import { assert, describe, it } from "vitest"

describe("limits/admission", () => {
  it("the adaptive rate: down by `decrease` on a throttle, up by `increase` on success, once per interval", () => {
    const settings = Admission.adaptiveSettings(undefined)!
    assert.deepStrictEqual(settings, { decrease: 0.7, increase: 0.05, intervalMillis: 2000, min: 0.1, max: 1 })
    const rate = new Admission.AdaptiveRate()
    rate.decrease(settings, 0)
    assert.closeTo(rate.factor, 0.7, 1e-9)
    rate.decrease(settings, 1000) // within the interval: unchanged
    assert.closeTo(rate.factor, 0.7, 1e-9)
    rate.increase(settings, 1500) // within the interval since the last change: unchanged
    assert.closeTo(rate.factor, 0.7, 1e-9)
    rate.increase(settings, 2000)
    assert.closeTo(rate.factor, 0.75, 1e-9)
    for (let t = 3000; t < 100_000; t += 1000) rate.decrease(settings, t)
    assert.strictEqual(rate.factor, 0.1)
    assert.isUndefined(Admission.adaptiveSettings(false))
  })

  it("buckets hold burst's worth of the rate, at least one and at least the call's tokens", () => {
    assert.deepStrictEqual(Admission.bucketShape(600, 1000, 1), { limit: 10, windowMillis: 1000 })
    assert.deepStrictEqual(Admission.bucketShape(30, 1000, 1), { limit: 1, windowMillis: 2000 })
    assert.deepStrictEqual(Admission.bucketShape(60_000, 1000, 5000), { limit: 5000, windowMillis: 5000 })
  })

  it("estimates are clamped, corrected by the real usage, refunded when refused before generation", () => {
    assert.strictEqual(Admission.clampEstimate(10.2), 11)
    assert.strictEqual(Admission.clampEstimate(-5), 0)
    assert.isUndefined(Admission.clampEstimate(Number.NaN))
    assert.isUndefined(Admission.clampEstimate("10"))
    assert.strictEqual(Admission.usageCorrection(100, 40), -60)
    assert.strictEqual(Admission.usageCorrection(100, 130), 30)
    assert.strictEqual(Admission.usageCorrection(100, undefined), 0)
    assert.strictEqual(Admission.refundOnFailure({ _tag: "ThrottlingError", position: "request" }, 100), 100)
    assert.strictEqual(Admission.refundOnFailure({ _tag: "ThrottlingError", position: "stream" }, 100), 0)
    assert.strictEqual(Admission.refundOnFailure({ _tag: "BudgetExhaustedError", position: "request" }, 100), 0)
  })

  it("options: the first invalid one, by its path", () => {
    assert.isUndefined(Admission.checkOptions({ budgets: { m: { requestsPerMinute: 10, concurrency: 2 } } }))
    assert.deepStrictEqual(Admission.checkOptions({ budgets: { m: { requestsPerMinute: 0 } } })?.path, [
      "budgets",
      "m",
      "requestsPerMinute"
    ])
    assert.deepStrictEqual(Admission.checkOptions({ budgets: { m: { rpm: 1 } } })?.path, ["budgets", "m", "rpm"])
    assert.deepStrictEqual(Admission.checkOptions({ budgets: null })?.path, ["budgets"])
    assert.deepStrictEqual(Admission.checkOptions({ budgets: {}, adaptive: { decrease: 2 } })?.path, [
      "adaptive",
      "decrease"
    ])
    assert.deepStrictEqual(Admission.checkOptions({ budgets: {}, maxQueued: 0.5 })?.path, ["maxQueued"])
  })

  it("the refusal's message names the budget, the model and the wait", () => {
    const common = { modelId: "m", maxQueued: 3, maxWaitMillis: 100 }
    assert.strictEqual(
      Admission.exhaustedMessage({ ...common, budget: "queue" }),
      "3 calls to m already wait for budget"
    )
    assert.include(Admission.exhaustedMessage({ ...common, budget: "tokens", retryAfterMillis: 250.2 }), "wait 251 ms")
  })
})
