import * as EffectAi from "@effect-bedrock/converse/prompt/effectAi"
import type * as PartOptions from "@effect-bedrock/converse/prompt/partOptions"
import { assert, describe, it } from "vitest"

const hooks: EffectAi.Hooks = {
  options: (_holder, options) => options.effectBedrock as PartOptions.PartOptions | undefined,
  decodeBase64: (text) => /^[A-Za-z0-9+/]*={0,2}$/.test(text) ? new Uint8Array(Buffer.from(text, "base64")) : undefined,
  signatureOf: (text) => text === "remembered" ? "sig" : undefined,
  providerToolCall: () => undefined,
  providerToolResult: () => undefined,
  toolResultName: (name) => name
}

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0])
const reasoning: EffectAi.AiReasoningPart = { type: "reasoning", text: "remembered", options: {} }
const nativeCall: EffectAi.AiToolCallPart = {
  type: "tool-call",
  id: "c1",
  name: "run",
  params: {},
  providerExecuted: true,
  options: {}
}
const result: EffectAi.AiToolResultPart = {
  type: "tool-result",
  id: "c1",
  name: "run",
  result: 1,
  isFailure: false,
  options: {}
}

describe("prompt/effectAi", () => {
  it("walks the prompt: a leading system cache point is a setting, files sniffed and named, reasoning signed", () => {
    const builder = new EffectAi.PromptBuilder(hooks).addAll([
      { role: "system", content: "be brief", options: { effectBedrock: { cachePoint: "1h" } } },
      {
        role: "user",
        content: [
          { type: "file", mediaType: "image/*", data: png, options: {} },
          { type: "file", mediaType: "application/pdf", fileName: "report.pdf", data: "AAAA", options: {} },
          { type: "text", text: "hi", options: { effectBedrock: { cachePoint: true } } }
        ],
        options: {}
      },
      {
        role: "assistant",
        content: [
          reasoning,
          nativeCall,
          { type: "tool-approval-request" }
        ],
        options: {}
      },
      {
        role: "tool",
        content: [result],
        options: { effectBedrock: { cachePoint: "5m" } }
      }
    ])
    assert.strictEqual(builder.systemCache, "1h")
    assert.deepStrictEqual(builder.messages, [
      { _tag: "System", content: "be brief" },
      {
        _tag: "User",
        parts: [
          { _tag: "File", mediaType: "image/png", source: { _tag: "Bytes", data: png } },
          {
            _tag: "File",
            mediaType: "application/pdf",
            source: { _tag: "Bytes", data: new Uint8Array([0, 0, 0]) },
            name: "report.pdf",
            documentName: "report"
          },
          { _tag: "Text", text: "hi" },
          { _tag: "CachePoint" }
        ]
      },
      { _tag: "Assistant", parts: [{ _tag: "Thinking", text: "remembered", signature: "sig", provider: "bedrock" }] },
      { _tag: "Tool", parts: [{ _tag: "ToolResult", id: "c1", name: "run", result: 1, isError: false }] },
      { _tag: "User", parts: [{ _tag: "CachePoint", ttl: "5m" }] }
    ])
  })

  it("issues name where: bad file data, files from the assistant", () => {
    const issue = (messages: ReadonlyArray<EffectAi.AiMessage>) => {
      try {
        new EffectAi.PromptBuilder(hooks).addAll(messages)
      } catch (error) {
        return error
      }
      return undefined
    }
    const bad = issue([{
      role: "user",
      content: [{ type: "file", mediaType: "image/png", data: "%%", options: {} }],
      options: {}
    }])
    assert.instanceOf(bad, EffectAi.MappingIssue)
    assert.strictEqual((bad as EffectAi.MappingIssue).path, "prompt.content[0].content[0].data")
    const file = issue([{ role: "assistant", content: [{ type: "file" }], options: {} }])
    assert.strictEqual((file as EffectAi.MappingIssue).path, "prompt.content[0].content[0]")
    assert.deepStrictEqual(EffectAi.toolChoice({ tool: "a.b" }, EffectAi.bedrockToolName), { tool: "a_b" })
    assert.strictEqual(EffectAi.toolChoice({ mode: "required" }, EffectAi.bedrockToolName), "required")
  })
})
