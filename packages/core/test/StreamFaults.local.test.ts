// Transport faults of a ConverseStream, classified by what happened wherever they happened, and
// what `retryable` means for a stream: the same request may be sent again without duplicating
// output. Against the local Bedrock's fault scripts (docs/reliability.md).
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import { fromSdk } from "../src/internal/streaming/converseStream.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

const input = (modelId = "us.amazon.nova-micro-v1:0") => ({
  modelId,
  messages: [{ role: "user" as const, content: [{ text: "Hello" }] }]
})

const client = (extra: Partial<BedrockClient.Options> = {}) =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
    BedrockClient.make({
      region: "us-east-1",
      endpoint: local.endpoint,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
      retry: { baseDelay: "5 millis", maxDelay: "20 millis" },
      ...extra
    }))

const requestCount = Effect.flatMap(LocalBedrock.LocalBedrock, (local) => Effect.map(local.requests, (r) => r.length))

const assertTransport = (error: BedrockError.BedrockError, kind: BedrockError.TransportErrorKind, label: string) => {
  assert.strictEqual(error._tag, "TransportError", `${label}: ${String(error)}`)
  if (error._tag === "TransportError") assert.strictEqual(error.kind, kind, label)
}

// The faults the local Bedrock injects, and the kind each must be.
const faults = [
  ["reset", Script.resetAfter, "ConnectionReset"],
  ["truncated frame", Script.truncateAfter, "TruncatedEventStream"],
  ["bad CRC", Script.badCrcAfter, "ChecksumMismatch"]
] as const

layer(LocalBedrock.layer(), { excludeTestServices: true })("ConverseStream faults", (it) => {
  it.scoped("before the first event: a TransportError of its kind, retryable, and retried", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const once = yield* client({ retry: false })
      const retrying = yield* client()
      for (const [label, fault, kind] of faults) {
        yield* local.reset
        yield* local.script(Script.stream(undefined, { fault: fault(0) }))
        const error = yield* Effect.flip(Stream.runDrain(once.converseStream(input())))
        assertTransport(error, kind, label)
        assert.strictEqual(error.position, "request", label)
        assert.isTrue(error.retryable, label)
        assert.notInclude(error.message, "Deserialization error", label)
        assert.strictEqual(error.requestId, (yield* local.requests)[0]!.requestId, label)

        // Retried: the second attempt answers, and only its events come out.
        yield* local.reset
        yield* local.script(Script.stream(undefined, { fault: fault(0) }))
        const events = yield* Stream.runCollect(retrying.converseStream(input()))
        assert.strictEqual(yield* requestCount, 2, label)
        assert.strictEqual(Chunk.filter(events, BedrockClient.isInitialResponse).length, 1, label)
        assert.isDefined(Chunk.findFirst(events, (event) => event.metadata !== undefined), label)
      }
    }))

  it.scoped("after delivered output: the same kinds, not retryable, never retried", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const retrying = yield* client({ requestTimeout: "300 millis" })
      const cases: ReadonlyArray<readonly [string, Script.Fault, string]> = [
        ...faults.map(([label, fault, kind]) => [label, fault(1), kind] as const),
        ["stall", Script.hangAfter(1), "Timeout"],
        ["throttling event", Script.exceptionAfter(1, "throttlingException"), "ThrottlingError"],
        ["model stream error event", Script.exceptionAfter(1, "modelStreamErrorException"), "ModelStreamError"],
        [
          "service unavailable event",
          Script.exceptionAfter(1, "serviceUnavailableException"),
          "ServiceUnavailableError"
        ]
      ]
      for (const [label, fault, kind] of cases) {
        yield* local.reset
        yield* local.script(Script.stream(undefined, { fault }))
        const seen: Array<BedrockClient.StreamEvent> = []
        const error = yield* retrying.converseStream(input()).pipe(
          Stream.runForEach((event) => Effect.sync(() => seen.push(event))),
          Effect.flip
        )
        if (error._tag === "TransportError") assert.strictEqual(error.kind, kind, label)
        else assert.strictEqual(error._tag, kind, label)
        assert.strictEqual(error.position, "stream", label)
        assert.isFalse(error.retryable, label)
        assert.isFalse(BedrockError.isRetryable(error), label)
        assert.strictEqual(seen.length, 2, label)
        assert.strictEqual(yield* requestCount, 1, label)
      }
    }))

  it.scoped("a stream can be continued after a mid-stream failure (README: restarting a stream)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* local.script(
        Script.stream(Script.textEvents(["The answer ", "is "]), { fault: Script.resetAfter(3) }),
        Script.stream(Script.textEvents(["42."]))
      )
      const prompt = Prompt.make("What is the answer?")
      const { error, received } = yield* streamText(prompt)
      assert.isTrue(error !== undefined && BedrockError.isBedrockError(error) && !error.retryable)
      assert.strictEqual(received, "The answer is ")
      const continued = yield* streamText(Prompt.concat(prompt, Prompt.assistant(received)))
      assert.strictEqual(received + continued.received, "The answer is 42.")
      const requests = yield* local.requests
      assert.deepStrictEqual((requests[1]!.body as { messages: Array<unknown> }).messages.at(-1), {
        role: "assistant",
        content: [{ text: "The answer is " }]
      })
    }).pipe(Effect.provide(
      BedrockLanguageModel.layer({ model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
        Layer.provide(Layer.unwrapEffect(Effect.map(LocalBedrock.LocalBedrock, (local) =>
          BedrockClient.layer({
            region: "us-east-1",
            endpoint: local.endpoint,
            credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") }
          }))))
      )
    )))
})

