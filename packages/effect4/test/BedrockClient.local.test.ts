import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import type * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as LocalBedrock from "../src/LocalBedrock.js"

// The local Bedrock and a BedrockClient on it, from the package's testing entry.
const LocalWithClient = LocalBedrock.layerWithClient()

const input = (modelId = "us.amazon.nova-micro-v1:0") => ({
  modelId,
  messages: [{ role: "user" as const, content: [{ text: "Hello" }] }]
})

/** Resolves once `server` has `count` open requests (bounded: 5 s). */
const openRequests = (server: LocalBedrockServer.LocalBedrockServer, count: number) =>
  Effect.promise(async () => {
    const deadline = Date.now() + 5_000
    while (server.openRequests() < count) {
      if (Date.now() > deadline) throw new Error(`${server.openRequests()} of ${count} requests open`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })

const idle = (server: LocalBedrockServer.LocalBedrockServer) =>
  Effect.promise(() =>
    Promise.race([
      server.awaitIdle().then(() => "idle"),
      new Promise((resolve) => setTimeout(() => resolve("requests still open"), 5_000))
    ])
  )

layer(LocalWithClient)("BedrockClient (Effect 4) against the local Bedrock", (it) => {
  it.effect("converse answers, countTokens counts", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const bedrock = yield* BedrockClient.BedrockClient
      const output = yield* bedrock.converse(input())
      assert.strictEqual(output.stopReason, "end_turn")
      assert.include(output.output?.message?.content?.[0]?.text ?? "", "Hello")
      const counted = yield* bedrock.countTokens({
        modelId: "amazon.nova-micro-v1:0",
        input: { converse: { messages: input().messages } }
      })
      assert.isAbove(counted.inputTokens ?? 0, 0)
    }))

  it.effect("converseStream is a Stream of the events", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const bedrock = yield* BedrockClient.BedrockClient
      const events = yield* Stream.runCollect(bedrock.converseStream(input()))
      const text = events.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")
      assert.include(text, "Hello")
      assert.isDefined(events[0]?.messageStart)
      assert.isDefined(events.find((e) => e.metadata !== undefined))
    }))

  it.effect("a scripted ThrottlingException is a ThrottlingError, retryable, with status and request id", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.failure("ThrottlingException", { message: "slow down" }))
      const bedrock = yield* BedrockClient.BedrockClient
      const error = yield* Effect.flip(bedrock.converse(input()))
      assert.instanceOf(error, BedrockError.ThrottlingError)
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(error.retryable, true)
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.position, "request")
      assert.strictEqual(error.message, "slow down")
      assert.strictEqual(error.requestId, local.requests().at(-1)?.requestId)
      // Not retryable: the engine's table says so.
      local.script(Script.failure("ValidationException"))
      const invalid = yield* Effect.flip(bedrock.converse(input()))
      assert.strictEqual(invalid._tag, "ValidationError")
      assert.strictEqual(invalid.retryable, false)
    }))

  it.effect("an exception event fails the stream with its typed error: retryable before any event, not after", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const bedrock = yield* BedrockClient.BedrockClient
      // As the first event, the SDK throws it from send (status 200): nothing was delivered, so it may be retried.
      local.script(Script.stream([Script.exception("throttlingException", "busy")]))
      const first = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input())))
      assert.strictEqual(first._tag, "ThrottlingError")
      assert.strictEqual(first.position, "request")
      assert.strictEqual(first.retryable, true)
      // After two events: position stream, and not retryable (a new attempt would repeat delivered output).
      local.script(Script.stream(undefined, { fault: Script.exceptionAfter(2, "throttlingException", "busy") }))
      const seen: Array<unknown> = []
      const later = yield* Effect.flip(
        Stream.runForEach(bedrock.converseStream(input()), (event) => Effect.sync(() => seen.push(event)))
      )
      assert.strictEqual(later._tag, "ThrottlingError")
      assert.strictEqual(later.position, "stream")
      assert.strictEqual(later.retryable, false)
      assert.strictEqual(seen.length, 2)
      // The exception event carries no request id: the stream's own (its initial response) is on the error.
      assert.strictEqual(later.requestId, local.requests().at(-1)?.requestId)
    }))

  it.effect("interrupting converse, countTokens and a stream aborts their requests: none stays open", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const bedrock = yield* BedrockClient.BedrockClient
      // `local.hang`: the server never answers; only an abort closes the request.
      const hanging = input("local.hang")
      const fibers = yield* Effect.forEach([0, 1, 2, 3, 4, 5], (i) =>
        Effect.forkChild(
          i % 3 === 0
            ? Effect.asVoid(bedrock.converse(hanging))
            : i % 3 === 1
            ? Effect.asVoid(bedrock.countTokens({ modelId: "local.hang", input: { converse: hanging } }))
            // `local.hang-1`: one event, then nothing, ever.
            : Stream.runDrain(bedrock.converseStream(input("local.hang-1")))
        ))
      yield* openRequests(local, 6)
      yield* Effect.forEach(fibers, Fiber.interrupt)
      const exits = yield* Effect.forEach(fibers, Fiber.await)
      assert.isTrue(exits.every(Exit.hasInterrupts))
      assert.strictEqual(yield* idle(local), "idle")
      assert.strictEqual(local.openRequests(), 0)
      // A stream the consumer stops reading (take) also closes its request.
      const first = yield* Stream.runCollect(Stream.take(bedrock.converseStream(input("local.hang-1")), 1))
      assert.strictEqual(first.length, 1)
      assert.strictEqual(yield* idle(local), "idle")
    }))
})

