// Shared by the request mapping tests: model ids, the entry point wrapped for assertions, and
// the prompt parts and tools the tests reuse.
import type * as Cv from "@effect-bedrock/converse"
import * as RequestMapping from "@effect-bedrock/converse/mapping/converse"
import { toIssue } from "@effect-bedrock/converse/mapping/issues"
import * as Profiles from "@effect-bedrock/converse/models/profiles"
import type { Issue } from "@effect-bedrock/converse/request/issue"
import { assert } from "vitest"
import * as Prompt from "../utils/prompt.js"

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
export const profileOf = (modelId: string): Profiles.Profile => Profiles.forModel(modelId)

export interface Options {
  readonly modelId?: string
  readonly settings?: Cv.Settings
  readonly profile?: Profiles.Profile
  readonly stream?: boolean
  readonly nativeTools?: ReadonlyArray<RequestMapping.NativeTool>
}

export const input = (request: Cv.Request, options: Options = {}): RequestMapping.MappingInput => {
  const modelId = options.modelId ?? CLAUDE
  return {
    modelId,
    profile: options.profile ?? Profiles.forModel(modelId),
    settings: options.settings ?? {},
    request,
    ...(options.stream !== undefined ? { stream: options.stream } : {}),
    ...(options.nativeTools !== undefined ? { nativeTools: options.nativeTools } : {})
  }
}

export const map = (request: Cv.Request, options: Options = {}): RequestMapping.ConverseMapping => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (!result.ok) return assert.fail(result.issues[0]!.message)
  return result.value
}

export const converse = (request: Cv.Request, options: Options = {}): any => map(request, options).input

/** The one issue the mapping returns (`path` `""` for the request as a whole). */
export const issue = (request: Cv.Request, options: Options = {}): Issue => {
  const result = RequestMapping.toConverseInput(input(request, options))
  if (result.ok) return assert.fail("expected a mapping issue")
  assert.strictEqual(result.issues.length, 1)
  return result.issues[0]!
}

/** The issue a part reports by throwing (`fail`), as the entry point would return it. */
export const thrownIssue = (run: () => unknown): Issue => {
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
export const weather: Cv.ToolDefinition = {
  name: "weather",
  description: "Get the weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
}
export const time: Cv.ToolDefinition = { name: "time", parameters: { type: "object", properties: {} } }
export const spec = (tool: Cv.ToolDefinition) => ({
  toolSpec: {
    name: tool.name,
    ...(tool.description !== undefined ? { description: tool.description } : {}),
    inputSchema: { json: tool.parameters }
  }
})
export const cp = { cachePoint: { type: "default" } }
export const cpTtl = (ttl: string) => ({ cachePoint: { type: "default", ttl } })
