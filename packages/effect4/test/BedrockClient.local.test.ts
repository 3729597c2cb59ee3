import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import type * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
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
