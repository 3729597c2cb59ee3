import type { ConverseCommandOutput, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import { EventStreamCodec } from "@smithy/eventstream-codec"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"
import { Config, ConfigProvider, Duration, Effect, Exit, Fiber, Layer, Redacted, Stream, TestClock } from "effect"
import * as net from "node:net"
import { PassThrough, Readable } from "node:stream"
import * as util from "node:util"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import { closedPort } from "./utils/closedPort.js"

// =============================================================================
// A fake HTTP handler: the real SDK pipeline (serialise, sign, deserialise), no network
// =============================================================================

interface FakeRequest {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly abortSignal: AbortSignal | undefined
}

interface FakeResponse {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body?: string | Readable
  /** Never answer (until aborted). */
  readonly hang?: boolean
}

const codec = new EventStreamCodec(toUtf8, fromUtf8)

const eventFrame = (type: string, payload: unknown): Uint8Array =>
  codec.encode({
    headers: {
      ":message-type": { type: "string", value: "event" },
      ":event-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" }
    },
    body: fromUtf8(JSON.stringify(payload))
  })

const exceptionFrame = (type: string, message: string): Uint8Array =>
  codec.encode({
    headers: {
      ":message-type": { type: "string", value: "exception" },
      ":exception-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" }
    },
    body: fromUtf8(JSON.stringify({ message }))
  })

const makeFake = (respond: (request: FakeRequest, index: number) => FakeResponse) => {
  const requests: Array<FakeRequest> = []
  const state = { destroyed: false }
  const handler = {
    metadata: { handlerProtocol: "h2" },
    destroy: () => {
      state.destroyed = true
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    handle: async (
      request: { path: string; headers: Record<string, string>; body?: unknown },
      options?: { abortSignal?: AbortSignal }
    ) => {
      const recorded: FakeRequest = {
        path: request.path,
        headers: { ...request.headers },
        body: typeof request.body === "string"
          ? request.body
          : request.body instanceof Uint8Array
          ? toUtf8(request.body)
          : "",
        abortSignal: options?.abortSignal
      }
      const index = requests.length
      requests.push(recorded)
      const reply = respond(recorded, index)
      if (reply.hang === true) {
        return new Promise<never>((_, reject) => {
          options?.abortSignal?.addEventListener("abort", () => {
            const error = new Error("Request aborted")
            error.name = "AbortError"
            reject(error)
          })
        })
      }
      const body = reply.body instanceof Readable ? reply.body : Readable.from([Buffer.from(reply.body ?? "")])
      return {
        response: {
          statusCode: reply.status ?? 200,
          headers: { "x-amzn-requestid": `req-${index}`, "content-type": "application/json", ...reply.headers },
          body
        }
      }
    }
  }
  return { requests, state, handler }
}

const converseBody = (text: string) =>
  JSON.stringify({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    metrics: { latencyMs: 1 }
  })

const errorResponse = (name: string, status: number, message = name): FakeResponse => ({
  status,
  headers: { "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  body: JSON.stringify({ message })
})

const streamResponse = (frames: ReadonlyArray<Uint8Array>, keepOpen = false): FakeResponse => {
  const body = new PassThrough()
  for (const frame of frames) body.write(frame)
  if (!keepOpen) body.end()
  return { headers: { "content-type": "application/vnd.amazon.eventstream" }, body }
}

const secret = "local-secret-VALUE-0123456789"
const apiKeySecret = "ABSK-local-bearer-key-0123456789"

const fakeOptions = (
  fake: ReturnType<typeof makeFake>,
  extra: Partial<BedrockClient.Options> = {}
): BedrockClient.Options => ({
  region: "us-east-1",
  endpoint: "http://127.0.0.1:1",
  credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) },
  retry: { baseDelay: "10 millis", maxDelay: "50 millis" },
  transformClientConfig: (config) => ({ ...config, requestHandler: fake.handler }),
  ...extra
})

const input = { modelId: "us.amazon.nova-micro-v1:0", messages: [{ role: "user" as const, content: [{ text: "hi" }] }] }

const textOf = (output: ConverseCommandOutput) => output.output?.message?.content?.[0]?.text

// =============================================================================
// Stub
// =============================================================================

