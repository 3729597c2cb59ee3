import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Chunk, Duration, Effect, Exit, Fiber, Redacted, Schedule, Stream } from "effect"
import * as util from "node:util"
import * as BedrockClient from "../src/BedrockClient.js"
import type * as BedrockError from "../src/BedrockError.js"
import { closedPort } from "./utils/closedPort.js"

const secret = "local-secret"
const apiKey = "ABSK-local-api-key-0123456789abcdef"

const clientOptions = (endpoint: string, extra: Partial<BedrockClient.Options> = {}): BedrockClient.Options => ({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) },
  retry: { baseDelay: "5 millis", maxDelay: "20 millis" },
  ...extra
})

const input = (modelId = "us.amazon.nova-micro-v1:0") => ({
  modelId,
  messages: [{ role: "user" as const, content: [{ text: "Hello" }] }]
})

/** A client against the local server, closed with the test's scope. */
const client = (extra: Partial<BedrockClient.Options> = {}) =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) => BedrockClient.make(clientOptions(local.endpoint, extra)))

const lastRequestId = Effect.map(
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) => local.requests),
  (requests) => requests[requests.length - 1]?.requestId
)

const assertNoSecrets = (value: unknown) => {
  for (const text of [JSON.stringify(value), util.inspect(value, { depth: 10 }), String(value)]) {
    assert.notInclude(text, secret)
    assert.notInclude(text, apiKey)
  }
}

const streamExceptions = [
  ["throttlingException", "ThrottlingError", 429, true],
  ["validationException", "ValidationError", 400, false],
  ["modelStreamErrorException", "ModelStreamError", 424, true],
  ["internalServerException", "InternalServerError", 500, true],
  ["serviceUnavailableException", "ServiceUnavailableError", 503, true]
] as const

const httpExceptions = [
  ["ThrottlingException", "ThrottlingError", 429, true],
  ["ValidationException", "ValidationError", 400, false],
  ["AccessDeniedException", "AccessDeniedError", 403, false],
  ["ResourceNotFoundException", "ResourceNotFoundError", 404, false],
  ["ModelTimeoutException", "ModelTimeoutError", 408, true],
  ["ModelNotReadyException", "ModelNotReadyError", 429, true],
  ["ModelErrorException", "ModelError", 424, false],
  ["ServiceQuotaExceededException", "ServiceQuotaExceededError", 400, false],
  ["ServiceUnavailableException", "ServiceUnavailableError", 503, true],
  ["InternalServerException", "InternalServerError", 500, true]
] as const

