import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Stream } from "effect"
import { PassThrough } from "node:stream"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientSwap from "../src/BedrockClientSwap.js"
import { converseBody, eventFrame, fakeOptions, input, makeFake, secret, textOf } from "./utils/fakeSdk.js"

describe("BedrockClientSwap", () => {
  it.live("swap: new calls use the new client; running streams finish on the old one, which is then destroyed", () =>
    Effect.gen(function*() {
      const oldBody = new PassThrough()
      const oldFake = makeFake((_, index) =>
        index === 0
          ? { headers: { "content-type": "application/vnd.amazon.eventstream" }, body: oldBody }
          : { body: converseBody("old") }
      )
      const newFake = makeFake(() => ({ body: converseBody("new") }))
      const swappable = yield* BedrockClientSwap.make(fakeOptions(oldFake))
      const client = swappable.service

      oldBody.write(eventFrame("messageStart", { role: "assistant" }))
      const running = yield* Effect.fork(Stream.runCollect(client.converseStream(input)))
      yield* Effect.sleep("50 millis")

      yield* swappable.swap(fakeOptions(newFake))
      const after = yield* client.converse(input)
      assert.strictEqual(textOf(after), "new")
      assert.isFalse(oldFake.state.destroyed, "the old client serves a running stream")

      oldBody.end(eventFrame("messageStop", { stopReason: "end_turn" }))
      const events = yield* Fiber.join(running)
      // Its initial response, then its two events.
      assert.strictEqual(events.length, 3)
      assert.isTrue(oldFake.state.destroyed)
      assert.isFalse(newFake.state.destroyed)
    }).pipe(Effect.scoped))

  it.live("layer with swap; every client is closed with the layer", () =>
    Effect.gen(function*() {
      const first = makeFake(() => ({ body: converseBody("first") }))
      const second = makeFake(() => ({ body: converseBody("second") }))
      yield* Effect.gen(function*() {
        const client = yield* BedrockClient.BedrockClient
        const swap = yield* BedrockClientSwap.BedrockClientSwap
        assert.strictEqual(textOf(yield* client.converse(input)), "first")
        yield* swap.swap(fakeOptions(second))
        assert.strictEqual(textOf(yield* client.converse(input)), "second")
        assert.isTrue(first.state.destroyed)
      }).pipe(Effect.provide(BedrockClientSwap.layer(fakeOptions(first))))
      assert.isTrue(second.state.destroyed)
    }))

  it.live("swapClient: new calls use the given SDK client, which stays yours (never destroyed)", () =>
    Effect.gen(function*() {
      const first = makeFake(() => ({ body: converseBody("first") }))
      const mine = makeFake(() => ({ body: converseBody("mine") }))
      const sdk = new BedrockRuntimeClient({
        region: "us-east-1",
        endpoint: "http://127.0.0.1:1",
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: secret },
        maxAttempts: 1,
        requestHandler: mine.handler
      })
      yield* Effect.gen(function*() {
        const client = yield* BedrockClient.BedrockClient
        const swap = yield* BedrockClientSwap.BedrockClientSwap
        assert.strictEqual(textOf(yield* client.converse(input)), "first")
        yield* swap.swapClient(sdk, { retry: false })
        assert.strictEqual(textOf(yield* client.converse(input)), "mine")
        assert.isTrue(first.state.destroyed)
      }).pipe(Effect.provide(BedrockClientSwap.layer(fakeOptions(first))))
      assert.isFalse(mine.state.destroyed)
      sdk.destroy()
    }))
})
