// Files given by URL, downloaded from a real HTTP server on 127.0.0.1 (allowed through
// `allowLocalAddresses`), and every refusal: local and metadata addresses in all their spellings,
// redirects, size, time, schemes, YouTube. A refused URL is never fetched and nothing reaches the
// local Bedrock (its request log stays empty).
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, Effect, Layer, Schema, Stream } from "effect"
import * as util from "node:util"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as FileDownload from "../src/FileDownload.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import { fileServer, pdf, png } from "./utils/fileServer.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockLanguageModel.layer({ model: MODEL }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const sent = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests.map((request) => request.body as any))
)
const reset = Effect.flatMap(local, (server) => server.reset)

const allowLocal = FileDownload.layer({ allowLocalAddresses: true })

const withFile = (url: string, mediaType?: string) =>
  Prompt.make([Prompt.user("What is this?", Prompt.file({ data: url, ...(mediaType ? { mediaType } : {}) }))])

/** The download failure of a request with this file, and proof that nothing was sent to Bedrock. */
const refused = (url: string, options?: Partial<FileDownload.Options>) =>
  Effect.gen(function*() {
    yield* reset
    const error = yield* LanguageModel.generate({ prompt: withFile(url, "image/png") }).pipe(
      Effect.provide(FileDownload.layer(options ?? {})),
      Effect.flip
    )
    assert.deepStrictEqual(yield* sent, [], `${url} reached Bedrock`)
    if (error._tag !== "FileDownloadError") assert.fail(`${url}: ${error._tag} ${error.message}`)
    assert.strictEqual(error.field, "prompt.messages[0].parts[1]")
    assert.strictEqual(error.operation, "generate")
    return error
  })

