/**
 * Tools in Converse: tool specs (made once per tool definition and shared,
 * frozen, by the requests that send it), the tool choice (all, some or one tool, or pydantic-ai's tool-or-output
 * choice), native (provider-run) tools, tool names made valid for Bedrock,
 * and the output schema's part of it (`output.ts` chooses the mode).
 *
 * @since 0.1.0
 * @internal
 */
import type { OutputConfig, Tool, ToolChoice, ToolConfiguration } from "@aws-sdk/client-bedrock-runtime"
import type * as Profiles from "../models/profiles.js"
import type * as Request from "../request/types.js"
import { forBedrock } from "../schema/strict.js"
import type { MappingInput, OutputMode } from "./converse.js"
import { fail } from "./issues.js"
import { mapOutput, resolveMode } from "./output.js"

/**
 * What `mapTools` gives the request: `toolConfig` (absent without tools),
 * `outputConfig` (native structured output), prompted-output `instructions`
 * and how the output was asked for.
 *
 * @since 0.1.0
 * @internal
 */
export interface ToolsMapping {
  readonly toolConfig?: ToolConfiguration | undefined
  readonly outputConfig?: OutputConfig | undefined
  readonly output?: OutputMode | undefined
  readonly instructions?: string | undefined
}

const describeChoice = (choice: Request.ToolChoice): string => {
  if (typeof choice === "string") return `"${choice}"`
  if ("tool" in choice) return `{ tool: "${choice.tool}" }`
  if ("tools" in choice) return `{ tools: ${JSON.stringify(choice.tools)} }`
  return `{ toolOrOutput: ${JSON.stringify(choice.toolOrOutput)} }`
}

/**
 * A tool choice resolved the way pydantic-ai does: `auto` (the model may
 * answer directly), `required` (it must call a tool), `none`, or one of those
 * restricted to some tools (`names`, the output tool included).
 */
interface Resolved {
  readonly mode: "auto" | "required" | "none"
  readonly names?: ReadonlySet<string> | undefined
}

/**
 * The names of a tool choice that name offered tools, as pydantic-ai keeps them: names of tools not
 * offered are dropped with a warning (tools may be offered per request), but a choice left with
 * none is a user error.
 */
const offeredNames = (
  names: ReadonlyArray<string>,
  tools: ReadonlyArray<Request.ToolDefinition<object>>,
  warn: (message: string) => void
): Array<string> => {
  const offered: Array<string> = []
  const unknown: Array<string> = []
  for (const name of names) {
    if (tools.some((tool) => tool.name === name)) offered.push(name)
    else unknown.push(name)
  }
  if (unknown.length === 0) return offered
  const available = tools.length === 0 ? "none" : tools.map((tool) => tool.name).join(", ")
  if (offered.length === 0) {
    fail(
      `Tool choice names ${unknown.length === 1 ? "a tool" : "tools"} the request does not offer: ` +
        `${unknown.map((name) => `"${name}"`).join(", ")} (offered: ${available})`,
      "toolChoice"
    )
  }
  warn(
    `Tool choice names tools the request does not offer, left out: ${
      unknown.map((name) => `"${name}"`).join(", ")
    } (offered: ${available})`
  )
  return offered
}

const resolveChoice = (
  choice: Request.ToolChoice | undefined,
  tools: ReadonlyArray<Request.ToolDefinition<object>>,
  outputTool: string | undefined,
  warn: (message: string) => void
): Resolved => {
  // With an output tool the answer must come through a tool: no direct text answer.
  const direct = outputTool === undefined
  const all = tools.length + (direct ? 0 : 1)
  const restrict = (mode: "auto" | "required", names: ReadonlySet<string>): Resolved =>
    names.size === all ? { mode } : { mode, names }
  if (choice === undefined || choice === "auto") return { mode: direct ? "auto" : "required" }
  // `{ tools: [] }` names no tool: `none`, as pydantic-ai takes `tool_choice=[]`.
  if (choice === "none" || (typeof choice === "object" && "tools" in choice && choice.tools.length === 0)) {
    if (direct) return { mode: "none" }
    return tools.length === 0 ? { mode: "required" } : { mode: "required", names: new Set([outputTool]) }
  }
  if (choice === "required") {
    if (tools.length === 0) {
      fail("Tool choice \"required\" needs tools, and the request has none: add tools or use \"auto\"", "toolChoice")
    }
    return { mode: "required" }
  }
  if ("tool" in choice || "tools" in choice) {
    const names = offeredNames("tool" in choice ? [choice.tool] : choice.tools, tools, warn)
    return restrict("required", new Set(names))
  }
  if (choice.toolOrOutput.length === 0) {
    return direct ? { mode: "none" } : { mode: "required", names: new Set([outputTool]) }
  }
  const names = offeredNames(choice.toolOrOutput, tools, warn)
  const allowed = new Set(names)
  if (!direct) allowed.add(outputTool)
  return restrict(direct ? "auto" : "required", allowed)
}

