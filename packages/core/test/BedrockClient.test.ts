import type { ConverseCommandOutput, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import {
  Chunk,
  Config,
  ConfigProvider,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  pipe,
  Redacted,
  Schedule,
  Stream,
  TestClock
} from "effect"
import * as net from "node:net"
import * as util from "node:util"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientStub from "../src/BedrockClientStub.js"
import * as BedrockError from "../src/BedrockError.js"
import { closedPort } from "./utils/closedPort.js"
import {
  apiKeySecret,
  converseBody,
  errorResponse,
  eventFrame,
  exceptionFrame,
  fakeOptions,
  input,
  makeFake,
  secret,
  streamResponse,
  textOf
} from "./utils/fakeSdk.js"

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
      const fake = makeFake(() =>
        errorResponse("ValidationException", 400, "The provided model identifier is invalid.")
      )
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
          : streamResponse([
            eventFrame("messageStart", { role: "assistant" }),
            eventFrame("messageStop", { stopReason: "end_turn" })
          ])
      )
      const client = yield* BedrockClient.make(fakeOptions(fake))
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(client.converseStream(input)))
      // The SDK reads an exception that comes first while resolving the response: the failed
      // attempt has no initial response; the retry's comes before its events.
      assert.deepStrictEqual(events[0], { initialResponse: { requestId: "req-1", httpStatusCode: 200 } })
      assert.strictEqual(events.filter((event) => !BedrockClient.isInitialResponse(event)).length, 2)
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
      const seen: Array<BedrockClient.StreamEvent> = []
      const error = yield* client.converseStream(input).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
        Effect.flip
      )
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(error.position, "stream")
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.requestId, "req-0")
      assert.deepStrictEqual(seen[0], { initialResponse: { requestId: "req-0", httpStatusCode: 200 } })
      assert.strictEqual(seen.length, 2)
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
      const fake = makeFake(() =>
        errorResponse("AccessDeniedException", 403, `denied: ${secret} Bearer ${apiKeySecret}`)
      )
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
// withRetry
// =============================================================================

const throttled = new BedrockError.ThrottlingError({ message: "slow" })
const ok = {
  output: { message: { role: "assistant", content: [{ text: "ok" }] } },
  $metadata: {}
} as ConverseCommandOutput
const started: ConverseStreamOutput = { messageStart: { role: "assistant" } }

describe("BedrockClient.withRetry", () => {
  it.effect("a Schedule decides how many retries: recurs(4) is 5 attempts", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({ converse: [throttled] })
      const client = BedrockClient.withRetry(stub.service, Schedule.recurs(4))
      const error = yield* Effect.flip(client.converse(input))
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual((yield* stub.requests).length, 5)
    }))

  it.effect("a Schedule decides the delays", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({ converse: [throttled, throttled, ok] })
      const client = BedrockClient.withRetry(stub.service, Schedule.spaced("10 seconds"))
      const fiber = yield* Effect.fork(client.converse(input))
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual((yield* stub.requests).length, 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* stub.requests).length, 2)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(textOf(yield* Fiber.join(fiber)), "ok")
      assert.strictEqual((yield* stub.requests).length, 3)
    }))

  it.effect("a non-retryable failure is never retried, whatever the schedule", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({
        converse: [new BedrockError.ValidationError({ message: "bad" })],
        countTokens: [new BedrockError.AccessDeniedError({ message: "no" })],
        converseStream: [[new BedrockError.ModelError({ message: "broken" })]]
      })
      const client = BedrockClient.withRetry(stub.service, Schedule.forever)
      assert.strictEqual((yield* Effect.flip(client.converse(input)))._tag, "ValidationError")
      const count = { modelId: "m", input: { converse: { messages: [] } } }
      assert.strictEqual((yield* Effect.flip(client.countTokens(count)))._tag, "AccessDeniedError")
      assert.strictEqual((yield* Effect.flip(Stream.runDrain(client.converseStream(input))))._tag, "ModelError")
      const operations = (yield* stub.requests).map((request) => request.operation)
      assert.deepStrictEqual(operations, ["converse", "countTokens", "converseStream"])
    }))

  it.effect("a stream is retried before its first event, never after", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({ converseStream: [[throttled], [started], [started, throttled]] })
      const client = BedrockClient.withRetry(stub.service, Schedule.recurs(3))
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(client.converseStream(input)))
      assert.deepStrictEqual(events.filter((event) => !BedrockClient.isInitialResponse(event)), [started])
      assert.strictEqual((yield* stub.requests).length, 2)
      const error = yield* Effect.flip(Stream.runDrain(client.converseStream(input)))
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual((yield* stub.requests).length, 3)
    }))

  it.effect("dual: data-first and data-last, a Schedule or RetryOptions", () =>
    Effect.gen(function*() {
      const stub = yield* BedrockClientStub.make({ converse: [throttled] })
      const dataLast = pipe(stub.service, BedrockClient.withRetry(Schedule.recurs(1)))
      yield* Effect.flip(dataLast.converse(input))
      assert.strictEqual((yield* stub.requests).length, 2)
      yield* stub.clear
      yield* Effect.flip(BedrockClient.withRetry(Schedule.recurs(2))(stub.service).converse(input))
      assert.strictEqual((yield* stub.requests).length, 3)
      yield* stub.clear
      const fiber = yield* Effect.fork(BedrockClient.withRetry(stub.service, { maxAttempts: 4 }).converse(input))
      yield* TestClock.adjust("1 minute")
      yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual((yield* stub.requests).length, 4)
      assert.strictEqual(BedrockClient.withRetry(stub.service, false), stub.service)
      assert.strictEqual(BedrockClient.withRetry({ maxAttempts: 1 })(stub.service), stub.service)
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
