import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ModelErrorException,
  ModelNotReadyException,
  ModelStreamErrorException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException
} from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Schema } from "effect"
import * as util from "node:util"
import * as BedrockError from "../src/BedrockError.js"
import * as LanguageModel from "../src/LanguageModel.js"

const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: "req-123", attempts: 1 })

type ExceptionClass = new(options: {
  message: string
  $metadata: { httpStatusCode?: number; requestId?: string; attempts?: number }
}) => Error

// name, SDK class, tag, default status, retryable
const modelled: ReadonlyArray<readonly [string, ExceptionClass, string, number, boolean]> = [
  ["ThrottlingException", ThrottlingException, "ThrottlingError", 429, true],
  ["ValidationException", ValidationException, "ValidationError", 400, false],
  ["AccessDeniedException", AccessDeniedException, "AccessDeniedError", 403, false],
  ["ResourceNotFoundException", ResourceNotFoundException, "ResourceNotFoundError", 404, false],
  ["ModelTimeoutException", ModelTimeoutException, "ModelTimeoutError", 408, true],
  ["ModelNotReadyException", ModelNotReadyException, "ModelNotReadyError", 429, true],
  ["ModelErrorException", ModelErrorException, "ModelError", 424, false],
  ["ModelStreamErrorException", ModelStreamErrorException, "ModelStreamError", 424, true],
  ["ServiceQuotaExceededException", ServiceQuotaExceededException, "ServiceQuotaExceededError", 400, false],
  ["ServiceUnavailableException", ServiceUnavailableException, "ServiceUnavailableError", 503, true],
  ["InternalServerException", InternalServerException, "InternalServerError", 500, true]
]

