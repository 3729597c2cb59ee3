import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as DeltaObjects from "@effect-bedrock/converse/stream/deltaObjects"
import { assert, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import * as StreamDecoding from "../src/internal/streaming/streamDecoding.js"

// The per-delta objects a stream holds across young GCs come from constructors (deltaObjects.ts):
// the copies must carry exactly what the SDK's objects did, and decode to the same parts.

const deltas: ReadonlyArray<ConverseStreamOutput> = [
  { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: "Let me think." } } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "Checking " } } },
  { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "" } } },
  { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: "{\"city\":\"Paris\"}" } } } },
  // No index: the SDK leaves a missing member out, the copy keeps it undefined.
  { contentBlockDelta: { delta: { text: "x" } } } as ConverseStreamOutput
]

const others: ReadonlyArray<ConverseStreamOutput> = [
  { messageStart: { role: "assistant" } },
  { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig" } } } },
  {
    contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { redactedContent: new Uint8Array([1]) } } }
  },
  { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tu-1", name: "get_weather" } } } },
  { contentBlockDelta: { contentBlockIndex: 3, delta: { toolResult: [{ json: { ok: true } }] } } } as never,
  { contentBlockStop: { contentBlockIndex: 1 } },
  { messageStop: { stopReason: "end_turn" } },
  { metadata: { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 4 } } }
]

const decodeAll = (input: ReadonlyArray<ConverseStreamOutput>) =>
  Stream.fromIterable(input).pipe(
    StreamDecoding.decode({ modelId: "m", requestId: "r", timestamp: new Date(0) }),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray)
  )

describe("deltaObjects", () => {
  it("holdEvent copies text, tool-input and reasoning-text deltas field for field into new objects", () => {
    for (const event of deltas) {
      const held = DeltaObjects.holdEvent(event)
      assert.notStrictEqual(held, event)
      assert.notStrictEqual(held.contentBlockDelta?.delta, event.contentBlockDelta?.delta)
      expect(held).toEqual(event)
      assert.strictEqual(held.contentBlockDelta?.contentBlockIndex, event.contentBlockDelta?.contentBlockIndex)
    }
  })

  it("holdEvent returns every other event as it is", () => {
    for (const event of others) assert.strictEqual(DeltaObjects.holdEvent(event), event)
  })

  it.effect("held events decode to the same parts as the SDK's", () =>
    Effect.gen(function*() {
      const events: ReadonlyArray<ConverseStreamOutput> = [
        others[0]!,
        ...deltas.slice(0, 1),
        others[1]!,
        { contentBlockStop: { contentBlockIndex: 0 } },
        ...deltas.slice(1, 3),
        { contentBlockStop: { contentBlockIndex: 1 } },
        others[3]!,
        deltas[3]!,
        { contentBlockStop: { contentBlockIndex: 2 } },
        { messageStop: { stopReason: "tool_use" } },
        others[7]!
      ]
      const direct = yield* decodeAll(events)
      const held = yield* decodeAll(events.map(DeltaObjects.holdEvent))
      expect(held).toEqual(direct)
      const tags = direct.map((part) => part._tag)
      assert.deepStrictEqual(tags, [
        "ThinkingStart",
        "ThinkingDelta",
        "ThinkingDelta",
        "ThinkingEnd",
        "TextStart",
        "TextDelta",
        "TextEnd",
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCall",
        "Finish"
      ])
      // The per-delta parts are class instances with exactly the fields of the part.
      for (const part of held) {
        if (part._tag === "TextDelta" || part._tag === "ToolCallDelta" || part._tag === "ThinkingDelta") {
          if (part._tag === "ThinkingDelta" && part.signature !== undefined) continue
          assert.notStrictEqual(Object.getPrototypeOf(part), Object.prototype)
        }
      }
      const text = held.find((part) => part._tag === "TextDelta")
      assert.deepStrictEqual({ ...text }, { _tag: "TextDelta", index: 1, delta: "Checking " })
      const toolDelta = held.find((part) => part._tag === "ToolCallDelta")
      assert.deepStrictEqual({ ...toolDelta }, {
        _tag: "ToolCallDelta",
        index: 2,
        id: "tu-1",
        delta: "{\"city\":\"Paris\"}"
      })
    }))
})
