import { classifySdkError, classifyStreamFailure, truncatedStream } from "@effect-bedrock/converse/errors/classify"
import { redactUrl, scrubSecrets } from "@effect-bedrock/converse/errors/scrub"
import { malformedFrameCode, transportKind } from "@effect-bedrock/converse/errors/transport"
import { assert, describe, it } from "vitest"

const sdkError = (name: string, message: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...fields })

describe("errors/classify", () => {
  it("a modelled exception: its row, its default status in a stream, the context's request id", () => {
    const d = classifySdkError(sdkError("throttlingException", "slow down"), "stream", { requestId: "req-1" })
    assert.strictEqual(d.kind, "exception")
    assert.strictEqual(d.exception?.name, "ThrottlingException")
    assert.strictEqual(d.exceptionName, "throttlingException")
    assert.strictEqual(d.status, 429)
    assert.strictEqual(d.requestId, "req-1")
    assert.strictEqual(d.position, "stream")
    assert.isTrue(d.retryable)
  })

  it("after delivered output nothing is retryable", () => {
    const d = classifySdkError(sdkError("ThrottlingException", "slow down"), "stream", undefined, true)
    assert.isFalse(d.retryable)
    const t = classifySdkError(Object.assign(new Error("reset"), { code: "ECONNRESET" }), "stream", undefined, true)
    assert.strictEqual(t.transport, "ConnectionReset")
    assert.isFalse(t.retryable)
  })

  it("the extra fields and a model id suggestion", () => {
    const d = classifySdkError(
      sdkError("ModelErrorException", "failed", {
        originalStatusCode: 500,
        resourceName: "r",
        $metadata: { httpStatusCode: 424, requestId: "req-2" }
      }),
      "request"
    )
    assert.strictEqual(d.originalStatusCode, 500)
    assert.strictEqual(d.resourceName, "r")
    assert.strictEqual(d.status, 424)
    assert.strictEqual(d.requestId, "req-2")
    assert.isFalse(d.retryable)
    const v = classifySdkError(
      sdkError("ValidationException", "The provided model identifier is invalid."),
      "request",
      { modelId: "amazon.nova-micro-v1", region: "eu-west-1" }
    )
    assert.strictEqual(v.suggestion, "amazon.nova-micro-v1:0")
  })

  it("credentials: with the hint, not retryable", () => {
    const d = classifySdkError(
      sdkError("CredentialsProviderError", "Could not load credentials from any providers"),
      "request"
    )
    assert.strictEqual(d.kind, "credentials")
    assert.include(d.message, "AWS_ACCESS_KEY_ID")
    assert.isFalse(d.retryable)
  })

  it("transport: by code through the cause chain, and the frame guard's code", () => {
    const refused = classifySdkError(
      Object.assign(new Error("outer"), { cause: Object.assign(new Error("inner"), { code: "ECONNREFUSED" }) }),
      "request"
    )
    assert.strictEqual(refused.kind, "transport")
    assert.strictEqual(refused.transport, "ConnectionRefused")
    assert.isTrue(refused.retryable)
    assert.strictEqual(
      transportKind(Object.assign(new Error("x"), { code: malformedFrameCode }), "stream"),
      "MalformedEventStream"
    )
  })

  it("anything else in an answered stream is a malformed event stream, not retryable", () => {
    const d = classifySdkError(sdkError("Weird", "no message type"), "stream")
    assert.strictEqual(d.transport, "MalformedEventStream")
    assert.include(d.message, "Malformed event stream (Weird)")
    assert.isFalse(d.retryable)
  })

  it("unknown: retryable by status; a thrown non-object keeps its text", () => {
    const d = classifySdkError(sdkError("Teapot", "proxy", { $metadata: { httpStatusCode: 502 } }), "request")
    assert.strictEqual(d.kind, "unknown")
    assert.isTrue(d.retryable)
    assert.isFalse(
      classifySdkError(sdkError("Teapot", "x", { $metadata: { httpStatusCode: 418 } }), "request").retryable
    )
    const s = classifySdkError("boom", "request", { operation: "converse" })
    assert.deepStrictEqual([s.kind, s.message, s.operation, s.exceptionName], [
      "unknown",
      "boom",
      "converse",
      undefined
    ])
  })

  it("scrubs the secrets it is given and anything that looks like one, in message and cause", () => {
    const secret = "s3cr3t-value-123"
    const error = sdkError("AccessDeniedException", `denied for ${secret} with Signature=abcdef0123`)
    const d = classifySdkError(error, "request", { secrets: [secret] })
    assert.notInclude(d.message, secret)
    assert.notInclude(d.message, "abcdef0123")
    assert.notInclude(String((d.cause as Error).message), secret)
    assert.include(scrubSecrets("key AKIAABCDEFGHIJKLMNOP"), "<redacted>")
    assert.strictEqual(
      redactUrl("https://u:p@example.com/a?sig=x#k=y"),
      "https://<redacted>@example.com/a?sig=<redacted>#k=<redacted>"
    )
  })

  it("the stream decoder's failure: an exception event by the table's rules, an invalid payload as a fault", () => {
    const exception = { _tag: "Exception", name: "ThrottlingException", message: "busy", requestId: "req-2" } as const
    const before = classifyStreamFailure(exception, { operation: "converseStream" })
    assert.strictEqual(before.kind, "exception")
    assert.strictEqual(before.exception?.name, "ThrottlingException")
    assert.strictEqual(before.status, 429)
    assert.strictEqual(before.requestId, "req-2")
    assert.strictEqual(before.position, "stream")
    assert.strictEqual(before.operation, "converseStream")
    assert.isTrue(before.retryable)
    assert.isFalse(classifyStreamFailure(exception, undefined, true).retryable)
    const invalid = classifyStreamFailure({
      _tag: "Transport",
      kind: "InvalidEventPayload",
      message: "Invalid metadata event",
      eventType: "metadata",
      requestId: undefined
    }, { requestId: "req-3" })
    assert.deepInclude(invalid, { kind: "transport", transport: "InvalidEventPayload", requestId: "req-3" })
    assert.isFalse(invalid.retryable)
  })

  it("a stream that ended early: retryable before its first event, not after events without messageStop", () => {
    const empty = truncatedStream("beforeFirstEvent", { operation: "converseStream", requestId: "req-4" })
    assert.deepInclude(empty, {
      kind: "transport",
      transport: "TruncatedEventStream",
      position: "request",
      operation: "converseStream",
      requestId: "req-4",
      retryable: true
    })
    assert.include(empty.message, "ended before its first event")
    const cut = truncatedStream("beforeMessageStop", { requestId: "req-5" })
    assert.deepInclude(cut, {
      transport: "TruncatedEventStream",
      position: "stream",
      requestId: "req-5",
      retryable: false
    })
    assert.include(cut.message, "before its messageStop event")
  })
})