describe("BedrockError.fromSdk", () => {
  for (const [name, Exception, tag, status, retryable] of modelled) {
    it(`${name} as an HTTP error response`, () => {
      const error = BedrockError.fromSdk(
        new Exception({ message: `${name} happened`, $metadata: metadata(status) }),
        "request"
      )
      assert.strictEqual(error._tag, tag)
      assert.strictEqual(error.status, status)
      assert.strictEqual(error.requestId, "req-123")
      assert.strictEqual(error.position, "request")
      assert.strictEqual(error.retryable, retryable)
      assert.strictEqual(error.exceptionName, name)
      assert.strictEqual(error.message, `${name} happened`)
      assert.strictEqual(BedrockError.isRetryable(error), retryable)
      assert.isTrue(BedrockError.isBedrockError(error))
      assert.instanceOf(error.cause, Exception)
    })

    it(`${name} as a mid-stream exception event (no $metadata)`, () => {
      // What the SDK's event-stream iterator throws: the modelled class without $metadata.
      const thrown = new Exception({ message: "mid-stream", $metadata: {} })
      delete (thrown as { $metadata?: unknown }).$metadata
      const error = BedrockError.fromSdk(thrown, "stream", { requestId: "initial-req" })
      assert.strictEqual(error._tag, tag)
      assert.strictEqual(error.status, status)
      assert.strictEqual(error.requestId, "initial-req")
      assert.strictEqual(error.position, "stream")
      assert.strictEqual(error.retryable, retryable)
    })
  }

  it("an $metadata status wins over the default", () => {
    const error = BedrockError.fromSdk(
      new ServiceQuotaExceededException({ message: "quota", $metadata: metadata(402) }),
      "request"
    )
    assert.strictEqual(error._tag, "ServiceQuotaExceededError")
    assert.strictEqual(error.status, 402)
  })

  it("camelCase exception names of unmodelled event-stream errors are normalised", () => {
    const thrown = new Error("slow down")
    thrown.name = "throttlingException"
    const error = BedrockError.fromSdk(thrown, "stream", { requestId: "r1" })
    assert.strictEqual(error._tag, "ThrottlingError")
    assert.strictEqual(error.status, 429)
    assert.strictEqual(error.exceptionName, "throttlingException")
  })

  it("keeps the extra fields of ModelErrorException and ModelStreamErrorException", () => {
    const modelError = BedrockError.fromSdk(
      new ModelErrorException({
        message: "model failed",
        originalStatusCode: 500,
        resourceName: "arn:model",
        $metadata: metadata(424)
      }),
      "request"
    )
    assert.strictEqual(modelError._tag, "ModelError")
    if (modelError._tag === "ModelError") {
      assert.strictEqual(modelError.originalStatusCode, 500)
      assert.strictEqual(modelError.resourceName, "arn:model")
    }
    const streamError = BedrockError.fromSdk(
      new ModelStreamErrorException({
        message: "stream failed",
        originalStatusCode: 502,
        originalMessage: "upstream",
        $metadata: {}
      }),
      "stream"
    )
    assert.strictEqual(streamError._tag, "ModelStreamError")
    if (streamError._tag === "ModelStreamError") {
      assert.strictEqual(streamError.originalStatusCode, 502)
      assert.strictEqual(streamError.originalMessage, "upstream")
    }
  })

  describe("transport faults", () => {
    const cases: ReadonlyArray<readonly [string, () => unknown, "request" | "stream", string, boolean]> = [
      [
        "connection refused",
        () =>
          Object.assign(
            new Error("The pending stream has been canceled (caused by: connect ECONNREFUSED 127.0.0.1:1)"),
            {
              code: "ERR_HTTP2_STREAM_CANCEL",
              cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
            }
          ),
        "request",
        "ConnectionRefused",
        true
      ],
      [
        "stream reset",
        () =>
          Object.assign(new Error("Stream closed with error code NGHTTP2_INTERNAL_ERROR"), {
            code: "ERR_HTTP2_STREAM_ERROR"
          }),
        "stream",
        "ConnectionReset",
        true
      ],
      [
        "abnormal abort",
        () => new Error("HTTP/2 stream is abnormally aborted in mid-communication with result code 2."),
        "request",
        "ConnectionReset",
        true
      ],
      [
        "request timeout",
        () => Object.assign(new Error("Stream timed out because of no activity for 100 ms"), { name: "TimeoutError" }),
        "request",
        "Timeout",
        true
      ],
      [
        "connect timeout",
        () => Object.assign(new Error("Connection to 10.0.0.1:443 timed out after 100 ms"), { code: "ETIMEDOUT" }),
        "request",
        "Timeout",
        true
      ],
      [
        "DNS failure",
        () => Object.assign(new Error("getaddrinfo ENOTFOUND nowhere"), { code: "ENOTFOUND" }),
        "request",
        "ConnectionFailed",
        true
      ],
      [
        "abort",
        () => Object.assign(new Error("Request aborted"), { name: "AbortError" }),
        "request",
        "Aborted",
        false
      ],
      [
        "bad message CRC",
        () => new Error("The message checksum (123) did not match the expected value of 456"),
        "stream",
        "ChecksumMismatch",
        true
      ],
      [
        "bad prelude CRC",
        () =>
          new Error(
            "The prelude checksum specified in the message (1) does not match the calculated CRC32 checksum (2)"
          ),
        "stream",
        "ChecksumMismatch",
        true
      ],
      ["truncated frame", () => new Error("Truncated event message received."), "stream", "TruncatedEventStream", true],
      [
        "short frame",
        () => new Error("Provided message too short to accommodate event stream message overhead"),
        "stream",
        "MalformedEventStream",
        false
      ],
      [
        "invalid event JSON",
        () => new SyntaxError("Unexpected token } in JSON at position 3"),
        "stream",
        "InvalidEventPayload",
        false
      ],
      [
        "invalid response JSON",
        () => new SyntaxError("Unexpected end of JSON input"),
        "request",
        "MalformedResponse",
        false
      ]
    ]
    for (const [label, make, position, kind, retryable] of cases) {
      it(label, () => {
        const error = BedrockError.fromSdk(make(), position, { requestId: "r-transport" })
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.kind, kind)
        assert.strictEqual(error.retryable, retryable)
        assert.strictEqual(error.position, position)
        assert.strictEqual(error.requestId, "r-transport")
        assert.isDefined(error.cause)
      })
    }

    it("TransportError defaults retryable from kind", () => {
      assert.isTrue(new BedrockError.TransportError({ message: "x", kind: "ConnectionReset" }).retryable)
      assert.isTrue(new BedrockError.TransportError({ message: "x", kind: "ChecksumMismatch" }).retryable)
      assert.isFalse(new BedrockError.TransportError({ message: "x", kind: "MalformedEventStream" }).retryable)
      assert.isFalse(new BedrockError.TransportError({ message: "x", kind: "Timeout", retryable: false }).retryable)
    })
  })

  describe("what an answered request or stream threw (issue 20)", () => {
    const answered = (error: Error) => Object.assign(error, { $metadata: { httpStatusCode: 200, requestId: "r-200" } })
    const kindOf = (error: BedrockError.BedrockError) => error._tag === "TransportError" ? error.kind : error._tag

    it("in an event stream: anything but a modelled exception or a transport fault is MalformedEventStream", () => {
      const errorMessage = Object.assign(new Error("boom"), { name: "InternalFailure" })
      const missingType = new TypeError("Cannot destructure property 'value' of 'message.headers.:message-type'")
      for (const thrown of [errorMessage, missingType, new RangeError("Invalid DataView length")]) {
        const midStream = BedrockError.fromSdk(thrown, "stream", { requestId: "r" })
        assert.strictEqual(kindOf(midStream), "MalformedEventStream", thrown.name)
        assert.isFalse(midStream.retryable)
        const first = BedrockError.fromSdk(answered(thrown), "request", { operation: "converseStream" })
        assert.strictEqual(kindOf(first), "MalformedEventStream", thrown.name)
        assert.strictEqual(first.exceptionName, thrown.name)
      }
      // Invalid JSON in the first event is an invalid payload, not a malformed response.
      const json = BedrockError.fromSdk(answered(new SyntaxError("Unexpected token")), "request", {
        operation: "converseStream"
      })
      assert.strictEqual(kindOf(json), "InvalidEventPayload")
    })

    it("a 2xx body the SDK cannot deserialise is a MalformedResponse", () => {
      const thrown = answered(new TypeError("Cannot read properties of null (reading 'output')"))
      const error = BedrockError.fromSdk(thrown, "request", { operation: "converse" })
      assert.strictEqual(kindOf(error), "MalformedResponse")
      assert.isFalse(error.retryable)
      assert.strictEqual(error.requestId, "r-200")
    })

    it("a rejected TLS certificate is CertificateRejected, naming the check and `ca`", () => {
      const tls = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" })
      const thrown = Object.assign(
        new Error("The pending stream has been canceled (caused by: self-signed certificate)"),
        {
          code: "ERR_HTTP2_STREAM_CANCEL",
          cause: tls
        }
      )
      const error = BedrockError.fromSdk(thrown, "request")
      assert.strictEqual(kindOf(error), "CertificateRejected")
      assert.isFalse(error.retryable)
      assert.include(error.message, "self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)")
      assert.include(error.message, "`ca`")
      const hostname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
        code: "ERR_TLS_CERT_ALTNAME_INVALID"
      })
      assert.include(BedrockError.fromSdk(hostname, "request").message, "not for the host name")
    })

    it("a connection closed before any answer is ConnectionReset, whatever the SDK names it", () => {
      const thrown = Object.assign(new Error("Unexpected error: http2 request did not get a response"), {
        name: "TimeoutError"
      })
      const error = BedrockError.fromSdk(thrown, "request")
      assert.strictEqual(kindOf(error), "ConnectionReset")
      assert.isTrue(error.retryable)
      const timeout = Object.assign(new Error("Stream timed out because of no activity for 10 ms"), {
        name: "TimeoutError"
      })
      assert.strictEqual(kindOf(BedrockError.fromSdk(timeout, "request")), "Timeout")
    })
  })

  describe("credentials", () => {
    it("CredentialsProviderError", () => {
      const thrown = Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError"
      })
      const error = BedrockError.fromSdk(thrown, "request")
      assert.strictEqual(error._tag, "CredentialsError")
      assert.isFalse(error.retryable)
    })
    it("missing region", () => {
      assert.strictEqual(BedrockError.fromSdk(new Error("Region is missing"), "request")._tag, "CredentialsError")
    })
    it("expired token from the service", () => {
      const thrown = Object.assign(new Error("The security token included in the request is expired"), {
        name: "ExpiredTokenException",
        $fault: "client",
        $metadata: metadata(403)
      })
      const error = BedrockError.fromSdk(thrown, "request")
      assert.strictEqual(error._tag, "CredentialsError")
      assert.strictEqual(error.status, 403)
      assert.strictEqual(error.requestId, "req-123")
    })
  })

  describe("unknown", () => {
    it("an unmodelled service exception keeps its name and status", () => {
      const error = BedrockError.fromSdk(
        new ConflictException({ message: "conflict", $metadata: metadata(409) }),
        "request"
      )
      assert.strictEqual(error._tag, "UnknownBedrockError")
      assert.strictEqual(error.exceptionName, "ConflictException")
      assert.strictEqual(error.status, 409)
      assert.isFalse(error.retryable)
    })
    it("a 502 the SDK could not parse is retryable", () => {
      const thrown = Object.assign(new Error("UnknownError"), {
        name: "UnknownError",
        $fault: "server",
        $metadata: metadata(502)
      })
      const error = BedrockError.fromSdk(thrown, "request")
      assert.strictEqual(error._tag, "UnknownBedrockError")
      assert.isTrue(error.retryable)
    })
    it("non-errors", () => {
      const error = BedrockError.fromSdk("boom", "stream", { requestId: "x" })
      assert.strictEqual(error._tag, "UnknownBedrockError")
      assert.strictEqual(error.message, "boom")
      assert.strictEqual(error.position, "stream")
      assert.strictEqual(BedrockError.fromSdk(undefined, "request")._tag, "UnknownBedrockError")
      assert.strictEqual(BedrockError.fromSdk(null, "request")._tag, "UnknownBedrockError")
    })
    it("a BedrockError is returned unchanged", () => {
      const original = new BedrockError.ThrottlingError({ message: "x" })
      assert.strictEqual(BedrockError.fromSdk(original, "stream"), original)
    })
  })

  describe("model id suggestions", () => {
    it("missing version suffix", () => {
      const error = BedrockError.fromSdk(
        new ValidationException({ message: "The provided model identifier is invalid.", $metadata: metadata(400) }),
        "request",
        { modelId: "us.amazon.nova-micro-v1", region: "us-east-1" }
      )
      assert.strictEqual(error._tag, "ValidationError")
      if (error._tag === "ValidationError") assert.strictEqual(error.suggestion, "us.amazon.nova-micro-v1:0")
    })
    it("missing geo prefix (on-demand throughput not supported)", () => {
      const error = BedrockError.fromSdk(
        new ValidationException({
          message:
            "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand throughput isn’t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
          $metadata: metadata(400)
        }),
        "request",
        { modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0", region: "eu-west-1" }
      )
      if (error._tag === "ValidationError") {
        assert.strictEqual(error.suggestion, "eu.anthropic.claude-3-5-sonnet-20241022-v2:0")
      } else assert.fail(error._tag)
    })
    it("resource not found", () => {
      const error = BedrockError.fromSdk(
        new ResourceNotFoundException({ message: "Model not found", $metadata: metadata(404) }),
        "request",
        { modelId: "amazon.nova-micro-v1:0", region: "us-west-2" }
      )
      if (error._tag === "ResourceNotFoundError") assert.strictEqual(error.suggestion, "us.amazon.nova-micro-v1:0")
      else assert.fail(error._tag)
    })
    it("no suggestion for unrelated validation errors or ARNs", () => {
      const unrelated = BedrockError.fromSdk(
        new ValidationException({ message: "messages: must not be empty", $metadata: metadata(400) }),
        "request",
        { modelId: "amazon.nova-micro-v1:0" }
      )
      if (unrelated._tag === "ValidationError") assert.isUndefined(unrelated.suggestion)
      const arn = BedrockError.fromSdk(
        new ResourceNotFoundException({ message: "not found", $metadata: metadata(404) }),
        "request",
        { modelId: "arn:aws:bedrock:us-east-1:123:inference-profile/x" }
      )
      if (arn._tag === "ResourceNotFoundError") assert.isUndefined(arn.suggestion)
    })
  })
})

