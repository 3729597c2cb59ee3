// Native tools end to end against the local Bedrock (Nova 2's code interpreter): the server tool's
// call and result decode as native parts in both paths, stay out of the tool loop, and go back in
// the history exactly as Bedrock returned them (the local server accepts that history and rejects
// a toolResult out of place).
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import * as Response from "../src/Response.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

const NOVA_2 = "us.amazon.nova-2-lite-v1:0"

const Env = BedrockLanguageModel.layer({ model: NOVA_2 }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const bodies = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests.map((r) => r.body as any))
)
const reset = Effect.flatMap(local, (server) => server.reset)

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 }
const call = {
  toolUseId: "ci-1",
  name: "nova_code_interpreter",
  input: { snippet: "print(2**10)" },
  type: "server_tool_use"
}
const result = {
  toolUseId: "ci-1",
  content: [{ json: { stdOut: "1024\n", exitCode: 0 } }],
  type: "nova_code_interpreter_result",
  status: "success"
}

const converseAnswer = Script.json({
  output: {
    message: { role: "assistant", content: [{ toolUse: call }, { toolResult: result }, { text: "It is 1024." }] }
  },
  stopReason: "end_turn",
  usage,
  metrics: { latencyMs: 3 }
}, { operation: "converse" })

const streamAnswer = Script.stream([
  Script.event("messageStart", { role: "assistant" }),
  Script.event("contentBlockStart", {
    contentBlockIndex: 0,
    start: { toolUse: { toolUseId: "ci-1", name: "nova_code_interpreter", type: "server_tool_use" } }
  }),
  Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{\"snippet\":" } } }),
  Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "\"print(2**10)\"}" } } }),
  Script.event("contentBlockStop", { contentBlockIndex: 0 }),
  Script.event("contentBlockStart", {
    contentBlockIndex: 1,
    start: { toolResult: { toolUseId: "ci-1", type: "nova_code_interpreter_result", status: "success" } }
  }),
  Script.event("contentBlockDelta", {
    contentBlockIndex: 1,
    delta: { toolResult: [{ json: { stdOut: "1024\n", exitCode: 0 } }] }
  }),
  Script.event("contentBlockStop", { contentBlockIndex: 1 }),
  Script.event("contentBlockDelta", { contentBlockIndex: 2, delta: { text: "It is 1024." } }),
  Script.event("contentBlockStop", { contentBlockIndex: 2 }),
  Script.event("messageStop", { stopReason: "end_turn" }),
  Script.event("metadata", { usage, metrics: { latencyMs: 3 } })
])

const withoutTiming = (response: Response.Response) => {
  const { latencyMs: _latency, requestId: _requestId, timestamp: _timestamp, ...rest } = response
  return rest
}

layer(Env, { excludeTestServices: true })("native tools against the local Bedrock", (it) => {
  it.effect("decodes the code interpreter's call and result, streamed or not, to the same parts", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(converseAnswer, streamAnswer)
      const request = { prompt: "What is 2**10?", nativeTools: ["codeExecution"] as const }
      const generated = yield* LanguageModel.generate(request)
      const parts = yield* LanguageModel.stream(request).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      assert.deepStrictEqual(generated.parts, [
        Prompt.nativeToolCall({
          id: "ci-1",
          name: "codeExecution",
          input: { snippet: "print(2**10)" },
          provider: "bedrock"
        }),
        Prompt.nativeToolResult({
          id: "ci-1",
          name: "codeExecution",
          result: { stdOut: "1024\n", exitCode: 0 },
          status: "success",
          provider: "bedrock"
        }),
        Prompt.text("It is 1024.")
      ])
      assert.deepStrictEqual(Response.toolCalls(generated), [])
      assert.strictEqual(Response.nativeToolParts(generated).length, 2)
      // Streamed: no ToolCallStart for the native call; each native part once its block ends.
      assert.deepStrictEqual(
        parts.map((part) => part._tag),
        ["NativeToolCall", "NativeToolResult", "TextStart", "TextDelta", "TextEnd", "Finish"]
      )
      const finish = parts.at(-1) as Response.Finish
      assert.deepStrictEqual(withoutTiming(finish.response), withoutTiming(generated))
    }))

  it.effect("the tool loop leaves them alone, and the history sends them back as Bedrock returned them", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(converseAnswer)
      const toolkit = Toolkit.make(
        Tool.make("lookup", { parameters: Schema.Struct({ q: Schema.String }), handler: () => Effect.succeed("x") })
      )
      const first = yield* Toolkit.generate(toolkit, { prompt: "What is 2**10?", nativeTools: ["codeExecution"] })
      // One step: the native call was not taken for a call of the toolkit ("Unknown tool").
      assert.strictEqual(first.steps.length, 1)
      yield* LanguageModel.generate({
        prompt: Prompt.concat(first.prompt, "And 2**11?"),
        nativeTools: ["codeExecution"]
      })
      const [, followUp] = yield* bodies
      assert.deepStrictEqual(followUp.messages[1], {
        role: "assistant",
        content: [{ toolUse: call }, { toolResult: result }, { text: "It is 1024." }]
      })
      assert.deepStrictEqual(followUp.messages[2], { role: "user", content: [{ text: "And 2**11?" }] })
      // Parts from another provider are not sent as Bedrock blocks.
      yield* LanguageModel.generate({
        prompt: [
          Prompt.user("hi"),
          Prompt.assistant(
            Prompt.nativeToolCall({ id: "x", name: "codeExecution", input: {}, provider: "other" }),
            "ok"
          ),
          Prompt.user("go on")
        ]
      })
      const third = (yield* bodies)[2]
      assert.deepStrictEqual(third.messages[1], { role: "assistant", content: [{ text: "ok" }] })
    }))
})