// =============================================================================
// Retry: one policy of ours, applied once; attempts counted at the local Bedrock
// =============================================================================

const MODEL = "us.amazon.nova-micro-v1:0"

/** A client of the local Bedrock, closed with the test's scope; without `retry`, the default policy. */
const client = (options: Partial<BedrockClient.Options> = {}) =>
  Effect.flatMap(Effect.service(LocalBedrock.LocalBedrock), (local) =>
    BedrockClient.make({
      region: "us-east-1",
      credentials: LocalBedrock.localCredentials,
      endpoint: local.url,
      ...options
    }))

/** The next `n` requests are throttled: `converse` with a 429, `converseStream` before its first event. */
const throttle = (local: LocalBedrockServer.LocalBedrockServer, operation: "converse" | "converse-stream", n = 20) => {
  local.reset()
  local.script(
    ...Array.from({ length: n }, () =>
      operation === "converse"
        ? Script.failure("ThrottlingException", { modelId: MODEL })
        : Script.stream(undefined, { modelId: MODEL, fault: Script.exceptionAfter(0, "throttlingException") }))
  )
}

/** The requests of `operation` that reached the local Bedrock. */
const attempts = (local: LocalBedrockServer.LocalBedrockServer, operation: "converse" | "converse-stream") =>
  local.requests().filter((request) => request.modelId === MODEL && request.operation === operation).length

const fast = { baseDelay: "1 millis" } as const

