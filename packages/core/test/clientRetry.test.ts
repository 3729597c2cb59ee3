import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Chunk, Duration, Effect, Redacted, Schedule, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import { makeSchedule } from "../src/internal/client/clientRetry.js"

describe("the retry schedule", () => {
  it.effect("exponential delays, jittered x0.5 to x1.5, capped at maxDelay", () =>
    Effect.gen(function*() {
      const schedule = makeSchedule({ maxAttempts: 6, baseDelay: "100 millis", maxDelay: "500 millis" })!
      const runs = yield* Effect.forEach(Array.from({ length: 20 }), () =>
        Schedule.run(Schedule.delays(schedule), 0, [1, 2, 3, 4, 5] as unknown as Array<BedrockError.BedrockError>).pipe(
          Effect.map((delays) =>
            Chunk.toReadonlyArray(delays).map(Duration.toMillis)
          )
        ))
      for (const delays of runs) {
        assert.strictEqual(delays.length, 5)
        delays.forEach((delay, i) => {
          const base = 100 * 2 ** i
          assert.isAtLeast(delay, Math.min(base * 0.5, 500))
          assert.isAtMost(delay, Math.min(base * 1.5, 500))
        })
      }
      // Jittered: the first delays are not all exactly the base delay.
      assert.isTrue(runs.some((delays) => delays[0] !== 100))
    }))
})

const MODEL = "us.amazon.nova-micro-v1:0"
const input = { modelId: MODEL, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] }

/** A service whose every call is throttled, counting the calls per operation. */
const throttled = () => {
  const calls = { converse: 0, converseStream: 0, countTokens: 0 }
  const error = new BedrockError.ThrottlingError({ message: "Too many requests", status: 429 })
  const service: BedrockClient.Service = {
    converse: () => Effect.suspend(() => (calls.converse++, Effect.fail(error))),
    converseStream: () => Stream.suspend(() => (calls.converseStream++, Stream.fail(error))),
    countTokens: () => Effect.suspend(() => (calls.countTokens++, Effect.fail(error)))
  }
  return { calls, service }
}

describe("withRetry replaces the policy, never nests", () => {
  it.effect("withRetry(withRetry(s, a), b) retries per b only", () =>
    Effect.gen(function*() {
      const { calls, service } = throttled()
      const bedrock = BedrockClient.withRetry(BedrockClient.withRetry(service, Schedule.recurs(4)), Schedule.recurs(1))
      yield* Effect.flip(bedrock.converse(input))
      yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input)))
      yield* Effect.flip(bedrock.countTokens({ modelId: MODEL, input: { converse: { messages: input.messages } } }))
      // Nested, it would be 5 x 2 = 10 each.
      assert.deepStrictEqual(calls, { converse: 2, converseStream: 2, countTokens: 2 })
      // Data-last, and `false` turns the retry off, whatever was applied before.
      const none = BedrockClient.withRetry(false)(BedrockClient.withRetry(bedrock, Schedule.recurs(3)))
      yield* Effect.flip(none.converse(input))
      assert.strictEqual(calls.converse, 3)
    }))
})

/** A client of the local Bedrock, tiny retry delays. */
const client = (options: Partial<BedrockClient.Options>) =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
    BedrockClient.make({
      region: "us-east-1",
      endpoint: local.endpoint,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
      ...options,
      retry: { baseDelay: "10 millis", ...(options.retry === false ? {} : options.retry) }
    }))

const requestCount = Effect.flatMap(LocalBedrock.LocalBedrock, (local) => Effect.map(local.requests, (r) => r.length))

/** A server that never answers, for the next `n` requests. */
const hangs = (n: number) =>
  Effect.flatMap(
    LocalBedrock.LocalBedrock,
    (local) => Effect.zipRight(local.reset, local.script(...Array.from({ length: n }, () => Script.hang())))
  )

layer(LocalBedrock.layer(), { excludeTestServices: true })(
  "bounded worst cases, against a server that never answers",
  (it) => {
    it.scoped("a timed-out attempt is retried once by default, not maxAttempts times", () =>
      Effect.gen(function*() {
        const bedrock = yield* client({ requestTimeout: "200 millis" })
        yield* hangs(5)
        const error = yield* Effect.flip(bedrock.converse(input))
        assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
        assert.strictEqual(yield* requestCount, 2)
        yield* hangs(5)
        yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input)))
        assert.strictEqual(yield* requestCount, 2)
        // Configurable: none, or as many as maxAttempts allows.
        const never = yield* client({ requestTimeout: "200 millis", retry: { timeoutRetries: 0 } })
        yield* hangs(5)
        yield* Effect.flip(never.converse(input))
        assert.strictEqual(yield* requestCount, 1)
        const all = yield* client({ requestTimeout: "200 millis", retry: { maxAttempts: 4, timeoutRetries: 3 } })
        yield* hangs(5)
        yield* Effect.flip(all.converse(input))
        assert.strictEqual(yield* requestCount, 4)
        // Other retryable failures still get every attempt.
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* local.script(Script.failure("ThrottlingException"), Script.hang())
        yield* bedrock.converse(input)
        assert.strictEqual(yield* requestCount, 3)
      }), 30_000)

    it.scoped(
      "a deadline covers every attempt: the call fails when it passes, not after the timeouts",
      () =>
        Effect.gen(function*() {
          const bedrock = yield* client({ requestTimeout: "2 seconds", deadline: "400 millis" })
          for (
            const run of [
              bedrock.converse(input),
              bedrock.countTokens({
                modelId: "amazon.nova-micro-v1:0",
                input: { converse: { messages: input.messages } }
              }),
              Stream.runDrain(bedrock.converseStream(input))
            ] as ReadonlyArray<Effect.Effect<unknown, BedrockError.BedrockError>>
          ) {
            yield* hangs(5)
            const started = Date.now()
            const error = yield* Effect.flip(run)
            const elapsed = Date.now() - started
            assert.include(error.message, "deadline", error.message)
            assert.isAtLeast(elapsed, 350)
            assert.isBelow(elapsed, 1500, "the deadline did not stop the call")
            assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
            assert.include(error.message, "deadline of 400 ms")
            assert.isFalse(error.retryable)
          }
          // Within the deadline a call goes through, and a stream is not cut once its events flow.
          const local = yield* LocalBedrock.LocalBedrock
          yield* local.reset
          yield* bedrock.converse(input)
          yield* local.script(Script.stream(undefined, { delayBetweenMs: 100 }))
          yield* Stream.runDrain(bedrock.converseStream(input))
          // A new policy replaces the client's, and the deadline stays outermost.
          const replaced = BedrockClient.withRetry(bedrock, Schedule.spaced("1 millis"))
          assert.include(String(replaced), "BedrockClient")
          yield* hangs(5)
          const error = yield* Effect.flip(replaced.converse(input))
          assert.include(error.message, "deadline of 400 ms")
          // An invalid deadline is a ConfigError.
          const invalid = yield* Effect.flip(client({ deadline: -1 }))
          assert.include(String(invalid), "deadline")
        }),
      30_000
    )
  }
)
