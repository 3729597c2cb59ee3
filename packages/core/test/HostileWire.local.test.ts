// What arrives from the network is not trusted (issue 20, "Hostile wire"): malformed events, framing
// and transport faults end a call with a typed error, never a defect, an unhandled rejection or a
// stream that never ends; and no request stays open. Through the public API against the local
// Bedrock, which scripts raw frames and bytes (docs/reliability.md, "Hostile wire").
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { afterAll, assert, beforeAll, describe, it, layer } from "@effect/vitest"
import {
  Cause,
  Chunk,
  ConfigError,
  ConfigProvider,
  Duration,
  Effect,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Stream
} from "effect"
import * as net from "node:net"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import type * as Response from "../src/Response.js"

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
// A family whose text parts are trimmed at the start (`trimStart` on every first delta).
const QWEN = "qwen.qwen3-32b-v1:0"

const EVENT = { ":message-type": "event", ":content-type": "application/json" } as const
const headersOf = (eventType: string) => ({ ...EVENT, ":event-type": eventType })

/** A LanguageModel over a client of the local Bedrock (no retries unless asked). */
const model = (modelId = SONNET, client: Omit<BedrockClient.Options, "endpoint"> = {}) =>
  BedrockLanguageModel.layer({ model: modelId }).pipe(
    Layer.provide(LocalBedrock.layerBedrockClient({ retry: false, requestTimeout: "5 seconds", ...client })),
    Layer.orDie
  )

// Anything that escapes the Effect runtime: a throw in a promise callback, an uncaught exception.
const escaped: Array<unknown> = []
const onEscape = (error: unknown) => void escaped.push(error)
beforeAll(() => {
  process.on("unhandledRejection", onEscape)
  process.on("uncaughtException", onEscape)
})
afterAll(() => {
  process.off("unhandledRejection", onEscape)
  process.off("uncaughtException", onEscape)
})

/** Drains `LanguageModel.stream`, bounded in time; the parts seen and how it ended. */
const drain = Effect.gen(function*() {
  const parts: Array<Response.StreamPart> = []
  const exit = yield* LanguageModel.stream({ prompt: "Hello" }).pipe(
    Stream.runForEach((part) => Effect.sync(() => parts.push(part))),
    Effect.timeoutFail({
      duration: "10 seconds",
      onTimeout: () => new Error("the stream never ended")
    }),
    Effect.exit
  )
  return { parts, exit }
})

/** The typed failure of an exit: no defect, no interruption, no timeout of the test's own. */
const typedFailure = <A, E>(exit: Exit.Exit<A, E>, label: string): E => {
  assert.isTrue(Exit.isFailure(exit), `${label}: completed`)
  if (Exit.isSuccess(exit)) throw new Error("unreachable")
  assert.isFalse(Cause.isDie(exit.cause), `${label}: a defect: ${Cause.pretty(exit.cause)}`)
  assert.isFalse(Cause.isInterrupted(exit.cause), `${label}: interrupted`)
  const error = Cause.failureOption(exit.cause)
  assert.isTrue(Option.isSome(error), `${label}: ${Cause.pretty(exit.cause)}`)
  return Option.getOrThrow(error)
}

const transportKind = (error: unknown, label: string): BedrockError.TransportErrorKind => {
  assert.isTrue(BedrockError.isBedrockError(error), `${label}: ${String(error)}`)
  const bedrock = error as BedrockError.BedrockError
  assert.strictEqual(bedrock._tag, "TransportError", `${label}: ${String(error)}`)
  return (bedrock as BedrockError.TransportError).kind
}

/** The process survived, and the server has no request open once the client is done. */
const settled = (label: string) =>
  Effect.gen(function*() {
    const local = yield* LocalBedrock.LocalBedrock
    yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"), Effect.ignore)
    assert.strictEqual(yield* local.openRequests, 0, `${label}: requests left open`)
    assert.deepStrictEqual(escaped.map(String), [], `${label}: escaped the Effect runtime`)
  })

