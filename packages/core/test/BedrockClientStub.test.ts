import type { ConverseCommandOutput, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Schedule, Stream, TestClock } from "effect"
import * as util from "node:util"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientStub from "../src/BedrockClientStub.js"
import * as BedrockError from "../src/BedrockError.js"
import { input, textOf } from "./utils/fakeSdk.js"

describe("BedrockClientStub", () => {
  it.effect("scripted replies in order, records requests", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({
        converse: [
          {
            output: { message: { role: "assistant", content: [{ text: "one" }] } },
            $metadata: {}
          } as ConverseCommandOutput,
          new BedrockError.ThrottlingError({ message: "slow" }),
          (request) =>
            Effect.succeed(
              {
                output: { message: { role: "assistant", content: [{ text: request.modelId ?? "" }] } },
                $metadata: {}
              } as ConverseCommandOutput
            )
        ],
        countTokens: [{ inputTokens: 7, $metadata: {} }]
      })
      const first = yield* stub.service.converse(input, { headers: { "x-a": "1" } })
      assert.strictEqual(textOf(first), "one")
      const second = yield* Effect.flip(stub.service.converse(input))
      assert.strictEqual(second._tag, "ThrottlingError")
      const third = yield* stub.service.converse(input)
      assert.strictEqual(textOf(third), input.modelId)
      const tokens = yield* stub.service.countTokens({ modelId: "m", input: { converse: { messages: [] } } })
      assert.strictEqual(tokens.inputTokens, 7)
      const requests = yield* stub.requests
      assert.deepStrictEqual(requests.map((r) => r.operation), ["converse", "converse", "converse", "countTokens"])
      assert.deepStrictEqual(requests[0]!.headers, { "x-a": "1" })
      yield* stub.clear
      assert.strictEqual((yield* stub.requests).length, 0)
    }))

  it.effect("scripted streams, failures inside the list, exhaustion", () =>
    Effect.gen(function*() {
      const events: Array<ConverseStreamOutput> = [
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hi" } } }
      ]
      const stub = yield* BedrockClientStub.make({
        converseStream: [events, [events[0]!, new BedrockError.ModelStreamError({ message: "x", position: "stream" })]]
      })
      const ok = yield* Stream.runCollect(stub.service.converseStream(input))
      assert.deepStrictEqual(Chunk.toReadonlyArray(ok), [
        { initialResponse: { requestId: "stub-request-1", httpStatusCode: 200 } },
        ...events
      ])
      const seen: Array<BedrockClient.StreamEvent> = []
      const failed = yield* stub.service.converseStream(input).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
        Effect.flip
      )
      assert.strictEqual(failed._tag, "ModelStreamError")
      assert.strictEqual(seen.length, 2)
      const none = yield* BedrockClientStub.make({})
      const missing = yield* Effect.flip(none.service.converse(input))
      assert.strictEqual(missing._tag, "UnknownBedrockError")
    }))

  it.effect("layer provides the client and its log; onResponse is called", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const log = yield* BedrockClientStub.BedrockClientStub
      const ids: Array<string | undefined> = []
      yield* Stream.runDrain(
        client.converseStream(input, { onResponse: (m) => Effect.sync(() => ids.push(m.requestId)) })
      )
      assert.deepStrictEqual(ids, ["stub-request-1"])
      assert.strictEqual((yield* log.requests)[0]!.operation, "converseStream")
    }).pipe(Effect.provide(BedrockClientStub.layer({ converseStream: [[{ messageStart: { role: "assistant" } }]] }))))

  it.effect("layer with retry options", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const fiber = yield* Effect.fork(client.converse(input))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      assert.strictEqual(textOf(output), "ok")
      assert.strictEqual((yield* (yield* BedrockClientStub.BedrockClientStub).requests).length, 2)
    }).pipe(Effect.provide(BedrockClientStub.layer({
      converse: [
        new BedrockError.ThrottlingError({ message: "slow" }),
        {
          output: { message: { role: "assistant", content: [{ text: "ok" }] } },
          $metadata: {}
        } as ConverseCommandOutput
      ]
    }, { retry: {} }))))

  it.effect("layer with a Schedule as retry", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const error = yield* Effect.flip(client.countTokens({ modelId: "m", input: { converse: { messages: [] } } }))
      assert.strictEqual(error._tag, "ServiceUnavailableError")
      assert.strictEqual((yield* (yield* BedrockClientStub.BedrockClientStub).requests).length, 3)
    }).pipe(Effect.provide(BedrockClientStub.layer({
      countTokens: [new BedrockError.ServiceUnavailableError({ message: "down" })]
    }, { retry: Schedule.recurs(2) }))))

  it.effect("prints as a stub client", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make()
      assert.deepStrictEqual(JSON.parse(JSON.stringify(stub.service)), { _id: "BedrockClient", stub: true })
      assert.include(util.inspect(stub.service), "stub: true")
    }))
})
