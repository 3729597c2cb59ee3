// BedrockRateLimiter over a stub client, in memory, on the TestClock: when each call reaches the
// client is the observable.
import type { ConverseCommandInput, ConverseCommandOutput, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as TokenEstimate from "@effect-bedrock/converse/limits/tokenEstimate"
import { assert, describe, it } from "@effect/vitest"
import {
  Cause,
  Clock,
  ConfigError,
  Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  Layer,
  Schema,
  Stream,
  TestClock
} from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"
import * as LanguageModel from "../src/LanguageModel.js"

const MODEL = "us.amazon.nova-micro-v1:0"

const input = (options: { modelId?: string; maxTokens?: number } = {}): ConverseCommandInput => ({
  modelId: options.modelId ?? MODEL,
  messages: [{ role: "user", content: [{ text: "Hello" }] }],
  ...(options.maxTokens === undefined ? {} : { inferenceConfig: { maxTokens: options.maxTokens } })
})

const output = (totalTokens: number): ConverseCommandOutput => ({
  $metadata: {},
  output: { message: { role: "assistant", content: [{ text: "ok" }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 1, outputTokens: totalTokens - 1, totalTokens },
  metrics: { latencyMs: 1 }
})

const throttled = () =>
  new BedrockError.ThrottlingError({ message: "Too many requests, please wait before trying again.", status: 429 })

interface Stub {
  /** When each call reached the client (TestClock millis), by model id. */
  readonly calls: Array<{ readonly at: number; readonly modelId: string | undefined }>
  readonly layer: Layer.Layer<BedrockClient.BedrockClient>
}

/** A client whose `converse` answers with `reply(n)` (n: the call's index) after `latency`. */
const stub = (
  reply: (n: number) => Effect.Effect<ConverseCommandOutput, BedrockError.BedrockError> = () =>
    Effect.succeed(output(10)),
  latency: Duration.DurationInput = 0,
  events: (n: number) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError> = () => Stream.empty
): Stub => {
  const calls: Stub["calls"] = []
  const record = (modelId: string | undefined) =>
    Effect.map(Clock.currentTimeMillis, (at) => {
      calls.push({ at, modelId })
      return calls.length - 1
    })
  return {
    calls,
    layer: Layer.succeed(BedrockClient.BedrockClient, {
      converse: (request) =>
        Effect.flatMap(record(request.modelId), (n) => Effect.delay(Effect.suspend(() => reply(n)), latency)),
      converseStream: (request) => Stream.unwrap(Effect.map(record(request.modelId), events)),
      countTokens: (request) => Effect.as(record(request.modelId), { $metadata: {}, inputTokens: 1 })
    })
  }
}

const limited = (s: Stub, options: BedrockRateLimiter.Options) =>
  BedrockRateLimiter.layer({ retry: false, ...options }).pipe(Layer.provide(s.layer))

const converse = (request: ConverseCommandInput = input()) =>
  Effect.flatMap(BedrockClient.BedrockClient, (client) => client.converse(request))

const times = (s: Stub) => s.calls.map((c) => c.at)

const statsOf = (modelId = MODEL) =>
  Effect.map(
    Effect.flatMap(BedrockRateLimiter.BedrockRateLimiter, (limiter) => limiter.stats),
    (all) => all.find((s) => s.modelId === modelId)!
  )

describe("BedrockRateLimiter", () => {
  it.effect("requests per minute: calls wait for budget instead of failing, spaced at the rate", () => {
    const s = stub()
    return Effect.gen(function*() {
      const fibers = yield* Effect.forkAll([converse(), converse(), converse(), converse()])
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(fibers)
      assert.deepStrictEqual(times(s), [0, 1000, 2000, 3000])
      const stats = yield* statsOf()
      assert.deepStrictEqual([stats.admitted, stats.waiting, stats.inFlight, stats.rate], [4, 0, 0, 1])
    }).pipe(Effect.provide(limited(s, { budgets: { [MODEL]: { requestsPerMinute: 60 } }, adaptive: false })))
  })

  it.effect("tokens per minute: maxTokens reserved on admission, corrected by the real usage", () => {
    // 100 tokens a second, a bucket of 100. Each call reserves 80.
    const used: Record<string, number> = { less: 10, same: 80, more: 150 }
    const s = stub((n) => Effect.succeed(output(used[s.calls[n]!.modelId!]!)))
    const sequence = (modelId: string) =>
      Effect.fork(
        Effect.zipRight(converse(input({ modelId, maxTokens: 80 })), converse(input({ modelId, maxTokens: 80 })))
      )
    return Effect.gen(function*() {
      const fibers = yield* Effect.all([sequence("less"), sequence("same"), sequence("more")])
      yield* TestClock.adjust("5 seconds")
      yield* Effect.forEach(fibers, Fiber.join)
      const at = (modelId: string) => s.calls.filter((c) => c.modelId === modelId).map((c) => c.at)
      // 70 given back: the second call fits at once.
      assert.deepStrictEqual(at("less"), [0, 0])
      // 20 left, 80 needed: 600 ms.
      assert.deepStrictEqual(at("same"), [0, 600])
      // 70 more taken after the first call: 20 - 70 - 80 = -130, 1,300 ms.
      assert.deepStrictEqual(at("more"), [0, 1300])
    }).pipe(Effect.provide(limited(s, {
      budgets: { "*": { tokensPerMinute: 6000 } },
      estimateTokens: ({ maxTokens }) => maxTokens,
      adaptive: false
    })))
  })

  it.effect("the deadline: a call that could not start in time fails at once, naming the budget, unsent", () => {
    const s = stub()
    return Effect.gen(function*() {
      const fibers = yield* Effect.forEach([1, 2, 3, 4], () => Effect.fork(Effect.either(converse())))
      yield* TestClock.adjust("5 seconds")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(times(s), [0, 1000, 2000])
      const error = Either.getLeft(results[3]!).pipe((o) => o._tag === "Some" ? o.value : undefined)
      assert.instanceOf(error, BedrockError.BudgetExhaustedError)
      assert.strictEqual(error!.budget, "requests")
      assert.strictEqual(error!.modelId, MODEL)
      assert.strictEqual(error!.operation, "converse")
      assert.strictEqual(Duration.toMillis(error!.retryAfter!), 3000)
      assert.isFalse(BedrockError.isRetryable(error))
      assert.match(error!.message, /requests budget of us\.amazon\.nova-micro-v1:0 is exhausted.*3000 ms.*2000 ms/)
      assert.strictEqual((yield* statsOf()).rejected, 1)
    }).pipe(Effect.provide(limited(s, { budgets: { [MODEL]: { requestsPerMinute: 60 } }, maxWait: "2 seconds" })))
  })

  it.effect("the deadline on tokens: the reservation is given back", () => {
    const s = stub((n) => Effect.succeed(output(80 + n)))
    return Effect.gen(function*() {
      const fibers = yield* Effect.forEach(
        [1, 2, 3],
        () => Effect.fork(Effect.either(converse(input({ maxTokens: 80 }))))
      )
      yield* TestClock.adjust("3 seconds")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.deepStrictEqual(results.map((r) => r._tag), ["Right", "Right", "Left"])
      assert.strictEqual((results[2] as Either.Left<BedrockError.BudgetExhaustedError, unknown>).left.budget, "tokens")
      assert.deepStrictEqual(times(s), [0, 600])
    }).pipe(Effect.provide(limited(s, {
      budgets: { [MODEL]: { tokensPerMinute: 6000 } },
      estimateTokens: ({ maxTokens }) => maxTokens,
      maxWait: "1 second",
      adaptive: false
    })))
  })

  it.effect("concurrency: at most N in flight; a bounded queue; the deadline applies to waiting for a permit", () => {
    const s = stub(undefined, "1 second")
    return Effect.gen(function*() {
      // One millisecond apart, so that each is waiting before the next arrives.
      const fibers = yield* Effect.forEach(
        [1, 2, 3, 4],
        () => Effect.zipLeft(Effect.fork(Effect.either(converse())), TestClock.adjust("1 millis"))
      )
      yield* TestClock.adjust("5 seconds")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      const budgets = results.map((r) =>
        r._tag === "Left" ? (r.left as BedrockError.BudgetExhaustedError).budget : "ok"
      )
      // The 4th finds 2 waiting (queue full); the 3rd waits 1.5 s for a permit, then gives up.
      // The 2nd gets the permit when the 1st is done, at 1,000.
      assert.deepStrictEqual(budgets, ["ok", "ok", "concurrency", "queue"])
      assert.deepStrictEqual(times(s), [0, 1000])
      assert.strictEqual((yield* statsOf()).rejected, 2)
    }).pipe(
      Effect.provide(limited(s, { budgets: { [MODEL]: { concurrency: 1 } }, maxQueued: 2, maxWait: "1.5 seconds" }))
    )
  })

  it.effect("adaptive: a ThrottlingError lowers the rate (once per interval), sustained success raises it", () => {
    const s = stub((n) => n < 2 ? Effect.fail(throttled()) : Effect.succeed(output(10)))
    return Effect.gen(function*() {
      const first = yield* Effect.fork(Effect.all([Effect.either(converse()), Effect.either(converse())]))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(first)
      // Two throttles within one interval: one decrease, to 42 requests a minute (one every 1,429 ms).
      assert.strictEqual((yield* statsOf()).rate, 0.7)
      assert.strictEqual((yield* statsOf()).throttled, 2)
      const [, second] = times(s)
      assert.closeTo(second!, 60_000 / 42, 1)
      // The 3rd succeeds more than 2 s after the decrease: +0.05, so the 4th waits 60,000 / 45 ms.
      const next = yield* Effect.fork(Effect.all([converse(), converse()]))
      yield* TestClock.adjust("5 seconds")
      yield* Fiber.join(next)
      const [, , third, fourth] = times(s)
      assert.closeTo(fourth! - third!, 60_000 / 45, 1)
      assert.closeTo((yield* statsOf()).rate, 0.75, 1e-9)
    }).pipe(
      Effect.provide(
        limited(s, { budgets: { [MODEL]: { requestsPerMinute: 60 } }, adaptive: { interval: "2 seconds" } })
      )
    )
  })

  it.effect("adaptive: never below min", () => {
    const s = stub(() => Effect.fail(throttled()))
    return Effect.gen(function*() {
      for (let i = 0; i < 6; i++) {
        const fiber = yield* Effect.fork(Effect.either(converse()))
        yield* TestClock.adjust("10 seconds")
        yield* Fiber.join(fiber)
      }
      assert.strictEqual((yield* statsOf()).rate, 0.5)
      assert.strictEqual((yield* statsOf()).throttled, 6)
    }).pipe(Effect.provide(limited(s, {
      budgets: { [MODEL]: { requestsPerMinute: 60 } },
      adaptive: { decrease: 0.5, min: 0.5 }
    })))
  })

  it.effect("retries go through admission: each attempt is admitted", () => {
    const s = stub((n) => n === 0 ? Effect.fail(throttled()) : Effect.succeed(output(10)))
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(converse())
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(fiber)
      // The retry (after 5 to 15 ms) waits for the next request of budget.
      const [first, second] = times(s)
      assert.strictEqual(first, 0)
      assert.isTrue(second! >= 1000 && second! <= 1020, String(second))
      const stats = yield* statsOf()
      assert.deepStrictEqual([stats.admitted, stats.throttled], [2, 1])
    }).pipe(Effect.provide(
      BedrockRateLimiter.layer({
        budgets: { [MODEL]: { requestsPerMinute: 60 } },
        adaptive: false,
        retry: { baseDelay: "10 millis", maxAttempts: 3 }
      }).pipe(Layer.provide(s.layer))
    ))
  })

  it.effect("streams: the permit is held until the stream ends; usage from the metadata event corrects the tokens", () => {
    const events: Array<ConverseStreamOutput> = [
      { messageStart: { role: "assistant" } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "hi" } } },
      { messageStop: { stopReason: "end_turn" } },
      { metadata: { usage: { inputTokens: 1, outputTokens: 9, totalTokens: 10 }, metrics: { latencyMs: 1 } } }
    ]
    const s = stub(undefined, 0, (n) =>
      n === 0
        ? Stream.fail(throttled())
        : Stream.fromIterable(events).pipe(Stream.tap(() => Effect.sleep("100 millis"))))
    const stream = Effect.flatMap(
      BedrockClient.BedrockClient,
      (client) => Stream.runCollect(client.converseStream({ ...input({ maxTokens: 80 }) }))
    )
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.zipRight(Effect.either(stream), Effect.all([stream, stream], { concurrency: 2 }))
      )
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      // Throttled: its tokens given back. Then one stream at a time (400 ms each); the usage gives
      // back 70 tokens, so the tokens budget never delays them.
      assert.deepStrictEqual(times(s), [0, 0, 400])
    }).pipe(Effect.provide(limited(s, {
      budgets: { [MODEL]: { tokensPerMinute: 6000, concurrency: 1 } },
      estimateTokens: ({ maxTokens }) => maxTokens,
      adaptive: false
    })))
  })

  it.effect("interrupted while waiting: the reservation is given back", () => {
    const s = stub()
    return Effect.gen(function*() {
      yield* converse()
      const waiting = yield* Effect.fork(converse())
      yield* TestClock.adjust("500 millis")
      yield* Fiber.interrupt(waiting)
      const next = yield* Effect.fork(converse())
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(next)
      // Without the give-back it would wait until 2,500.
      assert.deepStrictEqual(times(s), [0, 1500])
      assert.strictEqual((yield* statsOf()).waiting, 0)
    }).pipe(Effect.provide(limited(s, { budgets: { [MODEL]: { requestsPerMinute: 60 } }, adaptive: false })))
  })

  it.effect("\"*\" gives each model its own budget; models without one and countTokens pass through", () => {
    const s = stub()
    return Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const fiber = yield* Effect.fork(Effect.all([
        converse(input({ modelId: "a" })),
        converse(input({ modelId: "b" })),
        converse(input({ modelId: "a" }))
      ], { concurrency: "unbounded" }))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(s.calls.map((c) => `${c.modelId}@${c.at}`), ["a@0", "b@0", "a@1000"])
      for (let i = 0; i < 5; i++) {
        yield* client.countTokens({ modelId: "a", input: { converse: { messages: input().messages! } } })
      }
      assert.strictEqual(s.calls.length, 8)
    }).pipe(Effect.provide(limited(s, { budgets: { "*": { requestsPerMinute: 60 } } })))
  })

  it.effect("no budget for the model: calls go straight through", () => {
    const s = stub()
    return Effect.gen(function*() {
      yield* Effect.all(Array.from({ length: 10 }, () => converse()), { concurrency: "unbounded" })
      assert.deepStrictEqual(times(s), Array.from({ length: 10 }, () => 0))
      const stats = yield* Effect.flatMap(BedrockRateLimiter.BedrockRateLimiter, (limiter) => limiter.stats)
      assert.deepStrictEqual(stats, [])
    }).pipe(Effect.provide(limited(s, { budgets: { other: { requestsPerMinute: 1 } } })))
  })

  it.effect("invalid options fail the layer with a ConfigError naming the option, never a defect or no limit", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ budgets: { [MODEL]: { requestsPerMinute: 0 } } }, `budgets.${MODEL}.requestsPerMinute`],
        [{ budgets: { [MODEL]: { requestsPerMinute: -5 } } }, `budgets.${MODEL}.requestsPerMinute`],
        [{ budgets: { [MODEL]: { requestsPerMinute: Number.NaN } } }, `budgets.${MODEL}.requestsPerMinute`],
        [{ budgets: { "*": { tokensPerMinute: Number.NaN } } }, "budgets.*.tokensPerMinute"],
        [{ budgets: { "*": { concurrency: 1.5 } } }, "budgets.*.concurrency"],
        [{ budgets: { "*": { requestsPerMinte: 10 } } }, "budgets.*.requestsPerMinte"],
        [{ budgets: { "*": null } }, "budgets.*"],
        [{ budgets: null }, "budgets"],
        [{}, "budgets"],
        [{ budgets: {}, maxWait: "banana" }, "maxWait"],
        [{ budgets: {}, maxWait: -1 }, "maxWait"],
        [{ budgets: {}, burst: 0 }, "burst"],
        [{ budgets: {}, maxQueued: Number.NaN }, "maxQueued"],
        [{ budgets: {}, defaultMaxTokens: -1 }, "defaultMaxTokens"],
        [{ budgets: {}, estimateTokens: 42 }, "estimateTokens"],
        [{ budgets: {}, adaptive: { decrease: 2 } }, "adaptive.decrease"],
        [{ budgets: {}, adaptive: { interval: "soon" } }, "adaptive.interval"],
        [{ budgets: {}, retry: { maxAttempts: 0 } }, "retry.maxAttempts"]
      ]
      for (const [options, path] of cases) {
        const exit = yield* Effect.exit(
          Effect.scoped(Layer.build(
            BedrockRateLimiter.layer(options as BedrockRateLimiter.Options).pipe(
              Layer.provide(stub().layer)
            )
          ))
        )
        if (Exit.isSuccess(exit)) return assert.fail(`${path}: the layer was built`)
        assert.isFalse(Cause.isDie(exit.cause), `${path}: ${Cause.pretty(exit.cause)}`)
        const error = Cause.squash(exit.cause)
        assert.isTrue(ConfigError.isConfigError(error), String(error))
        assert.include(String(error), `Invalid option "${path}"`)
      }
    }))

  it.effect("an estimate that is NaN or throws counts as the default estimate, never as no limit", () => {
    const s = stub()
    let calls = 0
    return Effect.gen(function*() {
      // 100 tokens a second, a bucket of 100; the default estimate of each call is 80 + its input.
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(converse(input({ maxTokens: 80 }))))
      yield* TestClock.adjust("5 seconds")
      yield* Effect.forEach(fibers, Fiber.join)
      const [first, second, third] = times(s)
      assert.strictEqual(first, 0)
      assert.isAbove(second!, 500)
      assert.isAbove(third!, second!)
    }).pipe(Effect.provide(limited(s, {
      budgets: { [MODEL]: { tokensPerMinute: 6000 } },
      estimateTokens: () => {
        if (++calls % 2 === 0) throw new Error("no estimate")
        return Number.NaN
      },
      adaptive: false
    })))
  })

  it("BudgetExhaustedError is a BedrockError: schema round trip, safe printing", () => {
    const error = new BedrockError.BudgetExhaustedError({
      message: "queue full",
      budget: "queue",
      modelId: MODEL,
      retryAfter: Duration.seconds(2)
    })
    assert.isTrue(BedrockError.isBedrockError(error))
    assert.strictEqual(error.position, "request")
    const encoded = Schema.encodeSync(BedrockError.BedrockError)(error)
    assert.strictEqual((encoded as { retryAfter?: unknown }).retryAfter, 2000)
    const decoded = Schema.decodeUnknownSync(BedrockError.BedrockError)(encoded)
    assert.instanceOf(decoded, BedrockError.BudgetExhaustedError)
    assert.strictEqual((decoded as BedrockError.BudgetExhaustedError).budget, "queue")
    assert.include(String(error), "BudgetExhaustedError: queue full")
  })
})

