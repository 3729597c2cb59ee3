import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, Effect, Layer, Redacted, Schema, Stream } from "effect"
import * as util from "node:util"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as FileDownload from "../src/FileDownload.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import { closedPort } from "./utils/closedPort.js"
import { fileServer } from "./utils/fileServer.js"

// Credentials of every kind, shaped like real ones.
const accessKeyId = "AKIAIOSFODNN7EXAMPLE"
const secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
const sessionToken = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexampleSessionToken0123456789abcdef=="
const longTermApiKey = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlMTIzNDU2Nzg5MGFiY2RlZg=="
const shortTermApiKey = "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbg=="
const signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

const MODEL = "us.amazon.nova-micro-v1:0"

/** What Bedrock answers to a request whose SigV4 signature does not match: it quotes the canonical request. */
const signatureMismatch = (signedHeaders: ReadonlyArray<string>) =>
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access " +
  "Key and signing method. Consult the service documentation for details.\n\n" +
  "The Canonical String for this request should have been\n" +
  `'POST\n/model/us.amazon.nova-micro-v1%3A0/converse\n\n${signedHeaders.join("\n")}\n\n` +
  "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n" +
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'\n\n" +
  "The String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261125T101010Z\n" +
  "20261125/us-east-1/bedrock/aws4_request\n7e1d0a1c3ebd1e0e1f1b4cbd4b5c2a1d1b9f3c0e5d1f1a2b3c4d5e6f7a8b9c0d'\n"

const canonicalHeaders = [
  "content-type:application/json",
  "host:bedrock-runtime.us-east-1.amazonaws.com",
  "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "x-amz-date:20261125T101010Z"
]

interface Kind {
  readonly name: string
  readonly client: Partial<BedrockClient.Options>
  /** The exception Bedrock answers with, and its message quoting the credential. */
  readonly exception: string
  readonly status: number
  readonly message: string
  /** What must never show. */
  readonly secrets: ReadonlyArray<string>
}

const kinds: ReadonlyArray<Kind> = [
  {
    name: "access key id + secret access key",
    client: { credentials: { accessKeyId, secretAccessKey: Redacted.make(secretAccessKey) } },
    exception: "IncompleteSignatureException",
    status: 403,
    message: "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 " +
      `Credential=${accessKeyId}/20261125/us-east-1/bedrock/aws4_request, Signature=${signature} ` +
      // A proxy in between that echoes the signing material, so the exact secret is scrubbed too.
      `(signing key derived from ${secretAccessKey}) via https://ops:hunter2-proxy@proxy.internal:8443/`,
    secrets: [accessKeyId, secretAccessKey, signature, "hunter2-proxy"]
  },
  {
    name: "session token",
    client: {
      credentials: {
        accessKeyId,
        secretAccessKey: Redacted.make(secretAccessKey),
        sessionToken: Redacted.make(sessionToken)
      }
    },
    exception: "InvalidSignatureException",
    status: 403,
    message: signatureMismatch([...canonicalHeaders, `x-amz-security-token:${sessionToken}`]),
    secrets: [sessionToken, secretAccessKey]
  },
  {
    name: "bearer API key (long-term)",
    client: { apiKey: Redacted.make(longTermApiKey) },
    exception: "AccessDeniedException",
    status: 403,
    message: `Invalid API key in header authorization:Bearer ${longTermApiKey}`,
    secrets: [longTermApiKey]
  },
  {
    name: "bearer API key (short-term)",
    client: { apiKey: Redacted.make(shortTermApiKey) },
    exception: "UnrecognizedClientException",
    status: 403,
    message: `The security token included in the request is expired: ${shortTermApiKey}`,
    secrets: [shortTermApiKey]
  }
]

/** Everything the default logger prints while `effect` runs (it writes to the console). */
const printedBy = (effect: Effect.Effect<void>): string => {
  const lines: Array<string> = []
  const capture = (...args: Array<unknown>) => {
    lines.push(args.map((arg) => typeof arg === "string" ? arg : util.inspect(arg, { depth: 10 })).join(" "))
  }
  const { error, log, warn } = globalThis.console
  Object.assign(globalThis.console, { log: capture, error: capture, warn: capture })
  try {
    Effect.runSync(effect)
  } finally {
    Object.assign(globalThis.console, { log, error, warn })
  }
  return lines.join("\n")
}

