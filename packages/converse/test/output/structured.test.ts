import type * as Cv from "@effect-bedrock/converse"
import * as Structured from "@effect-bedrock/converse/output/structured"
import * as Helpers from "@effect-bedrock/converse/response/helpers"
import { assert, describe, it } from "vitest"

const answer = (...texts: ReadonlyArray<string>): Cv.Response => ({
  parts: texts.map((text): Cv.Part => ({ _tag: "Text", text })),
  finishReason: "stop",
  rawFinishReason: "end_turn",
  usage: Helpers.emptyUsage,
  modelId: "m"
})

describe("output/structured", () => {
  it("answerJson: the whole text (fences tolerated), else the last text part, else a rejection", () => {
    assert.deepStrictEqual(Structured.answerJson(answer("```json\n{\"x\":1}\n```")), { ok: true, value: { x: 1 } })
    assert.deepStrictEqual(Structured.answerJson(answer("Here it is:", "[1,2]")), { ok: true, value: [1, 2] })
    const notJson = Structured.answerJson(answer("nope"))
    assert.isFalse(notJson.ok)
    if (!notJson.ok) assert.match(notJson.rejection.feedback, /not valid JSON/)
    const empty = Structured.answerJson(answer(" "))
    assert.isFalse(empty.ok)
    if (!empty.ok) assert.match(empty.rejection.feedback, /no text/)
  })

  it("a non-object schema's answer is wrapped under unwrapKey", () => {
    assert.isTrue(Structured.isObjectSchema({ type: "object" }))
    assert.isFalse(Structured.isObjectSchema({ type: "array" }))
    assert.deepStrictEqual(Structured.wrappedValue({ type: "array" }, { response: [1] }), [1])
    assert.strictEqual(Structured.wrappedValue({ type: "object" }, { response: [1] }), Structured.noValue)
    assert.strictEqual(Structured.wrappedValue({ type: "array" }, { response: [1], more: 1 }), Structured.noValue)
    assert.strictEqual(Helpers.text(Structured.unwrapResponse(answer("{\"response\":[1]}"))), "[1]")
  })
})