layer(LocalBedrock.layer(), { excludeTestServices: true })(
  "BedrockClient (Effect 4) retry, counted at the local Bedrock",
  (it) => {
    it.effect("throttling is retried by the default policy, then succeeds; the SDK's own retries are off", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        const bedrock = yield* client({ retry: fast })
        throttle(local, "converse", 2)
        const output = yield* bedrock.converse(input())
        assert.strictEqual(output.stopReason, "end_turn")
        assert.strictEqual(attempts(local, "converse"), 3)
        // Always throttled: 3 attempts in all (the engine's default), not 3 of ours times 3 of the SDK's.
        throttle(local, "converse")
        assert.strictEqual((yield* Effect.flip(bedrock.converse(input())))._tag, "ThrottlingError")
        assert.strictEqual(attempts(local, "converse"), 3)
        // `retry: false`: one attempt (the SDK's default would make 3).
        const once = yield* client({ retry: false })
        throttle(local, "converse")
        assert.strictEqual((yield* Effect.flip(once.converse(input())))._tag, "ThrottlingError")
        assert.strictEqual(attempts(local, "converse"), 1)
        // Not retryable: one attempt.
        local.reset()
        local.script(Script.failure("ValidationException", { modelId: MODEL }))
        assert.strictEqual((yield* Effect.flip(bedrock.converse(input())))._tag, "ValidationError")
        assert.strictEqual(attempts(local, "converse"), 1)
      }))

    it.effect("withRetry replaces the client's policy instead of nesting in it, for converse and streams", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        const built = yield* client({ retry: { maxAttempts: 5, baseDelay: "1 millis" } })
        const bedrock = BedrockClient.withRetry(built, Schedule.recurs(2))
        throttle(local, "converse")
        assert.strictEqual((yield* Effect.flip(bedrock.converse(input())))._tag, "ThrottlingError")
        assert.strictEqual(attempts(local, "converse"), 3)
        throttle(local, "converse-stream")
        assert.strictEqual(
          (yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input()))))._tag,
          "ThrottlingError"
        )
        assert.strictEqual(attempts(local, "converse-stream"), 3)
        // Data-last, over a service already wrapped: still the last policy alone.
        const again = BedrockClient.withRetry(Schedule.recurs(1))(BedrockClient.withRetry(Schedule.recurs(3))(built))
        throttle(local, "converse")
        yield* Effect.flip(again.converse(input()))
        assert.strictEqual(attempts(local, "converse"), 2)
        // `false`: no retry at all.
        throttle(local, "converse")
        yield* Effect.flip(BedrockClient.withRetry(built, false).converse(input()))
        assert.strictEqual(attempts(local, "converse"), 1)
      }))

    it.effect("a stream is retried before its first event (also one that ends empty), never after delivering one", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        const bedrock = yield* client({ retry: fast })
        // Throttled before the first event, then answered: retried, and the answer arrives once.
        throttle(local, "converse-stream", 1)
        const events = yield* Stream.runCollect(bedrock.converseStream(input()))
        assert.strictEqual(events.filter((event) => event.messageStart !== undefined).length, 1)
        assert.strictEqual(attempts(local, "converse-stream"), 2)
        // An event stream that ends before any event: a retryable TruncatedEventStream, retried.
        local.reset()
        local.script(Script.stream([], { modelId: MODEL }), Script.stream([], { modelId: MODEL }))
        const retried = yield* Stream.runCollect(bedrock.converseStream(input()))
        assert.isAbove(retried.length, 0)
        assert.strictEqual(attempts(local, "converse-stream"), 3)
        // Throttled after two events: the consumer has them, a new attempt would repeat them. One attempt.
        local.reset()
        local.script(
          Script.stream(undefined, { modelId: MODEL, fault: Script.exceptionAfter(2, "throttlingException") })
        )
        const seen: Array<unknown> = []
        const error = yield* Effect.flip(
          Stream.runForEach(bedrock.converseStream(input()), (event) => Effect.sync(() => seen.push(event)))
        )
        assert.strictEqual(error._tag, "ThrottlingError")
        assert.strictEqual(error.retryable, false)
        assert.strictEqual(seen.length, 2)
        assert.strictEqual(attempts(local, "converse-stream"), 1)
      }))

    it.effect("per-call headers reach the local Bedrock on that call only, signed, on every attempt", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        const bedrock = yield* client({ retry: fast })
        local.reset()
        yield* bedrock.converse(input(), { headers: { "x-effect-bedrock-test": "one" } })
        yield* bedrock.converse(input())
        yield* Stream.runDrain(bedrock.converseStream(input(), { headers: { "X-Effect-Bedrock-Test": "two" } }))
        yield* bedrock.countTokens(
          { modelId: "amazon.nova-micro-v1:0", input: { converse: { messages: input().messages } } },
          { headers: { "x-effect-bedrock-test": "three" } }
        )
        const log = local.requests()
        assert.deepStrictEqual(log.map((request) => request.headers["x-effect-bedrock-test"]), [
          "one",
          undefined,
          "two",
          "three"
        ])
        assert.match(log[0]!.headers.authorization!, /SignedHeaders=[^,]*x-effect-bedrock-test/)
        // A retried call sends them with each attempt.
        throttle(local, "converse", 1)
        yield* bedrock.converse(input(), { headers: { "x-effect-bedrock-test": "again" } })
        assert.deepStrictEqual(local.requests().map((request) => request.headers["x-effect-bedrock-test"]), [
          "again",
          "again"
        ])
      }))

    it.effect("onResponse runs once per attempt that got a response, with its request id", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        const bedrock = yield* client({ retry: fast })
        const seen: Array<BedrockClient.ResponseMetadata> = []
        const onResponse = (metadata: BedrockClient.ResponseMetadata) => Effect.sync(() => seen.push(metadata))
        // A stream whose first answer (200) ended before any event is retried: two responses, two calls, each
        // with its own request id.
        local.reset()
        local.script(Script.stream([], { modelId: MODEL }))
        const events = yield* Stream.runCollect(bedrock.converseStream(input(), { onResponse }))
        assert.isAbove(events.length, 0)
        const streamIds = local.requests().map((request) => request.requestId)
        assert.strictEqual(streamIds.length, 2)
        assert.deepStrictEqual(seen, streamIds.map((requestId) => ({ requestId, httpStatusCode: 200 })))
        // Throttled (an HTTP 429, and a stream throttled before its first event, which the SDK fails before it
        // resolves): no response to report; the attempt after it has one.
        seen.length = 0
        throttle(local, "converse", 1)
        yield* bedrock.converse(input(), { onResponse })
        const converseIds = local.requests().map((request) => request.requestId)
        assert.strictEqual(converseIds.length, 2)
        assert.deepStrictEqual(seen, [{ requestId: converseIds[1], httpStatusCode: 200 }])
        seen.length = 0
        throttle(local, "converse-stream", 1)
        yield* Stream.runDrain(bedrock.converseStream(input(), { onResponse }))
        const throttledIds = local.requests().map((request) => request.requestId)
        assert.strictEqual(throttledIds.length, 2)
        assert.deepStrictEqual(seen, [{ requestId: throttledIds[1], httpStatusCode: 200 }])
        // countTokens, once.
        seen.length = 0
        local.reset()
        yield* bedrock.countTokens(
          { modelId: "amazon.nova-micro-v1:0", input: { converse: { messages: input().messages } } },
          { onResponse }
        )
        assert.deepStrictEqual(seen, [{ requestId: local.requests()[0]!.requestId, httpStatusCode: 200 }])
      }))

    it.effect("interrupted while waiting to retry: no further attempt, no open request", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        // At least 2.5 s before the retry: the fiber is interrupted long before it.
        const bedrock = yield* client({ retry: { baseDelay: "5 seconds" } })
        throttle(local, "converse")
        const fiber = yield* Effect.forkChild(bedrock.converse(input()))
        yield* Effect.promise(async () => {
          const deadline = Date.now() + 5_000
          while (attempts(local, "converse") < 1 || local.openRequests() > 0) {
            if (Date.now() > deadline) throw new Error("the first attempt did not end")
            await new Promise((resolve) => setTimeout(resolve, 5))
          }
        })
        yield* Fiber.interrupt(fiber)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(fiber)))
        assert.strictEqual(attempts(local, "converse"), 1)
        assert.strictEqual(yield* idle(local), "idle")
      }))

    it.effect("deadline covers every attempt and retry delay, and a stream until its first event", () =>
      Effect.gen(function*() {
        const local = (yield* LocalBedrock.LocalBedrock).server
        // The first retry waits at least 250 ms (500 ms, jitter x0.5): past the deadline.
        const bedrock = yield* client({ deadline: "150 millis" })
        throttle(local, "converse")
        const start = Date.now()
        const error = yield* Effect.flip(bedrock.converse(input()))
        assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
        assert.include(error.message, "deadline")
        assert.strictEqual(error.retryable, false)
        assert.isBelow(Date.now() - start, 1_000)
        assert.strictEqual(attempts(local, "converse"), 1)
        // A stream that never answers: failed at the deadline, its request aborted.
        local.reset()
        const stalled = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input("local.hang"))))
        assert.strictEqual(stalled._tag === "TransportError" ? stalled.kind : stalled._tag, "Timeout")
        assert.strictEqual(yield* idle(local), "idle")
        // Once its first event arrived, a stream may run past the deadline.
        const started = Date.now()
        const slow = yield* Stream.runCollect(
          bedrock.converseStream(input()).pipe(Stream.tap(() => Effect.sleep("60 millis")))
        )
        assert.isAbove(slow.length, 2)
        assert.isAbove(Date.now() - started, 150)
      }))
  }
)