layer(LocalBedrock.layer(), { excludeTestServices: true })("BedrockClient against the local server", (it) => {
  const reset = Effect.flatMap(LocalBedrock.LocalBedrock, (local) => local.reset)

  it.scoped("converse, converseStream and countTokens succeed with the server's request ids", () =>
    Effect.gen(function*() {
      yield* reset
      const bedrock = yield* client()
      const output = yield* bedrock.converse(input())
      assert.isDefined(output.output?.message)
      assert.strictEqual(output.$metadata.requestId, yield* lastRequestId)

      const ids: Array<string | undefined> = []
      const events = yield* Stream.runCollect(
        bedrock.converseStream(input(), { onResponse: (m) => Effect.sync(() => ids.push(m.requestId)) })
      )
      assert.isAbove(Chunk.size(events), 2)
      assert.deepStrictEqual(ids, [yield* lastRequestId])

      const tokens = yield* bedrock.countTokens({
        modelId: "amazon.nova-micro-v1:0",
        input: { converse: { messages: input().messages } }
      })
      assert.isAbove(tokens.inputTokens ?? 0, 0)
    }))

  it.scoped("every modelled exception as an HTTP error", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client({ retry: false })
      for (const [name, tag, status, retryable] of httpExceptions) {
        yield* local.script(Script.failure(name, { message: `scripted ${name}` }))
        const error = yield* Effect.flip(bedrock.converse(input()))
        assert.strictEqual(error._tag, tag, name)
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.requestId, yield* lastRequestId)
        assert.strictEqual(error.position, "request")
        assert.strictEqual(error.retryable, retryable)
        assert.strictEqual(error.message, `scripted ${name}`)
        assertNoSecrets(error)

        // The same as the answer to a ConverseStream request.
        yield* local.script(Script.failure(name))
        const streamError = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input())))
        assert.strictEqual(streamError._tag, tag)
        assert.strictEqual(streamError.position, "request")
        assert.strictEqual(streamError.requestId, yield* lastRequestId)
      }
    }))

  it.scoped("every exception event mid-stream", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client({ retry: false })
      for (const [type, tag, status, retryable] of streamExceptions) {
        yield* local.script(Script.stream(undefined, { fault: Script.exceptionAfter(2, type, `event ${type}`) }))
        const seen: Array<unknown> = []
        const error = yield* bedrock.converseStream(input()).pipe(
          Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
          Effect.flip
        )
        assert.strictEqual(error._tag, tag, type)
        assert.strictEqual(error.status, status)
        assert.strictEqual(error.position, "stream")
        assert.strictEqual(error.requestId, yield* lastRequestId)
        // Retryable as an HTTP error, but not after events were delivered (a new attempt would
        // repeat them).
        assert.strictEqual(error.retryable, false, `${type} (${retryable} before the first event)`)
        // The initial response, then the two events before the exception.
        assert.deepStrictEqual((seen[0] as BedrockClient.InitialResponse).initialResponse.requestId, error.requestId)
        assert.strictEqual(seen.length, 3)
        assertNoSecrets(error)
      }
    }))

  it.scoped("transport faults become TransportError", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client({ retry: false })
      const expectKind = (error: BedrockError.BedrockError, kind: BedrockError.TransportErrorKind) => {
        assert.strictEqual(error._tag, "TransportError", `${kind}: ${String(error)}`)
        if (error._tag === "TransportError") assert.strictEqual(error.kind, kind, String(error))
      }

      yield* local.script(Script.stream(undefined, { fault: Script.resetAfter(1) }))
      const reset1 = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input())))
      expectKind(reset1, "ConnectionReset")
      assert.strictEqual(reset1.position, "stream")
      assert.isFalse(reset1.retryable)

      yield* local.script(Script.stream(undefined, { fault: Script.truncateAfter(1) }))
      expectKind(yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input()))), "TruncatedEventStream")

      yield* local.script(Script.stream(undefined, { fault: Script.badCrcAfter(1) }))
      const crc = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input())))
      expectKind(crc, "ChecksumMismatch")
      assert.isFalse(crc.retryable)

      yield* local.script(Script.stream([
        Script.event("messageStart", { role: "assistant" }),
        Script.raw({
          ":message-type": "event",
          ":event-type": "contentBlockDelta",
          ":content-type": "application/json"
        }, "{not json")
      ]))
      expectKind(yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input()))), "InvalidEventPayload")

      yield* local.script(Script.reset())
      const resetConverse = yield* Effect.flip(bedrock.converse(input()))
      expectKind(resetConverse, "ConnectionReset")
      assert.strictEqual(resetConverse.position, "request")

      // A hang with a short requestTimeout.
      const short = yield* client({ retry: false, requestTimeout: "300 millis" })
      yield* local.script(Script.hang())
      const timeout = yield* Effect.flip(short.converse(input()))
      expectKind(timeout, "Timeout")
      assert.isTrue(timeout.retryable)
      yield* local.script(Script.stream(undefined, { fault: Script.hangAfter(1) }))
      const streamTimeout = yield* Effect.flip(Stream.runDrain(short.converseStream(input())))
      expectKind(streamTimeout, "Timeout")
      assert.strictEqual(streamTimeout.position, "stream")
    }))

  it.scoped("connection refused on a closed port", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      const bedrock = yield* BedrockClient.make(clientOptions(`http://127.0.0.1:${port}`, { retry: false }))
      const error = yield* Effect.flip(bedrock.converse(input()))
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "ConnectionRefused")
      assert.isTrue(error.retryable)
    }))

  it.scoped("retries throttling, then succeeds (the server sees 2 requests)", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client()
      yield* local.script(Script.failure("ThrottlingException"))
      const output = yield* bedrock.converse(input())
      assert.isDefined(output.output?.message)
      assert.strictEqual((yield* local.requests).length, 2)

      // A stream that fails before its first event is retried too.
      yield* local.reset
      yield* local.script(Script.stream(undefined, { fault: Script.exceptionAfter(0, "throttlingException") }))
      const events = yield* Stream.runCollect(bedrock.converseStream(input()))
      assert.isAbove(Chunk.size(events), 2)
      assert.strictEqual((yield* local.requests).length, 2)
    }))

  it.scoped("no retry on validation errors, no retry after a stream's first event", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client()
      yield* local.script(Script.failure("ValidationException"))
      yield* Effect.flip(bedrock.converse(input()))
      assert.strictEqual((yield* local.requests).length, 1)

      yield* local.reset
      yield* local.script(Script.stream(undefined, { fault: Script.exceptionAfter(1, "throttlingException") }))
      const error = yield* Effect.flip(Stream.runDrain(bedrock.converseStream(input())))
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.isFalse(error.retryable)
      assert.strictEqual((yield* local.requests).length, 1)
    }))

  it.scoped("1,000 streams left after their first event leave no open request", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bedrock = yield* client()
      // `local.hang-1`: one event, then nothing, ever: only an abort closes the request.
      yield* Effect.forEach(
        Array.from({ length: 1_000 }, (_, i) => i),
        (i) =>
          i % 2 === 0
            ? Stream.runDrain(Stream.take(bedrock.converseStream(input("local.hang-1")), 1))
            : Effect.gen(function*() {
              const first = yield* Effect.makeLatch(false)
              const fiber = yield* bedrock.converseStream(input("local.hang-1")).pipe(
                Stream.runForEach(() => first.open),
                Effect.fork
              )
              yield* first.await
              yield* Fiber.interrupt(fiber)
            }),
        { concurrency: 50, discard: true }
      )
      assert.strictEqual((yield* local.requests).length, 1_000)
      yield* local.awaitIdle.pipe(Effect.timeoutFail({
        duration: Duration.seconds(5),
        onTimeout: () => new Error("requests still open")
      }))
      assert.strictEqual(yield* local.openRequests, 0)
    }), { timeout: 60_000 })

  it.scoped(
    "interrupting converse and countTokens closes their requests (the SDK's handler, our signal)",
    () =>
      Effect.gen(function*() {
        yield* reset
        const local = yield* LocalBedrock.LocalBedrock
        const bedrock = yield* client()
        // `local.hang`: the server never answers; only an abort closes the request.
        const hanging = input("local.hang")
        const fibers = yield* Effect.forEach(
          Array.from({ length: 100 }, (_, i) => i),
          (i) =>
            Effect.fork(
              i % 2 === 0
                ? Effect.asVoid(bedrock.converse(hanging))
                : Effect.asVoid(
                  bedrock.countTokens({ modelId: hanging.modelId, input: { converse: { messages: hanging.messages } } })
                )
            )
        )
        yield* Effect.repeat(local.openRequests, {
          until: (open) => open === 100,
          schedule: Schedule.spaced("5 millis")
        })
        const exits = yield* Effect.forEach(fibers, Fiber.interrupt)
        assert.isTrue(exits.every(Exit.isInterrupted))
        yield* local.awaitIdle.pipe(Effect.timeoutFail({
          duration: Duration.seconds(5),
          onTimeout: () => new Error("requests still open")
        }))
        assert.strictEqual(yield* local.openRequests, 0)
        // The client still works on the same session.
        const output = yield* bedrock.converse(input())
        assert.isDefined(output.output)
      }),
    { timeout: 30_000 }
  )

  it.scoped("bearer API key; per-call headers; secrets never in the server's log", () =>
    Effect.gen(function*() {
      yield* reset
      const local = yield* LocalBedrock.LocalBedrock
      const bearer = yield* client({ credentials: undefined, apiKey: Redacted.make(apiKey) })
      yield* bearer.converse(input(), { headers: { "x-effect-bedrock-test": "one" } })
      const sigv4 = yield* client()
      yield* Stream.runDrain(sigv4.converseStream(input(), { headers: { "x-effect-bedrock-test": "two" } }))
      yield* sigv4.converse(input())
      const requests = yield* local.requests
      assert.strictEqual(requests[0]!.auth, "bearer")
      assert.strictEqual(requests[0]!.headers["x-effect-bedrock-test"], "one")
      assert.strictEqual(requests[1]!.auth, "sigv4")
      assert.strictEqual(requests[1]!.headers["x-effect-bedrock-test"], "two")
      assert.isUndefined(requests[2]!.headers["x-effect-bedrock-test"])
      assertNoSecrets(requests)
      assertNoSecrets(bearer)
      assertNoSecrets(sigv4)
    }))
})

describe("BedrockClient.layer against the local server", () => {
  it.scopedLive("layer(options) as documented", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.make()
      const output = yield* Effect.flatMap(BedrockClient.BedrockClient, (c) => c.converse(input())).pipe(
        Effect.provide(BedrockClient.layer({
          region: "us-east-1",
          endpoint: local.endpoint,
          credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) }
        }))
      )
      assert.isDefined(output.output?.message)
      assert.strictEqual(yield* local.openRequests, 0)
    }))
})