describe("token estimate", () => {
  it("about four characters a token, 1,600 an image, documents by size; maxTokens or the fallback", () => {
    const text = "x".repeat(400)
    const base = TokenEstimate.inputTokens({ modelId: "m", messages: [{ role: "user", content: [{ text }] }] })
    assert.isTrue(base >= 100 && base < 110, String(base))
    const image = TokenEstimate.inputTokens({
      modelId: "m",
      messages: [{
        role: "user",
        content: [{ image: { format: "png", source: { bytes: new Uint8Array(1_000_000) } } }]
      }]
    })
    assert.isTrue(image >= 1600 && image < 1620, String(image))
    const document = TokenEstimate.inputTokens({
      modelId: "m",
      messages: [{
        role: "user",
        content: [{ document: { name: "d", format: "txt", source: { bytes: new Uint8Array(4000) } } }]
      }]
    })
    assert.isTrue(document >= 1000 && document < 1020, String(document))
    assert.strictEqual(TokenEstimate.maxTokens({ modelId: "m", inferenceConfig: { maxTokens: 5 } }, 4096), 5)
    assert.strictEqual(TokenEstimate.maxTokens({ modelId: "m" }, 4096), 4096)
    assert.strictEqual(TokenEstimate.usedTokens({ inputTokens: 3, outputTokens: 4, totalTokens: 7 }), 7)
    assert.strictEqual(TokenEstimate.usedTokens({ inputTokens: 3, outputTokens: 4, totalTokens: undefined }), 7)
    assert.isUndefined(TokenEstimate.usedTokens(undefined))
  })
})

describe("README setup", () => {
  it.effect("one instance: model, limiter, client; a fleet's Layer has the same shape", () => {
    const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    const budgets = { [model]: { requestsPerMinute: 200, tokensPerMinute: 400_000 } }
    const Bedrock = BedrockLanguageModel.layer({ model }).pipe(
      Layer.provide(BedrockRateLimiter.layer({ budgets })),
      Layer.provide(BedrockClient.layer({ region: "us-east-1", retry: false }))
    )
    const FleetBedrock = BedrockLanguageModel.layer({ model }).pipe(
      Layer.provide(BedrockRateLimiter.layerRedis({ budgets, redis: { url: "redis://redis.internal:6379" } })),
      Layer.provide(BedrockClient.layer({ region: "us-east-1", retry: false }))
    )
    const same: typeof Bedrock = FleetBedrock
    return Effect.gen(function*() {
      const languageModel = yield* LanguageModel.LanguageModel
      assert.isFunction(languageModel.generate)
      assert.isDefined(same)
    }).pipe(Effect.provide(Bedrock))
  })
})
