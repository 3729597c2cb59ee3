import {
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  ModelStreamErrorException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException
} from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { EventStreamCodec } from "@smithy/eventstream-codec"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { client, collect, post, sdkClient, send, sendError, textOf, user } from "./fixtures.js"

const MODEL = "us.amazon.nova-micro-v1:0"
const codec = new EventStreamCodec(toUtf8, fromUtf8)
const streamCommand = (modelId = MODEL, text = "alpha beta gamma delta") =>
  new ConverseStreamCommand({ modelId, messages: [user(text)] })

/** Reads `take` events from a stream, then aborts the request (what a well-behaved consumer does). */
const readThenAbort = (modelId: string, take: number) =>
  Effect.flatMap(client, (sdk) =>
    Effect.promise(async () => {
      const controller = new AbortController()
      const output = await sdk.send(streamCommand(modelId), { abortSignal: controller.signal })
      const events: Array<ConverseStreamOutput> = []
      try {
        for await (const event of output.stream!) {
          events.push(event)
          if (events.length >= take) break
        }
      } finally {
        controller.abort()
      }
      return events.length
    }))

layer(LocalBedrock.layer(), { excludeTestServices: true })("stream faults", (it) => {
  it.effect("exception event after N events: the SDK delivers N events then throws the modelled class", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const cases = [
        ["throttlingException", ThrottlingException, "client"],
        ["modelStreamErrorException", ModelStreamErrorException, "client"],
        ["validationException", ValidationException, "client"],
        ["serviceUnavailableException", ServiceUnavailableException, "server"]
      ] as const
      for (const [type, Class, fault] of cases) {
        yield* local.script(
          LocalBedrockScript.stream(undefined, { fault: LocalBedrockScript.exceptionAfter(3, type, `boom ${type}`) })
        )
        const { error, events } = yield* collect(streamCommand())
        assert.strictEqual(events.length, 3, type)
        assert.strictEqual(error instanceof Class, true, type)
        assert.strictEqual(error.message, `boom ${type}`)
        assert.strictEqual(error.$fault, fault)
      }
    }))

  it.effect("an exception entry in scripted events ends the stream", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream([
        ...LocalBedrockScript.textEvents(["a", "b"]).slice(0, 3),
        LocalBedrockScript.exception("internalServerException", "inner failure"),
        LocalBedrockScript.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "never" } })
      ]))
      const { error, events } = yield* collect(streamCommand())
      assert.strictEqual(textOf(events), "ab")
      assert.strictEqual(error.name, "InternalServerException")
      assert.strictEqual(error.message, "inner failure")
    }))

  it.effect("truncated frame: 'Truncated event message received.' after the events before it", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream(undefined, { fault: LocalBedrockScript.truncateAfter(2) }))
      const { error, events } = yield* collect(streamCommand())
      assert.strictEqual(events.length, 2)
      assert.match(error.message, /Truncated event message received/)
    }))

  it.effect("bad CRC: checksum error after the events before it", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream(undefined, { fault: LocalBedrockScript.badCrcAfter(4) }))
      const { error, events } = yield* collect(streamCommand())
      assert.strictEqual(events.length, 4)
      assert.match(error.message, /message checksum .* did not match the expected value/)
    }))

  it.effect("invalid JSON payload in a raw frame: SyntaxError", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream([
        LocalBedrockScript.event("messageStart", { role: "assistant" }),
        LocalBedrockScript.raw({
          ":message-type": "event",
          ":event-type": "contentBlockDelta",
          ":content-type": "application/json"
        }, "{not json")
      ]))
      const { error, events } = yield* collect(streamCommand())
      assert.strictEqual(events.length, 1)
      assert.instanceOf(error, SyntaxError)
    }))

  it.effect("HTTP/2 stream reset mid-stream: ERR_HTTP2_STREAM_ERROR", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.generated({ deltas: 100, fault: LocalBedrockScript.resetAfter(5) }))
      const { error, events } = yield* collect(streamCommand())
      assert.strictEqual(events.length, 5)
      assert.strictEqual(error.code, "ERR_HTTP2_STREAM_ERROR")
      yield* local.awaitIdle
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("reset over HTTP/1.1 destroys the socket", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.reset())
      const error = yield* Effect.flip(post(local.endpoint, `/model/${MODEL}/converse`, { messages: [user("hi")] }))
      assert.match(String((error as any).cause?.message ?? error), /other side closed|socket|terminated/i)
    }))

  it.effect("delays: before the first byte and between events", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream(undefined, { delayFirstMs: 100, delayBetweenMs: 20 }))
      const started = Date.now()
      const { error, events } = yield* collect(streamCommand())
      assert.isUndefined(error)
      // 100 ms + 9 gaps of 20 ms.
      assert.strictEqual(events.length, 10)
      assert.isAtLeast(Date.now() - started, 270)
    }))

  it.effect("hang: the request stays open until the client aborts (SDK request timeout)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.hang())
      const sdk = sdkClient(local.endpoint, { requestHandler: new NodeHttp2Handler({ requestTimeout: 200 }) })
      const error = yield* sendError(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }), sdk)
      assert.match(error.message, /timed out because of no activity for 200 ms/)
      yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("hang + interruption: the abort signal closes the request on the server", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.hang({ operation: "converse-stream" }))
      const fiber = yield* Effect.fork(collect(streamCommand()))
      while ((yield* local.openRequests) === 0) yield* Effect.sleep(Duration.millis(5))
      assert.strictEqual(yield* local.openRequests, 1)
      yield* Fiber.interrupt(fiber)
      yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("hang after N events: the SDK's request timeout then ends the stream SILENTLY", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.stream(undefined, { fault: LocalBedrockScript.hangAfter(2) }))
      const sdk = sdkClient(local.endpoint, { requestHandler: new NodeHttp2Handler({ requestTimeout: 200 }) })
      const started = Date.now()
      const { error, events } = yield* collect(streamCommand(), sdk)
      // Once the response has begun, the handler's timeout closes the HTTP/2 stream and the SDK's
      // iterator just ends: no error, no messageStop, no metadata. Clients must treat a stream
      // without its final events as truncated.
      assert.strictEqual(events.length, 2)
      assert.isUndefined(error)
      assert.isAtLeast(Date.now() - started, 190)
      yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"))
    }))
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("open requests", (it) => {
  it.effect("aborting 200 streams mid-way leaves nothing open", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const counts = yield* Effect.all(
        Array.from({ length: 200 }, () => readThenAbort("local.stream-1000000", 5)),
        { concurrency: "unbounded" }
      )
      assert.isTrue(counts.every((n) => n === 5))
      yield* local.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("interrupting streams (Effect interruption aborts the SDK call) leaves nothing open", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const fibers = yield* Effect.all(
        Array.from({ length: 50 }, () => Effect.fork(collect(streamCommand("local.ttft-60000")))),
        { concurrency: "unbounded" }
      )
      while ((yield* local.openRequests) < 50) yield* Effect.sleep(Duration.millis(5))
      yield* Fiber.interruptAll(fibers)
      yield* local.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("leaving a stream with break but without abort keeps it open (the SDK leak)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const sdk = yield* client
      const controller = new AbortController()
      yield* Effect.promise(async () => {
        const output = await sdk.send(streamCommand("local.ttft-60000"), { abortSignal: controller.signal })
        for await (const _ of output.stream!) break
      })
      yield* Effect.sleep(Duration.millis(50))
      assert.strictEqual(yield* local.openRequests, 1)
      controller.abort()
      yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.effect("fetch (HTTP/1.1) streams aborted mid-way are closed too", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* Effect.all(
        Array.from({ length: 20 }, () =>
          Effect.promise(async () => {
            const controller = new AbortController()
            const response = await fetch(`${local.endpoint}/model/local.stream-1000000/converse-stream`, {
              method: "POST",
              headers: { authorization: "Bearer k", "content-type": "application/json" },
              body: JSON.stringify({ messages: [user("hi")] }),
              signal: controller.signal
            })
            const reader = response.body!.getReader()
            await reader.read()
            controller.abort()
            await reader.read().catch(() => undefined)
          })),
        { concurrency: "unbounded" }
      )
      yield* local.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* local.openRequests, 0)
    }))
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("load and reserved model ids", (it) => {
  it.effect("generated stream: 200,000 pre-encoded deltas through the SDK", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.generated({ deltas: 200_000, text: "tok" }))
      const sdk = yield* client
      const result = yield* Effect.promise(async () => {
        const output = await sdk.send(streamCommand())
        let deltas = 0
        let text = ""
        let outputTokens = 0
        for await (const event of output.stream!) {
          if (event.contentBlockDelta !== undefined) {
            deltas++
            if (deltas <= 3) text += event.contentBlockDelta.delta!.text
          }
          if (event.metadata !== undefined) outputTokens = event.metadata.usage!.outputTokens!
        }
        return { deltas, outputTokens, text }
      })
      assert.deepStrictEqual(result, { deltas: 200_000, outputTokens: 200_000, text: "toktoktok" })
    }))

  it.effect("64 concurrent generated streams", () =>
    Effect.gen(function*() {
      const results = yield* Effect.all(
        Array.from({ length: 64 }, () => collect(streamCommand("local.stream-2000"))),
        { concurrency: "unbounded" }
      )
      for (const { error, events } of results) {
        assert.isUndefined(error)
        assert.strictEqual(events.filter((e) => e.contentBlockDelta !== undefined).length, 2000)
      }
    }))

  it.effect("ttft script: first delta at once, the rest after the wait", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.ttft({ waitMs: 300, deltas: 5 }))
      const sdk = yield* client
      const times = yield* Effect.promise(async () => {
        const started = Date.now()
        const output = await sdk.send(streamCommand())
        const at: Array<number> = []
        for await (const event of output.stream!) {
          if (event.contentBlockDelta !== undefined) at.push(Date.now() - started)
        }
        return at
      })
      assert.strictEqual(times.length, 5)
      assert.isBelow(times[0]!, 250)
      assert.isAtLeast(times[1]! - times[0]!, 250)
    }))

  it.effect("reserved model ids", () =>
    Effect.gen(function*() {
      const small = yield* collect(streamCommand("local.small"))
      assert.strictEqual(textOf(small.events), "Hello from local Bedrock.")
      const smallConverse: any = yield* send(new ConverseCommand({ modelId: "local.small", messages: [user("hi")] }))
      assert.strictEqual(smallConverse.output.message.content[0].text, "Hello from local Bedrock.")

      const stream = yield* collect(streamCommand("local.stream-7"))
      assert.strictEqual(textOf(stream.events), "xxxxxxx")
      assert.strictEqual(stream.events.at(-1)!.metadata!.usage!.outputTokens, 7)

      const ttft = yield* collect(streamCommand("local.ttft-50-3"))
      assert.strictEqual(textOf(ttft.events), "xxx")

      const throttled = yield* sendError(
        new ConverseCommand({ modelId: "local.error-ThrottlingException", messages: [user("hi")] })
      )
      assert.instanceOf(throttled, ThrottlingException)

      const exception = yield* collect(streamCommand("local.exception-modelStreamErrorException-2"))
      assert.strictEqual(exception.events.length, 2)
      assert.instanceOf(exception.error, ModelStreamErrorException)

      const reset = yield* collect(streamCommand("local.reset-3"))
      assert.strictEqual(reset.events.length, 3)
      assert.strictEqual(reset.error.code, "ERR_HTTP2_STREAM_ERROR")

      const truncated = yield* collect(streamCommand("local.truncate-1"))
      assert.match(truncated.error.message, /Truncated/)

      const crc = yield* collect(streamCommand("local.badcrc-1"))
      assert.match(crc.error.message, /checksum/)
    }))

  it.effect("raw frames of any header type and body; bytes written as given, repeated; frameBytes", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const headers = { ":message-type": "event", ":event-type": "odd", flag: true, n: 7, big: 2 ** 40 }
      const body = Uint8Array.of(0xff, 0, 1)
      // Without overrides, frameBytes is the codec's own encoding (same CRCs).
      const frame = LocalBedrockScript.frameBytes({ ":event-type": "x" }, "{}")
      const encoded = codec.encode({ headers: { ":event-type": { type: "string", value: "x" } }, body: fromUtf8("{}") })
      assert.deepStrictEqual([...frame], [...encoded])
      const cut = LocalBedrockScript.frameBytes({ ":event-type": "x" }, "{}", { totalLength: 1_500_000_000 })
      assert.strictEqual(new DataView(cut.buffer).getUint32(0), 1_500_000_000)
      yield* local.script(LocalBedrockScript.stream([
        LocalBedrockScript.raw({ ...headers, bin: Uint8Array.of(1, 2) }, body),
        LocalBedrockScript.bytes(Uint8Array.of(9, 8, 7), { repeat: 3 }),
        LocalBedrockScript.bytes(Uint8Array.of(6))
      ]))
      const response = yield* post(local.endpoint, `/model/${MODEL}/converse-stream`, { messages: [user("hi")] })
      const bytes = new Uint8Array(yield* Effect.promise(() => response.arrayBuffer()))
      const length = new DataView(bytes.buffer).getUint32(0)
      const message = codec.decode(bytes.subarray(0, length))
      assert.deepStrictEqual(message.headers.flag, { type: "boolean", value: true })
      assert.deepStrictEqual(message.headers.n, { type: "integer", value: 7 })
      assert.strictEqual(message.headers.big?.type, "long")
      assert.strictEqual(Number(message.headers.big?.value.valueOf()), 2 ** 40)
      assert.deepStrictEqual(message.headers.bin, { type: "binary", value: Uint8Array.of(1, 2) })
      assert.deepStrictEqual([...message.body], [...body])
      assert.deepStrictEqual([...bytes.subarray(length)], [9, 8, 7, 9, 8, 7, 9, 8, 7, 6])
    }))
})