describe("BedrockClient stub", () => {
  it.effect("scripted replies in order, records requests", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClient.makeStub({
        converse: [
          { output: { message: { role: "assistant", content: [{ text: "one" }] } }, $metadata: {} } as ConverseCommandOutput,
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
      const stub = yield* BedrockClient.makeStub({
        converseStream: [events, [events[0]!, new BedrockError.ModelStreamError({ message: "x", position: "stream" })]]
      })
      const ok = yield* Stream.runCollect(stub.service.converseStream(input))
      assert.strictEqual(ok.length, 2)
      const seen: Array<ConverseStreamOutput> = []
      const failed = yield* stub.service.converseStream(input).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
        Effect.flip
      )
      assert.strictEqual(failed._tag, "ModelStreamError")
      assert.strictEqual(seen.length, 1)
      const none = yield* BedrockClient.makeStub({})
      const missing = yield* Effect.flip(none.service.converse(input))
      assert.strictEqual(missing._tag, "UnknownBedrockError")
    }))

  it.effect("layerStub provides the client and its log; onResponse is called", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const log = yield* BedrockClient.BedrockClientStub
      const ids: Array<string | undefined> = []
      yield* Stream.runDrain(
        client.converseStream(input, { onResponse: (m) => Effect.sync(() => ids.push(m.requestId)) })
      )
      assert.deepStrictEqual(ids, ["stub-request-1"])
      assert.strictEqual((yield* log.requests)[0]!.operation, "converseStream")
    }).pipe(Effect.provide(BedrockClient.layerStub({ converseStream: [[{ messageStart: { role: "assistant" } }]] }))))

  it.effect("layerStub with retry", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const fiber = yield* Effect.fork(client.converse(input))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      assert.strictEqual(textOf(output), "ok")
      assert.strictEqual((yield* (yield* BedrockClient.BedrockClientStub).requests).length, 2)
    }).pipe(Effect.provide(BedrockClient.layerStub({
      converse: [
        new BedrockError.ThrottlingError({ message: "slow" }),
        { output: { message: { role: "assistant", content: [{ text: "ok" }] } }, $metadata: {} } as ConverseCommandOutput
      ]
    }, { retry: {} }))))
})

// =============================================================================
// Real SDK pipeline over a fake handler
// =============================================================================