layer(LocalBedrock.layer(), { excludeTestServices: true })("BedrockClient (Effect 4) stream idle timer", (it) => {
  it.effect("requestTimeout: no next event in time fails the stream with a Timeout and aborts its request", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      const bedrock = yield* client({ requestTimeout: "300 millis", retry: false })
      // `local.hang-1`: one event, then nothing, ever.
      const seen: Array<unknown> = []
      const started = Date.now()
      const error = yield* Effect.flip(
        Stream.runForEach(bedrock.converseStream(input("local.hang-1")), (event) => Effect.sync(() => seen.push(event)))
      )
      const elapsed = Date.now() - started
      assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
      assert.strictEqual(error.position, "stream")
      assert.strictEqual(error.retryable, false, "output was delivered")
      assert.include(error.message, "no activity for 300 ms")
      assert.isString(error.requestId)
      assert.strictEqual(seen.length, 1)
      assert.isAtLeast(elapsed, 290)
      assert.isBelow(elapsed, 5_000)
      assert.strictEqual(yield* idle(local), "idle")
      assert.strictEqual(local.openRequests(), 0)
      // `local.hang`: the response never comes; a Timeout of the request, retryable.
      const before = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input("local.hang"))))
      assert.strictEqual(before._tag === "TransportError" ? before.kind : before._tag, "Timeout")
      assert.strictEqual(before.position, "request")
      assert.isTrue(before.retryable)
      assert.strictEqual(yield* idle(local), "idle")
    }))

  it.effect("a timed-out attempt is retried once by the default policy; a timer too long to set is none", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const bedrock = yield* client({ requestTimeout: "150 millis", retry: fast })
      const error = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input("local.hang"))))
      assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
      assert.strictEqual(local.requests().filter((r) => r.operation === "converse-stream").length, 2)
      assert.strictEqual(yield* idle(local), "idle")
      // Longer than a timer can wait (24.8 days) is as good as none, not 1 ms.
      const long = yield* client({ requestTimeout: "30 days" })
      const events = yield* Stream.runCollect(long.converseStream(input()))
      assert.isAbove(events.length, 2)
      yield* long.converse(input())
    }))
})

describe("BedrockClient.layerFromClient", () => {
  it.effect("an SDK client you own is used as is, not destroyed", () =>
    Effect.gen(function*() {
      const client = new BedrockRuntimeClient({ region: "us-east-1" })
      const service = yield* Effect.provide(
        Effect.gen(function*() {
          return yield* BedrockClient.BedrockClient
        }),
        BedrockClient.layerFromClient(client)
      )
      assert.strictEqual(service.client, client)
      client.destroy()
    }))
})
