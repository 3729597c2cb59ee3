// Usage limits against the local Bedrock: before the request that would break them where that
// can be told (requests; tokens and cost when counted first), else right after the response.
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"
import * as UsageLimits from "../src/UsageLimits.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
// The bundled price of MODEL: $3.30 per million input tokens, $16.50 per million output tokens.
const costOf = (input: number, output: number) => (input * 3.3 + output * 16.5) / 1e6

const Env = BedrockLanguageModel.layer({ model: MODEL }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const reset = Effect.flatMap(local, (server) => server.reset)
const script = (...scripts: ReadonlyArray<Script.Script>) =>
  Effect.flatMap(local, (server) => server.script(...scripts))
const operations = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests.map((r) => r.operation))
)

const answer = (inputTokens: number, outputTokens: number) =>
  Script.converseText("Fine.", { inputTokens, outputTokens, operation: "converse" })

const generate = LanguageModel.generate({ prompt: "Hi" })

layer(Env, { excludeTestServices: true })("UsageLimits against the local Bedrock", (it) => {
  it.effect("requests: the call past the cap fails before it is sent", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(answer(10, 5), answer(10, 5))
      const error = yield* Effect.flip(
        Effect.zipRight(Effect.zipRight(generate, generate), generate).pipe(
          UsageLimits.withUsageLimits({ requests: 2 })
        )
      )
      assert.strictEqual(error._tag, "UsageLimitExceededError")
      if (error._tag !== "UsageLimitExceededError") return
      assert.strictEqual(error.limit, "requests")
      assert.strictEqual(error.position, "beforeRequest")
      assert.strictEqual(error.max, 2)
      assert.strictEqual(error.value, 3)
      assert.strictEqual(error.message, "The request limit of 2 would be exceeded by the next request (3 at least)")
      assert.deepStrictEqual(yield* operations, ["converse", "converse"])
    }))

  it.effect("output and total tokens: right after the response that broke the cap", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(answer(10, 100), answer(10, 100))
      const error = yield* Effect.flip(
        Effect.zipRight(generate, generate).pipe(UsageLimits.withUsageLimits({ outputTokens: 150 }))
      )
      assert.deepStrictEqual<unknown>(
        { ...error, message: error.message },
        {
          _tag: "UsageLimitExceededError",
          limit: "outputTokens",
          max: 150,
          value: 200,
          position: "afterResponse",
          message: "The output token limit of 150 was exceeded (200)",
          retryable: false
        }
      )
      yield* script(answer(10, 100))
      const total = yield* Effect.flip(generate.pipe(UsageLimits.withUsageLimits({ totalTokens: 100 })))
      assert.strictEqual(total._tag === "UsageLimitExceededError" && total.limit, "totalTokens")
    }))

  it.effect("input tokens, counted first: fails before the request, having sent only the count", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(Script.countTokens(5000))
      const error = yield* Effect.flip(
        generate.pipe(UsageLimits.withUsageLimits({ inputTokens: 1000, countTokensBeforeRequest: true }))
      )
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.position, "beforeRequest")
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.value, 5000)
      assert.deepStrictEqual(yield* operations, ["count-tokens"])
      // Without counting, an input cap already reached stops the next request.
      yield* reset
      yield* script(answer(100, 1))
      const reached = yield* Effect.flip(
        Effect.zipRight(generate, generate).pipe(UsageLimits.withUsageLimits({ inputTokens: 100 }))
      )
      assert.strictEqual(reached._tag === "UsageLimitExceededError" && reached.position, "beforeRequest")
      assert.deepStrictEqual(yield* operations, ["converse"])
    }))

  it.effect("cost: right after the response that broke it, or before when counted; unknown prices cannot be capped", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(answer(1000, 200))
      const error = yield* Effect.flip(generate.pipe(UsageLimits.withUsageLimits({ cost: 0.005 })))
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.limit, "cost")
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.position, "afterResponse")
      assert.closeTo(error._tag === "UsageLimitExceededError" ? error.value! : 0, costOf(1000, 200), 1e-12)

      yield* script(Script.countTokens(2000))
      const counted = yield* Effect.flip(
        generate.pipe(UsageLimits.withUsageLimits({ cost: 0.005, countTokensBeforeRequest: true }))
      )
      assert.strictEqual(counted._tag === "UsageLimitExceededError" && counted.position, "beforeRequest")
      assert.closeTo(counted._tag === "UsageLimitExceededError" ? counted.value! : 0, costOf(2000, 0), 1e-12)

      // A model the prices do not cover: the cap cannot be kept, so nothing is sent.
      yield* reset
      const unpriced = yield* Effect.flip(
        generate.pipe(
          UsageLimits.withUsageLimits({ cost: 1 }),
          Effect.provide(BedrockLanguageModel.layer({ model: "mistral.mistral-large-2407-v1:0" }))
        )
      )
      assert.strictEqual(unpriced._tag === "UsageLimitExceededError" && unpriced.limit, "cost")
      assert.isTrue(unpriced._tag === "UsageLimitExceededError" && unpriced.value === undefined)
      assert.match(unpriced.message, /has no known price in USD/)
      assert.deepStrictEqual(yield* operations, [])
    }))

  it.effect("nested scopes: each keeps its own caps, every call counts against all of them", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(answer(10, 5), answer(10, 5), answer(10, 5))
      const inner = Effect.zipRight(generate, Effect.flip(generate)).pipe(
        UsageLimits.withUsageLimits({ requests: 1 })
      )
      const outer = Effect.gen(function*() {
        const first = yield* inner
        assert.strictEqual(first._tag === "UsageLimitExceededError" && first.max, 1)
        yield* generate
        return yield* Effect.flip(generate)
      }).pipe(UsageLimits.withUsageLimits({ requests: 2 }))
      const error = yield* outer
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.max, 2)
      assert.deepStrictEqual(yield* operations, ["converse", "converse"])
    }))

  it.effect("a stream breaking a cap fails right after its last part, in place of its Finish", () =>
    Effect.gen(function*() {
      yield* reset
      yield* script(Script.stream(Script.textEvents(["one ", "two"], { inputTokens: 5, outputTokens: 50 })))
      const parts: Array<string> = []
      const error = yield* LanguageModel.stream({ prompt: "Hi" }).pipe(
        Stream.tap((part) => Effect.sync(() => parts.push(part._tag))),
        Stream.runDrain,
        UsageLimits.withUsageLimits({ outputTokens: 10 }),
        Effect.flip
      )
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.position, "afterResponse")
      assert.deepStrictEqual(parts, ["TextStart", "TextDelta", "TextDelta", "TextEnd"])
    }))

  it.effect("the tool loop: usageLimits caps its steps, streamed or not", () =>
    Effect.gen(function*() {
      yield* reset
      const toolUse = Script.json({
        output: {
          message: { role: "assistant", content: [{ toolUse: { toolUseId: "tu-1", name: "ping", input: {} } }] }
        },
        stopReason: "tool_use",
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
        metrics: { latencyMs: 1 }
      }, { operation: "converse" })
      const ping = Tool.make("ping", { parameters: Schema.Struct({}), handler: () => Effect.succeed("pong") })
      yield* script(toolUse)
      const error = yield* Effect.flip(
        Toolkit.generate(Toolkit.make(ping), { prompt: "Ping", usageLimits: { requests: 1 } })
      )
      assert.strictEqual(error._tag === "UsageLimitExceededError" && error.limit, "requests")
      assert.deepStrictEqual(yield* operations, ["converse"])

      yield* reset
      yield* script(
        Script.stream(Script.textEvents(["a"], { inputTokens: 10, outputTokens: 100 }))
      )
      const events = yield* Toolkit.stream(Toolkit.make(ping), { prompt: "Ping", usageLimits: { totalTokens: 50 } })
        .pipe(
          Stream.catchAll((error) => Stream.make(error._tag)),
          Stream.map((event) => typeof event === "string" ? event : event._tag),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray)
        )
      assert.deepStrictEqual(events, ["TextStart", "TextDelta", "TextEnd", "UsageLimitExceededError"])
    }))
})