/**
 * The tools, tool choice and structured output of a request. An explicitly
 * forced choice the model cannot honour (unsupported, or with thinking) fails;
 * a forced choice that is only implied falls back to `auto` there. A choice of
 * several tools sends only those (Bedrock's `toolChoice` names one tool at
 * most).
 *
 * @since 0.1.0
 * @internal
 */
export const mapTools = (
  options: MappingInput,
  thinkingOn: boolean,
  warn: (message: string) => void
): ToolsMapping => {
  const { profile, request } = options
  const userTools = request.tools ?? []
  // Its shape was checked with the request's (`checkRequest`), before the mapping.
  const choice = request.toolChoice

  const output = request.output === undefined
    ? undefined
    : mapOutput(options, request.output, resolveMode(options, request.output, thinkingOn), warn)
  const outputTool = output?.mode._tag === "Tool" ? output.mode.toolName : undefined
  const resolved = resolveChoice(choice, userTools, outputTool, warn)

  const explicitForced = choice === "required" ||
    (typeof choice === "object" && !("toolOrOutput" in choice) && !("tools" in choice && choice.tools.length === 0))
  let forcing = profile.supportsToolChoice
  if (explicitForced && !forcing) {
    fail(
      `Tool choice ${describeChoice(choice)} is not supported by model "${options.modelId}": ` +
        "this model family cannot be forced to use a tool",
      "toolChoice"
    )
  }
  if (thinkingOn && forcing) {
    if (explicitForced) {
      fail(
        `Tool choice ${describeChoice(choice)} cannot be combined with thinking on Bedrock: ` +
          "disable thinking or use toolChoice \"auto\"",
        "toolChoice"
      )
    }
    if (resolved.mode === "required" || resolved.names !== undefined) forcing = false
  }

  // Bedrock's toolChoice names one tool at most: a forced single tool keeps the whole list (so a
  // cached tool prefix still matches); any other subset is sent alone.
  const names = resolved.names
  const single = resolved.mode === "required" && names !== undefined && names.size === 1 && forcing
  const keep = (name: string) => names === undefined || single || names.has(name)

  let tools: Array<Tool> = []
  if (resolved.mode !== "none" && userTools.length > 0) {
    if (names === undefined || single) {
      const specs = listSpecs(userTools, profile)
      tools = specs.tools.slice()
      for (let i = 0; i < specs.warnings.length; i++) warn(specs.warnings[i]!)
    } else {
      for (let i = 0; i < userTools.length; i++) {
        const definition = userTools[i]!
        if (!names.has(definition.name)) continue
        const spec = definitionSpec(definition, profile)
        for (let w = 0; w < spec.warnings.length; w++) warn(spec.warnings[w]!)
        tools.push(spec.tool)
      }
    }
  }
  if (output?.tool !== undefined && keep(outputTool!)) tools.push(output.tool)

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

  const outputConfig = output?.outputConfig
  const instructions = output?.instructions
  const mode = output?.mode
  if (tools.length === 0) return { outputConfig, output: mode, instructions }

  const toolConfig: ToolConfiguration = { tools }
  if (profile.supportsToolChoice) {
    let mapped: ToolChoice
    if (single) mapped = { tool: { name: names.values().next().value! } }
    else if (resolved.mode === "required" && forcing) mapped = { any: {} }
    else mapped = { auto: {} }
    toolConfig.toolChoice = mapped
  }
  return { toolConfig, outputConfig, output: mode, instructions }
}

/**
 * The Converse tool for a tool definition: the schema as Bedrock takes it
 * (`jsonSchema.forBedrock`: by reference when nothing changes), `description`
 * only when given, `strict` only where the profile supports it.
 *
 * @since 0.1.0
 * @internal
 */
