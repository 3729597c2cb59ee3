import { BedrockAiError } from "@effect-bedrock/ai"
import { BedrockError, LanguageModel, UsageLimits } from "@effect-bedrock/core"
import { AiError } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Option, Stream } from "effect"
import * as util from "node:util"

const context = { method: "generateText", modelId: "us.amazon.nova-pro-v1:0" }

describe("BedrockAiError", () => {
  it("a Bedrock exception becomes an HttpResponseError with its status, request id and exception name", () => {
    const throttling = new BedrockError.ThrottlingError({
      message: "Too many tokens",
      status: 429,
      requestId: "req-1",
      exceptionName: "ThrottlingException",
      operation: "converse"
    })
    const error = BedrockAiError.fromLanguageModelError(throttling, context)
    assert.isTrue(AiError.isAiError(error))
    assert.strictEqual(error._tag, "HttpResponseError")
    if (error._tag !== "HttpResponseError") return
    assert.strictEqual(error.module, "BedrockAiLanguageModel")
    assert.strictEqual(error.method, "generateText")
    assert.strictEqual(error.reason, "StatusCode")
    assert.strictEqual(error.response.status, 429)
    assert.deepStrictEqual(error.response.headers, {
      "x-amzn-requestid": "req-1",
      "x-amzn-errortype": "ThrottlingException"
    })
    assert.strictEqual(error.request.url, "/model/us.amazon.nova-pro-v1%3A0/converse")
    assert.include(error.message, "Too many tokens")
    assert.include(error.message, "Rate Limited")
    assert.strictEqual((error as { cause?: unknown }).cause, throttling)
    assert.deepStrictEqual(BedrockAiError.cause(error), Option.some(throttling))
    assert.isTrue(BedrockAiError.isRetryable(error))
  })

  it("an exception inside a stream, without a status, gets the documented one", () => {
    const error = BedrockAiError.fromLanguageModelError(
      new BedrockError.ModelStreamError({
        message: "The model failed",
        position: "stream",
        exceptionName: "ModelStreamErrorException",
        operation: "converseStream"
      }),
      { method: "streamText" }
    )
    assert.strictEqual(error._tag === "HttpResponseError" && error.response.status, 424)
    assert.strictEqual(error._tag === "HttpResponseError" && error.request.url, "/model/converse-stream")
  })

  it("maps each kind of failure to the AiError that reads right", () => {
    const cases: ReadonlyArray<readonly [LanguageModel.LanguageModelError, string, string?]> = [
      [new BedrockError.ValidationError({ message: "bad", status: 400 }), "HttpResponseError", "StatusCode"],
      [
        new BedrockError.TransportError({ kind: "ConnectionRefused", message: "refused" }),
        "HttpRequestError",
        "Transport"
      ],
      [new BedrockError.TransportError({ kind: "Aborted", message: "aborted" }), "HttpRequestError", "Transport"],
      [new BedrockError.TransportError({ kind: "ChecksumMismatch", message: "crc" }), "HttpResponseError", "Decode"],
      [new BedrockError.CredentialsError({ message: "no credentials" }), "UnknownError"],
      [new BedrockError.CredentialsError({ message: "expired", status: 403 }), "HttpResponseError", "StatusCode"],
      [new BedrockError.UnknownBedrockError({ message: "odd", status: 502 }), "HttpResponseError", "StatusCode"],
      [new BedrockError.UnknownBedrockError({ message: "odd" }), "UnknownError"],
      [
        new LanguageModel.InvalidRequestError({ message: "temperature too high", field: "temperature" }),
        "MalformedInput"
      ],
      [new LanguageModel.IncompleteResponseError({ message: "no finish" }), "MalformedOutput"],
      [new LanguageModel.StructuredOutputError({ message: "not JSON", text: "{", attempts: 2 }), "MalformedOutput"],
      [
        new UsageLimits.UsageLimitExceededError({
          limit: "requests",
          max: 3,
          position: "beforeRequest",
          message: "request limit of 3 reached"
        }),
        "UnknownError"
      ]
    ]
    for (const [ours, tag, reason] of cases) {
      const error = BedrockAiError.fromLanguageModelError(ours, context)
      assert.strictEqual(error._tag, tag, ours._tag)
      if (reason !== undefined) assert.strictEqual((error as { reason?: string }).reason, reason, ours._tag)
      assert.strictEqual(Option.getOrThrow(BedrockAiError.cause(error)), ours)
      assert.strictEqual(BedrockAiError.isRetryable(error), BedrockError.isRetryable(ours), ours._tag)
    }
    const invalid = BedrockAiError.fromLanguageModelError(cases[8]![0], context)
    assert.include(invalid.message, "at temperature")
  })

  it("cause is None for AiErrors that did not come from Bedrock, and for anything else", () => {
    const own = new AiError.MalformedOutput({ module: "LanguageModel", method: "generateObject" })
    assert.isTrue(Option.isNone(BedrockAiError.cause(own)))
    assert.isTrue(Option.isNone(BedrockAiError.cause(new Error("x"))))
    assert.isTrue(Option.isNone(BedrockAiError.cause(undefined)))
    assert.strictEqual(BedrockAiError.unwrapError(own), own)
    assert.isFalse(BedrockAiError.isRetryable(own))
  })

  it.effect("unwrap and unwrapStream fail with the typed error, so catchTag works", () =>
    Effect.gen(function*() {
      const throttling = new BedrockError.ThrottlingError({ message: "slow down", status: 429 })
      const aiError = BedrockAiError.fromLanguageModelError(throttling, context)
      const caught = yield* Effect.fail(aiError).pipe(
        BedrockAiError.unwrap,
        Effect.catchTag("ThrottlingError", (e) => Effect.succeed(e.message))
      )
      assert.strictEqual(caught, "slow down")
      const fromStream = yield* Stream.fail(aiError).pipe(BedrockAiError.unwrapStream, Stream.runDrain, Effect.flip)
      assert.strictEqual(fromStream, throttling)
    }))

  it("printing the AiError shows the cause without the SDK error it wraps", () => {
    const sdkError = Object.assign(new Error("denied"), {
      name: "AccessDeniedException",
      $response: { headers: { authorization: "AWS4-HMAC-SHA256 Credential=AKIDSECRET/..., Signature=abc123" } }
    })
    const ours = BedrockError.fromSdk(sdkError, "request", { requestId: "req-9" })
    const error = BedrockAiError.fromLanguageModelError(ours, context)
    for (const text of [JSON.stringify(error), util.inspect(error, { depth: 10 }), Cause.pretty(Cause.fail(error))]) {
      assert.notInclude(text, "AKIDSECRET")
      assert.notInclude(text, "abc123")
    }
  })
})
