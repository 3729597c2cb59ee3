import { decodeLine, decodeManifest, LineReader } from "@effect-bedrock/converse/batch/output"
import { assert, describe, it } from "vitest"

const success = (recordId: string, text: string, extra: object = {}) =>
  JSON.stringify({
    recordId,
    modelInput: { messages: [] },
    modelOutput: {
      output: { message: { role: "assistant", content: [{ text }] } },
      stopReason: "end_turn",
      usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14 },
      metrics: { latencyMs: 12 },
      ...extra
    }
  })

const context = { modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }

describe("batch output", () => {
  it("a modelOutput line is the same Response as on-demand: parts, usage, finish reason", () => {
    const decoded = decodeLine(success("r1", "positive"), context)
    assert.isTrue(decoded.ok)
    if (!decoded.ok || decoded.value._tag !== "Success") return assert.fail("expected a success")
    const response = decoded.value.response
    assert.strictEqual(decoded.value.recordId, "r1")
    assert.deepStrictEqual(response.parts, [{ _tag: "Text", text: "positive" }])
    assert.strictEqual(response.finishReason, "stop")
    assert.deepInclude(response.usage, { inputTokens: 10, outputTokens: 4, totalTokens: 14 })
    assert.strictEqual(response.modelId, context.modelId)
    assert.strictEqual(response.latencyMs, 12)
  })

  it("an error line is the record's failure with Bedrock's code and message", () => {
    const line = JSON.stringify({
      recordId: "r2",
      modelInput: {},
      error: { errorCode: 400, errorMessage: "bad request" }
    })
    assert.deepStrictEqual(decodeLine(line, context), {
      ok: true,
      value: { _tag: "Failure", recordId: "r2", error: { code: 400, message: "bad request" } }
    })
  })

  it("a wrapped structured answer is unwrapped for the records that asked for it", () => {
    const line = success("r3", "{\"response\":[1,2]}")
    const unwrapped = decodeLine(line, { ...context, unwrap: (id) => id === "r3" })
    const kept = decodeLine(line, context)
    assert.isTrue(unwrapped.ok && kept.ok)
    if (unwrapped.ok && unwrapped.value._tag === "Success") {
      assert.deepStrictEqual(unwrapped.value.response.parts, [{ _tag: "Text", text: "[1,2]" }])
    }
    if (kept.ok && kept.value._tag === "Success") {
      assert.deepStrictEqual(kept.value.response.parts, [{ _tag: "Text", text: "{\"response\":[1,2]}" }])
    }
  })

  it("redacted reasoning comes as base64 and is decoded to bytes", () => {
    const line = JSON.stringify({
      recordId: "r4",
      modelOutput: {
        output: {
          message: { role: "assistant", content: [{ reasoningContent: { redactedContent: "AQID" } }, { text: "ok" }] }
        },
        stopReason: "end_turn"
      }
    })
    const decoded = decodeLine(line, context)
    if (!decoded.ok || decoded.value._tag !== "Success") return assert.fail("expected a success")
    const thinking = decoded.value.response.parts[0]
    assert.strictEqual(thinking?._tag, "Thinking")
    if (thinking?._tag === "Thinking") assert.deepStrictEqual(thinking.redacted, new Uint8Array([1, 2, 3]))
  })

  it("untrusted lines: not a record is a problem; a malformed answer is that record's failure", () => {
    for (const line of ["{", "[1]", "\"x\"", "{\"modelOutput\":{}}", "{\"recordId\":7}"]) {
      assert.isFalse(decodeLine(line, context).ok, line)
    }
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ recordId: "a" }), /neither modelOutput nor error/],
      [JSON.stringify({ recordId: "a", modelOutput: { output: "x" } }), /Invalid Converse response/],
      [success("a", "x", { usage: { inputTokens: "5" } }), /usage.inputTokens is not a count/],
      [JSON.stringify({ recordId: "a", error: { errorCode: {}, errorMessage: "m" } }), /errorCode is not a code/],
      [JSON.stringify({ recordId: "a", error: "boom" }), /error is not an object/]
    ]
    for (const [line, message] of cases) {
      const decoded = decodeLine(line, context)
      if (!decoded.ok || decoded.value._tag !== "Failure") return assert.fail(line)
      assert.strictEqual(decoded.value.error.code, "MalformedOutput")
      assert.match(decoded.value.error.message, message)
    }
  })

  it("lines are cut across chunks, also inside a character; the last line may lack its break", () => {
    const bytes = new TextEncoder().encode("{\"a\":\"é\"}\n\n{\"b\":2}\n{\"c\":3}")
    const reader = new LineReader()
    const lines: Array<string> = []
    for (let i = 0; i < bytes.length; i += 3) {
      const pushed = reader.push(bytes.subarray(i, i + 3))
      assert.isTrue(pushed.ok)
      if (pushed.ok) { for (const line of pushed.lines) lines.push(line) }
    }
    for (const line of reader.end()) lines.push(line)
    assert.deepStrictEqual(lines, ["{\"a\":\"é\"}", "{\"b\":2}", "{\"c\":3}"])
    const bounded = new LineReader(4)
    assert.isFalse(bounded.push(new TextEncoder().encode("123456")).ok)
  })

  it("the manifest's counts are checked", () => {
    assert.deepStrictEqual(decodeManifest("{\"totalRecordCount\":3,\"errorRecordCount\":1,\"other\":\"x\"}"), {
      ok: true,
      value: { totalRecordCount: 3, errorRecordCount: 1 }
    })
    assert.isFalse(decodeManifest("{\"totalRecordCount\":-1}").ok)
    assert.isFalse(decodeManifest("[]").ok)
    assert.isFalse(decodeManifest("nope").ok)
  })
})