const messageStart = Script.event("messageStart", { role: "assistant" })
const metadata = (usage: unknown) => Script.event("metadata", { usage, metrics: { latencyMs: 1 } })
const goodUsage = { inputTokens: 5, outputTokens: 2, totalTokens: 7 }

layer(LocalBedrock.layer(), { excludeTestServices: true })("hostile wire", (it) => {
  describe("event payloads", () => {
    it.effect("a null payload, for every event type, ends the stream with InvalidEventPayload naming it", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const types = ["messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop"]
        for (const eventType of [...types, "metadata"]) {
          yield* local.reset
          // After a first event (in the stream) and as the first event (read while the SDK answers `send`).
          for (const before of [[messageStart], []]) {
            const label = `${eventType} null after ${before.length}`
            yield* local.script(Script.stream([...before, Script.raw(headersOf(eventType), "null")]))
            const { exit } = yield* drain
            const error = typedFailure(exit, label)
            assert.strictEqual(transportKind(error, label), "InvalidEventPayload", label)
            const transport = error as BedrockError.TransportError
            assert.strictEqual(transport.eventType, eventType, label)
            assert.include(transport.message, eventType, label)
            assert.strictEqual(transport.position, "stream", label)
            assert.isFalse(transport.retryable, label)
            yield* settled(label)
          }
        }
      }).pipe(Effect.provide(model())))

    it.effect("wrong types: delta.text 5 (also where text is trimmed), usage \"5\", negative usage", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const text = Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: 5 } })
        const stop = [Script.event("contentBlockStop", { contentBlockIndex: 0 }), Script.event("messageStop", {})]
        const hello = Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello" } })
        const cases = [
          ["delta.text 5", SONNET, [messageStart, text, ...stop, metadata(goodUsage)], "contentBlockDelta"],
          [
            "delta.text 5, trimming family",
            QWEN,
            [messageStart, text, ...stop, metadata(goodUsage)],
            "contentBlockDelta"
          ],
          [
            "usage.inputTokens \"5\"",
            SONNET,
            [messageStart, hello, ...stop, metadata({ ...goodUsage, inputTokens: "5" })],
            "metadata"
          ],
          [
            "negative usage",
            SONNET,
            [messageStart, hello, ...stop, metadata({ ...goodUsage, outputTokens: -2 })],
            "metadata"
          ],
          ["contentBlockIndex \"0\"", SONNET, [
            messageStart,
            Script.event("contentBlockDelta", { contentBlockIndex: "0", delta: { text: "Hi" } })
          ], "contentBlockDelta"],
          [
            "stopReason 1",
            SONNET,
            [messageStart, hello, Script.event("messageStop", { stopReason: 1 })],
            "messageStop"
          ],
          ["tool name 7", SONNET, [
            messageStart,
            Script.event("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "t", name: 7 } } })
          ], "contentBlockStart"]
        ] as const
        for (const [label, modelId, events, eventType] of cases) {
          yield* local.reset
          yield* local.script(Script.stream(events))
          const { exit } = yield* Effect.provide(drain, model(modelId))
          const error = typedFailure(exit, label)
          assert.strictEqual(transportKind(error, label), "InvalidEventPayload", label)
          assert.strictEqual((error as BedrockError.TransportError).eventType, eventType, label)
          yield* settled(label)
        }
      }))

    it.effect("parts before the invalid event are delivered, and the stream ends at it", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* local.script(Script.stream([
          messageStart,
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Partial" } }),
          Script.raw(headersOf("contentBlockDelta"), "null"),
          // Valid events after it, more than a stream reads ahead: they are never read.
          Script.bytes(
            Script.frameBytes(headersOf("contentBlockDelta"), "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"x\"}}"),
            { repeat: 20_000 }
          )
        ]))
        const { exit, parts } = yield* drain
        assert.strictEqual(transportKind(typedFailure(exit, "partial"), "partial"), "InvalidEventPayload")
        assert.deepStrictEqual(parts.map((part) => part._tag), ["TextStart", "TextDelta"])
        yield* settled("partial")
      }).pipe(Effect.provide(model())))
  })

  describe("the end of a stream", () => {
    it.effect("messageStop without metadata: the answer, usage marked unknown, no cost, a warning", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* local.script(Script.stream(Script.textEvents(["Hello", " there"]).slice(0, -1)))
        const warnings: Array<string> = []
        const logger = Logger.make(({ logLevel, message }) => {
          if (logLevel._tag === "Warning") warnings.push(String(message))
        })
        const { exit, parts } = yield* drain.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
        assert.isTrue(Exit.isSuccess(exit), String(exit))
        const finish = parts.at(-1)
        assert.strictEqual(finish?._tag, "Finish")
        if (finish?._tag !== "Finish") return
        assert.strictEqual(finish.finishReason, "stop")
        assert.strictEqual(finish.usage.unknown, true)
        assert.strictEqual(finish.response.usage.unknown, true)
        assert.strictEqual(finish.response.parts[0]?._tag === "Text" && finish.response.parts[0].text, "Hello there")
        assert.isUndefined(finish.response.cost)
        assert.isTrue(warnings.some((line) => line.includes("without its metadata event")), String(warnings))

        // With metadata, usage is known (and has no `unknown` field).
        yield* local.script(Script.stream(Script.textEvents(["Hello"])))
        const known = yield* drain
        const last = known.parts.at(-1)
        assert.isTrue(last?._tag === "Finish" && last.usage.unknown === undefined && last.response.cost !== undefined)
        yield* settled("no metadata")
      }).pipe(Effect.provide(model()), Logger.withMinimumLogLevel(LogLevel.Warning)))

    it.effect("a stream that ends before messageStop is still a TruncatedEventStream", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* local.script(Script.stream(Script.textEvents(["Hello"]).slice(0, 3)))
        const { exit } = yield* drain
        assert.strictEqual(transportKind(typedFailure(exit, "cut"), "cut"), "TruncatedEventStream")
        yield* settled("cut")
      }).pipe(Effect.provide(model())))

    it.effect("a 200 with an empty event stream: a retryable request failure, retried", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        const client = yield* BedrockClient.make({
          region: "us-east-1",
          endpoint: local.endpoint,
          credentials: LocalBedrock.localCredentials,
          retry: false
        })
        const input = { modelId: SONNET, messages: [{ role: "user" as const, content: [{ text: "Hi" }] }] }
        yield* local.script(Script.stream([]))
        const error = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
        assert.strictEqual(transportKind(error, "empty"), "TruncatedEventStream")
        assert.strictEqual(error.position, "request")
        assert.isTrue(error.retryable)
        assert.strictEqual(error.requestId, (yield* local.requests)[0]!.requestId)

        yield* local.reset
        const retrying = yield* BedrockClient.make({
          region: "us-east-1",
          endpoint: local.endpoint,
          credentials: LocalBedrock.localCredentials,
          retry: { baseDelay: "5 millis", maxDelay: "10 millis" }
        })
        yield* local.script(Script.stream([]), Script.stream(Script.textEvents(["Hi"])))
        const events = yield* Stream.runCollect(retrying.converseStream(input))
        assert.strictEqual((yield* local.requests).length, 2)
        assert.isTrue(Chunk.some(events, (event) => event.metadata !== undefined))
        yield* settled("empty")
      }).pipe(Effect.scoped))
  })

  describe("framing", () => {
    const frames = [
      [
        "an error message",
        Script.raw({ ":message-type": "error", ":error-code": "InternalFailure", ":error-message": "boom" }, "")
      ],
      [
        "no :message-type",
        Script.raw({ ":event-type": "contentBlockDelta", ":content-type": "application/json" }, "{}")
      ],
      ["an unknown :message-type", Script.raw({ ...headersOf("contentBlockDelta"), ":message-type": "bogus" }, "{}")],
      ["an unknown exception", Script.raw({ ":message-type": "exception", ":exception-type": "oddException" }, "{}")],
      ["a frame of length 0", Script.bytes(new Uint8Array(16))],
      ["a frame of length 9", Script.bytes(Uint8Array.of(0, 0, 0, 9, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8))],
      [
        "headers past the frame's end",
        Script.bytes(Script.frameBytes(headersOf("contentBlockDelta"), "{}", { headersLength: 5000 }))
      ]
    ] as const

    it.effect("malformed framing is a MalformedEventStream: before the first event (not retried) and after", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const retrying = { retry: { baseDelay: "5 millis", maxDelay: "10 millis" } } as const
        for (const [what, entry] of frames) {
          for (const before of [[], [messageStart]]) {
            const label = `${what} after ${before.length}`
            yield* local.reset
            yield* local.script(Script.stream([...before, entry]))
            const { exit } = yield* Effect.provide(drain, model(SONNET, retrying))
            const error = typedFailure(exit, label)
            assert.strictEqual(transportKind(error, label), "MalformedEventStream", label)
            const transport = error as BedrockError.TransportError
            assert.isFalse(transport.retryable, label)
            assert.strictEqual(transport.position, before.length === 0 ? "request" : "stream", label)
            assert.notInclude(transport.message, "Deserialization error", label)
            assert.strictEqual((yield* local.requests).length, 1, `${label}: retried`)
            yield* settled(label)
          }
        }
      }))

    it.effect("one frame declaring 1.5 GB is refused at its prelude: no allocation, no waiting for its bytes", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        const prelude = Script.frameBytes(headersOf("contentBlockDelta"), "", { totalLength: 1_500_000_000 })
        yield* local.script(Script.stream([
          messageStart,
          Script.bytes(prelude.subarray(0, 12)),
          // 64 MiB of the frame's bytes (the reproduction sent 400 MB).
          Script.bytes(new Uint8Array(64 * 1024), { repeat: 1024 })
        ]))
        const before = process.memoryUsage()
        const started = Date.now()
        const { exit } = yield* drain
        const elapsed = Date.now() - started
        const after = process.memoryUsage()
        const error = typedFailure(exit, "1.5 GB")
        assert.strictEqual(transportKind(error, "1.5 GB"), "MalformedEventStream")
        assert.include((error as BedrockError.TransportError).message, "maxEventBytes")
        assert.include((error as BedrockError.TransportError).message, "1500000000")
        assert.isBelow(elapsed, 2000)
        assert.isBelow(after.arrayBuffers - before.arrayBuffers, 32 * 1024 * 1024)
        yield* settled("1.5 GB")
      }).pipe(Effect.provide(model())))

    it.effect("maxEventBytes sets the cap; a larger event passes under the default", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const events = Script.textEvents(["x".repeat(2048)])
        yield* local.reset
        yield* local.script(Script.stream(events))
        const { exit } = yield* Effect.provide(drain, model(SONNET, { maxEventBytes: 1024 }))
        const error = typedFailure(exit, "1 KiB cap")
        assert.strictEqual(transportKind(error, "1 KiB cap"), "MalformedEventStream")
        assert.match((error as BedrockError.TransportError).message, /over the limit of 1024 bytes/)
        yield* local.script(Script.stream(events))
        const passed = yield* Effect.provide(drain, model())
        assert.isTrue(Exit.isSuccess(passed.exit))
        yield* settled("cap")
      }))

    it.effect("maxEventBytes that is not a whole number of bytes (16 or more) is a ConfigError", () =>
      Effect.gen(function*() {
        for (const maxEventBytes of [0, 15, 1.5, Number.NaN, "1024" as unknown as number]) {
          const exit = yield* Effect.exit(Effect.scoped(BedrockClient.make({ region: "us-east-1", maxEventBytes })))
          assert.isTrue(Exit.isFailure(exit), String(maxEventBytes))
          if (Exit.isFailure(exit)) {
            const error = Cause.squash(exit.cause)
            assert.isTrue(ConfigError.isConfigError(error), String(error))
            assert.include(String(error), "maxEventBytes")
          }
        }
        const fromEnv = yield* Effect.exit(
          BedrockClient.loadConfig().pipe(
            Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["BEDROCK_MAX_EVENT_BYTES", "8"]])))
          )
        )
        assert.isTrue(Exit.isFailure(fromEnv))
        const loaded = yield* BedrockClient.loadConfig().pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["BEDROCK_MAX_EVENT_BYTES", "65536"]])))
        )
        assert.strictEqual(loaded.maxEventBytes, 65536)
      }))
  })

  describe("converse answers", () => {
    it.effect("a body that is {}, null, a string or an array is a MalformedResponse, not an empty answer", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const answer = (content: unknown, usage: unknown = goodUsage) => ({
          output: { message: { role: "assistant", content } },
          stopReason: "end_turn",
          usage,
          metrics: { latencyMs: 1 }
        })
        const bodies: ReadonlyArray<readonly [string, unknown]> = [
          ["{}", {}],
          ["null", null],
          ["a string", "Hello"],
          ["an array", [answer([{ text: "Hi" }])]],
          ["content not an array", answer({ text: "Hi" })],
          ["text 5", answer([{ text: 5 }])],
          ["usage \"5\"", answer([{ text: "Hi" }], { ...goodUsage, inputTokens: "5" })],
          ["negative usage", answer([{ text: "Hi" }], { ...goodUsage, inputTokens: -5 })]
        ]
        for (const [label, body] of bodies) {
          yield* local.reset
          yield* local.script(Script.json(body, { operation: "converse" }))
          const exit = yield* Effect.exit(LanguageModel.generate({ prompt: "Hello" }))
          const error = typedFailure(exit, label)
          assert.strictEqual(transportKind(error, label), "MalformedResponse", label)
          assert.strictEqual((error as BedrockError.TransportError).requestId, (yield* local.requests)[0]!.requestId)
          yield* settled(label)
        }
      }).pipe(Effect.provide(model())))

    it.effect("empty text blocks are skipped, as in a stream", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        yield* local.script(Script.json({
          output: { message: { role: "assistant", content: [{ text: "" }, { text: "Hi" }, { text: "" }] } },
          stopReason: "end_turn",
          usage: goodUsage,
          metrics: { latencyMs: 1 }
        }, { operation: "converse" }))
        const response = yield* LanguageModel.generate({ prompt: "Hello" })
        assert.deepStrictEqual(response.parts, [{ _tag: "Text", text: "Hi" }])
        yield* local.script(Script.stream([
          messageStart,
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "" } }),
          Script.event("contentBlockStop", { contentBlockIndex: 0 }),
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Hi" } }),
          Script.event("contentBlockStop", { contentBlockIndex: 1 }),
          Script.event("messageStop", { stopReason: "end_turn" }),
          metadata(goodUsage)
        ]))
        const { parts } = yield* drain
        const finish = parts.at(-1)
        assert.deepStrictEqual(finish?._tag === "Finish" ? finish.response.parts : undefined, response.parts)
      }).pipe(Effect.provide(model())))
  })
})

describe("transport", () => {
  it.live("a peer that closes on accept: ConnectionReset, retryable (not a Timeout)", () =>
    Effect.gen(function*() {
      const server = yield* Effect.acquireRelease(
        Effect.async<net.Server>((resume) => {
          const server = net.createServer((socket) => socket.destroy())
          server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) =>
          Effect.async<void>((resume) => {
            server.close(() => resume(Effect.void))
          })
      )
      const port = (server.address() as net.AddressInfo).port
      const client = yield* BedrockClient.make({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
        retry: false
      })
      const input = { modelId: SONNET, messages: [{ role: "user" as const, content: [{ text: "Hi" }] }] }
      const converse = yield* Effect.flip(client.converse(input))
      const stream = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
      for (const error of [converse, stream]) {
        assert.strictEqual(transportKind(error, error.operation ?? ""), "ConnectionReset")
        assert.isTrue(error.retryable)
        assert.strictEqual(error.position, "request")
      }
    }).pipe(Effect.scoped, Effect.timeout(Duration.seconds(10))))
})
