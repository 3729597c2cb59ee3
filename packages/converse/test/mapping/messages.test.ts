// Messages: mapPrompt and tool-result blocks directly, then end to end through toConverseInput
// (system prompts, user and assistant content, the leading user turn, tool results).
import type * as Cv from "@effect-bedrock/converse"
import * as RequestMapping from "@effect-bedrock/converse/mapping/converse"
import * as Messages from "@effect-bedrock/converse/mapping/messages"
import { assert, describe, it } from "vitest"
import * as Prompt from "../utils/prompt.js"
import {
  bytes,
  CLAUDE,
  converse as converseAsIs,
  cp,
  DEEPSEEK,
  hi,
  LLAMA,
  MISTRAL,
  mp4,
  NOVA,
  pdf,
  png,
  profileOf,
  QWEN,
  weather,
  WRITER
} from "./fixtures.js"

// Tool calls and results are sent as blocks when the request has tools (without, as text: see
// toolHistory.test.ts), so these requests carry one.
const converse = (request: Cv.Request, options?: Parameters<typeof converseAsIs>[1]) =>
  converseAsIs(request.tools === undefined ? { ...request, tools: [weather] } : request, options)

describe("requestMapping/messages", () => {
  describe("resultBlock", () => {
    it("strings as they are, other values as JSON text or a json block, never empty", () => {
      assert.deepStrictEqual(Messages.resultBlock("sunny", "json"), { text: "sunny" })
      assert.deepStrictEqual(Messages.resultBlock("", "text"), { text: "[]" })
      assert.deepStrictEqual(Messages.resultBlock(undefined, "text"), { text: "[]" })
      assert.deepStrictEqual<unknown>(Messages.resultBlock(undefined, "json"), { text: "[]" })
      assert.deepStrictEqual(Messages.resultBlock({ temp: 20 }, "text"), { text: "{\"temp\":20}" })
      assert.deepStrictEqual<unknown>(Messages.resultBlock({ temp: 20 }, "json"), { json: { temp: 20 } })
      assert.deepStrictEqual(Messages.resultBlock(() => 1, "text"), { text: "[]" })
    })

    it("never a json block that is not an object: scalars, lists and nothing go as text", () => {
      for (const value of [[], [1, 2], 42, true, null]) {
        assert.deepStrictEqual<unknown>(Messages.resultBlock(value, "json"), { text: JSON.stringify(value) })
      }
      assert.deepStrictEqual<unknown>(Messages.resultBlock(undefined, "json"), { text: "[]" })
    })
  })

  describe("toolInput", () => {
    it("always an object, as pydantic-ai's args_as_dict: invalid JSON as { INVALID_JSON: raw }", () => {
      assert.deepStrictEqual(Messages.toolInput({ city: "Porto" }), { city: "Porto" })
      assert.deepStrictEqual(Messages.toolInput(undefined), {})
      assert.deepStrictEqual(Messages.toolInput(null), {})
      assert.deepStrictEqual(Messages.toolInput(""), {})
      assert.deepStrictEqual(Messages.toolInput("{\"city\":\"Porto\"}"), { city: "Porto" })
      assert.deepStrictEqual(Messages.toolInput("{bad"), { INVALID_JSON: "{bad" })
      assert.deepStrictEqual(Messages.toolInput("[1,2]"), { INVALID_JSON: "[1,2]" })
      assert.deepStrictEqual(Messages.toolInput([1, 2]), { INVALID_JSON: "[1,2]" })
      assert.deepStrictEqual(Messages.toolInput(7), { INVALID_JSON: "7" })
    })
  })

  describe("mapPrompt", () => {
    const mapPrompt = (request: Cv.Request, modelId = CLAUDE, cacheMessages?: boolean) =>
      Messages.mapPrompt(profileOf(modelId), cacheMessages === undefined ? {} : { cacheMessages }, request)

    it("messages, system and the message cache points counted", () => {
      const { messages, system } = mapPrompt(
        {
          prompt: [Prompt.system("s"), Prompt.user("a", Prompt.cachePoint()), Prompt.assistant("b"), Prompt.user("c")],
          instructions: "i"
        },
        CLAUDE,
        true
      )
      assert.deepStrictEqual<unknown>(system, [{ text: "s" }, { text: "i" }])
      assert.deepStrictEqual<unknown>(messages.list, [
        { role: "user", content: [{ text: "a" }, cp] },
        { role: "assistant", content: [{ text: "b" }] },
        { role: "user", content: [{ text: "c" }, cp] }
      ])
      assert.strictEqual(messages.cachePoints, 2)
    })

    it("message cache points beyond the limit are left for the entry point to cut", () => {
      const prompt: Array<Prompt.Message> = []
      for (let i = 0; i < 6; i++) prompt.push(Prompt.user(`${i}`, Prompt.cachePoint()), Prompt.assistant("ok"))
      const { messages } = mapPrompt({ prompt })
      assert.strictEqual(messages.cachePoints, 6)
      assert.strictEqual(messages.list.filter((m) => m.content!.at(-1)!.cachePoint !== undefined).length, 6)
    })

    it("a leading user turn only when needed; thinking from this library carries providerName", () => {
      assert.strictEqual(Messages.providerName, "bedrock")
      const provider = Messages.providerName
      const thinking: Prompt.ThinkingPart = { _tag: "Thinking", text: "t", signature: "s", provider }
      assert.deepStrictEqual<unknown>(mapPrompt({ prompt: [Prompt.assistant(thinking)] }, NOVA).messages.list, [
        { role: "user", content: [{ text: "." }] },
        { role: "assistant", content: [{ text: "<think>\nt\n</think>" }] }
      ])
      assert.deepStrictEqual<unknown>(mapPrompt({ prompt: [Prompt.assistant(thinking)] }).messages.list, [
        { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "t", signature: "s" } } }] }
      ])
    })
  })

  // ===========================================================================
  // Messages
  // ===========================================================================
  describe("system", () => {
    it("system prompts then instructions; empty ones skipped", () => {
      const result = converse({
        prompt: [Prompt.system("a"), Prompt.system(""), Prompt.system("b"), hi],
        instructions: "c"
      })
      assert.deepStrictEqual(result.system, [{ text: "a" }, { text: "b" }, { text: "c" }])
    })

    it("a system prompt not at the start becomes user text in <system> tags", () => {
      const result = converse({ prompt: [hi, Prompt.assistant("yo"), Prompt.system("be brief"), Prompt.user("ok")] })
      assert.deepStrictEqual(result.messages, [
        { role: "user", content: [{ text: "hi" }] },
        { role: "assistant", content: [{ text: "yo" }] },
        { role: "user", content: [{ text: "<system>be brief</system>" }, { text: "ok" }] }
      ])
    })
  })

  describe("user content", () => {
    it("documents are numbered across the conversation", () => {
      const result = converse({
        prompt: [Prompt.user("a", pdf), Prompt.assistant("ok"), Prompt.user("b", pdf, pdf)]
      })
      assert.deepStrictEqual(
        result.messages.flatMap((m: any) => m.content).filter((b: any) => b.document).map((
          b: any
        ) => b.document.name),
        ["Document 1", "Document 2", "Document 3"]
      )
    })

    it("a document without text gets 'See attached document(s).' first", () => {
      assert.deepStrictEqual(converse({ prompt: [Prompt.user(pdf)] }).messages[0].content, [
        { text: "See attached document(s)." },
        { document: { name: "Document 1", format: "pdf", source: { bytes } } }
      ])
    })

    it("never sends empty text blocks; an empty user message is left out", () => {
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("", "a"), Prompt.user("")] }).messages, [
        { role: "user", content: [{ text: "a" }] }
      ])
    })

    it("consecutive user messages are merged", () => {
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("a"), Prompt.user("b")] }).messages, [
        { role: "user", content: [{ text: "a" }, { text: "b" }] }
      ])
    })
  })

  describe("leading user turn", () => {
    it("prepends '.' when there are no messages", () => {
      assert.deepStrictEqual(converse({ prompt: [Prompt.system("s")] }).messages, [
        { role: "user", content: [{ text: "." }] }
      ])
    })

    it("prepends '.' before a leading assistant turn unless the family accepts one", () => {
      assert.deepStrictEqual(converse({ prompt: [Prompt.assistant("hello")] }, { modelId: NOVA }).messages, [
        { role: "user", content: [{ text: "." }] },
        { role: "assistant", content: [{ text: "hello" }] }
      ])
      assert.deepStrictEqual(converse({ prompt: [Prompt.assistant("hello")] }).messages, [
        { role: "assistant", content: [{ text: "hello" }] }
      ])
      assert.deepStrictEqual(converse({ prompt: [Prompt.assistant("hello")] }, { modelId: QWEN }).messages, [
        { role: "assistant", content: [{ text: "hello" }] }
      ])
    })
  })

  describe("assistant content", () => {
    const call: Prompt.ToolCallPart = { _tag: "ToolCall", id: "t1", name: "weather", input: { city: "Paris" } }

    it("text and tool calls", () => {
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant("sure", call)] }).messages[1], {
        role: "assistant",
        content: [{ text: "sure" }, { toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } } }]
      })
    })

    it("sanitises replayed tool names", () => {
      const odd = { ...call, name: "my.tool name" }
      assert.strictEqual(
        converse({ prompt: [hi, Prompt.assistant(odd)] }).messages[1].content[0].toolUse.name,
        "my_tool_name"
      )
      assert.strictEqual(RequestMapping.sanitizeToolName("ok_name-1"), "ok_name-1")
    })

    it("empty assistant messages are skipped", () => {
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(""), Prompt.user("again")] }).messages, [
        { role: "user", content: [{ text: "hi" }, { text: "again" }] }
      ])
    })

    it("signed Bedrock thinking is sent back as reasoningContent", () => {
      const thinking: Prompt.ThinkingPart = { _tag: "Thinking", text: "hmm", signature: "sig", provider: "bedrock" }
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(thinking, "a")] }).messages[1].content, [
        { reasoningContent: { reasoningText: { text: "hmm", signature: "sig" } } },
        { text: "a" }
      ])
      assert.deepStrictEqual(
        converse({ prompt: [hi, Prompt.assistant(thinking, "a")] }, { modelId: DEEPSEEK }).messages[1].content[0],
        { reasoningContent: { reasoningText: { text: "hmm", signature: "sig" } } }
      )
    })

    it("redacted Bedrock thinking is sent back as redactedContent", () => {
      const redacted: Prompt.ThinkingPart = { _tag: "Thinking", text: "", redacted: bytes, provider: "bedrock" }
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(redacted, "a")] }).messages[1].content, [
        { reasoningContent: { redactedContent: bytes } },
        { text: "a" }
      ])
    })

    it("other thinking is text in thinking tags", () => {
      const unsigned: Prompt.ThinkingPart = { _tag: "Thinking", text: "hmm", provider: "bedrock" }
      const foreign: Prompt.ThinkingPart = { _tag: "Thinking", text: "hmm", signature: "sig", provider: "openai" }
      const signed: Prompt.ThinkingPart = { _tag: "Thinking", text: "hmm", signature: "sig", provider: "bedrock" }
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(unsigned)] }).messages[1].content, [
        { text: "<thinking>\nhmm\n</thinking>" }
      ])
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(foreign)] }).messages[1].content, [
        { text: "<thinking>\nhmm\n</thinking>" }
      ])
      // Nova does not accept thinking back.
      assert.deepStrictEqual(
        converse({ prompt: [hi, Prompt.assistant(signed)] }, { modelId: NOVA }).messages[1].content,
        [
          { text: "<think>\nhmm\n</think>" }
        ]
      )
    })
  })

  describe("tool results", () => {
    const call: Prompt.ToolCallPart = { _tag: "ToolCall", id: "t1", name: "weather", input: {} }
    const call2: Prompt.ToolCallPart = { _tag: "ToolCall", id: "t2", name: "time", input: {} }
    const history = (...parts: Array<Prompt.ToolPart>) => [hi, Prompt.assistant(call, call2), Prompt.tool(...parts)]

    it("a text block holding JSON with status, parallel results share one turn", () => {
      const result = converse({
        prompt: history(
          Prompt.toolResult({ id: "t1", name: "weather", result: { temp: 20 } }),
          Prompt.toolResult({ id: "t2", name: "time", result: "noon", isError: true })
        )
      })
      assert.deepStrictEqual(result.messages[2], {
        role: "user",
        content: [
          { toolResult: { toolUseId: "t1", content: [{ text: "{\"temp\":20}" }], status: "success" } },
          { toolResult: { toolUseId: "t2", content: [{ text: "noon" }], status: "error" } }
        ]
      })
    })

    it("an empty result still sends []", () => {
      for (const value of [[], "", undefined]) {
        const result = converse({ prompt: history(Prompt.toolResult({ id: "t1", name: "weather", result: value })) })
        assert.deepStrictEqual(result.messages[2].content[0].toolResult.content, [{ text: "[]" }])
      }
    })

    it("a json block for json-format families (Mistral)", () => {
      const result = converse({
        prompt: history(Prompt.toolResult({ id: "t1", name: "weather", result: { temp: 20 } }))
      }, {
        modelId: MISTRAL
      })
      assert.deepStrictEqual(result.messages[2].content[0].toolResult, {
        toolUseId: "t1",
        content: [{ json: { temp: 20 } }],
        status: "success"
      })
    })

    it("json-format families: a list as one block per item, a scalar or empty result as text (Mistral)", () => {
      const content = (value: unknown) =>
        converse({ prompt: history(Prompt.toolResult({ id: "t1", name: "weather", result: value })) }, {
          modelId: MISTRAL
        }).messages[2].content[0].toolResult.content
      assert.deepStrictEqual(content([{ temp: 20 }, "windy", 3, [1]]), [
        { json: { temp: 20 } },
        { text: "windy" },
        { text: "3" },
        { text: "[1]" }
      ])
      assert.deepStrictEqual(content(42), [{ text: "42" }])
      assert.deepStrictEqual(content(false), [{ text: "false" }])
      assert.deepStrictEqual(content([]), [{ text: "[]" }])
      assert.deepStrictEqual(content(undefined), [{ text: "[]" }])
    })

    it("no status for Writer: the failure is folded into the text", () => {
      const result = converse({
        prompt: history(
          Prompt.toolResult({ id: "t1", name: "weather", result: "boom", isError: true }),
          Prompt.toolResult({ id: "t2", name: "time", result: "noon" })
        )
      }, { modelId: WRITER })
      assert.deepStrictEqual(result.messages[2].content, [
        { toolResult: { toolUseId: "t1", content: [{ text: "{\"error\":\"boom\"}" }] } },
        { toolResult: { toolUseId: "t2", content: [{ text: "noon" }] } }
      ])
    })

    it("a retry for a tool is an error toolResult; without a tool it is user text", () => {
      const result = converse({
        prompt: history(
          Prompt.retry({ message: "bad args", toolCallId: "t1", toolName: "weather" }),
          Prompt.retry({ message: "try again" })
        )
      })
      assert.deepStrictEqual(result.messages[2].content, [
        { toolResult: { toolUseId: "t1", content: [{ text: "bad args" }], status: "error" } },
        { text: "try again" }
      ])
    })

    it("a toolResult is kept alone where the family requires it: an assistant '.' separates", () => {
      const result = converse({
        prompt: [...history(Prompt.toolResult({ id: "t1", name: "weather", result: 1 })), Prompt.user("next")]
      }, { modelId: LLAMA })
      assert.deepStrictEqual(result.messages.slice(2), [
        { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "1" }], status: "success" } }] },
        { role: "assistant", content: [{ text: "." }] },
        { role: "user", content: [{ text: "next" }] }
      ])
    })

    it("Anthropic: text and images may sit beside a toolResult, documents not", () => {
      const withText = converse({
        prompt: [...history(Prompt.toolResult({ id: "t1", name: "weather", result: 1 })), Prompt.user("next", png)]
      })
      assert.strictEqual(withText.messages.length, 3)
      const withDoc = converse({
        prompt: [...history(Prompt.toolResult({ id: "t1", name: "weather", result: 1 })), Prompt.user("next", pdf)]
      })
      assert.deepStrictEqual(withDoc.messages.slice(3).map((m: any) => m.role), ["assistant", "user"])
      assert.deepStrictEqual(withDoc.messages[3].content, [{ text: "." }])
    })

    it("media returned by a tool: inside the toolResult where the family allows it", () => {
      const part: Prompt.ToolPart = { ...Prompt.toolResult({ id: "t1", name: "weather", result: "see" }), files: [png] }
      const result = converse({ prompt: history(part) })
      assert.deepStrictEqual(result.messages[2].content, [{
        toolResult: {
          toolUseId: "t1",
          content: [{ text: "see" }, { image: { format: "png", source: { bytes } } }],
          status: "success"
        }
      }])
    })

    it("media returned by a tool: beside the toolResult when the family accepts that", () => {
      const named = { ...mp4, name: "clip" }
      const part: Prompt.ToolPart = {
        ...Prompt.toolResult({ id: "t1", name: "weather", result: "see" }),
        files: [named]
      }
      const result = converse({ prompt: history(part) }, { modelId: NOVA })
      assert.deepStrictEqual(result.messages[2].content, [
        {
          toolResult: { toolUseId: "t1", content: [{ text: "see" }, { text: "See file clip." }], status: "success" }
        },
        { text: "This is file clip:" },
        { video: { format: "mp4", source: { bytes } } }
      ])
    })

    it("media returned by a tool: in a later user turn when nothing may sit beside the toolResult", () => {
      const named = { ...png, name: "chart" }
      const part: Prompt.ToolPart = {
        ...Prompt.toolResult({ id: "t1", name: "weather", result: "see" }),
        files: [named]
      }
      const result = converse({ prompt: history(part) }, { modelId: MISTRAL })
      assert.deepStrictEqual(result.messages.slice(2), [
        {
          role: "user",
          content: [{
            toolResult: { toolUseId: "t1", content: [{ text: "see" }, { text: "See file chart." }], status: "success" }
          }]
        },
        { role: "assistant", content: [{ text: "." }] },
        {
          role: "user",
          content: [{ text: "This is file chart:" }, { image: { format: "png", source: { bytes } } }]
        }
      ])
    })
  })
})
