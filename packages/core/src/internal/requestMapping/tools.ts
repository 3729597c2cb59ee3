/**
 * Tools and structured output in Converse: tool specs (schemas passed by
 * reference), the tool choice, native (provider-run) tools, tool names made
 * valid for Bedrock, and the output schema asked for natively
 * (`outputConfig`) or through a forced output tool.
 *
 * @since 0.1.0
 * @internal
 */
import type {
  OutputConfig,
  Tool,
  ToolChoice,
  ToolConfiguration,
  ToolSpecification
} from "@aws-sdk/client-bedrock-runtime"
import type * as BedrockModelProfile from "../../BedrockModelProfile.js"
import type * as LanguageModel from "../../LanguageModel.js"
import type { MappingInput, OutputMode } from "../requestMapping.js"
import { fail } from "./issues.js"

/**
 * Name of the forced output tool (and of the native JSON schema) when the
 * output schema has no name.
 *
 * @since 0.1.0
 * @internal
 */
export const defaultOutputName = "final_result"

/**
 * What `mapTools` gives the request: `toolConfig` (absent without tools),
 * `outputConfig` (native structured output) and how the output was asked for.
 *
 * @since 0.1.0
 * @internal
 */
export interface ToolsMapping {
  readonly toolConfig?: ToolConfiguration | undefined
  readonly outputConfig?: OutputConfig | undefined
  readonly output?: OutputMode | undefined
}

const schemaJson = new WeakMap<object, string>()

const stringifySchema = (schema: LanguageModel.JsonSchema): string => {
  let json = schemaJson.get(schema)
  if (json === undefined) {
    json = JSON.stringify(schema)
    schemaJson.set(schema, json)
  }
  return json
}

const describeChoice = (choice: LanguageModel.ToolChoice): string =>
  typeof choice === "string" ? `"${choice}"` : `{ tool: "${choice.tool}" }`

/**
 * The tools, tool choice and structured output of a request. A forced choice
 * the model cannot honour (unsupported, with thinking, or naming an unknown
 * tool) fails; with thinking on, an output tool is not forced (Bedrock rejects
 * that combination) but offered with `auto`.
 *
 * @since 0.1.0
 * @internal
 */
