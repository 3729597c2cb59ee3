/**
 * Structured output in Converse, in the three modes pydantic-ai has: `tool`
 * (a forced output tool whose input is the answer), `native`
 * (`outputConfig.textFormat`, the schema sent as strict) and `prompted` (the
 * schema in the instructions, the answer's text parsed). `auto` takes the
 * profile's default, `tool` for every Bedrock family as in pydantic-ai; with
 * thinking on, it takes native where the model has it and prompted
 * elsewhere, because Bedrock rejects thinking together with a forced tool and
 * a tool the model may ignore is no answer. A schema whose root is not an
 * object is wrapped as `{ response: <schema> }` in every mode (pydantic-ai's
 * `outer_typed_dict_key`), and the answer unwrapped.
 *
 * @since 0.1.0
 * @internal
 */
import type { OutputConfig, Tool, ToolSpecification } from "@aws-sdk/client-bedrock-runtime"
import { isObjectSchema, unwrapKey } from "../output/structured.js"
import type * as Request from "../request/types.js"
import { forBedrock } from "../schema/strict.js"
import type { MappingInput, OutputMode } from "./converse.js"
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
 * What the request gets for its output schema: at most one of an output tool,
 * an `outputConfig` or instructions, and how to read the answer back.
 *
 * @since 0.1.0
 * @internal
 */
export interface OutputMapping {
  readonly mode: OutputMode
  readonly tool?: Tool | undefined
  readonly outputConfig?: OutputConfig | undefined
  readonly instructions?: string | undefined
}

/**
 * The mode an output schema is asked for in: the request's, or on `auto` the
 * profile's (native or prompted with thinking on). A mode the model cannot
 * honour is a user error.
 *
 * @since 0.1.0
 * @internal
 */
export const resolveMode = (
  options: MappingInput,
  output: Request.OutputSchema<object>,
  thinkingOn: boolean
): "tool" | "native" | "prompted" => {
  const { profile } = options
  const requested = output.mode ?? "auto"
  if (requested === "auto") {
    if (thinkingOn) return profile.supportsJsonSchemaOutput ? "native" : "prompted"
    const mode = profile.defaultOutputMode
    return mode === "native" && !profile.supportsJsonSchemaOutput ? "tool" : mode
  }
  if (requested === "native" && !profile.supportsJsonSchemaOutput) {
    fail(
      `Native structured output is not supported by model "${options.modelId}": use output mode "tool" or "prompted"`,
      "output.mode"
    )
  }
  if (requested === "tool" && thinkingOn) {
    fail(
      "Bedrock does not accept thinking together with an output tool: use output mode " +
        `"${profile.supportsJsonSchemaOutput ? "native" : "prompted"}" instead, or turn thinking off`,
      "output.mode"
    )
  }
  return requested
}

const schemaJson = new WeakMap<object, string>()

/**
 * `JSON.stringify` of a schema, cached per schema object.
 *
 * @since 0.1.0
 * @internal
 */
export const stringifySchema = (schema: object): string => {
  let json = schemaJson.get(schema)
  if (json === undefined) {
    json = JSON.stringify(schema)
    schemaJson.set(schema, json)
  }
  return json
}

const wrapped = new WeakMap<object, object>()

/**
 * A non-object output schema wrapped as the `response` key of an object
 * schema (tool inputs and Bedrock's JSON-schema output must be objects);
 * `$defs` stay at the top. Cached per schema object.
 *
 * @since 0.1.0
 * @internal
 */
export const wrapSchema = (schema: object): object => {
  const cached = wrapped.get(schema)
  if (cached !== undefined) return cached
  const { $defs, ...inner } = schema as Record<string, unknown>
  const out: Record<string, unknown> = {
    type: "object",
    properties: { response: inner },
    required: ["response"],
    additionalProperties: false
  }
  if ($defs !== undefined) out.$defs = $defs
  wrapped.set(schema, out)
  return out
}

/**
 * The prompted-output instructions for a schema, in pydantic-ai's words
 * (`DEFAULT_PROMPTED_OUTPUT_TEMPLATE`): its name and description go in as the
 * schema's `title` and `description`.
 *
 * @since 0.1.0
 * @internal
 */
export const promptedInstructions = (
  schema: object,
  name: string | undefined,
  description: string | undefined
): string => {
  let json = stringifySchema(schema)
  if (name !== undefined || (description !== undefined && description !== "")) {
    const described: Record<string, unknown> = { ...schema }
    if (name !== undefined) described.title = name
    if (description !== undefined && description !== "") described.description = description
    json = JSON.stringify(described)
  }
  return "Always respond with a JSON object that's compatible with this schema:\n\n" + json +
    "\n\nDon't include any text or Markdown fencing before or after."
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * The request parts for an output schema in a resolved mode. `warn` receives
 * what a strict rewrite could not keep.
 *
 * @since 0.1.0
 * @internal
 */
export const mapOutput = (
  options: MappingInput,
  output: Request.OutputSchema<object>,
  mode: "tool" | "native" | "prompted",
  warn: (message: string) => void
): OutputMapping => {
  const { profile } = options
  // "" counts as no name.
  const given = output.name === undefined || output.name === "" ? undefined : output.name
  const name = given ?? defaultOutputName
  const inline = profile.inlineSchemaDefs
  const wrap = !isObjectSchema(output.schema)
  const schema = wrap ? wrapSchema(output.schema) : output.schema
  switch (mode) {
    case "native": {
      // Bedrock's structured output takes the schema as strict, always.
      const rewritten = forBedrock(schema, true, inline)
      for (const warning of rewritten.warnings) warn(warning)
      const jsonSchema: { name: string; schema: string; description?: string } = {
        name,
        schema: stringifySchema(rewritten.schema)
      }
      if (output.description !== undefined && output.description !== "") jsonSchema.description = output.description
      return {
        mode: wrap ? { _tag: "Native", name, unwrapKey } : { _tag: "Native", name },
        outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema } } }
      }
    }
    case "prompted": {
      const rewritten = forBedrock(schema, false, inline).schema
      return {
        mode: wrap ? { _tag: "Prompted", name, unwrapKey } : { _tag: "Prompted", name },
        instructions: promptedInstructions(rewritten, given, output.description)
      }
    }
    case "tool": {
      // Only here does the name become a tool name.
      if (!TOOL_NAME.test(name)) {
        fail(
          `The output name ${JSON.stringify(name.slice(0, 80))} is sent as a tool name in output mode "tool": ` +
            "use 1 to 64 letters, digits, \"_\" or \"-\", or output mode \"native\" or \"prompted\"",
          "output.name"
        )
      }
      if (options.request.tools?.some((tool) => tool.name === name) === true) {
        fail(`The output tool "${name}" has the same name as one of the tools; name the output schema`, "output.name")
      }
      const spec: ToolSpecification = {
        name,
        description: output.description ?? "The final response which ends this conversation",
        inputSchema: { json: forBedrock(schema, false, inline).schema as any }
      }
      return {
        mode: wrap ? { _tag: "Tool", toolName: name, unwrapKey } : { _tag: "Tool", toolName: name },
        tool: { toolSpec: spec }
      }
    }
  }
}
