import {
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  ThrottlingException
} from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockScript, LocalBedrockServer } from "@effect-bedrock/local"
import { assert, describe, it as test, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { collect, send, sendError, user } from "./fixtures.js"

const REQUESTS = "local.quota-requests"
const TOKENS = "local.quota-tokens"

const converse = (modelId: string, maxTokens?: number, text = "hello") =>
  new ConverseCommand({
    modelId,
    messages: [user(text)],
    ...(maxTokens === undefined ? {} : { inferenceConfig: { maxTokens } })
  })

const throttledCount = Effect.map(
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) => local.requests),
  (requests) => requests.filter((r) => r.throttled === true).length
)

const quotas: Record<string, LocalBedrockServer.Quota> = {
  // 2 requests at once, then one every 500 ms.
  [REQUESTS]: { requestsPerMinute: 120, burstSeconds: 1 },
  // 100 tokens at once, 100 a second.
  [TOKENS]: { tokensPerMinute: 6000, burstSeconds: 1 },
  // Every other model id: its own budget of 1 request.
  "*": { requestsPerMinute: 1, burstSeconds: 1 }
}

layer(LocalBedrock.layer({ quotas }), { excludeTestServices: true })("quotas", (it) => {
  it.effect("requests per minute: over the quota a real ThrottlingException (429), logged as throttled", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* send(converse(REQUESTS))
      yield* send(converse(REQUESTS))
      const error = yield* sendError(converse(REQUESTS))
      assert.instanceOf(error, ThrottlingException)
      assert.strictEqual(error.$metadata.httpStatusCode, 429)
      assert.strictEqual(error.message, "Too many requests, please wait before trying again.")
      const requests = yield* local.requests
      assert.deepStrictEqual(requests.map((r) => r.throttled === true), [false, false, true])
      // One request's worth comes back after 500 ms.
      yield* Effect.sleep("550 millis")
      yield* send(converse(REQUESTS))
      assert.strictEqual(yield* throttledCount, 1)
    }))

  it.effect("a throttled stream fails before its first event; count-tokens is not counted", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* send(new CountTokensCommand({ modelId: REQUESTS, input: { converse: { messages: [user("hi")] } } }))
      const first = yield* collect(new ConverseStreamCommand({ modelId: REQUESTS, messages: [user("a b")] }))
      assert.isUndefined(first.error)
      yield* send(converse(REQUESTS))
      const second = yield* collect(new ConverseStreamCommand({ modelId: REQUESTS, messages: [user("a b")] }))
      assert.instanceOf(second.error, ThrottlingException)
      assert.strictEqual(second.events.length, 0)
      assert.strictEqual(yield* throttledCount, 1)
    }))

  it.effect("tokens per minute: input + maxTokens on admission, the unused output given back", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      // 1 input token + 60 reserved; the answer ("You said: hello") uses 3, so 57 come back and a
      // second request of the same size fits in the 100-token bucket at once.
      yield* send(converse(TOKENS, 60))
      yield* send(converse(TOKENS, 60))
      // More than the bucket can ever hold.
      const error = yield* sendError(converse(TOKENS, 200))
      assert.instanceOf(error, ThrottlingException)
      assert.strictEqual(error.message, "Too many tokens, please wait before trying again.")
      // While one is in flight (answered late), its 61 tokens stay reserved: a second does not fit.
      yield* Effect.sleep("1 second")
      yield* local.script(LocalBedrockScript.delayed(300, { modelId: TOKENS }))
      const [a, b] = yield* Effect.all(
        [
          Effect.either(send(converse(TOKENS, 60))),
          Effect.either(Effect.delay(send(converse(TOKENS, 60)), "100 millis"))
        ],
        { concurrency: 2 }
      )
      assert.deepStrictEqual([a._tag, b._tag], ["Right", "Left"])
      assert.strictEqual(yield* throttledCount, 2)
    }))

  it.effect("\"*\" gives every other model its own budget; reset fills the buckets", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* send(converse("us.amazon.nova-micro-v1:0"))
      yield* send(converse("us.amazon.nova-lite-v1:0"))
      assert.instanceOf(yield* sendError(converse("us.amazon.nova-micro-v1:0")), ThrottlingException)
      yield* local.reset
      yield* send(converse("us.amazon.nova-micro-v1:0"))
      assert.strictEqual(yield* throttledCount, 0)
    }))
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("no quotas", (it) => {
  it.effect("without quotas nothing is throttled", () =>
    Effect.gen(function*() {
      yield* Effect.all(Array.from({ length: 20 }, () => send(converse(REQUESTS))), { concurrency: 20 })
      assert.strictEqual(yield* throttledCount, 0)
    }))
})

describe("parseQuotas", () => {
  test("reads model ids (with colons), rates and bursts; rejects malformed values", () => {
    assert.deepStrictEqual(LocalBedrockServer.parseQuotas(["rpm:600,burst:1", "us.amazon.nova-micro-v1:0=tpm:1000"]), {
      "*": { requestsPerMinute: 600, burstSeconds: 1 },
      "us.amazon.nova-micro-v1:0": { tokensPerMinute: 1000 }
    })
    assert.throws(() => LocalBedrockServer.parseQuotas(["rpm:-1"]), /positive number/)
    assert.throws(() => LocalBedrockServer.parseQuotas(["rpm"]), /positive number/)
    assert.throws(() => LocalBedrockServer.parseQuotas(["qps:3"]), /unknown "qps"/)
    assert.throws(() => LocalBedrockServer.parseQuotas(["=rpm:3"]), /empty model id/)
  })
})