/** Every way a failure gets printed, serialised or rethrown. */
const representations = <E extends Error>(
  error: E,
  schema: Schema.Schema<E, any> = BedrockError.BedrockError as unknown as Schema.Schema<E, any>
) =>
  Effect.gen(function*() {
    const cause = Cause.fail(error)
    const rejected = yield* Effect.promise(() =>
      Effect.runPromise(Effect.fail(error)).then(() => undefined, (reason: unknown) => reason)
    )
    const rejection = rejected as Error
    return {
      message: error.message,
      toString: String(error),
      toJSON: JSON.stringify(error),
      inspect: util.inspect(error, { depth: 10, showHidden: true }),
      cause: util.inspect(error.cause, { depth: 10, showHidden: true }),
      "Schema.encode": JSON.stringify(Schema.encodeSync(schema)(error)),
      "Effect.logError(cause)": printedBy(Effect.logError(cause)),
      "Effect.logError(error)": printedBy(Effect.logError(error)),
      "Effect.runPromise rejection": [
        String(rejection),
        rejection.message,
        rejection.stack,
        JSON.stringify(rejection),
        util.inspect(rejection, { depth: 10, showHidden: true })
      ].join("\n"),
      "Cause.pretty": Cause.pretty(cause),
      "Cause.pretty renderErrorCause": Cause.pretty(cause, { renderErrorCause: true })
    }
  })

const assertClean = (texts: Record<string, string | undefined>, secrets: ReadonlyArray<string>) => {
  for (const [name, text] of Object.entries(texts)) {
    assert.isString(text, name)
    for (const secret of secrets) {
      assert.notInclude(text, secret, `${name} shows a secret`)
    }
  }
}

layer(LocalBedrock.layer(), { excludeTestServices: true })("secrets never show", (it) => {
  for (const kind of kinds) {
    it.scoped(`${kind.name}: in every representation of the failure`, () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        const client = yield* BedrockClient.make({
          region: "us-east-1",
          endpoint: local.endpoint,
          retry: false,
          ...kind.client
        })
        yield* local.script(
          Script.failure(kind.exception as Script.ExceptionName, { message: kind.message, status: kind.status })
        )
        const error = yield* client.converse({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "x" }] }] })
          .pipe(Effect.flip)
        // Still useful: the tag, status and request id are there; the message says what happened.
        assert.include(["CredentialsError", "AccessDeniedError"], error._tag)
        assert.strictEqual(error.status, kind.status)
        assert.isString(error.requestId)
        assert.include(error.message, "<redacted>")
        assertClean(yield* representations(error), kind.secrets)
        // The cause is a scrubbed copy that keeps what code reads from it.
        const cause = error.cause as { name: string; $metadata: { httpStatusCode: number }; $response?: unknown }
        assert.strictEqual(cause.name, kind.exception)
        assert.strictEqual(cause.$metadata.httpStatusCode, kind.status)
        assert.isUndefined(cause.$response)
      }))
  }

  it.scoped("a mid-stream exception event quoting the session token", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make({
        region: "us-east-1",
        endpoint: local.endpoint,
        retry: false,
        ...kinds[1]!.client
      })
      yield* local.script(Script.stream([
        Script.event("messageStart", { role: "assistant" }),
        Script.exception("validationException", `x-amz-security-token:${sessionToken}`)
      ]))
      const error = yield* client.converseStream({
        modelId: MODEL,
        messages: [{ role: "user", content: [{ text: "x" }] }]
      }).pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(error.position, "stream")
      assertClean(yield* representations(error), [sessionToken])
    }))
})

