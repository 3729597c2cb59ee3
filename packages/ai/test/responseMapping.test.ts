import type { Response } from "@effect-bedrock/core"
import { assert, describe, it } from "@effect/vitest"
import { Chunk } from "effect"
import { finishMetadata, fromResponse, streamMapper } from "../src/internal/responseMapping.js"
import { SignatureMemo } from "../src/internal/signatureMemo.js"

const usage: Response.Usage = {
  inputTokens: 30,
  outputTokens: 5,
  totalTokens: 35,
  cacheReadTokens: 10,
  cacheWriteTokens: 8,
  details: { reasoningTokens: 3 }
}

const response: Response.Response = {
  parts: [
    { _tag: "Thinking", text: "Hmm.", signature: "sig-a", provider: "bedrock" },
    { _tag: "Thinking", text: "", redacted: new Uint8Array([1, 2, 3]), provider: "bedrock" },
    { _tag: "Text", text: "Hi" },
    { _tag: "ToolCall", id: "t1", name: "city_lookup", input: { city: "Faro" } },
    { _tag: "Unknown", kind: "citationsContent", raw: { citations: [] } }
  ],
  finishReason: "tool-calls",
  rawFinishReason: "tool_use",
  usage,
  modelId: "m",
  requestId: "req-1",
  latencyMs: 12,
  timestamp: new Date("2026-05-01T12:00:00.000Z"),
  cost: { input: 0.1, output: 0.2, cacheRead: 0, cacheWrite: 0, total: 0.3, currency: "USD" },
  providerFields: { serviceTier: { type: "flex" }, trace: { guardrail: {} } }
}

describe("responseMapping", () => {
  it("a whole answer: metadata, content, finish with usage and the Bedrock outputs", () => {
    const memo = new SignatureMemo(4)
    const parts = fromResponse(response, { toolNames: new Map([["city_lookup", "city.lookup"]]), memo })
    assert.deepStrictEqual(parts, [
      {
        type: "response-metadata",
        modelId: "m",
        timestamp: "2026-05-01T12:00:00.000Z",
        id: "req-1",
        metadata: { effectBedrock: { requestId: "req-1", latencyMs: 12 } }
      },
      { type: "reasoning", text: "Hmm.", metadata: { effectBedrock: { signature: "sig-a" } } },
      { type: "reasoning", text: "", metadata: { effectBedrock: { redactedData: "AQID" } } },
      { type: "text", text: "Hi" },
      { type: "tool-call", id: "t1", name: "city.lookup", params: { city: "Faro" }, providerExecuted: false },
      {
        type: "finish",
        reason: "tool-calls",
        usage: { inputTokens: 30, outputTokens: 5, totalTokens: 35, cachedInputTokens: 10 },
        metadata: { effectBedrock: finishMetadata(response) }
      }
    ])
    assert.deepStrictEqual(finishMetadata(response), {
      rawFinishReason: "tool_use",
      cacheReadTokens: 10,
      cacheWriteTokens: 8,
      requestId: "req-1",
      latencyMs: 12,
      cost: { input: 0.1, output: 0.2, cacheRead: 0, cacheWrite: 0, total: 0.3, currency: "USD" },
      serviceTier: "flex",
      usageDetails: { reasoningTokens: 3 },
      trace: { guardrail: {} },
      unknownBlocks: [{ kind: "citationsContent", raw: { citations: [] } }]
    })
    assert.strictEqual(memo.lookup("Hmm."), "sig-a")
  })

  it("a stream: signature and redacted bytes at the reasoning's end, finish at the end", () => {
    const finished: Array<Response.Response> = []
    const map = streamMapper({ toolNames: undefined, memo: new SignatureMemo(4), onFinish: (r) => finished.push(r) })
    const parts = Chunk.toReadonlyArray(map(Chunk.fromIterable<Response.StreamPart>([
      { _tag: "ThinkingStart", index: 0 },
      { _tag: "ThinkingDelta", index: 0, delta: "Hm" },
      { _tag: "ThinkingDelta", index: 0, signature: "sig-" },
      { _tag: "ThinkingDelta", index: 0, signature: "b" },
      { _tag: "ThinkingEnd", index: 0 },
      { _tag: "ThinkingStart", index: 1 },
      { _tag: "ThinkingDelta", index: 1, redacted: new Uint8Array([1]) },
      { _tag: "ThinkingDelta", index: 1, redacted: new Uint8Array([2, 3]) },
      { _tag: "ThinkingEnd", index: 1 },
      { _tag: "TextStart", index: 2 },
      { _tag: "TextDelta", index: 2, delta: "a" },
      { _tag: "TextDelta", index: 2, delta: "b" },
      { _tag: "TextEnd", index: 2 },
      { _tag: "Finish", finishReason: response.finishReason, usage, response }
    ])))
    assert.deepStrictEqual(parts.slice(0, 9), [
      { type: "reasoning-start", id: "0" },
      { type: "reasoning-delta", id: "0", delta: "Hm" },
      { type: "reasoning-end", id: "0", metadata: { effectBedrock: { signature: "sig-b" } } },
      { type: "reasoning-start", id: "1" },
      { type: "reasoning-end", id: "1", metadata: { effectBedrock: { redactedData: "AQID" } } },
      { type: "text-start", id: "2" },
      { type: "text-delta", id: "2", delta: "ab" },
      { type: "text-end", id: "2" },
      {
        type: "response-metadata",
        modelId: "m",
        timestamp: "2026-05-01T12:00:00.000Z",
        id: "req-1",
        metadata: { effectBedrock: { requestId: "req-1", latencyMs: 12 } }
      }
    ])
    assert.strictEqual(parts[9]!.type, "finish")
    assert.deepStrictEqual(finished, [response])
    // A new chunk starts new deltas.
    const next = Chunk.toReadonlyArray(map(Chunk.fromIterable<Response.StreamPart>([
      { _tag: "TextDelta", index: 2, delta: "c" }
    ])))
    assert.deepStrictEqual(next, [{ type: "text-delta", id: "2", delta: "c" }])
  })
})
