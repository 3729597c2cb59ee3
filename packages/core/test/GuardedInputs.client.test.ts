// Bad client options and tool loop inputs: each is a typed failure (ConfigError from the layer,
// InvalidRequestError or Tool.InvalidResultError from the loop), never a defect and never a value
// quietly turned into another (a negative timeout into 1 ms, maxSteps NaN into no limit).
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, ConfigError, ConfigProvider, Effect, Exit, Layer, Redacted, Schema, type Scope, Stream } from "effect"
import * as os from "node:os"
import * as path from "node:path"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockClientSwap from "../src/BedrockClientSwap.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import type * as Prompt from "../src/Prompt.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

/** The layer's build failure: a ConfigError naming `path`, not a defect. */
const configError = <E>(build: Effect.Effect<unknown, E, Scope.Scope>, path: string) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(build))
    assert.isTrue(Exit.isFailure(exit), `${path}: built`)
    if (Exit.isSuccess(exit)) return ""
    assert.isFalse(Cause.isDie(exit.cause), `${path}: ${Cause.pretty(exit.cause)}`)
    const error = Cause.squash(exit.cause)
    assert.isTrue(ConfigError.isConfigError(error), String(error))
    assert.include(String(error), path)
    return Cause.pretty(exit.cause)
  })

/** For the rest of the scope: no region, credentials or profile from the environment or ~/.aws. */
const withoutAwsEnvironment = Effect.acquireRelease(
  Effect.sync(() => {
    const saved = { ...process.env }
    for (const key of Object.keys(process.env)) {
      if (key.startsWith("AWS_") && key !== "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED") delete process.env[key]
    }
    process.env.AWS_CONFIG_FILE = path.join(os.tmpdir(), "effect-bedrock-no-such-config")
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(os.tmpdir(), "effect-bedrock-no-such-credentials")
    process.env.AWS_EC2_METADATA_DISABLED = "true"
    return saved
  }),
  (saved) =>
    Effect.sync(() => {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
      Object.assign(process.env, saved)
    })
)

const buildLayer = (options: unknown) => Layer.build(BedrockClient.layer(options as BedrockClient.Options))

const fromEnv = (env: Record<string, string>) =>
  Layer.build(BedrockClient.layerConfig()).pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
  )