describe("secrets never show, without the exact values (patterns only)", () => {
  const metadata = { httpStatusCode: 403, requestId: "req-1" }
  const thrown = (name: string, message: string) =>
    Object.assign(new Error(message), {
      name,
      $fault: "client",
      $metadata: metadata,
      // What the SDK attaches: the raw response with its headers.
      $response: { statusCode: 403, headers: { "x-amz-security-token": sessionToken } },
      Message: message
    })
  const cases: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
    ["access key id and signature", kinds[0]!.message.replace(` (signing key derived from ${secretAccessKey})`, ""), [
      accessKeyId,
      signature,
      "hunter2-proxy"
    ]],
    ["session token in the canonical request", kinds[1]!.message, [sessionToken]],
    ["long-term API key", kinds[2]!.message, [longTermApiKey]],
    ["short-term API key", kinds[3]!.message, [shortTermApiKey]],
    ["secret access key in a config dump", `aws_secret_access_key = ${secretAccessKey}`, [secretAccessKey]],
    ["password in a URL", "connect ECONNREFUSED via http://admin:s3cr3t-pw@10.0.0.1:3128", ["s3cr3t-pw"]]
  ]
  for (const [name, message, secrets] of cases) {
    it.effect(`${name}: in every representation`, () =>
      Effect.gen(function*() {
        for (const exception of ["InvalidSignatureException", "AccessDeniedException", "SomethingElse"]) {
          const error = BedrockError.fromSdk(thrown(exception, message), "request")
          assertClean(yield* representations(error), secrets)
        }
      }))
  }

  it.effect("errors built by hand scrub their message and cause when constructed", () =>
    Effect.gen(function*() {
      const error = new BedrockError.UnknownBedrockError({
        message: `x-amz-security-token:${sessionToken}`,
        cause: new Error(`Bearer ${longTermApiKey}`)
      })
      assertClean(yield* representations(error), [sessionToken, longTermApiKey])
    }))
})

// =============================================================================
// Download errors: the same credentials, in the URL of a file
// =============================================================================

/** Where a credential can sit in a URL, and the credential kinds of the Bedrock errors above. */
const urlCredentials: ReadonlyArray<readonly [string, (host: string) => string, ReadonlyArray<string>]> = [
  [
    "an access key id as user name, its secret as password",
    (host) => `http://${accessKeyId}:${encodeURIComponent(secretAccessKey)}@${host}/file.png`,
    [accessKeyId, secretAccessKey, encodeURIComponent(secretAccessKey)]
  ],
  [
    "a password with quotes and angle brackets",
    (host) => `http://admin:p"w<'x>${signature.slice(0, 12)}@${host}/file.png`,
    [`p"w<'x>${signature.slice(0, 12)}`, signature.slice(0, 12), "p%22w%3C'x%3E"]
  ],
  [
    "a user name alone (a token)",
    (host) => `http://${shortTermApiKey}@${host}/file.png`,
    [shortTermApiKey]
  ],
  [
    "token= query value (the client's own session token)",
    (host) => `http://${host}/file.png?token=${encodeURIComponent(sessionToken)}`,
    [sessionToken, encodeURIComponent(sessionToken), "IQoJb3JpZ2luX2VjEJr"]
  ],
  ["sig= query value", (host) => `http://${host}/file.png?a=1&sig=${signature}`, [signature]],
  [
    "access_token= query value",
    (host) => `http://${host}/file.png?access_token=${longTermApiKey}&x=y`,
    [longTermApiKey, encodeURIComponent(longTermApiKey)]
  ],
  [
    "a presigned S3-style URL",
    (host) =>
      `http://${host}/file.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${accessKeyId}%2F20261125%2F` +
      `us-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=${
        encodeURIComponent(sessionToken)
      }&X-Amz-Signature=${signature}`,
    [accessKeyId, sessionToken, encodeURIComponent(sessionToken), signature]
  ],
  [
    "a secret key in a fragment",
    (host) => `http://${host}/file.png#secret=${encodeURIComponent(secretAccessKey)}`,
    [secretAccessKey, encodeURIComponent(secretAccessKey)]
  ]
]

