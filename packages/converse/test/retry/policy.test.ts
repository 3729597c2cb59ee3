import { backoffMs, defaultRetry, retryable } from "@effect-bedrock/converse/retry/policy"
import { assert, describe, it } from "vitest"

describe("retry/policy", () => {
  it("defaults: 3 attempts, 500 ms base, 20 s cap, one timeout retry, jitter x0.5 to x1.5", () => {
    assert.deepStrictEqual(defaultRetry, {
      maxAttempts: 3,
      baseDelayMs: 500,
      maxDelayMs: 20_000,
      timeoutRetries: 1,
      jitterMin: 0.5,
      jitterMax: 1.5
    })
  })

  it("backoff doubles per retry, jittered within its bounds, capped", () => {
    assert.strictEqual(backoffMs(1, defaultRetry, () => 0.5), 500)
    assert.strictEqual(backoffMs(2, defaultRetry, () => 0.5), 1000)
    assert.strictEqual(backoffMs(3, defaultRetry, () => 0), 1000)
    assert.strictEqual(backoffMs(3, defaultRetry, () => 0.999999), 2000 * (0.5 + 0.999999))
    assert.strictEqual(backoffMs(20, defaultRetry, () => 0.5), 20_000)
  })

  it("retries only what says it is retryable, and a stream only before it started", () => {
    assert.isTrue(retryable({ retryable: true }, false))
    assert.isFalse(retryable({ retryable: true }, true))
    assert.isFalse(retryable({ retryable: false }, false))
    assert.isFalse(retryable({}, false))
  })
})