describe("guarded inputs: client options", () => {
  it.effect("region, endpoint and profile", () =>
    Effect.gen(function*() {
      yield* configError(buildLayer({ region: "" }), "region")
      yield* configError(buildLayer({ region: "   " }), "region")
      yield* configError(buildLayer({ region: "us east 1" }), "region")
      yield* configError(buildLayer({ region: "us-east-1/../x" }), "region")
      yield* configError(buildLayer({ region: 42 }), "region")
      yield* configError(buildLayer({ region: "us-east-1", endpoint: "not a url" }), "endpoint")
      yield* configError(buildLayer({ region: "us-east-1", endpoint: "ftp://127.0.0.1:1" }), "endpoint")
      yield* configError(buildLayer({ region: "us-east-1", profile: "" }), "profile")
      yield* configError(fromEnv({ AWS_REGION: "" }), "AWS_REGION")
    }))

  it.scoped("no region: a ConfigError saying how to give one, when the layer is built (also with an endpoint)", () =>
    Effect.gen(function*() {
      yield* withoutAwsEnvironment
      for (
        const options of [
          {},
          { endpoint: "http://127.0.0.1:1" },
          { endpoint: "http://127.0.0.1:1", apiKey: Redacted.make("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl") }
        ]
      ) {
        const printed = yield* configError(buildLayer(options), "region")
        assert.include(printed, "give the region option")
        assert.include(printed, "AWS_REGION")
        assert.include(printed, "profile")
      }
      yield* configError(fromEnv({}), "region")
      const printed = yield* configError(
        Layer.build(BedrockClient.layerFromClient(new BedrockRuntimeClient({}))),
        "region"
      )
      assert.include(printed, "the SDK client has none")
    }))

  it.scoped("no credentials: the error at the first call says the four ways to give them", () =>
    Effect.gen(function*() {
      yield* withoutAwsEnvironment
      const error = yield* Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const client = yield* BedrockClient.make({ region: "us-east-1", endpoint: local.endpoint, retry: false })
        return yield* client.converse({
          modelId: "us.amazon.nova-micro-v1:0",
          messages: [{ role: "user", content: [{ text: "hi" }] }]
        }).pipe(Effect.flip)
      }).pipe(Effect.provide(LocalBedrock.layer()))
      assert.strictEqual(error._tag, "CredentialsError")
      assert.include(error.message, "Could not load credentials from any providers")
      for (
        const way of [
          "credentials option",
          "AWS_ACCESS_KEY_ID",
          "apiKey",
          "AWS_BEARER_TOKEN_BEDROCK",
          "AWS_PROFILE",
          "role"
        ]
      ) {
        assert.include(error.message, way)
      }
    }))

  it.effect("timeouts that are negative, NaN, zero or not durations", () =>
    Effect.gen(function*() {
      for (const value of [-1, Number.NaN, 0, "garbage", "-5 seconds", null, {}]) {
        yield* configError(buildLayer({ region: "us-east-1", connectTimeout: value }), "connectTimeout")
        yield* configError(buildLayer({ region: "us-east-1", requestTimeout: value }), "requestTimeout")
      }
      yield* configError(fromEnv({ AWS_REGION: "us-east-1", BEDROCK_REQUEST_TIMEOUT: "-1" }), "BEDROCK_REQUEST_TIMEOUT")
      yield* configError(fromEnv({ AWS_REGION: "us-east-1", BEDROCK_REQUEST_TIMEOUT: "0" }), "BEDROCK_REQUEST_TIMEOUT")
      yield* configError(
        fromEnv({ AWS_REGION: "us-east-1", BEDROCK_CONNECT_TIMEOUT: "garbage" }),
        "BEDROCK_CONNECT_TIMEOUT"
      )
      yield* configError(fromEnv({ AWS_REGION: "us-east-1", BEDROCK_MAX_ATTEMPTS: "0" }), "BEDROCK_MAX_ATTEMPTS")
      // Still accepted: a positive duration, milliseconds, and no timeout at all.
      for (const requestTimeout of ["30 seconds", 1500, Infinity]) {
        yield* Effect.scoped(buildLayer({ region: "us-east-1", requestTimeout }))
      }
    }))

  it.effect("secrets not wrapped in Redacted, or empty", () =>
    Effect.gen(function*() {
      const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: Redacted.make("secret") }
      yield* configError(
        buildLayer({ region: "us-east-1", credentials: { ...credentials, secretAccessKey: "plain" } }),
        "credentials.secretAccessKey"
      )
      yield* configError(
        buildLayer({ region: "us-east-1", credentials: { ...credentials, sessionToken: "plain" } }),
        "credentials.sessionToken"
      )
      yield* configError(
        buildLayer({ region: "us-east-1", credentials: { ...credentials, accessKeyId: "" } }),
        "accessKeyId"
      )
      // The error never quotes what was given in place of a secret.
      const inline = yield* configError(
        buildLayer({ region: "us-east-1", credentials: "AKID:t0psecret" }),
        "credentials"
      )
      assert.notInclude(inline, "t0psecret")
      const plain = yield* configError(buildLayer({ region: "us-east-1", apiKey: "ABSK-plain-key" }), "apiKey")
      assert.notInclude(plain, "plain-key")
      yield* configError(buildLayer({ region: "us-east-1", apiKey: Redacted.make("") }), "apiKey")
    }))

  it.effect("retry options", () =>
    Effect.gen(function*() {
      for (const maxAttempts of [Number.NaN, 0, -1, 2.5, Infinity]) {
        yield* configError(buildLayer({ region: "us-east-1", retry: { maxAttempts } }), "retry.maxAttempts")
      }
      yield* configError(buildLayer({ region: "us-east-1", retry: { baseDelay: -10 } }), "retry.baseDelay")
      yield* configError(buildLayer({ region: "us-east-1", retry: true }), "retry")
    }))

  it.scoped("a swap with bad options fails typed and keeps the current client", () =>
    Effect.gen(function*() {
      const swappable = yield* BedrockClientSwap.make({ region: "us-east-1" })
      const exit = yield* Effect.exit(swappable.swap({ region: "" }))
      assert.isTrue(Exit.isFailure(exit) && !Cause.isDie(exit.cause))
      const built = yield* Effect.exit(BedrockClientSwap.make({ region: "" }))
      assert.isTrue(Exit.isFailure(built) && ConfigError.isConfigError(Cause.squash(built.cause)))
    }))
})

// =============================================================================
// The tool loop
// =============================================================================

const Env = BedrockLanguageModel.layer({ model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const sentCount = Effect.map(
  Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.requests),
  (requests) => requests.length
)
const reset = Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.reset)

const echo = Tool.make("echo", {
  parameters: Schema.Struct({ text: Schema.String }),
  handler: ({ text }) => Effect.succeed(text)
})

const sentBodies = Effect.map(
  Effect.flatMap(LocalBedrock.LocalBedrock, (server) => server.requests),
  (requests) => requests.map((request) => request.body as any)
)