export const mapTools = (options: MappingInput, thinkingOn: boolean): ToolsMapping => {
  const { profile, request } = options
  const userTools = request.tools ?? []
  const choice = request.toolChoice
  const explicitForced = choice === "required" || (typeof choice === "object" && choice !== null)
  if (
    choice !== undefined && choice !== "auto" && choice !== "none" && choice !== "required" &&
    !(typeof choice === "object" && choice !== null && typeof choice.tool === "string")
  ) {
    fail(
      `Unknown tool choice ${JSON.stringify(choice)}: use "auto", "required", "none" or { tool: "name" }`,
      "toolChoice"
    )
  }

  if (explicitForced) {
    if (!profile.supportsToolChoice) {
      fail(
        `Tool choice ${describeChoice(choice)} is not supported by model "${options.modelId}": ` +
          "this model family cannot be forced to use a tool",
        "toolChoice"
      )
    }
    if (thinkingOn) {
      fail(
        `Tool choice ${describeChoice(choice)} cannot be combined with thinking on Bedrock: ` +
          "disable thinking or use toolChoice \"auto\"",
        "toolChoice"
      )
    }
    if (typeof choice === "object" && !userTools.some((tool) => tool.name === choice.tool)) {
      fail(`Tool choice names an unknown tool "${choice.tool}"`, "toolChoice")
    }
  }

  const tools: Array<Tool> = []
  if (choice !== "none") {
    for (let i = 0; i < userTools.length; i++) tools.push(toolSpec(userTools[i]!, profile))
  }

  let output: OutputMode | undefined
  let outputConfig: OutputConfig | undefined
  let outputTool: string | undefined
  if (request.output !== undefined) {
    const out = request.output
    const name = out.name ?? defaultOutputName
    if (profile.supportsJsonSchemaOutput) {
      const jsonSchema: { name: string; schema: string; description?: string } = {
        name,
        schema: stringifySchema(out.schema)
      }
      if (out.description !== undefined && out.description !== "") jsonSchema.description = out.description
      outputConfig = { textFormat: { type: "json_schema", structure: { jsonSchema } } }
      output = { _tag: "Native", name }
    } else {
      if (userTools.some((tool) => tool.name === name)) {
        fail(`The output tool "${name}" has the same name as one of the tools; name the output schema`, "output.name")
      }
      const isObject = out.schema.type === "object"
      const spec: ToolSpecification = {
        name,
        description: out.description ?? "The final response which ends this conversation",
        inputSchema: { json: (isObject ? out.schema : wrapSchema(out.schema)) as any }
      }
      tools.push({ toolSpec: spec })
      outputTool = name
      output = isObject ? { _tag: "Tool", toolName: name } : { _tag: "Tool", toolName: name, unwrapKey: "response" }
    }
  }

  const nativeTools = options.nativeTools
  if (nativeTools !== undefined) {
    for (const tool of nativeTools) {
      if (tool === "codeExecution" && profile.supportsCodeExecution) {
        tools.push({ systemTool: { name: "nova_code_interpreter" } })
      } else {
        fail(`Native tool "${tool}" is not supported by model "${options.modelId}"`, "nativeTools")
      }
    }
  }

  if (tools.length === 0) {
    if (choice === "required") {
      fail("Tool choice \"required\" asks the model to call a tool, but the request has no tools", "toolChoice")
    }
    return { outputConfig, output }
  }

  const toolConfig: ToolConfiguration = { tools }
  if (profile.supportsToolChoice) {
    let mapped: ToolChoice
    if (choice === "required") {
      mapped = { any: {} }
    } else if (typeof choice === "object" && choice !== null) {
      mapped = { tool: { name: choice.tool } }
    } else if (outputTool !== undefined && choice !== "auto") {
      // The answer must come through the output tool: an implicit forced choice, which
      // Bedrock rejects together with thinking, so it falls back to auto then.
      mapped = thinkingOn ? { auto: {} } : { any: {} }
    } else {
      mapped = { auto: {} }
    }
    toolConfig.toolChoice = mapped
  }
  return { toolConfig, outputConfig, output }
}

/**
 * The Converse tool for a tool definition: the schema by reference,
 * `description` only when given, `strict` only where the profile supports it.
 *
 * @since 0.1.0
 * @internal
 */
export const toolSpec = (tool: LanguageModel.ToolDefinition, profile: BedrockModelProfile.Profile): Tool => {
  const description = tool.description
  const inputSchema = { json: tool.parameters as any }
  // Object literals in one go (no properties added later): cheaper for the 50-tool hot path.
  if (tool.strict === true && profile.supportsStrictTools) {
    return {
      toolSpec: description === undefined || description === ""
        ? { name: tool.name, inputSchema, strict: true }
        : { name: tool.name, description, inputSchema, strict: true }
    }
  }
  return {
    toolSpec: description === undefined || description === ""
      ? { name: tool.name, inputSchema }
      : { name: tool.name, description, inputSchema }
  }
}

/**
 * A non-object output schema wrapped as the `response` key of an object
 * schema (tool inputs must be objects); `$defs` stay at the top.
 *
 * @since 0.1.0
 * @internal
 */
export const wrapSchema = (schema: LanguageModel.JsonSchema): LanguageModel.JsonSchema => {
  const { $defs, ...inner } = schema
  const wrapped: Record<string, unknown> = {
    type: "object",
    properties: { response: inner },
    required: ["response"],
    additionalProperties: false
  }
  if ($defs !== undefined) wrapped.$defs = $defs
  return wrapped
}

const TOOL_NAME_INVALID_ALL = /[^a-zA-Z0-9_-]/g

const isValidToolName = (name: string): boolean => {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    // 0-9, A-Z, a-z, "_", "-"
    if (
      !((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45)
    ) return false
  }
  return true
}

/**
 * Replaces characters Bedrock rejects in tool names (outside `[a-zA-Z0-9_-]`) with `_`.
 *
 * @since 0.1.0
 * @internal
 */
export const sanitizeToolName = (name: string): string =>
  isValidToolName(name) ? name : name.replace(TOOL_NAME_INVALID_ALL, "_")
