import type { ConverseResponse, ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as ResponseDecoding from "@effect-bedrock/converse/response/decode"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"
import type * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as StreamDecoding from "../src/internal/streaming/streamDecoding.js"
import type * as Response from "../src/Response.js"

const context = { modelId: "us.anthropic.claude-sonnet-4-6", requestId: "req-1", timestamp: new Date(0) }

const usage = { inputTokens: 10, outputTokens: 7, totalTokens: 27, cacheReadInputTokens: 6, cacheWriteInputTokens: 4 }

// One answer with thinking, text and a tool call, as ConverseStream events...
const events: Array<ConverseStreamOutput> = [
  { messageStart: { role: "assistant" } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me " } } } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: "think." } } } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig-abc" } } } },
  { contentBlockStop: { contentBlockIndex: 0 } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "" } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "Checking " } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "the weather." } } },
  { contentBlockStop: { contentBlockIndex: 1 } },
  { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tu-1", name: "get_weather" } } } },
  { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: "{\"city\":" } } } },
  { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: "\"Paris\"}" } } } },
  { contentBlockStop: { contentBlockIndex: 2 } },
  { messageStop: { stopReason: "tool_use", additionalModelResponseFields: { foo: 1 } } },
  { metadata: { usage, metrics: { latencyMs: 42 } } }
]

// ...and the same answer as a Converse response.
const converseResponse: ConverseResponse = {
  output: {
    message: {
      role: "assistant",
      content: [
        { reasoningContent: { reasoningText: { text: "Let me think.", signature: "sig-abc" } } },
        { text: "Checking the weather." },
        { toolUse: { toolUseId: "tu-1", name: "get_weather", input: { city: "Paris" } } }
      ]
    }
  },
  stopReason: "tool_use",
  usage,
  metrics: { latencyMs: 42 },
  additionalModelResponseFields: { foo: 1 }
}

const decodeAll = (
  input: ReadonlyArray<BedrockClient.StreamEvent>,
  ctx: StreamDecoding.StreamDecodeContext = context
) => Stream.fromIterable(input).pipe(StreamDecoding.decode(ctx), Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

describe("stream decoding", () => {
  it.effect("takes the request id from the stream's initial response; a later attempt's wins", () =>
    Effect.gen(function*() {
      const initial = (requestId: string): BedrockClient.InitialResponse => ({
        initialResponse: { requestId, httpStatusCode: 200 }
      })
      const parts = yield* decodeAll([initial("attempt-1"), initial("attempt-2"), ...events], { modelId: "m" })
      const finish = parts[parts.length - 1] as Response.Finish
      assert.strictEqual(finish.response.requestId, "attempt-2")
      const error = yield* Effect.flip(
        decodeAll([initial("attempt-3"), events[0]!, { throttlingException: { message: "slow" } } as never], {
          modelId: "m"
        })
      )
      assert.strictEqual(error._tag, "ThrottlingError")
      assert.strictEqual(error.requestId, "attempt-3")
      const truncated = yield* Effect.flip(decodeAll([initial("attempt-4"), events[0]!], { modelId: "m" }))
      assert.strictEqual(truncated.requestId, "attempt-4")
    }))

  it.effect("emits start/delta/end parts, a complete tool call, and Finish last", () =>
    Effect.gen(function*() {
      const parts = yield* decodeAll(events)
      assert.deepStrictEqual(parts.map((p) => p._tag), [
        "ThinkingStart",
        "ThinkingDelta",
        "ThinkingDelta",
        "ThinkingDelta",
        "ThinkingEnd",
        "TextStart",
        "TextDelta",
        "TextDelta",
        "TextEnd",
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCallDelta",
        "ToolCall",
        "Finish"
      ])
      const call = parts.find((p) => p._tag === "ToolCall")
      assert.deepStrictEqual(call, {
        _tag: "ToolCall",
        index: 2,
        id: "tu-1",
        name: "get_weather",
        input: { city: "Paris" }
      })
    }))

  it.effect("its final response equals the non-streaming decoding of the same answer", () =>
    Effect.gen(function*() {
      const parts = yield* decodeAll(events)
      const finish = parts.at(-1) as Response.Finish
      const direct = ResponseDecoding.fromConverseResponse(converseResponse, context)
      assert.deepStrictEqual(finish.response, direct)
      assert.strictEqual(direct.finishReason, "tool-calls")
      assert.strictEqual(direct.rawFinishReason, "tool_use")
      assert.deepStrictEqual(direct.usage, {
        inputTokens: 20,
        outputTokens: 7,
        totalTokens: 27,
        cacheReadTokens: 6,
        cacheWriteTokens: 4,
        details: {}
      })
      assert.strictEqual(direct.latencyMs, 42)
      assert.strictEqual(direct.requestId, "req-1")
      assert.deepStrictEqual(direct.providerFields, { additionalModelResponseFields: { foo: 1 } })
    }))

  it.effect("never finishes before messageStop: a stream ending before it fails", () =>
    Effect.gen(function*() {
      const result = yield* decodeAll(events.slice(0, -2)).pipe(Effect.either)
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "TransportError")
        assert.strictEqual((result.left as BedrockError.TransportError).kind, "TruncatedEventStream")
      }
    }))

  it.effect("after messageStop without metadata: finishes, usage marked unknown", () =>
    Effect.gen(function*() {
      const parts = yield* decodeAll(events.slice(0, -1))
      const finish = parts.at(-1) as Response.Finish
      assert.strictEqual(finish._tag, "Finish")
      assert.strictEqual(finish.finishReason, "tool-calls")
      assert.strictEqual(finish.usage.unknown, true)
      assert.strictEqual(finish.usage.totalTokens, 0)
      assert.deepStrictEqual(finish.response.usage, finish.usage)
    }))

  it.effect("an exception event fails the stream after the parts before it were delivered", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const input: Array<ConverseStreamOutput> = [
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Partial" } } },
        { throttlingException: { name: "ThrottlingException", message: "slow down" } as any },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "never" } } }
      ]
      const result = yield* Stream.fromIterable(input).pipe(
        StreamDecoding.decode(context),
        Stream.runForEach((part) => Effect.sync(() => seen.push(part._tag))),
        Effect.either
      )
      assert.deepStrictEqual(seen, ["TextStart", "TextDelta"])
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.isTrue(BedrockError.isBedrockError(result.left))
        assert.strictEqual(result.left._tag, "ThrottlingError")
        assert.strictEqual(result.left.position, "stream")
        assert.strictEqual(result.left.retryable, true)
      }
    }))

  it.effect("redacted thinking bytes are joined, and invalid tool JSON is kept as a string", () =>
    Effect.gen(function*() {
      const parts = yield* decodeAll([
        {
          contentBlockDelta: {
            contentBlockIndex: 0,
            delta: { reasoningContent: { redactedContent: new Uint8Array([1, 2]) } }
          }
        },
        {
          contentBlockDelta: {
            contentBlockIndex: 0,
            delta: { reasoningContent: { redactedContent: new Uint8Array([3]) } }
          }
        },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { contentBlockStart: { contentBlockIndex: 1, start: { toolUse: { toolUseId: "t", name: "f" } } } },
        { contentBlockDelta: { contentBlockIndex: 1, delta: { toolUse: { input: "{\"a\":" } } } },
        { contentBlockStop: { contentBlockIndex: 1 } },
        { messageStop: { stopReason: "malformed_tool_use" } },
        { metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } } }
      ])
      const response = (parts.at(-1) as Response.Finish).response
      assert.deepStrictEqual(response.parts[0], {
        _tag: "Thinking",
        text: "",
        redacted: new Uint8Array([1, 2, 3]),
        provider: "bedrock"
      })
      assert.deepStrictEqual(response.parts[1], { _tag: "ToolCall", id: "t", name: "f", input: "{\"a\":" })
      assert.strictEqual(response.finishReason, "error")
    }))

  it.effect("drops leading whitespace-only deltas for families that need it", () =>
    Effect.gen(function*() {
      const parts = yield* decodeAll([
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "\n\n" } } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { text: " Hi" } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: "end_turn" } },
        { metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } } }
      ], { ...context, trimLeadingWhitespace: true })
      assert.deepStrictEqual(parts.filter((p) => p._tag === "TextDelta"), [{
        _tag: "TextDelta",
        index: 0,
        delta: "Hi"
      }])
    }))

  it.effect("keeps a long answer's text whole", () =>
    Effect.gen(function*() {
      const deltas: Array<ConverseStreamOutput> = Array.from({ length: 5000 }, (_, i) => ({
        contentBlockDelta: { contentBlockIndex: 0, delta: { text: `${i % 10}` } }
      }))
      const parts = yield* decodeAll([
        ...deltas,
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: "end_turn" } },
        { metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } } }
      ])
      const response = (parts.at(-1) as Response.Finish).response
      assert.strictEqual(response.parts.length, 1)
      const text = (response.parts[0] as { text: string }).text
      assert.strictEqual(text.length, 5000)
      assert.strictEqual(text.slice(0, 12), "012345678901")
    }))
})