describe("BedrockError secrets", () => {
  const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
  const token = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlMTIzNDU2Nzg5MA=="

  const leaky = () => {
    const thrown = new AccessDeniedException({
      message:
        `denied for Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261125/us-east-1/bedrock/aws4_request, Signature=abcdef0123456789 secret ${secret} Bearer ${token}`,
      $metadata: metadata(403)
    })
    // What an SDK error may drag along: the raw response, and request details.
    Object.assign(thrown, {
      $response: { statusCode: 403, headers: { authorization: `Bearer ${token}` }, body: { secret } },
      request: { headers: { "x-amz-security-token": secret } }
    })
    return thrown
  }

  it("are absent from message, toString, toJSON, JSON.stringify and util.inspect", () => {
    const error = BedrockError.fromSdk(leaky(), "request", { secrets: [secret] })
    const texts = [
      error.message,
      String(error),
      error.toString(),
      JSON.stringify(error),
      JSON.stringify(error.toJSON()),
      util.inspect(error, { depth: 10 }),
      util.format("%o", error)
    ]
    for (const text of texts) {
      assert.notInclude(text, secret)
      assert.notInclude(text, token)
      assert.notInclude(text, "abcdef0123456789")
      assert.notInclude(text, "AKIDEXAMPLE/")
    }
    // Still useful.
    assert.include(JSON.stringify(error), "AccessDeniedError")
    assert.include(JSON.stringify(error), "req-123")
    // The cause is kept for programmatic access.
    assert.instanceOf(error.cause, AccessDeniedException)
  })

  it("patterns are scrubbed even without the exact secret", () => {
    const error = new BedrockError.UnknownBedrockError({
      message: `aws_secret_access_key=${secret} Bearer ${token}`
    })
    assert.notInclude(JSON.stringify(error), secret)
    assert.notInclude(String(error), token)
  })

  it("in the cause of every class", () => {
    for (const [, Exception] of modelled) {
      const thrown = new Exception({ message: `Bearer ${token}`, $metadata: metadata(400) })
      const error = BedrockError.fromSdk(thrown, "stream", { secrets: [token] })
      assert.notInclude(JSON.stringify(error), token)
      assert.notInclude(util.inspect(error), token)
    }
  })
})

