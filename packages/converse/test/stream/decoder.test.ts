import type * as Cv from "@effect-bedrock/converse"
import { Decoder, type StreamEvent } from "@effect-bedrock/converse/stream/decoder"
import { TextDeltaPart } from "@effect-bedrock/converse/stream/deltaObjects"
import { assert, describe, it } from "vitest"

const push = (decoder: Decoder, events: ReadonlyArray<StreamEvent>): Array<Cv.StreamPart> => {
  const out: Array<Cv.StreamPart> = []
  for (const event of events) decoder.step(event, out)
  return out
}

const context = { modelId: "m", timestamp: new Date(0) }

describe("stream/decoder", () => {
  it("events in, parts out, then the final response", () => {
    const decoder = new Decoder(context)
    const parts = push(decoder, [
      { initialResponse: { requestId: "r1" } },
      { messageStart: { role: "assistant" } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hel" } } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "lo" } } },
      { contentBlockStop: { contentBlockIndex: 0 } },
      { messageStop: { stopReason: "end_turn" } },
      { metadata: { usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 }, metrics: { latencyMs: 7 } } }
    ])
    assert.deepStrictEqual(parts.map((part) => part._tag), ["TextStart", "TextDelta", "TextDelta", "TextEnd"])
    // Deltas come from constructors (deltaObjects.ts), not literals.
    assert.instanceOf(parts[1], TextDeltaPart)
    assert.isUndefined(decoder.failure)
    assert.isTrue(decoder.complete)
    const finish = decoder.finish()
    assert.strictEqual(finish.finishReason, "stop")
    assert.deepStrictEqual(finish.response.parts, [{ _tag: "Text", text: "Hello" }])
    assert.strictEqual(finish.response.requestId, "r1")
    assert.strictEqual(finish.usage.totalTokens, 5)
  })

  it("an exception event is a failure descriptor with the attempt's request id; later events are ignored", () => {
    const decoder = new Decoder(context)
    const parts = push(decoder, [
      { initialResponse: { requestId: "r2" } },
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "a" } } },
      { throttlingException: { name: "ThrottlingException", $fault: "client", message: "slow down" } } as StreamEvent,
      { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "b" } } }
    ])
    assert.deepStrictEqual(parts.map((part) => part._tag), ["TextStart", "TextDelta"])
    assert.deepStrictEqual(decoder.failure, {
      _tag: "Exception",
      name: "ThrottlingException",
      message: "slow down",
      requestId: "r2"
    })
  })

  it("a payload of the wrong shape is an InvalidEventPayload descriptor naming the event type", () => {
    const decoder = new Decoder(context)
    push(decoder, [{ contentBlockDelta: { contentBlockIndex: 0, delta: { text: 42 } } } as unknown as StreamEvent])
    assert.deepStrictEqual(decoder.failure, {
      _tag: "Transport",
      kind: "InvalidEventPayload",
      message: "Invalid contentBlockDelta event: delta.text is not a string (number 42)",
      eventType: "contentBlockDelta",
      requestId: undefined
    })
  })

  it("without messageStop the answer is not whole; redacted thinking bytes are joined", () => {
    const decoder = new Decoder(context)
    push(decoder, [
      {
        contentBlockDelta: {
          contentBlockIndex: 0,
          delta: { reasoningContent: { redactedContent: new Uint8Array([1]) } }
        }
      },
      {
        contentBlockDelta: {
          contentBlockIndex: 0,
          delta: { reasoningContent: { redactedContent: new Uint8Array([2, 3]) } }
        }
      }
    ])
    assert.isFalse(decoder.answered)
    assert.isFalse(decoder.complete)
    const thinking = decoder.response().parts[0]
    assert.strictEqual(thinking?._tag, "Thinking")
    if (thinking?._tag === "Thinking") assert.deepStrictEqual(thinking.redacted, new Uint8Array([1, 2, 3]))
  })
})
