import type * as Cv from "@effect-bedrock/converse"
import { coalesceDeltas } from "@effect-bedrock/converse/stream/coalesce"
import { Decoder, type StreamEvent } from "@effect-bedrock/converse/stream/decoder"
import { assert, describe, it } from "vitest"

const coalesced = (parts: ReadonlyArray<Cv.StreamPart>): Array<Cv.StreamPart> => {
  const out: Array<Cv.StreamPart> = []
  coalesceDeltas(parts, out)
  return out
}

const plain = (parts: ReadonlyArray<Cv.StreamPart>) => parts.map((part) => ({ ...part }))

describe("stream/coalesce", () => {
  it("a block's consecutive deltas become one; other parts, and other blocks' deltas, stay where they were", () => {
    const parts: Array<Cv.StreamPart> = [
      { _tag: "ThinkingStart", index: 0 },
      { _tag: "ThinkingDelta", index: 0, delta: "Let " },
      { _tag: "ThinkingDelta", index: 0, delta: "me think." },
      { _tag: "ThinkingDelta", index: 0, signature: "sig" },
      { _tag: "ThinkingDelta", index: 0, delta: "More." },
      { _tag: "ThinkingEnd", index: 0 },
      { _tag: "TextStart", index: 1 },
      { _tag: "TextDelta", index: 1, delta: "Hel" },
      { _tag: "TextDelta", index: 1, delta: "lo" },
      { _tag: "TextDelta", index: 1, delta: "!" },
      { _tag: "TextEnd", index: 1 },
      { _tag: "ToolCallStart", index: 2, id: "a", name: "f" },
      { _tag: "ToolCallDelta", index: 2, id: "a", delta: "{\"x\"" },
      { _tag: "ToolCallDelta", index: 2, id: "a", delta: ":1}" },
      // Another block (interleaved): a run of one stays the same object.
      { _tag: "TextDelta", index: 3, delta: "x" },
      { _tag: "ToolCallDelta", index: 2, id: "a", delta: " " }
    ]
    const out = coalesced(parts)
    assert.deepStrictEqual(plain(out), [
      { _tag: "ThinkingStart", index: 0 },
      { _tag: "ThinkingDelta", index: 0, delta: "Let me think." },
      // A signature is not text: it is passed on as it came, and ends the run.
      { _tag: "ThinkingDelta", index: 0, signature: "sig" },
      { _tag: "ThinkingDelta", index: 0, delta: "More." },
      { _tag: "ThinkingEnd", index: 0 },
      { _tag: "TextStart", index: 1 },
      { _tag: "TextDelta", index: 1, delta: "Hello!" },
      { _tag: "TextEnd", index: 1 },
      { _tag: "ToolCallStart", index: 2, id: "a", name: "f" },
      { _tag: "ToolCallDelta", index: 2, id: "a", delta: "{\"x\":1}" },
      { _tag: "TextDelta", index: 3, delta: "x" },
      { _tag: "ToolCallDelta", index: 2, id: "a", delta: " " }
    ])
    assert.strictEqual(out[2], parts[3])
    assert.strictEqual(out[10], parts[14])
    assert.strictEqual(out[11], parts[15])
  })

  it("one batch at a time: the last delta of a batch goes out with it, the next batch starts a new run", () => {
    const decoder = new Decoder({ modelId: "m", timestamp: new Date(0) })
    const batch = (events: ReadonlyArray<StreamEvent>) => {
      const parts: Array<Cv.StreamPart> = []
      for (const event of events) decoder.step(event, parts)
      return coalesced(parts)
    }
    const delta = (text: string): StreamEvent => ({ contentBlockDelta: { contentBlockIndex: 0, delta: { text } } })
    const first = batch([{ messageStart: { role: "assistant" } }, delta("a"), delta("b"), delta("c")])
    assert.deepStrictEqual(plain(first), [{ _tag: "TextStart", index: 0 }, {
      _tag: "TextDelta",
      index: 0,
      delta: "abc"
    }])
    const second = batch([delta("d")])
    assert.deepStrictEqual(plain(second), [{ _tag: "TextDelta", index: 0, delta: "d" }])
    const third = batch([delta("e"), delta("f"), { contentBlockStop: { contentBlockIndex: 0 } }])
    assert.deepStrictEqual(plain(third), [{ _tag: "TextDelta", index: 0, delta: "ef" }, { _tag: "TextEnd", index: 0 }])
    // The final answer holds every delta's text once.
    batch([{ messageStop: { stopReason: "end_turn" } }])
    assert.deepStrictEqual(decoder.response().parts, [{ _tag: "Text", text: "abcdef" }])
  })
})
