// Bad requests, as a JavaScript caller (or a TypeScript one with `any`) can make them: each fails
// with a typed InvalidRequestError before the network, never as a defect and never by sending
// something else. The local Bedrock's request log proves that nothing was sent.
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockLanguageModel.layer({ model: MODEL }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const sentCount = Effect.map(
  Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.requests),
  (requests) => requests.length
)
const reset = Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.reset)

const operations = {
  generate: (request: LanguageModel.Request) => Effect.asVoid(LanguageModel.generate(request)),
  stream: (request: LanguageModel.Request) => Stream.runDrain(LanguageModel.stream(request)),
  countTokens: (request: LanguageModel.Request) => Effect.asVoid(LanguageModel.countTokens(request))
}

/** The typed failure of every operation with this request; a defect or a sent request fails the test. */
const rejected = (request: unknown, field?: string | RegExp) =>
  Effect.gen(function*() {
    const errors: Array<LanguageModel.InvalidRequestError> = []
    for (const [name, operation] of Object.entries(operations)) {
      yield* reset
      const exit = yield* Effect.exit(operation(request as LanguageModel.Request))
      assert.isTrue(Exit.isFailure(exit), `${name} succeeded`)
      if (Exit.isSuccess(exit)) continue
      assert.isFalse(Cause.isDie(exit.cause), `${name} died: ${Cause.pretty(exit.cause)}`)
      const error = Cause.squash(exit.cause) as LanguageModel.LanguageModelError
      assert.strictEqual(error._tag, "InvalidRequestError", `${name}: ${error.message}`)
      if (error._tag !== "InvalidRequestError") continue
      assert.strictEqual(error.operation, name)
      if (typeof field === "string") assert.strictEqual(error.field, field, error.message)
      else if (field !== undefined) assert.match(error.field ?? "", field, error.message)
      assert.strictEqual(yield* sentCount, 0, `${name} sent a request`)
      errors.push(error)
    }
    return errors[0]!
  })

const user = (...parts: ReadonlyArray<unknown>) => ({ _tag: "User", parts })
const tool = (name: string) => ({ name, parameters: { type: "object", properties: {} } })