describe("BedrockClient over the SDK", () => {
  it.scoped("converse: success, request id, signed request, onResponse", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => ({ body: converseBody("hello") }))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const seen: Array<BedrockClient.ResponseMetadata> = []
      const output = yield* client.converse(input, { onResponse: (m) => Effect.sync(() => seen.push(m)) })
      assert.strictEqual(textOf(output), "hello")
      assert.strictEqual(output.$metadata.requestId, "req-0")
      assert.deepStrictEqual(seen, [{ requestId: "req-0", httpStatusCode: 200 }])
      assert.strictEqual(fake.requests[0]!.path, "/model/us.amazon.nova-micro-v1%3A0/converse")
      assert.match(fake.requests[0]!.headers.authorization!, /^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\//)
    }))

  it.scoped("every modelled HTTP error maps to its tag with status and request id", () =>
    Effect.gen(function*() {
      const cases = [
        ["ThrottlingException", 429, "ThrottlingError"],
        ["ValidationException", 400, "ValidationError"],
        ["AccessDeniedException", 403, "AccessDeniedError"],
        ["ResourceNotFoundException", 404, "ResourceNotFoundError"],
        ["ModelTimeoutException", 408, "ModelTimeoutError"],
        ["ModelNotReadyException", 429, "ModelNotReadyError"],
        ["ModelErrorException", 424, "ModelError"],
        ["ServiceQuotaExceededException", 400, "ServiceQuotaExceededError"],
        ["ServiceUnavailableException", 503, "ServiceUnavailableError"],
        ["InternalServerException", 500, "InternalServerError"]
      ] as const
      const fake = makeFake((_, index) => errorResponse(cases[index]![0], cases[index]![1]))
      const client = yield* BedrockClient.make(fakeOptions(fake, { retry: false }))
      for (const [, status, tag] of cases) {
        const error = yield* Effect.flip(client.converse(input))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.requestId, `req-${fake.requests.length - 1}`)
        assert.strictEqual(error.position, "request")
        assert.strictEqual(error.operation, "converse")
      }
    }))

  it.effect("retries throttling, then succeeds", () =>
    Effect.gen(function*() {
      const fake = makeFake((_, index) =>
        index === 0 ? errorResponse("ThrottlingException", 429) : { body: converseBody("after retry") }
      )
      const client = yield* BedrockClient.make(fakeOptions(fake, { retry: {} }))
      const fiber = yield* Effect.fork(client.converse(input))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      assert.strictEqual(textOf(output), "after retry")
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.scoped))

  it.live("gives up after maxAttempts (3 by default)", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => errorResponse("ServiceUnavailableException", 503))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const error = yield* Effect.flip(client.converse(input))
      assert.strictEqual(error._tag, "ServiceUnavailableError")
      assert.strictEqual(fake.requests.length, 3)
    }).pipe(Effect.scoped))

  it.live("does not retry a validation error, nor with retry: false", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => errorResponse("ValidationException", 400, "The provided model identifier is invalid."))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const error = yield* Effect.flip(client.converse({ ...input, modelId: "amazon.nova-micro-v1" }))
      assert.strictEqual(error._tag, "ValidationError")
      if (error._tag === "ValidationError") assert.strictEqual(error.suggestion, "amazon.nova-micro-v1:0")
      assert.strictEqual(fake.requests.length, 1)

      const fake2 = makeFake(() => errorResponse("ThrottlingException", 429))
      const noRetry = yield* BedrockClient.make(fakeOptions(fake2, { retry: false }))
      yield* Effect.flip(noRetry.converse(input))
      assert.strictEqual(fake2.requests.length, 1)
    }).pipe(Effect.scoped))

  it.live("a stream that fails before its first event is retried", () =>
    Effect.gen(function*() {
      const fake = makeFake((_, index) =>
        index === 0
          ? streamResponse([exceptionFrame("throttlingException", "slow down")])
          : streamResponse([eventFrame("messageStart", { role: "assistant" }), eventFrame("messageStop", { stopReason: "end_turn" })])
      )
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const events = yield* Stream.runCollect(client.converseStream(input))
      assert.strictEqual(events.length, 2)
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.scoped))

  it.live("a stream is never retried after its first event; the error has the initial request id", () =>
    Effect.gen(function*() {
      const fake = makeFake(() =>
        streamResponse([
          eventFrame("messageStart", { role: "assistant" }),
          exceptionFrame("throttlingException", "slow down")
        ])
      )
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const seen: Array<ConverseStreamOutput> = []
      const error = yield* client.converseStream(input).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(error.position, "stream")
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.requestId, "req-0")
      assert.strictEqual(seen.length, 1)
      assert.strictEqual(fake.requests.length, 1)
    }).pipe(Effect.scoped))

  it.live("every exception event maps with position stream", () =>
    Effect.gen(function*() {
      const cases = [
        ["throttlingException", "ThrottlingError", 429],
        ["validationException", "ValidationError", 400],
        ["modelStreamErrorException", "ModelStreamError", 424],
        ["internalServerException", "InternalServerError", 500],
        ["serviceUnavailableException", "ServiceUnavailableError", 503]
      ] as const
      const fake = makeFake((_, index) =>
        streamResponse([eventFrame("messageStart", { role: "assistant" }), exceptionFrame(cases[index]![0], "boom")])
      )
      const client = yield* BedrockClient.make(fakeOptions(fake, { retry: false }))
      for (const [, tag, status] of cases) {
        const error = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
        assert.strictEqual(error._tag, tag)
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.position, "stream")
        assert.strictEqual(error.requestId, `req-${fake.requests.length - 1}`)
      }
    }).pipe(Effect.scoped))

  it.live("transport faults inside a stream", () =>
    Effect.gen(function*() {
      const good = eventFrame("messageStart", { role: "assistant" })
      const badCrc = eventFrame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "x" } })
      badCrc[badCrc.length - 1] = badCrc[badCrc.length - 1]! ^ 0xff
      const truncated = eventFrame("messageStop", { stopReason: "end_turn" }).slice(0, 20)
      const cases: ReadonlyArray<readonly [Uint8Array, BedrockError.TransportErrorKind]> = [
        [badCrc, "ChecksumMismatch"],
        [truncated, "TruncatedEventStream"]
      ]
      const fake = makeFake((_, index) => streamResponse([good, cases[index]![0]]))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      for (const [, kind] of cases) {
        const error = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.kind, kind)
        assert.strictEqual(error.position, "stream")
        assert.isFalse(error.retryable)
      }
      assert.strictEqual(fake.requests.length, 2)
    }).pipe(Effect.scoped))

  it.live("leaving a stream early aborts its request", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => streamResponse([eventFrame("messageStart", { role: "assistant" })], true))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const events = yield* Stream.runCollect(Stream.take(client.converseStream(input), 1))
      assert.strictEqual(events.length, 1)
      assert.isTrue(fake.requests[0]!.abortSignal?.aborted)

      // Interrupted while waiting for the next event.
      const fiber = yield* Effect.fork(Stream.runDrain(client.converseStream(input)))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(fiber)
      assert.isTrue(fake.requests[1]!.abortSignal?.aborted)
    }).pipe(Effect.scoped))

  it.live("interrupting converse aborts the request", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => ({ hang: true }))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const fiber = yield* Effect.fork(client.converse(input))
      yield* Effect.sleep("20 millis")
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(fake.requests[0]!.abortSignal?.aborted)
    }).pipe(Effect.scoped))

  it.live("per-call headers are signed and never leak into other requests, also under concurrency", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => ({ body: converseBody("ok") }))
      const client = yield* BedrockClient.make(fakeOptions(fake))
      yield* Effect.forEach(
        Array.from({ length: 100 }, (_, i) => i),
        (i) =>
          client.converse(
            { ...input, messages: [{ role: "user", content: [{ text: `call-${i}` }] }] },
            i % 2 === 0 ? { headers: { "x-call-id": `id-${i}` } } : undefined
          ),
        { concurrency: 20 }
      )
      assert.strictEqual(fake.requests.length, 100)
      for (const request of fake.requests) {
        const i = Number(/call-(\d+)/.exec(request.body)![1])
        if (i % 2 === 0) {
          assert.strictEqual(request.headers["x-call-id"], `id-${i}`)
          assert.match(request.headers.authorization!, /SignedHeaders=[^,]*x-call-id/)
        } else {
          assert.isUndefined(request.headers["x-call-id"])
        }
      }
    }).pipe(Effect.scoped))

  it.scoped("bearer API key", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => ({ body: converseBody("ok") }))
      const client = yield* BedrockClient.make(
        fakeOptions(fake, { credentials: undefined, apiKey: Redacted.make(apiKeySecret) })
      )
      yield* client.converse(input)
      // The bearer signer writes `Authorization` (HTTP/2 lower-cases it on the wire).
      assert.strictEqual(fake.requests[0]!.headers.Authorization, `Bearer ${apiKeySecret}`)
    }))

  it.effect("make destroys its SDK client when the scope closes; makeFromClient does not", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => ({ body: converseBody("ok") }))
      yield* Effect.scoped(BedrockClient.make(fakeOptions(fake)))
      assert.isTrue(fake.state.destroyed)
    }))

  it.scoped("secrets never appear in the service, the options or any error", () =>
    Effect.gen(function*() {
      const fake = makeFake(() => errorResponse("AccessDeniedException", 403, `denied: ${secret} Bearer ${apiKeySecret}`))
      const options = fakeOptions(fake, {
        credentials: {
          accessKeyId: "AKIDLOCAL",
          secretAccessKey: Redacted.make(secret),
          sessionToken: Redacted.make(`${secret}-token`)
        },
        apiKey: Redacted.make(apiKeySecret)
      })
      const client = yield* BedrockClient.make(options)
      const error = yield* Effect.flip(client.converse(input))
      assert.strictEqual(error._tag, "AccessDeniedError")
      const texts = [
        util.inspect(client, { depth: 10 }),
        JSON.stringify(client),
        String(client),
        JSON.stringify(options),
        util.inspect(options, { depth: 10 }),
        String(error),
        error.message,
        JSON.stringify(error),
        util.inspect(error, { depth: 10 })
      ]
      for (const text of texts) {
        assert.notInclude(text, secret)
        assert.notInclude(text, apiKeySecret)
      }
    }))
})

