import type * as Cv from "@effect-bedrock/converse"
import * as Helpers from "@effect-bedrock/converse/response/helpers"
import { assert, describe, it } from "vitest"

const response: Cv.Response = {
  parts: [
    { _tag: "Thinking", text: "hmm" },
    { _tag: "Text", text: "a" },
    { _tag: "ToolCall", id: "t1", name: "weather", input: { city: "Paris" } },
    { _tag: "NativeToolCall", id: "n1", name: "codeExecution", input: {} },
    { _tag: "Unknown", kind: "citationsContent", raw: {} },
    { _tag: "Text", text: "b" }
  ],
  finishReason: "tool-calls",
  rawFinishReason: "tool_use",
  usage: Helpers.emptyUsage,
  modelId: "m"
}

describe("response/helpers", () => {
  it("reads text, tool calls, native tool parts and thinking, in order", () => {
    assert.strictEqual(Helpers.text(response), "ab")
    assert.deepStrictEqual(Helpers.toolCalls(response).map((part) => part.id), ["t1"])
    assert.deepStrictEqual(Helpers.nativeToolParts(response).map((part) => part.id), ["n1"])
    assert.deepStrictEqual(Helpers.thinking(response).map((part) => part.text), ["hmm"])
  })

  it("toMessage drops the parts that cannot be sent back", () => {
    const message = Helpers.toMessage(response)
    assert.strictEqual(message._tag, "Assistant")
    assert.deepStrictEqual(message.parts.map((part) => part._tag), [
      "Thinking",
      "Text",
      "ToolCall",
      "NativeToolCall",
      "Text"
    ])
  })

  it("addCost sums costs of one currency, else there is no cost", () => {
    const cost = { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, total: 10, currency: "USD" }
    assert.deepStrictEqual(Helpers.addCost(cost, cost), {
      input: 2,
      output: 4,
      cacheRead: 6,
      cacheWrite: 8,
      total: 20,
      currency: "USD"
    })
    assert.isUndefined(Helpers.addCost(cost, undefined))
    assert.isUndefined(Helpers.addCost(cost, { ...cost, currency: "EUR" }))
  })
})
