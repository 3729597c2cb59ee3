import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as Prompt from "../src/Prompt.js"
import * as Response from "../src/Response.js"

describe("Prompt", () => {
  it.effect("every kind of message and part survives a JSON round trip (bytes as base64)", () =>
    Effect.gen(function*() {
      const bytes = new Uint8Array([0, 1, 2, 250, 255])
      const prompt = Prompt.make([
        Prompt.system("Be brief."),
        Prompt.user(
          "Look at these",
          Prompt.file({ mediaType: "image/png", data: bytes, name: "dot" }),
          Prompt.file({ mediaType: "application/pdf", data: "s3://bucket/report.pdf?bucketOwner=123456789012" }),
          Prompt.cachePoint("1h")
        ),
        Prompt.assistant(
          { _tag: "Thinking", text: "Hmm.", signature: "sig", provider: "bedrock" },
          { _tag: "Thinking", text: "", redacted: bytes, provider: "bedrock" },
          "Calling a tool.",
          { _tag: "ToolCall", id: "t1", name: "lookup", input: { q: "x", n: [1, 2] } }
        ),
        Prompt.tool(
          Prompt.toolResult({ id: "t1", name: "lookup", result: { found: true } }),
          Prompt.retry({ message: "bad args", toolCallId: "t2", toolName: "lookup" }),
          Prompt.retry({ message: "try again" })
        )
      ])
      const json = yield* Prompt.encodeJson(prompt)
      assert.include(json, Buffer.from(bytes).toString("base64"))
      const decoded = yield* Prompt.decodeJson(json)
      assert.deepStrictEqual(decoded, prompt)
    }))

  it("rejects JSON that is not a conversation, with a readable error", () => {
    const result = Schema.decodeUnknownEither(Prompt.PromptFromJson)(JSON.stringify({ messages: [{ _tag: "Nope" }] }))
    assert.isTrue(Either.isLeft(result))
  })

  it("builds prompts from text, messages and other prompts", () => {
    assert.deepStrictEqual(Prompt.make("hi"), { messages: [{ _tag: "User", parts: [{ _tag: "Text", text: "hi" }] }] })
    const combined = Prompt.concat(Prompt.system("s"), "u")
    assert.deepStrictEqual(combined.messages.map((m) => m._tag), ["System", "User"])
    assert.strictEqual(Prompt.make(combined), combined)
  })

  it("turns a response into the assistant message to append, leaving out unknown blocks", () => {
    const message = Response.toMessage({
      parts: [{ _tag: "Text", text: "a" }, { _tag: "Unknown", kind: "citationsContent", raw: {} }],
      finishReason: "stop",
      rawFinishReason: "end_turn",
      usage: Response.emptyUsage,
      modelId: "m"
    })
    assert.deepStrictEqual(message, { _tag: "Assistant", parts: [{ _tag: "Text", text: "a" }] })
  })

  it.effect("the part constructors, native tool parts and files-only tool results round-trip too", () =>
    Effect.gen(function*() {
      const prompt = Prompt.make([
        Prompt.user("Compute"),
        Prompt.assistant(
          Prompt.thinking({ text: "Plan.", signature: "s", provider: "bedrock" }),
          Prompt.nativeToolCall({ id: "c", name: "codeExecution", input: { snippet: "1+1" }, provider: "bedrock" }),
          Prompt.nativeToolResult({ id: "c", name: "codeExecution", result: { stdOut: "2" }, status: "success" }),
          Prompt.toolCall({ id: "t", name: "chart", input: {} })
        ),
        Prompt.tool(
          Prompt.toolResult({ id: "t", files: [Prompt.file({ mediaType: "image/png", data: new Uint8Array([1]) })] })
        )
      ])
      // Optional fields left out are absent, not undefined.
      assert.deepStrictEqual(Object.keys(Prompt.thinking({ text: "x" })), ["_tag", "text"])
      assert.deepStrictEqual(Object.keys((prompt.messages[2] as Prompt.ToolMessage).parts[0]!), [
        "_tag",
        "id",
        "isError",
        "files"
      ])
      assert.deepStrictEqual(yield* Prompt.decodeJson(yield* Prompt.encodeJson(prompt)), prompt)
    }))

  it.effect("a response with its timestamp round-trips as JSON", () =>
    Effect.gen(function*() {
      const response: Response.Response = {
        parts: [Prompt.text("a")],
        finishReason: "stop",
        rawFinishReason: "end_turn",
        usage: Response.emptyUsage,
        modelId: "m",
        timestamp: new Date("2026-05-01T12:00:00.000Z")
      }
      const codec = Schema.parseJson(Response.Response)
      const json = yield* Schema.encode(codec)(response)
      assert.include(json, "2026-05-01T12:00:00.000Z")
      assert.deepStrictEqual(yield* Schema.decode(codec)(json), response)
    }))
})
