import type { ConverseResponse } from "@aws-sdk/client-bedrock-runtime"
import { assert, describe, it } from "vitest"
import { decodeAnswer } from "../../src/response/answer.js"

const answer = (text: string): ConverseResponse => ({
  output: { message: { role: "assistant", content: [{ text }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
  metrics: { latencyMs: 5 }
})

describe("decodeAnswer", () => {
  it("a body of the wrong shape is a message, not an empty answer", () => {
    for (const body of [{}, { output: null }, { output: { message: "x" } }] as Array<ConverseResponse>) {
      const decoded = decodeAnswer(body, {}, { modelId: "m" })
      assert.isFalse(decoded.ok)
      if (!decoded.ok) assert.match(decoded.message, /^Invalid Converse response: /)
    }
  })

  it("a wrapped answer is unwrapped in native and prompted mode, and left alone without output", () => {
    const wrapped = answer("{\"response\":[1,2]}")
    for (
      const output of [
        { _tag: "Native" as const, name: "n", unwrapKey: "response" },
        { _tag: "Prompted" as const, name: "n", unwrapKey: "response" }
      ]
    ) {
      const decoded = decodeAnswer(wrapped, { output }, { modelId: "m" })
      assert.isTrue(decoded.ok)
      if (decoded.ok) assert.deepStrictEqual(decoded.value.parts.map((p) => p._tag === "Text" && p.text), ["[1,2]"])
    }
    const plain = decodeAnswer(wrapped, {}, { modelId: "m", requestId: "r" })
    assert.isTrue(plain.ok && plain.value.requestId === "r")
    if (plain.ok) {
      assert.deepStrictEqual(plain.value.parts.map((p) => p._tag === "Text" && p.text), ["{\"response\":[1,2]}"])
    }
  })
})
