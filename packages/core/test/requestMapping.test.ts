import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as BedrockModelProfile from "../src/BedrockModelProfile.js"
import type * as BedrockModelSettings from "../src/BedrockModelSettings.js"
import * as RequestMapping from "../src/internal/requestMapping.js"
import type * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const CLAUDE_ADAPTIVE = "us.anthropic.claude-sonnet-4-6"
const CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
const NOVA = "us.amazon.nova-pro-v1:0"
const NOVA_2 = "us.amazon.nova-2-lite-v1:0"
const TITAN = "amazon.titan-text-express-v1"
const LLAMA = "us.meta.llama3-3-70b-instruct-v1:0"
const MISTRAL = "mistral.mistral-large-2407-v1:0"
const WRITER = "us.writer.palmyra-x5-v1:0"
const GPT_OSS = "openai.gpt-oss-120b-1:0"
const QWEN = "qwen.qwen3-32b-v1:0"
const DEEPSEEK = "us.deepseek.r1-v1:0"

interface Options {
  readonly modelId?: string
  readonly settings?: BedrockModelSettings.Settings
  readonly profile?: BedrockModelProfile.Profile
  readonly stream?: boolean
  readonly nativeTools?: ReadonlyArray<RequestMapping.NativeTool>
}

const input = (request: LanguageModel.Request, options: Options = {}): RequestMapping.MappingInput => {
  const modelId = options.modelId ?? CLAUDE
  return {
    modelId,
    profile: options.profile ?? BedrockModelProfile.forModel(modelId),
    settings: options.settings ?? {},
    request,
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
    ...(options.nativeTools !== undefined ? { nativeTools: options.nativeTools } : {})
  }
}

const map = (request: LanguageModel.Request, options: Options = {}): RequestMapping.ConverseMapping => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (Either.isLeft(result)) return assert.fail(result.left.message)
  return result.right
}

const converse = (request: LanguageModel.Request, options: Options = {}): any => map(request, options).input

const issue = (request: LanguageModel.Request, options: Options = {}): RequestMapping.MappingIssue => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (Either.isRight(result)) return assert.fail("expected a mapping issue")
  return result.left
}

const hi = Prompt.user("hi")
const bytes = new Uint8Array([1, 2, 3])
const pdf = Prompt.file({ mediaType: "application/pdf", data: bytes })
const png = Prompt.file({ mediaType: "image/png", data: bytes })
const mp4 = Prompt.file({ mediaType: "video/mp4", data: bytes })
const weather: LanguageModel.ToolDefinition = {
  name: "weather",
  description: "Get the weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
}
const time: LanguageModel.ToolDefinition = { name: "time", parameters: { type: "object", properties: {} } }
const spec = (tool: LanguageModel.ToolDefinition) => ({
  toolSpec: {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: { json: tool.parameters }
  }
})
const cp = { cachePoint: { type: "default" } }
const cpTtl = (ttl: string) => ({ cachePoint: { type: "default", ttl } })

