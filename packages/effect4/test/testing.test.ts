import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import { assert, describe, it } from "@effect/vitest"
import * as LanguageModel from "effect/ai/LanguageModel"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import * as net from "node:net"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import { BedrockClientStub, LocalBedrock } from "../src/testing.js"

const MODEL = "us.amazon.nova-micro-v1:0"
const input = (text = "Hello") => ({ modelId: MODEL, messages: [{ role: "user" as const, content: [{ text }] }] })

/** Whether something accepts a TCP connection on 127.0.0.1:`port` (bounded: 2 s). */
const listening = (port: number) =>
  Effect.promise(() =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port })
      const done = (open: boolean) => {
        socket.destroy()
        resolve(open)
      }
      socket.setTimeout(2_000, () => done(false))
      socket.once("connect", () => done(true))
      socket.once("error", () => done(false))
    })
  )

describe("LocalBedrock (Effect 4 testing entry)", () => {
  it.effect("layerWithClient: a client on the local Bedrock; script, requests and reset go to the server", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const client = yield* BedrockClient.BedrockClient
      assert.match(local.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.isAbove(local.port, 0)
      assert.strictEqual(local.url, `http://127.0.0.1:${local.port}`)

      const output = yield* client.converse(input("Ping"))
      assert.include(output.output?.message?.content?.[0]?.text, "Ping")

      yield* local.script(Script.failure("ThrottlingException", { message: "slow down" }))
      const error = yield* Effect.flip(client.converse(input()))
      assert.instanceOf(error, BedrockError.ThrottlingError)
      assert.strictEqual(error.status, 429)

      const requests = yield* local.requests
      assert.deepStrictEqual(requests.map((r) => r.operation), ["converse", "converse"])
      assert.strictEqual(error.requestId, requests[1]!.requestId)
      assert.strictEqual(requests[0]!.auth, "sigv4")
      assert.strictEqual(yield* local.openRequests, 0)

      yield* local.script(Script.failure("ValidationException"))
      yield* local.reset
      assert.deepStrictEqual(yield* local.requests, [])
      // The reset dropped the queued failure: the next request is answered.
      yield* client.converse(input())
    }).pipe(Effect.provide(LocalBedrock.layerWithClient())))

  it.effect("layer: the server listens while the layer lives and is closed with it", () =>
    Effect.gen(function*() {
      const port = yield* Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        assert.isTrue(yield* listening(local.port))
        return local.port
      }).pipe(Effect.provide(LocalBedrock.layer()))
      assert.isFalse(yield* listening(port))
    }))
})

describe("BedrockClientStub (Effect 4 testing entry)", () => {
  const answer = (text: string) => ({
    output: { message: { role: "assistant" as const, content: [{ text }] } },
    stopReason: "end_turn" as const,
    usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 },
    metrics: { latencyMs: 1 },
    $metadata: {}
  })

  it.effect("scripted replies in order (the last repeats), failures, and every call recorded", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const stub = yield* BedrockClientStub.BedrockClientStub
      const responses: Array<BedrockClient.ResponseMetadata> = []
      const first = yield* client.converse(input("a"), {
        headers: { "x-a": "1" },
        onResponse: (metadata) => Effect.sync(() => responses.push(metadata))
      })
      assert.deepStrictEqual(responses, [{ requestId: "stub-request-1", httpStatusCode: 200 }])
      const second = yield* client.converse(input("b"))
      const third = yield* client.converse(input("c"))
      assert.strictEqual(first.output?.message?.content?.[0]?.text, "one")
      assert.strictEqual(second.output?.message?.content?.[0]?.text, "two: b")
      assert.strictEqual(third.output?.message?.content?.[0]?.text, "two: c")
      const tokens = yield* Effect.flip(client.countTokens({ modelId: MODEL, input: { converse: input() } }))
      assert.instanceOf(tokens, BedrockError.ThrottlingError)
      const requests = yield* stub.requests
      assert.deepStrictEqual(requests.map((r) => r.operation), ["converse", "converse", "converse", "countTokens"])
      assert.deepStrictEqual(requests[1]!.input, input("b"))
      assert.deepStrictEqual(requests[0]!.headers, { "x-a": "1" })
      assert.isUndefined(requests[1]!.headers)
      yield* stub.clear
      assert.deepStrictEqual(yield* stub.requests, [])
    }).pipe(Effect.provide(BedrockClientStub.layer({
      converse: [
        answer("one"),
        (request) => Effect.succeed(answer(`two: ${(request.messages?.[0]?.content?.[0] as any).text}`))
      ],
      countTokens: [
        new BedrockError.ThrottlingError({ message: "busy", status: 429, position: "request", retryable: true })
      ]
    }))))

  it.effect("a stream stops with the scripted error; an operation without replies fails typed", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const events: Array<unknown> = []
      const exit = yield* Effect.exit(Stream.runForEach(client.converseStream(input()), (event) =>
        Effect.sync(() => {
          events.push(event)
        })))
      assert.strictEqual(events.length, 2)
      assert.isTrue(Exit.isFailure(exit))
      const failure = yield* Effect.flip(Stream.runDrain(client.converseStream(input())))
      assert.instanceOf(failure, BedrockError.ModelStreamError)
      const missing = yield* Effect.flip(client.converse(input()))
      assert.instanceOf(missing, BedrockError.UnknownBedrockError)
      assert.include(missing.message, "no scripted converse reply for call #1")
    }).pipe(Effect.provide(BedrockClientStub.layer({
      converseStream: [[
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hi" } } },
        new BedrockError.ModelStreamError({ message: "broken", status: 424, position: "stream", retryable: false })
      ]]
    }))))

  it.effect("under the real BedrockLanguageModel: the request is mapped, the answer decoded", () =>
    Effect.gen(function*() {
      const response = yield* LanguageModel.generateText({ prompt: "Say hi" })
      assert.strictEqual(response.text, "Hi there")
      assert.strictEqual(response.finishReason, "stop")
      const [request] = yield* (yield* BedrockClientStub.BedrockClientStub).requests
      assert.strictEqual(request!.operation, "converse")
      assert.strictEqual(request!.input.modelId, MODEL)
      assert.strictEqual((request!.input as any).inferenceConfig.maxTokens, 100)
      assert.deepStrictEqual((request!.input as any).messages[0].content, [{ text: "Say hi" }])
    }).pipe(Effect.provide(
      BedrockLanguageModel.layer({ model: MODEL, config: { maxTokens: 100 } }).pipe(
        Layer.orDie,
        Layer.provideMerge(BedrockClientStub.layer({ converse: [answer("Hi there")] }))
      )
    )))
})