// =============================================================================
// Timeouts
// =============================================================================

describe("BedrockClient timeouts", () => {
  it.live("connectTimeout: a TLS handshake that never completes", () =>
    Effect.gen(function*() {
      const sockets = new Set<net.Socket>()
      const server = net.createServer((socket) => {
        sockets.add(socket)
      })
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          server.listen(0, "127.0.0.1", () => resume(Effect.void))
        }),
        () =>
          Effect.sync(() => {
            for (const socket of sockets) socket.destroy()
            server.close()
          })
      )
      const port = (server.address() as net.AddressInfo).port
      const client = yield* BedrockClient.make({
        region: "us-east-1",
        endpoint: `https://127.0.0.1:${port}`,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) },
        connectTimeout: "200 millis",
        requestTimeout: "20 seconds",
        retry: false
      })
      const started = Date.now()
      const error = yield* Effect.flip(client.converse(input))
      const elapsed = Date.now() - started
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "Timeout")
      assert.isTrue(error.retryable)
      assert.isBelow(elapsed, 5_000)
    }).pipe(Effect.scoped))

  it.live("connection refused", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const client = yield* BedrockClient.make({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) },
        retry: false
      })
      const error = yield* Effect.flip(client.converse(input))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "ConnectionRefused")
      assert.isTrue(error.retryable)
      const streamError = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
      assert.strictEqual(streamError._tag, "TransportError")
      assert.strictEqual(streamError.position, "request")
    }).pipe(Effect.scoped))
})