/** The text of a stream, and how it ended. */
const streamText = (prompt: Prompt.Prompt) =>
  Effect.gen(function*() {
    let received = ""
    const error = yield* LanguageModel.stream({ prompt }).pipe(
      Stream.runForEach((part) =>
        Effect.sync(() => {
          if (part._tag === "TextDelta") received += part.delta
        })
      ),
      Effect.flip,
      Effect.option
    )
    return { error: error._tag === "Some" ? error.value : undefined, received }
  })

describe("fromSdk: what happened, not whether a status was seen", () => {
  const deserialisation = (message: string, code?: string) =>
    Object.assign(
      new Error(
        `${message}\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`
      ),
      { $metadata: { httpStatusCode: 200, requestId: "r-200" } },
      code === undefined ? {} : { code }
    )

  it("a fault the SDK met reading a 2xx answer is a TransportError of its kind", () => {
    const cases = [
      [
        deserialisation("Stream closed with error code NGHTTP2_INTERNAL_ERROR", "ERR_HTTP2_STREAM_ERROR"),
        "ConnectionReset"
      ],
      [deserialisation("Truncated event message received."), "TruncatedEventStream"],
      [deserialisation("The message checksum (1) did not match the expected value of 2"), "ChecksumMismatch"]
    ] as const
    for (const [thrown, kind] of cases) {
      const error = fromSdk(thrown, "request", { requestId: "ctx" })
      assertTransport(error, kind, kind)
      assert.isTrue(error.retryable)
      assert.strictEqual(error.requestId, "r-200")
      assert.notInclude(error.message, "Deserialization error")
      // The cause is a scrubbed copy of what was thrown (see docs/reliability.md, Secrets).
      assert.strictEqual((error.cause as Error).message, thrown.message)
      assert.strictEqual((error.cause as { code?: string }).code, (thrown as { code?: string }).code)
    }
  })

  it("an error answer the SDK could not parse is still classified by its status", () => {
    const thrown = Object.assign(new Error("socket hang up while reading <html>"), {
      name: "UnknownError",
      $metadata: { httpStatusCode: 502 }
    })
    const error = fromSdk(thrown, "request")
    assert.strictEqual(error._tag, "UnknownBedrockError")
    assert.isTrue(error.retryable)
  })

  it("after delivered output nothing is retryable", () => {
    const throttled = Object.assign(new Error("slow down"), { name: "ThrottlingException" })
    const reset = Object.assign(new Error("Stream closed"), { code: "ERR_HTTP2_STREAM_ERROR" })
    const unknown = Object.assign(new Error("odd"), { name: "Odd", $metadata: { httpStatusCode: 503 } })
    for (const thrown of [throttled, reset, unknown]) {
      assert.isTrue(fromSdk(thrown, "stream").retryable, String(thrown))
      assert.isFalse(fromSdk(thrown, "stream", undefined, true).retryable, String(thrown))
    }
  })
})