describe("requestMapping", () => {
  // ===========================================================================
  // Settings
  // ===========================================================================
  describe("settings", () => {
    it("always sends inferenceConfig, even empty", () => {
      assert.deepStrictEqual(converse({ prompt: "hi" }), {
        modelId: CLAUDE,
        messages: [{ role: "user", content: [{ text: "hi" }] }],
        system: [],
        inferenceConfig: {}
      })
    })

    it("maps maxTokens, temperature and topP (also 0), stopSequences to inferenceConfig", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { maxTokens: 5, temperature: 0, topP: 0, stopSequences: ["X"] } })
          .inferenceConfig,
        { maxTokens: 5, temperature: 0, topP: 0, stopSequences: ["X"] }
      )
    })

    it("maps guardrailConfig, without streamProcessingMode on Converse", () => {
      const guardrailConfig = {
        guardrailIdentifier: "g",
        guardrailVersion: "1",
        trace: "enabled" as const,
        streamProcessingMode: "async" as const
      }
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { guardrailConfig } }).guardrailConfig, {
        guardrailIdentifier: "g",
        guardrailVersion: "1",
        trace: "enabled"
      })
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { guardrailConfig }, stream: true }).guardrailConfig,
        guardrailConfig
      )
    })

    it("maps performanceConfig, requestMetadata, additionalModelResponseFieldPaths, promptVariables", () => {
      const result = converse({ prompt: "hi" }, {
        settings: {
          performanceConfig: { latency: "optimized" },
          requestMetadata: { team: "a" },
          additionalModelResponseFieldPaths: ["/stop_sequence"],
          promptVariables: { topic: { text: "cats" } }
        }
      })
      assert.deepStrictEqual(result.performanceConfig, { latency: "optimized" })
      assert.deepStrictEqual(result.requestMetadata, { team: "a" })
      assert.deepStrictEqual(result.additionalModelResponseFieldPaths, ["/stop_sequence"])
      assert.deepStrictEqual(result.promptVariables, { topic: { text: "cats" } })
    })

    it("passes additionalModelRequestFields through", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { additionalModelRequestFields: { foo: 1 } } })
          .additionalModelRequestFields,
        { foo: 1 }
      )
    })

    it("maps serviceTier: object as is, string as {type}, auto omitted", () => {
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { serviceTier: { type: "reserved" } } }).serviceTier, {
        type: "reserved"
      })
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { serviceTier: "flex" } }).serviceTier, {
        type: "flex"
      })
      assert.isFalse("serviceTier" in converse({ prompt: "hi" }, { settings: { serviceTier: "auto" } }))
    })

    it("inferenceProfile replaces modelId for converse, not for CountTokens", () => {
      const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
      assert.strictEqual(converse({ prompt: "hi" }, { settings: { inferenceProfile: arn } }).modelId, arn)
      const count = RequestMapping.toCountTokensInput(input({ prompt: "hi" }, { settings: { inferenceProfile: arn } }))
      assert.strictEqual(Either.getOrThrow(count).modelId, "anthropic.claude-sonnet-4-5-20250929-v1:0")
    })

    it("exposes extraHeaders", () => {
      assert.deepStrictEqual(RequestMapping.extraHeaders({ extraHeaders: { "x-a": "1" } }), { "x-a": "1" })
      assert.strictEqual(RequestMapping.extraHeaders({ extraHeaders: {} }), undefined)
      assert.strictEqual(RequestMapping.extraHeaders({}), undefined)
    })

    it("rejects models not on Converse", () => {
      assert.match(issue({ prompt: "hi" }, { modelId: "openai.gpt-5.4" }).message, /not served by the Bedrock Converse API/)
    })
  })

  // ===========================================================================
  // topK and thinking
  // ===========================================================================
  describe("topK", () => {
    it("anthropic: top_k", () => {
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { topK: 5 } }).additionalModelRequestFields, {
        top_k: 5
      })
    })

    it("nova: inferenceConfig.topK merged into the user's inferenceConfig", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA, settings: { topK: 5 } }).additionalModelRequestFields,
        { inferenceConfig: { topK: 5 } }
      )
      const user = { inferenceConfig: { maxNewTokens: 3 } }
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA, settings: { topK: 5, additionalModelRequestFields: user } })
          .additionalModelRequestFields,
        { inferenceConfig: { maxNewTokens: 3, topK: 5 } }
      )
      assert.deepStrictEqual(user, { inferenceConfig: { maxNewTokens: 3 } })
    })

    it("other families drop it", () => {
      assert.isFalse("additionalModelRequestFields" in converse({ prompt: "hi" }, { modelId: LLAMA, settings: { topK: 5 } }))
    })

    it("never overwrites a user value", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { topK: 5, additionalModelRequestFields: { top_k: 9 } } })
          .additionalModelRequestFields,
        { top_k: 9 }
      )
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, {
          modelId: NOVA,
          settings: { topK: 5, additionalModelRequestFields: { inferenceConfig: { topK: 9 } } }
        }).additionalModelRequestFields,
        { inferenceConfig: { topK: 9 } }
      )
    })
  })

  describe("thinking", () => {
    const fields = (modelId: string, thinking: BedrockModelSettings.Thinking) =>
      converse({ prompt: "hi" }, { modelId, settings: { thinking } }).additionalModelRequestFields

    it("anthropic adaptive: {type: adaptive} plus effort for levels; nothing for false", () => {
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, true), { thinking: { type: "adaptive" } })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "high"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "high" }
      })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "minimal"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "low" }
      })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "xhigh"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "max" }
      })
      assert.strictEqual(fields(CLAUDE_ADAPTIVE, false), undefined)
    })

    it("anthropic older: disabled or enabled with a budget", () => {
      assert.deepStrictEqual(fields(CLAUDE, false), { thinking: { type: "disabled" } })
      const budgets = { minimal: 1024, low: 2048, medium: 10000, high: 16384, xhigh: 32768 } as const
      assert.deepStrictEqual(fields(CLAUDE, true), { thinking: { type: "enabled", budget_tokens: 10000 } })
      for (const level of ["minimal", "low", "medium", "high", "xhigh"] as const) {
        assert.deepStrictEqual(fields(CLAUDE, level), { thinking: { type: "enabled", budget_tokens: budgets[level] } })
      }
    })

    it("gpt-oss: reasoning_effort, true is medium, false dropped", () => {
      assert.deepStrictEqual(fields(GPT_OSS, true), { reasoning_effort: "medium" })
      assert.deepStrictEqual(fields(GPT_OSS, "low"), { reasoning_effort: "low" })
      assert.strictEqual(fields(GPT_OSS, false), undefined)
    })

    it("qwen: reasoning_config low or high, false dropped", () => {
      assert.deepStrictEqual(fields(QWEN, "minimal"), { reasoning_config: "low" })
      assert.deepStrictEqual(fields(QWEN, "low"), { reasoning_config: "low" })
      assert.deepStrictEqual(fields(QWEN, "medium"), { reasoning_config: "high" })
      assert.deepStrictEqual(fields(QWEN, true), { reasoning_config: "high" })
      assert.strictEqual(fields(QWEN, false), undefined)
    })

    it("other families: nothing", () => {
      assert.strictEqual(fields(NOVA, "high"), undefined)
    })

    it("user keys win", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, {
          modelId: CLAUDE_ADAPTIVE,
          settings: {
            thinking: "high",
            topK: 3,
            additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1 }, output_config: {} }
          }
        }).additionalModelRequestFields,
        { thinking: { type: "enabled", budget_tokens: 1 }, output_config: {}, top_k: 3 }
      )
    })

    it("an explicit forced tool choice with thinking is a user error", () => {
      const result = issue({ prompt: "hi", tools: [weather], toolChoice: "required" }, { settings: { thinking: true } })
      assert.strictEqual(result.path, "toolChoice")
      assert.match(result.message, /cannot be combined with thinking/)
      assert.strictEqual(
        issue({ prompt: "hi", tools: [weather], toolChoice: { tool: "weather" } }, {
          settings: { additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } } }
        }).path,
        "toolChoice"
      )
    })

    it("an implicit forced tool choice with thinking falls back to auto", () => {
      const result = converse({ prompt: "hi", output: { schema: { type: "object" } } }, {
        modelId: CLAUDE_37,
        settings: { thinking: true }
      })
      assert.deepStrictEqual(result.toolConfig.toolChoice, { auto: {} })
    })
  })

  // ===========================================================================
  // Tools
  // ===========================================================================
  describe("tools", () => {
    it("maps tool definitions; description only when given; auto choice by default", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather, time] }).toolConfig, {
        tools: [spec(weather), spec(time)],
        toolChoice: { auto: {} }
      })
    })

    it("strict only where the profile supports it", () => {
      const strict = { ...weather, strict: true }
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [strict] }).toolConfig.tools, [
        { toolSpec: { ...spec(weather).toolSpec, strict: true } }
      ])
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [strict] }, { modelId: CLAUDE_37 }).toolConfig.tools, [
        spec(weather)
      ])
    })

    it("maps auto, required, none and a named tool", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather], toolChoice: "auto" }).toolConfig.toolChoice, {
        auto: {}
      })
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather], toolChoice: "required" }).toolConfig.toolChoice,
        { any: {} }
      )
      assert.isFalse("toolConfig" in converse({ prompt: "hi", tools: [weather], toolChoice: "none" }))
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather, time], toolChoice: { tool: "time" } }).toolConfig,
        { tools: [spec(weather), spec(time)], toolChoice: { tool: { name: "time" } } }
      )
    })

    it("a named tool must exist", () => {
      assert.deepStrictEqual(issue({ prompt: "hi", tools: [weather], toolChoice: { tool: "nope" } }), {
        message: "Tool choice names an unknown tool \"nope\"",
        path: "toolChoice"
      })
    })

    it("no toolChoice for families without it; a forced choice there is a user error", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather] }, { modelId: LLAMA }).toolConfig, {
        tools: [spec(weather)]
      })
      const result = issue({ prompt: "hi", tools: [weather], toolChoice: "required" }, { modelId: LLAMA })
      assert.strictEqual(result.path, "toolChoice")
      assert.match(result.message, /not supported by model/)
    })

    it("no toolConfig without tools", () => {
      assert.isFalse("toolConfig" in converse({ prompt: "hi", tools: [] }))
    })

    it("code execution on Nova 2 is a system tool; elsewhere a clear error", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA_2, nativeTools: ["codeExecution"] }).toolConfig.tools,
        [{ systemTool: { name: "nova_code_interpreter" } }]
      )
      assert.match(issue({ prompt: "hi" }, { nativeTools: ["codeExecution"] }).message, /not supported/)
    })
  })

  describe("structured output", () => {
    const schema = { type: "object", properties: { city: { type: "string" } } }

    it("native outputConfig.textFormat where supported", () => {
      const result = map({ prompt: "hi", output: { schema, description: "A city" } })
      assert.deepStrictEqual(result.input.outputConfig, {
        textFormat: {
          type: "json_schema",
          structure: { jsonSchema: { name: "final_result", schema: JSON.stringify(schema), description: "A city" } }
        }
      })
      assert.deepStrictEqual(result.output, { _tag: "Native", name: "final_result" })
      assert.strictEqual(result.outputTool, undefined)
      assert.isFalse("toolConfig" in result.input)
    })

    it("a forced output tool elsewhere", () => {
      const result = map({ prompt: "hi", output: { schema, name: "answer" } }, { modelId: NOVA })
      assert.deepStrictEqual(result.input.toolConfig, {
        tools: [{
          toolSpec: {
            name: "answer",
            description: "The final response which ends this conversation",
            inputSchema: { json: schema }
          }
        }],
        toolChoice: { any: {} }
      })
      assert.strictEqual(result.outputTool, "answer")
      assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "answer" })
      assert.isFalse("outputConfig" in result.input)
    })

    it("the output tool goes after the user tools, and cannot share a name", () => {
      const result = map({ prompt: "hi", tools: [weather], output: { schema } }, { modelId: NOVA })
      assert.deepStrictEqual((result.input as any).toolConfig.tools.map((t: any) => t.toolSpec.name), ["weather", "final_result"])
      assert.strictEqual(
        issue({ prompt: "hi", tools: [{ ...weather, name: "final_result" }], output: { schema } }, { modelId: NOVA })
          .path,
        "output.name"
      )
    })

    it("a non-object output schema is wrapped", () => {
      const result = map({ prompt: "hi", output: { schema: { type: "array", items: { type: "string" } } } }, {
        modelId: NOVA
      })
      assert.deepStrictEqual((result.input as any).toolConfig.tools[0].toolSpec.inputSchema.json, {
        type: "object",
        properties: { response: { type: "array", items: { type: "string" } } },
        required: ["response"],
        additionalProperties: false
      })
      assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "final_result", unwrapKey: "response" })
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
    it("text, bytes, s3 locations", () => {
      const s3 = Prompt.file({ mediaType: "image/jpeg", data: "s3://bucket/key.jpg?bucketOwner=123456789012" })
      const s3NoOwner = Prompt.file({ mediaType: "video/quicktime", data: "s3://bucket/v.mov" })
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("look", png, s3, s3NoOwner)] }).messages, [{
        role: "user",
        content: [
          { text: "look" },
          { image: { format: "png", source: { bytes } } },
          { image: { format: "jpeg", source: { s3Location: { uri: "s3://bucket/key.jpg", bucketOwner: "123456789012" } } } },
          { video: { format: "mov", source: { s3Location: { uri: "s3://bucket/v.mov" } } } }
        ]
      }])
    })

    it("other URLs must be downloaded first", () => {
      const url = Prompt.file({ mediaType: "image/png", data: "https://example.com/a.png" })
      const result = issue({ prompt: [Prompt.user("x", url)] })
      assert.strictEqual(result.path, "prompt.messages[0].parts[1]")
      assert.match(result.message, /must be downloaded/)
    })

    it("base64 data URLs are sent as bytes", () => {
      const url = Prompt.file({ mediaType: "image/png", data: "data:image/png;base64,AQID" })
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("x", url)] }).messages[0].content[1], {
        image: { format: "png", source: { bytes } }
      })
    })

    it("maps every supported format", () => {
      const cases: Array<[string, string, string]> = [
        ["image/jpeg", "image", "jpeg"],
        ["image/png", "image", "png"],
        ["image/gif", "image", "gif"],
        ["image/webp", "image", "webp"],
        ["video/x-matroska", "video", "mkv"],
        ["video/quicktime", "video", "mov"],
        ["video/mp4", "video", "mp4"],
        ["video/webm", "video", "webm"],
        ["video/x-flv", "video", "flv"],
        ["video/mpeg", "video", "mpeg"],
        ["video/mpg", "video", "mpg"],
        ["video/x-ms-wmv", "video", "wmv"],
        ["video/3gpp", "video", "three_gp"],
        ["application/pdf", "document", "pdf"],
        ["text/plain; charset=utf-8", "document", "txt"],
        ["text/csv", "document", "csv"],
        ["application/msword", "document", "doc"],
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", "docx"],
        ["application/vnd.ms-excel", "document", "xls"],
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", "xlsx"],
        ["text/html", "document", "html"],
        ["text/markdown", "document", "md"]
      ]
      for (const [mediaType, kind, format] of cases) {
        const block = converse({ prompt: [Prompt.user("x", Prompt.file({ mediaType, data: bytes }))] }).messages[0]
          .content[1]
        assert.deepStrictEqual(
          block,
          kind === "document"
            ? { document: { name: "Document 1", format, source: { bytes } } }
            : { [kind]: { format, source: { bytes } } },
          mediaType
        )
      }
    })

    it("audio and other media types are a user error naming the type", () => {
      const result = issue({ prompt: [Prompt.user("x", Prompt.file({ mediaType: "audio/mpeg", data: bytes }))] })
      assert.match(result.message, /Unsupported media type "audio\/mpeg"/)
      assert.strictEqual(result.path, "prompt.messages[0].parts[1]")
    })

    it("documents are numbered across the conversation", () => {
      const result = converse({
        prompt: [Prompt.user("a", pdf), Prompt.assistant("ok"), Prompt.user("b", pdf, pdf)]
      })
      assert.deepStrictEqual(result.messages.flatMap((m: any) => m.content).filter((b: any) => b.document).map((
        b: any
      ) => b.document.name), ["Document 1", "Document 2", "Document 3"])
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
      assert.strictEqual(converse({ prompt: [hi, Prompt.assistant(odd)] }).messages[1].content[0].toolUse.name, "my_tool_name")
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
      assert.deepStrictEqual(converse({ prompt: [hi, Prompt.assistant(signed)] }, { modelId: NOVA }).messages[1].content, [
        { text: "<think>\nhmm\n</think>" }
      ])
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
      const result = converse({ prompt: history(Prompt.toolResult({ id: "t1", name: "weather", result: { temp: 20 } })) }, {
        modelId: MISTRAL
      })
      assert.deepStrictEqual(result.messages[2].content[0].toolResult, {
        toolUseId: "t1",
        content: [{ json: { temp: 20 } }],
        status: "success"
      })
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
      const part: Prompt.ToolPart = { ...Prompt.toolResult({ id: "t1", name: "weather", result: "see" }), files: [named] }
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
      const part: Prompt.ToolPart = { ...Prompt.toolResult({ id: "t1", name: "weather", result: "see" }), files: [named] }
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

  // ===========================================================================
  // Cache points
  // ===========================================================================
  describe("cache points", () => {
    it("cacheInstructions: a cache point at the end of system; ttl only when a string", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.system("s"), hi] }, { settings: { cacheInstructions: true } }).system,
        [{ text: "s" }, cp]
      )
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.system("s"), hi] }, { settings: { cacheInstructions: "1h" } }).system,
        [{ text: "s" }, cpTtl("1h")]
      )
      assert.deepStrictEqual(converse({ prompt: [hi] }, { settings: { cacheInstructions: true } }).system, [])
    })

    it("cacheToolDefinitions: a cache point after the last tool, Anthropic only", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather] }, { settings: { cacheToolDefinitions: "5m" } }).toolConfig.tools,
        [spec(weather), cpTtl("5m")]
      )
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather] }, { modelId: NOVA, settings: { cacheToolDefinitions: true } })
          .toolConfig.tools,
        [spec(weather)]
      )
    })

    it("a named tool choice keeps the full list and the tool cache point", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather, time], toolChoice: { tool: "time" } }, {
          settings: { cacheToolDefinitions: true }
        }).toolConfig,
        { tools: [spec(weather), spec(time), cp], toolChoice: { tool: { name: "time" } } }
      )
    })

    it("cacheMessages: a cache point at the end of the last user message", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a"), Prompt.assistant("b"), Prompt.user("c")] }, {
          settings: { cacheMessages: true }
        }).messages,
        [
          { role: "user", content: [{ text: "a" }] },
          { role: "assistant", content: [{ text: "b" }] },
          { role: "user", content: [{ text: "c" }, cp] }
        ]
      )
    })

    it("cacheMessages goes before trailing documents, after images", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", pdf)] }, { settings: { cacheMessages: true } }).messages[0].content,
        [{ text: "a" }, cp, { document: { name: "Document 1", format: "pdf", source: { bytes } } }]
      )
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", png)] }, { settings: { cacheMessages: true } }).messages[0].content,
        [{ text: "a" }, { image: { format: "png", source: { bytes } } }, cp]
      )
    })

    it("CachePoint parts; ttl only when given", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", Prompt.cachePoint(), "b", Prompt.cachePoint("1h"))] }).messages[0].content,
        [{ text: "a" }, cp, { text: "b" }, cpTtl("1h")]
      )
    })

    it("a CachePoint part goes before trailing documents/videos", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", pdf, mp4, Prompt.cachePoint())] }).messages[0].content,
        [
          { text: "a" },
          cp,
          { document: { name: "Document 1", format: "pdf", source: { bytes } } },
          { video: { format: "mp4", source: { bytes } } }
        ]
      )
    })

    it("a CachePoint after only a document/video is a user error", () => {
      assert.match(issue({ prompt: [Prompt.user(pdf, Prompt.cachePoint())] }).message, /only a document or video/)
    })

    it("two CachePoints back to back are a user error", () => {
      assert.match(
        issue({ prompt: [Prompt.user("a", Prompt.cachePoint(), Prompt.cachePoint())] }).message,
        /Two cache points in a row/
      )
    })

    it("a CachePoint first in a user message attaches to the previous user message, replacing one there", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a"), Prompt.assistant("b"), Prompt.user(Prompt.cachePoint("1h"), "c")] })
          .messages,
        [
          { role: "user", content: [{ text: "a" }, cpTtl("1h")] },
          { role: "assistant", content: [{ text: "b" }] },
          { role: "user", content: [{ text: "c" }] }
        ]
      )
      assert.deepStrictEqual(
        converse({
          prompt: [Prompt.user("a", Prompt.cachePoint()), Prompt.assistant("b"), Prompt.user(Prompt.cachePoint("1h"), "c")]
        }).messages[0].content,
        [{ text: "a" }, cpTtl("1h")]
      )
    })

    it("a CachePoint with no user content before it is a user error", () => {
      const result = issue({ prompt: [Prompt.user(Prompt.cachePoint(), "a")] })
      assert.strictEqual(result.path, "prompt.messages[0].parts[0]")
      assert.match(result.message, /nothing before it to cache/)
    })

    it("at most 4: system and tools first, older message cache points dropped", () => {
      const result = converse({
        prompt: [
          Prompt.system("s"),
          Prompt.user("1", Prompt.cachePoint()),
          Prompt.assistant("x"),
          Prompt.user("2", Prompt.cachePoint()),
          Prompt.assistant("y"),
          Prompt.user("3", Prompt.cachePoint())
        ],
        tools: [weather]
      }, { settings: { cacheInstructions: true, cacheToolDefinitions: true } })
      assert.deepStrictEqual(result.system, [{ text: "s" }, cp])
      assert.deepStrictEqual(result.toolConfig.tools, [spec(weather), cp])
      assert.deepStrictEqual(result.messages.map((m: any) => m.content), [
        [{ text: "1" }],
        [{ text: "x" }],
        [{ text: "2" }, cp],
        [{ text: "y" }],
        [{ text: "3" }, cp]
      ])
    })

    it("the limit also counts cacheMessages", () => {
      const result = converse({
        prompt: [Prompt.user("1", Prompt.cachePoint()), Prompt.assistant("x"), Prompt.user("2", Prompt.cachePoint(), "3")]
      }, { settings: { cacheMessages: true, cacheInstructions: true }, modelId: CLAUDE })
      // No system prompt: the instructions cache point is not added; 3 message cache points fit.
      assert.deepStrictEqual(result.messages[2].content, [{ text: "2" }, cp, { text: "3" }, cp])
      assert.deepStrictEqual(result.messages[0].content, [{ text: "1" }, cp])
    })

    it("unsupported families silently drop all cache settings", () => {
      const result = converse({
        prompt: [Prompt.system("s"), Prompt.user("a", Prompt.cachePoint(), "b")],
        tools: [weather]
      }, {
        modelId: LLAMA,
        settings: { cacheInstructions: true, cacheToolDefinitions: true, cacheMessages: true }
      })
      assert.deepStrictEqual(result.system, [{ text: "s" }])
      assert.deepStrictEqual(result.toolConfig.tools, [spec(weather)])
      assert.deepStrictEqual(result.messages[0].content, [{ text: "a" }, { text: "b" }])
      assert.deepStrictEqual(converse({ prompt: [Prompt.user(Prompt.cachePoint(), "a")] }, { modelId: TITAN }).messages, [
        { role: "user", content: [{ text: "a" }] }
      ])
    })
  })

  // ===========================================================================
  // CountTokens
  // ===========================================================================
  describe("toCountTokensInput", () => {
    it("uses the same mapping and the model id without geo prefix", () => {
      const result = RequestMapping.toCountTokensInput(input({
        prompt: [Prompt.system("s"), hi],
        tools: [weather]
      }, { settings: { topK: 3, maxTokens: 9 } }))
      assert.deepStrictEqual<unknown>(Either.getOrThrow(result), {
        modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
        input: {
          converse: {
            messages: [{ role: "user", content: [{ text: "hi" }] }],
            system: [{ text: "s" }],
            toolConfig: { tools: [spec(weather)], toolChoice: { auto: {} } },
            additionalModelRequestFields: { top_k: 3 }
          }
        }
      })
    })

    it("returns mapping issues", () => {
      const result = RequestMapping.toCountTokensInput(input({ prompt: [Prompt.user(Prompt.cachePoint())] }))
      assert.isTrue(Either.isLeft(result))
    })
  })
})