describe("response decoding", () => {
  it("maps every stop reason and keeps unknown ones", () => {
    const cases: Record<string, Response.FinishReason> = {
      end_turn: "stop",
      stop_sequence: "stop",
      max_tokens: "length",
      model_context_window_exceeded: "length",
      content_filtered: "content-filter",
      guardrail_intervened: "content-filter",
      malformed_model_output: "error",
      malformed_tool_use: "error",
      tool_use: "tool-calls",
      something_new: "unknown"
    }
    for (const [raw, expected] of Object.entries(cases)) {
      const response = ResponseDecoding.fromConverseResponse({
        output: { message: { role: "assistant", content: [{ text: "x" }] } },
        stopReason: raw as any,
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        metrics: { latencyMs: 1 }
      }, context)
      assert.strictEqual(response.finishReason, expected, raw)
      assert.strictEqual(response.rawFinishReason, raw)
    }
  })

  it("keeps unknown content blocks and extra usage numbers", () => {
    const response = ResponseDecoding.fromConverseResponse({
      output: { message: { role: "assistant", content: [{ citationsContent: { content: [] } } as any] } },
      stopReason: "end_turn",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2, cacheDetails: [], serverToolTokens: 3 } as any,
      metrics: { latencyMs: 1 },
      trace: { guardrail: {} },
      serviceTier: { type: "flex" }
    }, context)
    assert.deepStrictEqual(response.parts, [{ _tag: "Unknown", kind: "citationsContent", raw: { content: [] } }])
    assert.deepStrictEqual(response.usage.details, { serverToolTokens: 3 })
    assert.deepStrictEqual(response.providerFields, { trace: { guardrail: {} }, serviceTier: { type: "flex" } })
  })

  it("turns the structured-output tool's call into JSON text", () => {
    const response = ResponseDecoding.fromConverseResponse({
      output: {
        message: {
          role: "assistant",
          content: [{ toolUse: { toolUseId: "t", name: "final_result", input: { answer: 42 } } }]
        }
      },
      stopReason: "tool_use",
      usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      metrics: { latencyMs: 1 }
    }, { ...context, outputTool: "final_result" })
    assert.deepStrictEqual(response.parts, [{ _tag: "Text", text: "{\"answer\":42}" }])
  })
})