layer(Env, { excludeTestServices: true })("guarded inputs: the request", (it) => {
  it.effect("prompts that are not prompts", () =>
    Effect.gen(function*() {
      for (const prompt of [null, undefined, 42, true, {}, { text: "hi" }]) {
        const error = yield* rejected({ prompt }, "prompt")
        assert.match(error.message, /prompt/i)
      }
      yield* rejected(null)
      yield* rejected("hello")
    }))

  it.effect("empty prompts, which used to send the user message \".\"", () =>
    Effect.gen(function*() {
      for (const prompt of ["", "   ", [], { messages: [] }]) {
        const error = yield* rejected({ prompt }, "prompt")
        assert.include(error.message, "empty")
      }
    }))

  it.effect("malformed messages and parts, with the path to them", () =>
    Effect.gen(function*() {
      yield* rejected({ prompt: [{ _tag: "User", parts: "hello" }] }, "prompt[0].parts")
      yield* rejected({ prompt: { messages: [{ _tag: "Bogus", content: "x" }] } }, /^prompt\.messages\[0\]/)
      yield* rejected({ prompt: [Prompt.user("ok"), { _tag: "Shout", text: "x" }] }, /^prompt\[1\]/)
      yield* rejected({ prompt: [user({ _tag: "Text" })] }, "prompt[0].parts[0].text")
      // A file without a source, with a source of the wrong kind, with bytes that are not bytes.
      yield* rejected({ prompt: [user({ _tag: "File", mediaType: "image/png" })] }, "prompt[0].parts[0].source")
      yield* rejected({ prompt: [user({ _tag: "File", mediaType: "image/png", source: { _tag: "Ftp" } })] }, /source/)
      yield* rejected(
        { prompt: [user({ _tag: "File", mediaType: "image/png", source: { _tag: "Bytes", data: "AQID" } })] },
        /source/
      )
      yield* rejected({ prompt: user({ _tag: "Text", text: 42 }) }, "prompt.parts[0].text")
      yield* rejected(
        { prompt: [{ _tag: "Tool", parts: [{ _tag: "ToolResult", id: "t" }] }] },
        /^prompt\[0\]\.parts\[0\]/
      )
    }))

  it.effect("data: URLs with broken percent-encoding or invalid base64", () =>
    Effect.gen(function*() {
      const file = (data: string) => ({ prompt: [Prompt.user("x", Prompt.file({ mediaType: "text/plain", data }))] })
      const percent = yield* rejected(file("data:text/plain,100%"), "prompt.messages[0].parts[1]")
      assert.include(percent.message, "%")
      const utf8 = yield* rejected(file("data:text/plain,%E0%A4%A"), "prompt.messages[0].parts[1]")
      assert.include(utf8.message, "Malformed data URL")
      const base64 = yield* rejected(file("data:image/png;base64,iVBOR*w0K"), "prompt.messages[0].parts[1]")
      assert.include(base64.message, "base64")
    }))

  it.effect("the other request fields, checked with LanguageModel.Request", () =>
    Effect.gen(function*() {
      yield* rejected({ prompt: "x", instructions: 42 }, "instructions")
      yield* rejected({ prompt: "x", instructions: ["ok", { dynamic: true }] }, /^instructions/)
      yield* rejected({ prompt: "x", tools: [tool("a")], toolChoice: { tools: "a" } }, /^toolChoice/)
      yield* rejected({ prompt: "x", output: { schema: { type: "object" }, mode: "psychic" } }, /^output/)
      yield* rejected({ prompt: "x", output: { schema: null } }, "output.schema")
      yield* rejected({ prompt: "x", output: { name: "final answer", schema: { type: "object" } } }, "output.name")
      yield* rejected({ prompt: "x", nativeTools: ["teleport"] }, "nativeTools[0]")
      yield* rejected({ prompt: "x", tools: [{ name: "t" }] }, "tools[0].parameters")
      yield* rejected({ prompt: "x", tools: "get_weather" }, "tools")
      yield* rejected({ prompt: "x", settings: "fast" })
    }))

  it.effect("tool names outside [a-zA-Z0-9_-]{1,64}", () =>
    Effect.gen(function*() {
      for (const name of ["get weather", "", "a".repeat(65), "get.weather", "météo"]) {
        const error = yield* rejected({ prompt: "x", tools: [tool("ok"), tool(name)] }, "tools[1].name")
        assert.include(error.message, "64")
      }
    }))

  it.effect("tool choices that are not one, or that cannot be honoured", () =>
    Effect.gen(function*() {
      yield* rejected({ prompt: "x", tools: [tool("a")], toolChoice: "bogus" }, "toolChoice")
      yield* rejected({ prompt: "x", tools: [tool("a")], toolChoice: { name: "a" } }, /^toolChoice/)
      const required = yield* rejected({ prompt: "x", toolChoice: "required" }, "toolChoice")
      assert.match(required.message, /needs tools|no tools/)
      yield* rejected({ prompt: "x", tools: [], toolChoice: "required" }, "toolChoice")
    }))

  it.effect("invalid extraHeaders", () =>
    Effect.gen(function*() {
      for (
        const headers of [
          { "bad header": "x" },
          { "": "x" },
          { "x-ok\r\nx-injected": "1" },
          { "x-ok": "line\r\nx-injected: 1" },
          { connection: "close" },
          { Authorization: "Bearer mine" },
          { "x-ok": 42 }
        ]
      ) {
        yield* rejected({ prompt: "x", settings: { extraHeaders: headers } }, /^extraHeaders/)
      }
    }))

  it.effect("model ids that would be sent as path segments", () =>
    Effect.gen(function*() {
      for (const model of ["", ".", "..", " ", "us.amazon.nova-micro-v1:0 ", 42]) {
        const exit = yield* Effect.exit(BedrockLanguageModel.make({ model: model as string }))
        assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause), String(model))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) as LanguageModel.InvalidRequestError : undefined
        assert.strictEqual(error?._tag, "InvalidRequestError")
        assert.strictEqual(error?.field, "model")
      }
      for (const inferenceProfile of ["..", "."]) {
        yield* rejected({ prompt: "x", settings: { inferenceProfile } }, "inferenceProfile")
      }
      assert.strictEqual(yield* sentCount, 0)
    }))

  it.effect("unknown top-level keys, which used to vanish, with a \"did you mean\"", () =>
    Effect.gen(function*() {
      // Held in a variable, these compile: `system` and `maxTokens` would silently not be sent.
      const request = { prompt: "x", system: "Be brief.", maxTokens: 5 }
      const error = yield* rejected(request, "system")
      assert.include(error.message, "Unknown request key \"system\"")
      const typo = yield* rejected({ prompt: "x", setings: { maxTokens: 5 } }, "setings")
      assert.include(typo.message, "did you mean \"settings\"")
      const tools = yield* rejected({ prompt: "x", tool: [tool("a")] }, "tool")
      assert.include(tools.message, "did you mean \"tools\"")
      yield* rejected({ prompt: "x", maxTokens: 5 }, "maxTokens")
      // An unknown key whose value is undefined is nothing to lose.
      yield* reset
      yield* LanguageModel.generate({ prompt: "x", system: undefined } as LanguageModel.Request)
      assert.strictEqual(yield* sentCount, 1)
    }))

  it.effect("values with no JSON form (a BigInt, a cycle), before anything is sent", () =>
    Effect.gen(function*() {
      const cycle: Record<string, unknown> = { a: 1 }
      cycle.self = cycle
      const call = (input: unknown) => ({ _tag: "ToolCall", id: "t1", name: "a", input })
      const result = (value: unknown) => ({ _tag: "ToolResult", id: "t1", name: "a", result: value, isError: false })
      const conversation = (input: unknown, value: unknown) => ({
        prompt: [Prompt.user("go"), { _tag: "Assistant", parts: [call(input)] }, {
          _tag: "Tool",
          parts: [result(value)]
        }],
        tools: [tool("a")]
      })
      for (const bad of [10n, cycle, { nested: [1, { deep: 2n }] }]) {
        const inCall = yield* rejected(conversation(bad, "ok"), "prompt[1].parts[0].input")
        assert.match(inCall.message, /BigInt|circular/i)
        const inResult = yield* rejected(conversation({}, bad), "prompt[2].parts[0].result")
        assert.match(inResult.message, /BigInt|circular/i)
        const inSettings = yield* rejected(
          { prompt: "x", settings: { additionalModelRequestFields: { x: bad } } },
          /additionalModelRequestFields/
        )
        assert.match(inSettings.message, /BigInt|circular/i)
      }
    }))

  it.effect("cyclic or too deeply nested tool and output schemas", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = { type: "object", properties: {} }
      ;(cyclic.properties as Record<string, unknown>).self = cyclic
      let deep: Record<string, unknown> = { type: "string" }
      for (let i = 0; i < 2000; i++) deep = { type: "object", properties: { x: deep } }
      for (const schema of [cyclic, deep]) {
        const inTool = yield* rejected(
          { prompt: "x", tools: [{ name: "a", parameters: schema }] },
          "tools[0].parameters"
        )
        assert.match(inTool.message, /circular|deeper/)
        const inOutput = yield* rejected({ prompt: "x", output: { schema } }, "output.schema")
        assert.match(inOutput.message, /circular|deeper/)
      }
    }))

  it.effect("s3:// locations without a bucket, and tool parameters that are not an object schema", () =>
    Effect.gen(function*() {
      for (const url of ["s3:///key.png", "s3://", "s3:///", "s3://?bucketOwner=123456789012"]) {
        const error = yield* rejected(
          { prompt: [Prompt.user("x", Prompt.file({ data: url, mediaType: "image/png" }))] },
          "prompt.messages[0].parts[1]"
        )
        assert.include(error.message, "bucket")
      }
      for (const parameters of [{ type: "string" }, { type: "array", items: { type: "string" } }]) {
        const error = yield* rejected({ prompt: "x", tools: [{ name: "a", parameters }] }, "tools[0].parameters")
        assert.include(error.message, "object")
      }
    }))

  it.effect("a cache point dropped (more than 4) or moved (after a document) is logged as a warning", () =>
    Effect.gen(function*() {
      yield* reset
      const logs: Array<string> = []
      const capture = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ logLevel, message }) => {
          logs.push(`${logLevel.label}: ${Array.isArray(message) ? message.join(" ") : String(message)}`)
        })
      )
      const pdf = Prompt.file({ mediaType: "application/pdf", data: new TextEncoder().encode("%PDF-1.4") })
      yield* LanguageModel.generate({
        prompt: [
          ...["1", "2", "3", "4"].flatMap((n) => [Prompt.user(n, Prompt.cachePoint()), Prompt.assistant("ok")]),
          Prompt.user("5", pdf, Prompt.cachePoint())
        ]
      }).pipe(Effect.provide(capture))
      assert.strictEqual(yield* sentCount, 1)
      assert.isTrue(
        logs.some((line) => /^WARN: The cache point at prompt\.messages\[8\]\.parts\[2\] .* was moved/.test(line)),
        logs.join("\n")
      )
      assert.isTrue(logs.some((line) => line.startsWith("WARN: 1 message cache point was dropped")), logs.join("\n"))
    }))

  it.effect("a well-formed request still goes through, with or without the Schema check", () =>
    Effect.gen(function*() {
      yield* reset
      yield* LanguageModel.generate({ prompt: "Hello" })
      yield* LanguageModel.generate({
        prompt: [Prompt.system("Be brief."), Prompt.user("Hi", Prompt.file({ data: "data:text/plain,hello%20there" }))],
        tools: [tool("get_weather")],
        toolChoice: "required",
        settings: { extraHeaders: { "x-tenant": "acme" } }
      })
      assert.strictEqual(yield* sentCount, 2)
    }))
})
