import { mapRecord, prepareRecord, toRecord } from "@effect-bedrock/converse/batch/record"
import { toConverseInput } from "@effect-bedrock/converse/mapping/converse"
import { makeModel, prepare } from "@effect-bedrock/converse/prepare/prepare"
import type { Request } from "@effect-bedrock/converse/request/types"
import { assert, describe, it } from "vitest"

const modelOf = (model: string, settings?: object) => {
  const made = makeModel({ model, settings })
  if (!made.ok) throw new Error("bad model")
  return made.value
}

const claude = modelOf("us.anthropic.claude-sonnet-4-5-20250929-v1:0", { maxTokens: 256 })
const nova = modelOf("us.amazon.nova-micro-v1:0")

const firstIssue = (
  result: { readonly ok: boolean; readonly issues?: ReadonlyArray<{ path: string; message: string }> }
) => {
  assert.isFalse(result.ok)
  return result.issues![0]!
}

describe("batch records", () => {
  it("a record's body is generate's Converse input without modelId", () => {
    const request = {
      prompt: [
        { _tag: "System" as const, content: "Be brief" },
        { _tag: "User" as const, parts: [{ _tag: "Text" as const, text: "Classify: great product" }] }
      ],
      settings: { temperature: 0 }
    }
    const record = toRecord(claude, { ...request, recordId: "doc-1" })
    assert.isTrue(record.ok)
    const prepared = prepare(claude, request as Request)
    assert.isTrue(prepared.ok)
    const onDemand = toConverseInput(prepared.ok ? prepared.value : (undefined as never))
    assert.isTrue(onDemand.ok)
    if (!record.ok || !onDemand.ok) return
    const { modelId, ...body } = onDemand.value.input
    assert.strictEqual(modelId, "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert.deepStrictEqual(record.value.modelInput, body)
    assert.notProperty(record.value.modelInput, "modelId")
    assert.deepStrictEqual(record.value.modelInput.inferenceConfig, { maxTokens: 256, temperature: 0 })
    assert.isFalse(record.value.unwrap)
  })

  it("the request is checked as generate checks it (same issues)", () => {
    const issue = firstIssue(toRecord(claude, { prompt: "x", temprature: 1 }))
    assert.match(issue.message, /temprature/)
    assert.match(firstIssue(toRecord(claude, { prompt: "x", settings: { temperature: 7 } })).path, /temperature/)
    assert.match(firstIssue(toRecord(claude, 42)).message, /must be an object/)
  })

  it("streaming, tools, tool handlers, toolkits and the output tool are refused with the reason", () => {
    const cases: Array<[object, string, RegExp]> = [
      [{ prompt: "x", stream: true }, "stream", /cannot stream/],
      [{ prompt: "x", toolkit: {} }, "toolkit", /tool loop/],
      [{ prompt: "x", tools: [{ name: "t", parameters: { type: "object" } }] }, "tools", /toolConfig fail with a 400/],
      [
        { prompt: "x", tools: [{ name: "t", parameters: { type: "object" }, handler: () => 1 }] },
        "tools[0].handler",
        /tool handlers never run/
      ],
      [{ prompt: "x", nativeTools: ["codeExecution"] }, "nativeTools", /does not take tools/],
      [{ prompt: "x", toolChoice: "required" }, "toolChoice", /does not take tools/],
      [{ prompt: "x", output: { schema: { type: "object" }, mode: "tool" } }, "output.mode", /"native", "prompted"/]
    ]
    for (const [request, path, message] of cases) {
      const issue = firstIssue(toRecord(claude, request))
      assert.strictEqual(issue.path, path)
      assert.match(issue.message, message)
    }
  })

  it("a prompt with an earlier tool exchange is accepted: its calls and results go as text", () => {
    const record = toRecord(claude, {
      prompt: [
        { _tag: "User", parts: [{ _tag: "Text", text: "Weather?" }] },
        { _tag: "Assistant", parts: [{ _tag: "ToolCall", id: "t1", name: "weather", input: { city: "Paris" } }] },
        {
          _tag: "Tool",
          parts: [{ _tag: "ToolResult", id: "t1", name: "weather", result: { celsius: 21 }, isError: false }]
        }
      ]
    })
    assert.isTrue(record.ok, JSON.stringify(record))
    if (record.ok) {
      assert.isUndefined(record.value.modelInput.toolConfig)
      assert.include(JSON.stringify(record.value.modelInput.messages), "Paris")
    }
  })

  it("settings a record cannot carry are refused", () => {
    assert.strictEqual(
      firstIssue(toRecord(claude, { prompt: "x", settings: { extraHeaders: { "x-a": "1" } } })).path,
      "settings.extraHeaders"
    )
    assert.match(
      firstIssue(toRecord(claude, { prompt: "x", settings: { serviceTier: "flex" } })).message,
      /batch prices/
    )
    const profile = firstIssue(toRecord(claude, { prompt: "x", settings: { inferenceProfile: "arn:aws:bedrock:x" } }))
    assert.strictEqual(profile.path, "settings.inferenceProfile")
    assert.match(profile.message, /job's model/)
    assert.isTrue(toRecord(claude, { prompt: "x", settings: { serviceTier: "auto" } }).ok)
  })

  it("structured output: auto is native where the model has it, prompted elsewhere; a wrapped schema is marked", () => {
    const native = toRecord(claude, { prompt: "x", output: { schema: { type: "object", properties: {} } } })
    assert.isTrue(native.ok)
    if (native.ok) assert.isDefined(native.value.modelInput.outputConfig)
    const prompted = toRecord(nova, { prompt: "x", output: { schema: { type: "array", items: { type: "string" } } } })
    assert.isTrue(prompted.ok)
    if (prompted.ok) {
      assert.isUndefined(prompted.value.modelInput.outputConfig)
      assert.include(JSON.stringify(prompted.value.modelInput.system), "Always respond with a JSON object")
      assert.isTrue(prompted.value.unwrap)
    }
  })

  it("files by URL must be fetched before mapping", () => {
    const prepared = prepareRecord(claude, {
      prompt: [{
        _tag: "User",
        parts: [{ _tag: "File", mediaType: "image/png", source: { _tag: "Url", url: "https://example.com/a.png" } }]
      }]
    })
    assert.isTrue(prepared.ok, JSON.stringify(prepared))
    if (!prepared.ok) return
    assert.isTrue(prepared.value.hasDownloads)
    assert.match(firstIssue(mapRecord(prepared.value)).message, /fetch them first/)
  })
})