const DownloadEnv = BedrockLanguageModel.layer({ model: MODEL }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

layer(DownloadEnv, { excludeTestServices: true })("secrets in download errors never show", (it) => {
  it.scoped(
    "every credential kind, every position in the URL, every failure, every representation",
    () =>
      Effect.gen(function*() {
        const files = yield* fileServer
        const port = yield* closedPort
        const failures: ReadonlyArray<
          readonly [string, string, Partial<FileDownload.Options>, FileDownload.Reason]
        > = [
          ["a forbidden address", `127.0.0.1:${files.port}`, {}, "ForbiddenAddress"],
          ["a refused connection", `127.0.0.1:${port}`, { allowLocalAddresses: true }, "ConnectionFailed"],
          ["an HTTP error", `127.0.0.1:${files.port}`, { allowLocalAddresses: true }, "HttpStatus"],
          ["a timeout", `127.0.0.1:${files.port}`, { allowLocalAddresses: true, timeout: "50 millis" }, "Timeout"],
          ["downloads turned off", `127.0.0.1:${files.port}`, { enabled: false }, "Disabled"]
        ]
        let checks = 0
        for (const [position, url, secrets] of urlCredentials) {
          for (const [failure, host, options, reason] of failures) {
            const raw = url(host)
            // An HTTP error: the file server answers 404 for /missing; a timeout: /hang never answers.
            const target = reason === "HttpStatus"
              ? raw.replace("/file.png", "/missing")
              : reason === "Timeout"
              ? raw.replace("/file.png", "/hang")
              : raw
            const error = yield* LanguageModel.generate({
              prompt: [Prompt.user("What is this?", Prompt.file({ data: target, mediaType: "image/png" }))]
            }).pipe(Effect.provide(FileDownload.layer(options)), Effect.flip)
            if (error._tag !== "FileDownloadError") return assert.fail(`${position}, ${failure}: ${error._tag}`)
            assert.strictEqual(error.reason, reason, `${position}, ${failure}: ${error.message}`)
            // The host and path stay, so the error still says which file.
            assert.include(error.url, `127.0.0.1`)
            assert.include(error.message, "<redacted>", `${position}, ${failure}`)
            const texts = yield* representations(error, FileDownload.FileDownloadError)
            for (const [name, text] of Object.entries(texts)) {
              for (const secret of secrets) {
                checks++
                assert.notInclude(text, secret, `${position}, ${failure}: ${name} shows a secret`)
              }
            }
          }
        }
        assert.isAbove(checks, 1000)
      }),
    60_000
  )

  it.scoped("a redirect to a URL with credentials: both URLs redacted", () =>
    Effect.gen(function*() {
      const files = yield* fileServer
      const to = `http://${accessKeyId}:${encodeURIComponent(secretAccessKey)}@169.254.169.254/latest?sig=${signature}`
      const error = yield* LanguageModel.generate({
        prompt: [Prompt.user(
          "What is this?",
          Prompt.file({
            data: `${files.origin}/redirect?to=${encodeURIComponent(to)}&token=${encodeURIComponent(sessionToken)}`,
            mediaType: "image/png"
          })
        )]
      }).pipe(Effect.provide(FileDownload.layer({ allowLocalAddresses: true })), Effect.flip)
      if (error._tag !== "FileDownloadError") return assert.fail(error._tag)
      assert.strictEqual(error.reason, "ForbiddenAddress")
      assert.strictEqual(error.url, "http://<redacted>@169.254.169.254/latest?sig=<redacted>")
      assertClean(yield* representations(error, FileDownload.FileDownloadError), [
        accessKeyId,
        secretAccessKey,
        encodeURIComponent(secretAccessKey),
        signature,
        sessionToken,
        encodeURIComponent(sessionToken)
      ])
    }))
  it.effect("an unparseable URL and an unsupported scheme are scrubbed as text", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, FileDownload.Reason]> = [
        [`http://${accessKeyId}:p"w<x>${secretAccessKey}@[::1/file.png?token=${sessionToken}`, "InvalidUrl"],
        [
          `ftp://${accessKeyId}:${encodeURIComponent(secretAccessKey)}@files.example.com/a.png?sig=${signature}`,
          "UnsupportedScheme"
        ]
      ]
      for (const [url, reason] of cases) {
        const error = yield* LanguageModel.generate({
          prompt: [Prompt.user("What is this?", Prompt.file({ data: url, mediaType: "image/png" }))]
        }).pipe(Effect.flip)
        if (error._tag !== "FileDownloadError") return assert.fail(`${url}: ${error._tag} ${error.message}`)
        assert.strictEqual(error.reason, reason)
        assertClean(yield* representations(error, FileDownload.FileDownloadError), [
          accessKeyId,
          secretAccessKey,
          encodeURIComponent(secretAccessKey),
          signature,
          sessionToken
        ])
      }
    }))
})