layer(Env, { excludeTestServices: true })("FileDownload", (it) => {
  it.scoped("downloads a file and sends its bytes; s3:// is sent by reference", () =>
    Effect.gen(function*() {
      yield* reset
      const files = yield* fileServer
      yield* LanguageModel.generate({
        prompt: Prompt.make([Prompt.user(
          "Compare these",
          Prompt.file({ mediaType: "image/png", data: new URL(`${files.origin}/file.png`) }),
          Prompt.file({ mediaType: "image/jpeg", data: "s3://my-bucket/dog.jpg?bucketOwner=123456789012" })
        )])
      }).pipe(Effect.provide(allowLocal))
      assert.deepStrictEqual(files.hits, ["/file.png"])
      const [body] = yield* sent
      assert.deepStrictEqual(body.messages[0].content.slice(1), [
        { image: { format: "png", source: { bytes: Buffer.from(png).toString("base64") } } },
        {
          image: {
            format: "jpeg",
            source: { s3Location: { uri: "s3://my-bucket/dog.jpg", bucketOwner: "123456789012" } }
          }
        }
      ])
    }))

  it.scoped("the media type, when not given, comes from Content-Type, else the extension; also for tool results", () =>
    Effect.gen(function*() {
      yield* reset
      const files = yield* fileServer
      yield* LanguageModel.generate({
        prompt: Prompt.make([
          Prompt.user("Look", Prompt.file({ data: `${files.origin}/image` })),
          Prompt.assistant({ _tag: "ToolCall", id: "t1", name: "fetch_report", input: {} }),
          Prompt.tool({
            ...Prompt.toolResult({ id: "t1", name: "fetch_report", result: "attached" }),
            files: [Prompt.file({ data: `${files.origin}/redirect?to=/doc.pdf` })]
          })
        ])
      }).pipe(Effect.provide(allowLocal))
      assert.deepStrictEqual(files.hits, ["/image", "/redirect?to=/doc.pdf", "/doc.pdf"])
      const [body] = yield* sent
      assert.deepStrictEqual(body.messages[0].content[1], {
        image: { format: "png", source: { bytes: Buffer.from(png).toString("base64") } }
      })
      const documents = JSON.stringify(body.messages.slice(2))
      assert.include(documents, `"format":"pdf"`)
      assert.include(documents, Buffer.from(pdf).toString("base64"))
    }))

  it.scoped("refuses local and metadata addresses in every spelling, before connecting", () =>
    Effect.gen(function*() {
      const files = yield* fileServer
      const port = files.port
      const cases: ReadonlyArray<readonly [string, RegExp]> = [
        [`http://127.0.0.1:${port}/file.png`, /127\.0\.0\.1 is a loopback address/],
        [`http://localhost:${port}/file.png`, /localhost resolves to .* loopback address/],
        [`http://2130706433:${port}/file.png`, /loopback/], // decimal IPv4
        [`http://0x7f.0.0.1:${port}/file.png`, /loopback/], // hexadecimal IPv4
        [`http://017700000001:${port}/file.png`, /loopback/], // octal IPv4
        [`http://[::ffff:127.0.0.1]:${port}/file.png`, /loopback/], // IPv4-mapped IPv6
        [`http://[::1]:${port}/file.png`, /loopback/],
        [`http://0.0.0.0:${port}/file.png`, /unspecified/],
        ["http://10.1.2.3/file.png", /private/],
        ["http://192.168.0.10/file.png", /private/],
        ["http://172.16.5.4/file.png", /private/],
        ["http://[fe80::1]/file.png", /link-local/],
        ["http://[fd12:3456::1]/file.png", /unique-local/],
        ["http://169.254.169.254/latest/meta-data/", /metadata/],
        ["http://[::ffff:169.254.169.254]/latest/meta-data/", /metadata/],
        ["http://[fd00:ec2::254]/latest/meta-data/", /metadata/],
        ["http://100.100.100.200/latest/meta-data/", /metadata/]
      ]
      for (const [url, reason] of cases) {
        const error = yield* refused(url)
        assert.strictEqual(error.reason, "ForbiddenAddress", url)
        assert.match(error.message, reason, url)
        assert.include(error.message, "allowLocalAddresses")
        assert.isFalse(error.retryable)
      }
      // Metadata addresses stay refused when local addresses are allowed.
      for (
        const url of [
          "http://169.254.169.254/latest/meta-data/",
          "http://[fd00:ec2::254]/",
          "http://[64:ff9b::a9fe:a9fe]/"
        ]
      ) {
        const error = yield* refused(url, { allowLocalAddresses: true })
        assert.match(error.message, /metadata/, url)
      }
      // IPv6 addresses embedding an IPv4 address in a deprecated way: refused whatever the options.
      for (
        const [url, reason] of [
          [`http://[::127.0.0.1]:${port}/file.png`, /IPv4-compatible/],
          ["http://[::169.254.169.254]/latest/meta-data/", /metadata|IPv4-compatible/],
          ["http://[::8.8.8.8]/file.png", /IPv4-compatible/],
          [`http://[::ffff:0:127.0.0.1]:${port}/file.png`, /IPv4-translated/],
          ["http://[2002:7f00:1::]/file.png", /6to4/],
          ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/file.png", /Teredo/],
          ["http://[2600:1f18::5efe:7f00:1]/file.png", /ISATAP/],
          ["http://[2600:1f18::200:5efe:a9fe:a9fe]/file.png", /ISATAP/]
        ] as const
      ) {
        for (const allowLocalAddresses of [false, true]) {
          const error = yield* refused(url, { allowLocalAddresses })
          assert.strictEqual(error.reason, "ForbiddenAddress", url)
          assert.match(error.message, reason, url)
        }
      }
      assert.deepStrictEqual(files.hits, [])
    }))

  it.scoped("checks every redirect hop, and follows a bounded number of them", () =>
    Effect.gen(function*() {
      const files = yield* fileServer
      const toMetadata = yield* refused(
        `${files.origin}/redirect?to=${encodeURIComponent("http://169.254.169.254/latest/meta-data/iam")}`,
        { allowLocalAddresses: true }
      )
      assert.strictEqual(toMetadata.reason, "ForbiddenAddress")
      assert.strictEqual(toMetadata.url, "http://169.254.169.254/latest/meta-data/iam")
      assert.include(toMetadata.message, "redirected from")
      const toFile = yield* refused(`${files.origin}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`, {
        allowLocalAddresses: true
      })
      assert.strictEqual(toFile.reason, "UnsupportedScheme")
      const loop = yield* refused(`${files.origin}/loop`, { allowLocalAddresses: true, maxRedirects: 3 })
      assert.strictEqual(loop.reason, "TooManyRedirects")
      assert.strictEqual(files.hits.filter((hit) => hit === "/loop").length, 4)
      // Without the option, a redirect to a loopback address is refused like a direct one.
      const direct = yield* refused(`${files.origin}/redirect?to=${encodeURIComponent(`${files.origin}/file.png`)}`)
      assert.strictEqual(direct.reason, "ForbiddenAddress")
      assert.notInclude(files.hits, "/file.png")
    }))

  it.scoped("a size cap, enforced while reading; a timeout; HTTP errors", () =>
    Effect.gen(function*() {
      const files = yield* fileServer
      const big = yield* refused(`${files.origin}/big`, { allowLocalAddresses: true, maxBytes: 2 * 1024 * 1024 })
      assert.strictEqual(big.reason, "TooLarge")
      assert.include(big.message, "2097152 bytes")
      // The download stopped at the cap: far less than the 300 MiB the server had to send.
      assert.isBelow(files.bigBytesSent(), 64 * 1024 * 1024)
      const declared = yield* refused(`${files.origin}/declared-big`, { allowLocalAddresses: true })
      assert.strictEqual(declared.reason, "TooLarge")
      const slow = yield* refused(`${files.origin}/hang`, { allowLocalAddresses: true, timeout: "200 millis" })
      assert.strictEqual(slow.reason, "Timeout")
      assert.isTrue(slow.retryable)
      const missing = yield* refused(`${files.origin}/missing`, { allowLocalAddresses: true })
      assert.strictEqual(missing.reason, "HttpStatus")
      assert.strictEqual(missing.status, 404)
      assert.isFalse(missing.retryable)
    }))

  it.scoped("a byte budget for all the files of a request, enforced while reading", () =>
    Effect.gen(function*() {
      yield* reset
      const files = yield* fileServer
      const mib = 1024 * 1024
      // Eight files of 4 MiB each, each under maxBytes, 32 MiB in all: over a 10 MiB budget.
      const eight = Prompt.make([Prompt.user(
        "Compare",
        ...Array.from({ length: 8 }, (_, i) =>
          Prompt.file({ data: `${files.origin}/sized?mib=4&n=${i}`, mediaType: "image/png" }))
      )])
      const error = yield* LanguageModel.generate({ prompt: eight }).pipe(
        Effect.provide(FileDownload.layer({ allowLocalAddresses: true, maxBytes: 5 * mib, maxTotalBytes: 10 * mib })),
        Effect.flip
      )
      if (error._tag !== "FileDownloadError") {
        return assert.fail(`${error._tag}: ${error.message}`)
      }
      assert.strictEqual(error.reason, "TooLarge")
      assert.include(error.message, `${10 * mib} bytes together (FileDownload's maxTotalBytes)`)
      assert.isFalse(error.retryable)
      assert.deepStrictEqual(yield* sent, [])
      // Reading stopped at the budget (plus what was in flight), far from the 32 MiB asked for.
      assert.isBelow(files.sizedBytesSent(), 24 * mib)
      // A declared Content-Length over what is left is refused before reading.
      const declared = yield* LanguageModel.generate({
        prompt: Prompt.make([Prompt.user(
          "Compare",
          Prompt.file({ data: `${files.origin}/sized?mib=3&declared`, mediaType: "image/png" }),
          Prompt.file({ data: `${files.origin}/sized?mib=3&declared&n=2`, mediaType: "image/png" })
        )])
      }).pipe(
        Effect.provide(FileDownload.layer({ allowLocalAddresses: true, maxTotalBytes: 5 * mib })),
        Effect.flip
      )
      assert.strictEqual(declared._tag === "FileDownloadError" ? declared.reason : declared._tag, "TooLarge")
      // Under the budget the request goes out with every file.
      yield* LanguageModel.generate({
        prompt: Prompt.make([Prompt.user(
          "Compare",
          Prompt.file({ data: `${files.origin}/sized?mib=1`, mediaType: "image/png" }),
          Prompt.file({ data: `${files.origin}/sized?mib=1&n=2`, mediaType: "image/png" })
        )])
      }).pipe(Effect.provide(FileDownload.layer({ allowLocalAddresses: true, maxTotalBytes: 2 * mib })))
      assert.strictEqual((yield* sent).length, 1)
      const invalid = yield* LanguageModel.generate({ prompt: withFile("https://example.com/cat.png") }).pipe(
        Effect.provide(FileDownload.layer({ maxTotalBytes: 0 })),
        Effect.flip
      )
      assert.strictEqual(invalid._tag, "InvalidRequestError")
      assert.include(invalid.message, "maxTotalBytes")
    }))

  it.effect("refuses YouTube pages, other schemes, and everything when downloads are off", () =>
    Effect.gen(function*() {
      for (const url of ["https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://youtu.be/dQw4w9WgXcQ"]) {
        const error = yield* refused(url)
        assert.strictEqual(error.reason, "YouTube")
        assert.include(error.message, "YouTube")
      }
      for (const url of ["ftp://files.example.com/a.png", "file:///etc/passwd", "gopher://x/"]) {
        assert.strictEqual((yield* refused(url)).reason, "UnsupportedScheme", url)
      }
      const off = yield* refused("https://example.com/cat.png", { enabled: false })
      assert.strictEqual(off.reason, "Disabled")
      const bad = yield* LanguageModel.generate({ prompt: withFile("https://example.com/cat.png") }).pipe(
        Effect.provide(FileDownload.layer({ maxBytes: Number.NaN })),
        Effect.flip
      )
      assert.strictEqual(bad._tag, "InvalidRequestError")
    }))

  it.scoped("names the URL with its credentials redacted, in every representation", () =>
    Effect.gen(function*() {
      const files = yield* fileServer
      const error = yield* refused(`http://alice:pa55w0rd@127.0.0.1:${files.port}/file.png`)
      assert.strictEqual(error.url, `http://<redacted>@127.0.0.1:${files.port}/file.png`)
      const rejected = yield* Effect.promise(() => Effect.runPromise(Effect.fail(error)).catch((e: unknown) => e))
      for (
        const text of [
          error.message,
          String(error),
          JSON.stringify(error),
          util.inspect(error, { depth: 10 }),
          JSON.stringify(Schema.encodeSync(FileDownload.FileDownloadError)(error)),
          Cause.pretty(Cause.fail(error), { renderErrorCause: true }),
          util.inspect(rejected, { depth: 10 })
        ]
      ) assert.notInclude(text, "pa55w0rd")
    }))

  it.scoped("the stream path refuses the same way, before any request", () =>
    Effect.gen(function*() {
      yield* reset
      const files = yield* fileServer
      const error = yield* LanguageModel.stream({ prompt: withFile(`${files.origin}/file.png`) }).pipe(
        Stream.runDrain,
        Effect.flip
      )
      assert.strictEqual(error._tag, "FileDownloadError")
      assert.strictEqual(error._tag === "FileDownloadError" ? error.operation : undefined, "stream")
      assert.deepStrictEqual(yield* sent, [])
      yield* LanguageModel.stream({ prompt: withFile(`${files.origin}/file.png`) }).pipe(
        Stream.runDrain,
        Effect.provide(allowLocal)
      )
      assert.strictEqual((yield* sent).length, 1)
    }))
})

describe("FileDownload options", () => {
  it("defaults: on, public addresses only, 30 s, 50 MiB a file, 100 MiB a request, 5 redirects", () => {
    assert.deepStrictEqual(FileDownload.defaults, {
      enabled: true,
      allowLocalAddresses: false,
      timeout: "30 seconds",
      maxBytes: 52428800,
      maxTotalBytes: 104857600,
      maxRedirects: 5
    })
  })
})