// =============================================================================
// Swappable client
// =============================================================================

describe("BedrockClient swappable", () => {
  it.live("swap: new calls use the new client; running streams finish on the old one, which is then destroyed", () =>
    Effect.gen(function*() {
      const oldBody = new PassThrough()
      const oldFake = makeFake((_, index) =>
        index === 0
          ? { headers: { "content-type": "application/vnd.amazon.eventstream" }, body: oldBody }
          : { body: converseBody("old") }
      )
      const newFake = makeFake(() => ({ body: converseBody("new") }))
      const swappable = yield* BedrockClient.makeSwappable(fakeOptions(oldFake))
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
      assert.strictEqual(events.length, 2)
      assert.isTrue(oldFake.state.destroyed)
      assert.isFalse(newFake.state.destroyed)
    }).pipe(Effect.scoped))

  it.live("layerSwappable with swapClient; every client is closed with the layer", () =>
    Effect.gen(function*() {
      const first = makeFake(() => ({ body: converseBody("first") }))
      const second = makeFake(() => ({ body: converseBody("second") }))
      yield* Effect.gen(function*() {
        const client = yield* BedrockClient.BedrockClient
        const swap = yield* BedrockClient.BedrockClientSwap
        assert.strictEqual(textOf(yield* client.converse(input)), "first")
        yield* swap.swap(fakeOptions(second))
        assert.strictEqual(textOf(yield* client.converse(input)), "second")
        assert.isTrue(first.state.destroyed)
      }).pipe(Effect.provide(BedrockClient.layerSwappable(fakeOptions(first))))
      assert.isTrue(second.state.destroyed)
    }))
})

// =============================================================================
// Config
// =============================================================================

describe("BedrockClient config", () => {
  it.effect("reads the environment", () =>
    Effect.gen(function*() {
      const options = yield* BedrockClient.loadConfig()
      assert.strictEqual(options.region, "eu-central-1")
      assert.strictEqual(options.endpoint, "http://127.0.0.1:9999")
      assert.strictEqual(options.credentials?.accessKeyId, "AKIDENV")
      assert.isTrue(Redacted.isRedacted(options.credentials?.secretAccessKey))
      assert.strictEqual(Redacted.value(options.credentials!.secretAccessKey), secret)
      assert.strictEqual(Redacted.value(options.apiKey!), apiKeySecret)
      assert.isTrue(Duration.equals(Duration.decode(options.connectTimeout!), Duration.seconds(5)))
      assert.isTrue(Duration.equals(Duration.decode(options.requestTimeout!), Duration.millis(1500)))
      assert.deepStrictEqual(options.retry, { maxAttempts: 5 })
      assert.notInclude(JSON.stringify(options), secret)
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(
      new Map([
        ["AWS_DEFAULT_REGION", "eu-central-1"],
        ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "http://127.0.0.1:9999"],
        ["AWS_ACCESS_KEY_ID", "AKIDENV"],
        ["AWS_SECRET_ACCESS_KEY", secret],
        ["AWS_BEARER_TOKEN_BEDROCK", apiKeySecret],
        ["BEDROCK_CONNECT_TIMEOUT", "5 seconds"],
        ["BEDROCK_REQUEST_TIMEOUT", "1500"],
        ["BEDROCK_MAX_ATTEMPTS", "5"]
      ])
    ))))

  it.effect("empty environment, caller overrides", () =>
    Effect.gen(function*() {
      const options = yield* BedrockClient.loadConfig({
        region: Config.succeed("ap-south-1"),
        retry: Config.succeed(false)
      })
      assert.strictEqual(options.region, "ap-south-1")
      assert.strictEqual(options.retry, false)
      const plain = yield* BedrockClient.loadConfig()
      assert.isUndefined(plain.region)
      assert.isUndefined(plain.credentials)
      assert.isUndefined(plain.apiKey)
    }).pipe(Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))))

  it.effect("layerConfig builds a client", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      assert.include(JSON.stringify(client), "us-west-2")
    }).pipe(
      Effect.provide(Layer.fresh(BedrockClient.layerConfig())),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["AWS_REGION", "us-west-2"]])))
    ))
})
