import { modelIdProblem, requestIssues, validateRequest } from "@effect-bedrock/converse/request/validate"
import { assert, describe, it } from "vitest"

const paths = (input: unknown) => {
  const result = validateRequest(input)
  return result.ok ? [] : result.issues.map((issue) => issue.path)
}

describe("request/validate", () => {
  it("accepts a well-formed request as it is", () => {
    const request = {
      prompt: {
        messages: [
          { _tag: "System", content: "Be brief." },
          {
            _tag: "User",
            parts: [
              { _tag: "Text", text: "hi" },
              { _tag: "File", mediaType: "", source: { _tag: "Url", url: "s3://b/k" }, documentName: "Report (v2)" },
              { _tag: "CachePoint", ttl: "1h" }
            ]
          },
          { _tag: "Assistant", parts: [{ _tag: "ToolCall", id: "c", name: "t", input: { a: 1 } }] },
          { _tag: "Tool", parts: [{ _tag: "ToolResult", id: "c", isError: false, result: 1 }] }
        ]
      },
      instructions: ["a", { text: "b", dynamic: true }],
      tools: [{ name: "t", parameters: { type: "object" }, strict: true }],
      nativeTools: ["codeExecution"],
      toolChoice: { toolOrOutput: ["t"] },
      output: { schema: { type: "object" }, mode: "native" },
      settings: { temperature: 0 }
    }
    const result = validateRequest(request)
    assert.isTrue(result.ok)
    if (result.ok) assert.strictEqual<unknown>(result.value, request)
    assert.isUndefined(requestIssues({ prompt: "x" }))
  })

  it("reports every problem, each with its path, in the order of the fields", () => {
    assert.deepStrictEqual(
      paths({
        prompt: [
          { _tag: "User", parts: [{ _tag: "Text", text: 1 }, { _tag: "File", mediaType: "x", source: {} }] },
          { _tag: "Tool", parts: [{ _tag: "ToolResult", id: "c", isError: false, files: [{ _tag: "Text" }] }] },
          { _tag: "Shout" }
        ],
        setings: {},
        tools: [{ name: "a b", parameters: { type: "string" } }],
        nativeTools: ["teleport"],
        toolChoice: "bogus",
        output: { schema: null, mode: "psychic" }
      }),
      [
        "prompt[0].parts[0].text",
        "prompt[0].parts[1].source._tag",
        "prompt[1].parts[0].files[0]",
        "prompt[2]",
        "setings",
        "tools[0].name",
        "tools[0].parameters",
        "nativeTools[0]",
        "toolChoice",
        "output.mode",
        "output.schema"
      ]
    )
  })

  it("an unknown key comes with the closest known one", () => {
    const result = validateRequest({ prompt: "x", toolchoice: "auto" })
    assert.isFalse(result.ok)
    if (!result.ok) {
      assert.strictEqual(result.issues[0]!.suggestion, "toolChoice")
      assert.include(result.issues[0]!.message, "did you mean \"toolChoice\"")
    }
    // undefined is nothing to lose
    assert.isTrue(validateRequest({ prompt: "x", system: undefined }).ok)
  })

  it("empty prompts need instructions; a prompt is a Prompt or a message, not both", () => {
    assert.deepStrictEqual(paths({ prompt: " " }), ["prompt"])
    assert.deepStrictEqual(paths({ prompt: { messages: [] } }), ["prompt"])
    assert.deepStrictEqual(paths({ prompt: [], instructions: "Answer." }), [])
    assert.deepStrictEqual(paths({ prompt: { _tag: "User", parts: [], messages: [] } }), ["prompt"])
    assert.deepStrictEqual(paths({ prompt: { _tag: "User", parts: [{ _tag: "Text" }] } }), ["prompt.parts[0].text"])
    assert.deepStrictEqual(paths(null), [""])
  })

  it("values with no JSON form, named at the field with the place inside it", () => {
    const cycle: Record<string, unknown> = {}
    cycle.self = cycle
    const result = validateRequest({
      prompt: [{ _tag: "Assistant", parts: [{ _tag: "ToolCall", id: "c", name: "t", input: { deep: [1n] } }] }],
      tools: [{ name: "t", parameters: cycle }]
    })
    assert.isFalse(result.ok)
    if (!result.ok) {
      assert.deepStrictEqual(result.issues.map((i) => i.path), ["prompt[0].parts[0].input", "tools[0].parameters"])
      assert.include(result.issues[0]!.message, "\"prompt[0].parts[0].input.deep[0]\"")
      assert.include(result.issues[1]!.message, "circular")
    }
  })

  it("model ids that would be path segments", () => {
    for (const id of ["", ".", "..", " a", 42]) assert.isDefined(modelIdProblem(id), String(id))
    assert.isUndefined(modelIdProblem("amazon.nova-pro-v1:0"))
  })
})