/** The tool results of a finished loop's conversation. */
const toolResults = (prompt: Prompt.Prompt) =>
  prompt.messages.flatMap((message) =>
    message._tag === "Tool"
      ? message.parts.flatMap((part) =>
        part._tag === "ToolResult" ? [{ isError: part.isError, result: part.result }] : []
      )
      : []
  )

/** The toolResult block a Converse body sent (its status and content). */
const sentToolResult = (body: any): { readonly status?: string; readonly content: unknown } => {
  for (const message of body.messages) {
    for (const block of message.content) {
      if (block.toolResult !== undefined) return { status: block.toolResult.status, content: block.toolResult.content }
    }
  }
  return assert.fail("no toolResult was sent")
}

/** A handler as a JavaScript caller may write it. */
const untyped = (name: string, handler: (params: unknown) => unknown) =>
  Tool.make(name, { parameters: Schema.Struct({}), handler: handler as never })

/** The loop's typed failure (not a defect). */
const loopFailure = (toolkit: Toolkit.Toolkit<Tool.Any>, options: Partial<Toolkit.Options>, name: string) =>
  Effect.gen(function*() {
    yield* reset
    const run = Toolkit.generate(toolkit, { prompt: "Go", toolChoice: { tool: name }, ...options })
    const exit = yield* Effect.exit(run)
    assert.isTrue(Exit.isFailure(exit), "the loop succeeded")
    if (Exit.isSuccess(exit)) return undefined as never
    assert.isFalse(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
    const streamed = yield* Effect.exit(
      Stream.runDrain(Toolkit.stream(toolkit, { prompt: "Go", toolChoice: { tool: name }, ...options }))
    )
    assert.isTrue(Exit.isFailure(streamed) && !Cause.isDie(streamed.cause))
    return Cause.squash(exit.cause) as { readonly _tag: string; readonly message: string; readonly field?: string }
  })

layer(Env, { excludeTestServices: true })("guarded inputs: the tool loop", (it) => {
  it.effect("maxSteps, concurrency and maxResultBytes that are not whole numbers", () =>
    Effect.gen(function*() {
      const toolkit = Toolkit.make(echo)
      for (const maxSteps of [Number.NaN, Infinity, 0, -1, 1.5]) {
        const error = yield* loopFailure(toolkit, { maxSteps }, "echo")
        assert.strictEqual(error._tag, "InvalidRequestError")
        assert.strictEqual(error.field, "maxSteps")
      }
      const concurrency = yield* loopFailure(toolkit, { concurrency: Number.NaN }, "echo")
      assert.strictEqual(concurrency.field, "concurrency")
      const cap = yield* loopFailure(toolkit, { maxResultBytes: -1 }, "echo")
      assert.strictEqual(cap.field, "maxResultBytes")
      const prompt = yield* loopFailure(toolkit, { prompt: null as never }, "echo")
      assert.strictEqual(prompt.field, "prompt")
      // Unknown keys would vanish: a typo, and tools given to the loop instead of the toolkit.
      const typo = yield* loopFailure(toolkit, { maxStep: 3 } as Partial<Toolkit.Options>, "echo")
      assert.strictEqual(typo.field, "maxStep")
      assert.include(typo.message, "did you mean \"maxSteps\"")
      const tools = yield* loopFailure(toolkit, { tools: [echo.definition] } as Partial<Toolkit.Options>, "echo")
      assert.strictEqual(tools.field, "tools")
      assert.include(tools.message, "the tools come from the toolkit")
      assert.strictEqual(yield* sentCount, 0)
    }))

  it.effect("handlers that throw or return a Promise fail the loop with Tool.InvalidResultError", () =>
    Effect.gen(function*() {
      const throws = untyped("throws", () => {
        throw new Error("boom")
      })
      const promise = untyped("promise", () => Promise.resolve("late"))
      const plain = untyped("plain", () => "not an effect")
      for (const [tool, text] of [[throws, "threw"], [promise, "a Promise"], [plain, "string"]] as const) {
        const error = yield* loopFailure(Toolkit.make(tool), {}, tool.name)
        assert.strictEqual(error._tag, "InvalidResultError", error.message)
        assert.include(error.message, text)
      }
    }))

  it.effect("a tool result over maxResultBytes goes back to the model as an error; the loop goes on", () =>
    Effect.gen(function*() {
      const big = untyped("big", () => Effect.succeed("x".repeat(20 * 1024 * 1024)))
      yield* reset
      const result = yield* Toolkit.generate(Toolkit.make(big), { prompt: "Go", toolChoice: { tool: "big" } })
      const message = "Tool \"big\": result too large: 20971520 bytes, limit 1048576"
      assert.deepStrictEqual(toolResults(result.prompt), [{ isError: true, result: message }])
      // The model got the error (a status "error" tool result), never the 20 MB.
      const requests = yield* sentBodies
      assert.strictEqual(requests.length, 2)
      assert.deepStrictEqual(sentToolResult(requests[1]), { status: "error", content: [{ text: message }] })
      assert.isBelow(JSON.stringify(requests[1]).length, 10_000)
      // The cap stays configurable; the stream says the same.
      const small = untyped("small", () => Effect.succeed({ data: "y".repeat(2000) }))
      const streamed = yield* Toolkit.stream(Toolkit.make(small), {
        prompt: "Go",
        toolChoice: { tool: "small" },
        maxResultBytes: 1024
      }).pipe(Stream.runCollect)
      const parts = [...streamed].filter((part) => part._tag === "ToolResult")
      assert.deepStrictEqual(parts.map((part) => part.result), [
        "Tool \"small\": result too large: 2011 bytes, limit 1024"
      ])
      const fits = yield* Toolkit.generate(Toolkit.make(small), {
        prompt: "Go",
        toolChoice: { tool: "small" },
        maxResultBytes: 4096
      })
      assert.deepStrictEqual(toolResults(fits.prompt), [{ isError: false, result: { data: "y".repeat(2000) } }])
    }))

  it.effect("results JSON would change (undefined, NaN, a Map) go back to the model as an error naming the tool", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, RegExp]> = [
        [undefined, /returned undefined/],
        [Number.NaN, /NaN has no JSON form/],
        [new Map([["a", 1]]), /a Map, sent as \{\}/],
        [{ rows: [1, Infinity] }, /Infinity/],
        [{ seen: new Set([1]) }, /a Set/]
      ]
      for (const [value, reason] of cases) {
        yield* reset
        const lossy = untyped("lossy", () => Effect.succeed(value))
        const result = yield* Toolkit.generate(Toolkit.make(lossy), { prompt: "Go", toolChoice: { tool: "lossy" } })
        const [sent] = toolResults(result.prompt)
        assert.isTrue(sent?.isError, String(value))
        assert.match(String(sent?.result), /^Tool "lossy": the result cannot be sent: /)
        assert.match(String(sent?.result), reason)
        const requests = yield* sentBodies
        assert.strictEqual(sentToolResult(requests[1]).status, "error")
      }
      // A tool that declares no result (success: Schema.Void) returns nothing without an error.
      const done = Tool.make("done", {
        parameters: Schema.Struct({}),
        success: Schema.Void,
        handler: () => Effect.void
      })
      const result = yield* Toolkit.generate(Toolkit.make(done), { prompt: "Go", toolChoice: { tool: "done" } })
      assert.deepStrictEqual(toolResults(result.prompt), [{ isError: false, result: undefined }])
    }))

  it.effect("a handler that dies ends the loop with a defect naming the tool and the call", () =>
    Effect.gen(function*() {
      const dies = Tool.make("dies", {
        parameters: Schema.Struct({}),
        handler: (): Effect.Effect<string> => Effect.die(new Error("boom"))
      })
      const throwsInSync = Tool.make("throws_in_sync", {
        parameters: Schema.Struct({}),
        handler: () =>
          Effect.sync((): string => {
            throw new TypeError("cannot read x of undefined")
          })
      })
      for (const [tool, original] of [[dies, "boom"], [throwsInSync, "cannot read x of undefined"]] as const) {
        const runs = [
          Toolkit.generate(Toolkit.make(tool), { prompt: "Go", toolChoice: { tool: tool.name } }),
          Stream.runDrain(Toolkit.stream(Toolkit.make(tool), { prompt: "Go", toolChoice: { tool: tool.name } }))
        ]
        for (const run of runs) {
          const exit = yield* Effect.exit(run)
          if (Exit.isSuccess(exit)) return assert.fail("the loop succeeded")
          assert.isTrue(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
          const defect = Cause.squash(exit.cause)
          if (!(defect instanceof Tool.HandlerDefect)) return assert.fail(String(defect))
          assert.strictEqual(defect.toolName, tool.name)
          assert.isString(defect.toolCallId)
          assert.include(defect.message, `Tool "${tool.name}" (call ${defect.toolCallId}) died: ${original}`)
          assert.include(String((defect.cause as Error).message), original)
          assert.include(Cause.pretty(exit.cause), tool.name)
        }
      }
    }))
})