export const toolSpec = (
  tool: Request.ToolDefinition<object>,
  profile: Profiles.Profile,
  warn?: (message: string) => void
): Tool => {
  const description = tool.description
  const strict = tool.strict === true && profile.supportsStrictTools
  // Cached per schema object: a toolkit's schemas are rewritten once.
  const rewritten = forBedrock(tool.parameters, strict, profile.inlineSchemaDefs)
  if (warn !== undefined) { for (const warning of rewritten.warnings) warn(`Tool "${tool.name}": ${warning}`) }
  const inputSchema = { json: rewritten.schema as any }
  // Object literals in one go (no properties added later): cheaper for the 50-tool hot path.
  if (strict) {
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

// =============================================================================
// Tool specs, made once per tool definition
// =============================================================================

/**
 * The Converse tool of a tool definition, shared by every request that sends
 * the definition (so frozen: a caller cannot change what later requests send),
 * and the warnings of its schema rewrite, given again with each request. A
 * definition, like its schema (`jsonSchema.forBedrock`), is taken as unchanged
 * once sent: its fields are readonly.
 */
interface DefinitionSpec {
  readonly tool: Tool
  readonly warnings: ReadonlyArray<string>
  /** The profile fields the spec depends on. */
  readonly strictTools: boolean
  readonly inlineDefs: boolean
}

/** The specs of a whole definitions array, and its elements when they were made. */
interface ListSpecs {
  readonly definitions: ReadonlyArray<Request.ToolDefinition<object>>
  readonly tools: ReadonlyArray<Tool>
  readonly warnings: ReadonlyArray<string>
}

/** Per definition object (`@effect-bedrock/ai` sends its cached definitions in a new array each call). */
const specsByDefinition = new WeakMap<Request.ToolDefinition<object>, DefinitionSpec>()

/**
 * Per definitions array and profile variant: a toolkit sends the same array at each step, which
 * then costs one look-up and a comparison of its elements, not one look-up per tool.
 */
const specsByList = new WeakMap<ReadonlyArray<Request.ToolDefinition<object>>, Array<ListSpecs | undefined>>()

const definitionSpec = (
  definition: Request.ToolDefinition<object>,
  profile: Profiles.Profile
): DefinitionSpec => {
  const cached = specsByDefinition.get(definition)
  if (
    cached !== undefined && cached.strictTools === profile.supportsStrictTools &&
    cached.inlineDefs === profile.inlineSchemaDefs
  ) return cached
  const warnings: Array<string> = []
  const tool = toolSpec(definition, profile, (warning) => warnings.push(warning))
  Object.freeze(tool.toolSpec!.inputSchema)
  Object.freeze(tool.toolSpec)
  const spec: DefinitionSpec = {
    tool: Object.freeze(tool),
    warnings,
    strictTools: profile.supportsStrictTools,
    inlineDefs: profile.inlineSchemaDefs
  }
  specsByDefinition.set(definition, spec)
  return spec
}

const sameElements = (
  self: ReadonlyArray<Request.ToolDefinition<object>>,
  that: ReadonlyArray<Request.ToolDefinition<object>>
): boolean => {
  if (self.length !== that.length) return false
  for (let i = 0; i < self.length; i++) if (self[i] !== that[i]) return false
  return true
}

/** The specs of every definition of an array, in order (the array may have changed since it was last sent). */
const listSpecs = (
  definitions: ReadonlyArray<Request.ToolDefinition<object>>,
  profile: Profiles.Profile
): ListSpecs => {
  const variant = (profile.supportsStrictTools ? 2 : 0) + (profile.inlineSchemaDefs ? 1 : 0)
  let variants = specsByList.get(definitions)
  const cached = variants?.[variant]
  if (cached !== undefined && sameElements(cached.definitions, definitions)) return cached
  const tools: Array<Tool> = []
  const warnings: Array<string> = []
  for (let i = 0; i < definitions.length; i++) {
    const spec = definitionSpec(definitions[i]!, profile)
    tools.push(spec.tool)
    for (let w = 0; w < spec.warnings.length; w++) warnings.push(spec.warnings[w]!)
  }
  const specs: ListSpecs = { definitions: definitions.slice(), tools, warnings }
  if (variants === undefined) specsByList.set(definitions, variants = [])
  variants[variant] = specs
  return specs
}

// =============================================================================
// Tool names
// =============================================================================

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
