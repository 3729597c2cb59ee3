import * as RequestMapping from "@effect-bedrock/converse/mapping/converse"
import { assert, describe, it } from "vitest"
import * as Prompt from "../utils/prompt.js"
import { bytes, CLAUDE, converse, hi, input, weather } from "./fixtures.js"

// Bedrock rejects toolUse / toolResult blocks in a request without a toolConfig ("The toolConfig
// field must be defined when using toolUse and toolResult content blocks."): with no tools offered,
// or toolChoice "none", the history's calls and results are sent as text.

const call = Prompt.toolCall({ id: "t1", name: "weather", input: { city: "Paris" } })
const history = [
  hi,
  Prompt.assistant("Let me look.", call, Prompt.toolCall({ id: "t2", name: "time", input: {} })),
  Prompt.tool(
    Prompt.toolResult({ id: "t1", name: "weather", result: { temp: 20 } }),
    Prompt.toolResult({ id: "t2", name: "time", result: "clock broken", isError: true })
  ),
  Prompt.assistant("20 degrees."),
  Prompt.user("Thanks")
]

const asText = [
  { role: "user", content: [{ text: "hi" }] },
  {
    role: "assistant",
    content: [
      { text: "Let me look." },
      { text: "[tool call weather (id t1): {\"city\":\"Paris\"}]" },
      { text: "[tool call time (id t2): {}]" }
    ]
  },
  {
    role: "user",
    content: [{ text: "[tool result for t1: {\"temp\":20}]" }, { text: "[tool error for t2: clock broken]" }]
  },
  { role: "assistant", content: [{ text: "20 degrees." }] },
  { role: "user", content: [{ text: "Thanks" }] }
]

describe("requestMapping/toolHistory", () => {
  it("no tools: the history's calls and results go as text, and no toolConfig", () => {
    const input = converse({ prompt: history })
    assert.isUndefined(input.toolConfig)
    assert.deepStrictEqual(input.messages, asText)
  })

  it("toolChoice none: the same (Bedrock has no 'none': no tools are sent)", () => {
    const input = converse({ prompt: history, tools: [weather], toolChoice: "none" })
    assert.isUndefined(input.toolConfig)
    assert.deepStrictEqual(input.messages, asText)
  })

  it("with tools: blocks, as before", () => {
    const input = converse({ prompt: history, tools: [weather] })
    assert.isDefined(input.toolConfig)
    assert.deepStrictEqual(input.messages[1].content[1], {
      toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } }
    })
    assert.strictEqual(input.messages[2].content[0].toolResult.toolUseId, "t1")
  })

  it("a tool's files stay as blocks of the same message; CountTokens gets the same messages", () => {
    const prompt = [
      hi,
      Prompt.assistant(call),
      Prompt.tool(Prompt.toolResult({
        id: "t1",
        name: "weather",
        result: "chart attached",
        files: [Prompt.file({ mediaType: "image/png", data: bytes })]
      }))
    ]
    const messages = converse({ prompt }, { modelId: CLAUDE }).messages
    const last = messages.at(-1)
    assert.strictEqual(last.role, "user")
    assert.match(last.content[0].text, /^\[tool result for t1: chart attached/)
    assert.isDefined(last.content.find((block: any) => block.image !== undefined))
    assert.isTrue(
      messages.every((m: any) => m.content.every((b: any) => b.toolUse === undefined && b.toolResult === undefined))
    )
    const counted = RequestMapping.toCountTokensInput(input({ prompt }))
    assert.isTrue(counted.ok)
    if (counted.ok) assert.deepStrictEqual(counted.value.input!.converse!.messages, messages)
  })
})