describe("BedrockError schema", () => {
  it.effect("encodes and decodes through the union", () =>
    Effect.gen(function*() {
      const error = new BedrockError.ThrottlingError({
        message: "slow",
        status: 429,
        requestId: "r",
        position: "stream"
      })
      const encoded = yield* Schema.encode(BedrockError.BedrockError)(error)
      const decoded = yield* Schema.decodeUnknown(BedrockError.BedrockError)(encoded)
      assert.strictEqual(decoded._tag, "ThrottlingError")
      assert.strictEqual(decoded.retryable, true)
      assert.strictEqual(decoded.position, "stream")
    }))

  it.effect("defaults", () =>
    Effect.gen(function*() {
      const error = new LanguageModel.InvalidRequestError({ message: "bad", field: "prompt.content[0]" })
      assert.strictEqual(error.position, "request")
      assert.isFalse(error.retryable)
      const exit = yield* Effect.exit(error)
      assert.isTrue(Exit.isFailure(exit))
    }))
})

describe("the exception table", () => {
  it("lists every modelled exception once, with its status, retryable flag and tag", () => {
    assert.deepStrictEqual(
      BedrockError.exceptions.map((Class) => [Class.exception.name, Class.exception.status, Class.exception.retryable]),
      modelled.map(([name, , , status, retryable]) => [name, status, retryable])
    )
    for (const [name, , tag] of modelled) {
      const Class = BedrockError.exceptionClass(name)!
      assert.strictEqual(new Class({ message: "m" } as never)._tag, tag)
      // The event-stream spelling maps to the same class.
      assert.strictEqual(BedrockError.exceptionClass(name[0]!.toLowerCase() + name.slice(1)), Class)
    }
    assert.isUndefined(BedrockError.exceptionClass("ConflictException"))
  })

  it("marks exactly the exceptions ConverseStream sends as events", () => {
    assert.deepStrictEqual(
      BedrockError.exceptions.filter((Class) => Class.exception.inStream).map((Class) => Class.exception.name).sort(),
      [
        "InternalServerException",
        "ModelStreamErrorException",
        "ServiceUnavailableException",
        "ThrottlingException",
        "ValidationException"
      ]
    )
  })

  it("gives every error class the shared base: type id, scrubbed printing, retryable default", () => {
    for (const Class of [...BedrockError.exceptions, BedrockError.CredentialsError, BedrockError.UnknownBedrockError]) {
      const error = new Class({ message: "token Bearer abcdefghijklmnop", status: 400 } as never)
      assert.isTrue(BedrockError.isBedrockError(error))
      assert.notInclude(String(error), "abcdefghijklmnop")
      assert.notInclude(JSON.stringify(error), "abcdefghijklmnop")
      assert.notInclude(util.inspect(error), "abcdefghijklmnop")
      assert.strictEqual(
        error.retryable,
        "exception" in Class ? (Class.exception as BedrockError.ExceptionInfo).retryable : false
      )
    }
  })
})
