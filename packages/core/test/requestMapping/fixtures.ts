// Shared by the request mapping tests: model ids, the entry point wrapped for assertions, and
// the prompt parts and tools the tests reuse.
import { assert } from "@effect/vitest"
import * as Either from "effect/Either"
import * as BedrockModelProfile from "../../src/BedrockModelProfile.js"
import type * as BedrockModelSettings from "../../src/BedrockModelSettings.js"
import * as RequestMapping from "../../src/internal/requestMapping.js"
import { toIssue } from "../../src/internal/requestMapping/issues.js"
import type * as LanguageModel from "../../src/LanguageModel.js"
import * as Prompt from "../../src/Prompt.js"

export const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
export const CLAUDE_ADAPTIVE = "us.anthropic.claude-sonnet-4-6"
export const CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
export const NOVA = "us.amazon.nova-pro-v1:0"
export const NOVA_2 = "us.amazon.nova-2-lite-v1:0"
export const TITAN = "amazon.titan-text-express-v1"
export const LLAMA = "us.meta.llama3-3-70b-instruct-v1:0"
export const MISTRAL = "mistral.mistral-large-2407-v1:0"
export const WRITER = "us.writer.palmyra-x5-v1:0"
export const GPT_OSS = "openai.gpt-oss-120b-1:0"
export const QWEN = "qwen.qwen3-32b-v1:0"
export const DEEPSEEK = "us.deepseek.r1-v1:0"

/** The profile of a model id. */
export const profileOf = (modelId: string): BedrockModelProfile.Profile => BedrockModelProfile.forModel(modelId)

export interface Options {
  readonly modelId?: string
  readonly settings?: BedrockModelSettings.Settings
  readonly profile?: BedrockModelProfile.Profile
  readonly stream?: boolean
  readonly nativeTools?: ReadonlyArray<RequestMapping.NativeTool>
}

export const input = (request: LanguageModel.Request, options: Options = {}): RequestMapping.MappingInput => {
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

export const map = (request: LanguageModel.Request, options: Options = {}): RequestMapping.ConverseMapping => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (Either.isLeft(result)) return assert.fail(result.left.message)
  return result.right
}

export const converse = (request: LanguageModel.Request, options: Options = {}): any => map(request, options).input

export const issue = (request: LanguageModel.Request, options: Options = {}): RequestMapping.MappingIssue => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (Either.isRight(result)) return assert.fail("expected a mapping issue")
  return result.left
}

/** The issue a part reports by throwing (`fail`), as the entry point would return it. */
export const thrownIssue = (run: () => unknown): RequestMapping.MappingIssue => {
  try {
    run()
  } catch (error) {
    return toIssue(error)
  }
  return assert.fail("expected a mapping issue")
}

export const hi = Prompt.user("hi")
export const bytes = new Uint8Array([1, 2, 3])
export const pdf = Prompt.file({ mediaType: "application/pdf", data: bytes })
export const png = Prompt.file({ mediaType: "image/png", data: bytes })
export const mp4 = Prompt.file({ mediaType: "video/mp4", data: bytes })
export const weather: LanguageModel.ToolDefinition = {
  name: "weather",
  description: "Get the weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
}
export const time: LanguageModel.ToolDefinition = { name: "time", parameters: { type: "object", properties: {} } }
export const spec = (tool: LanguageModel.ToolDefinition) => ({
  toolSpec: {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: { json: tool.parameters }
  }
})
export const cp = { cachePoint: { type: "default" } }
export const cpTtl = (ttl: string) => ({ cachePoint: { type: "default", ttl } })
