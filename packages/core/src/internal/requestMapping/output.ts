/**
 * Structured output in Converse, in the three modes pydantic-ai has: `tool`
 * (a forced output tool whose input is the answer), `native`
 * (`outputConfig.textFormat`, the schema sent as strict) and `prompted` (the
 * schema in the instructions, the answer's text parsed). `auto` takes the
 * profile's default; with thinking on, it takes native where the model has
 * it and prompted elsewhere, because Bedrock rejects thinking together with a
 * forced tool and a tool the model may ignore is no answer.
 *
 * @since 0.1.0
 * @internal
 */
import type { OutputConfig, Tool, ToolSpecification } from "@aws-sdk/client-bedrock-runtime"
import type * as LanguageModel from "../../LanguageModel.js"
import type { MappingInput, OutputMode } from "../requestMapping.js"
import { fail } from "./issues.js"
import { forBedrock } from "./jsonSchema.js"

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
  output: LanguageModel.OutputSchema,
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
export const stringifySchema = (schema: LanguageModel.JsonSchema): string => {
  let json = schemaJson.get(schema)
  if (json === undefined) {
    json = JSON.stringify(schema)
    schemaJson.set(schema, json)
  }
  return json
}

const wrapped = new WeakMap<object, LanguageModel.JsonSchema>()

/**
 * A non-object output schema wrapped as the `response` key of an object
 * schema (tool inputs must be objects); `$defs` stay at the top. Cached per
 * schema object.
 *
 * @since 0.1.0
 * @internal
 */
export const wrapSchema = (schema: LanguageModel.JsonSchema): LanguageModel.JsonSchema => {
  const cached = wrapped.get(schema)
  if (cached !== undefined) return cached
  const { $defs, ...inner } = schema
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
 * The prompted-output instructions for a schema: its name and description go
 * in as the schema's `title` and `description`.
 *
 * @since 0.1.0
 * @internal
 */
export const promptedInstructions = (
  schema: LanguageModel.JsonSchema,
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
    "\n\nReply with the JSON alone: no text and no Markdown fences around it."
}

/**
 * The request parts for an output schema in a resolved mode. `warn` receives
 * what a strict rewrite could not keep.
 *
 * @since 0.1.0
 * @internal
 */
export const mapOutput = (
  options: MappingInput,
  output: LanguageModel.OutputSchema,
  mode: "tool" | "native" | "prompted",
  warn: (message: string) => void
): OutputMapping => {
  const { profile } = options
  const name = output.name ?? defaultOutputName
  const inline = profile.inlineSchemaDefs
  switch (mode) {
    case "native": {
      // Bedrock's structured output takes the schema as strict, always.
      const rewritten = forBedrock(output.schema, true, inline)
      for (const warning of rewritten.warnings) warn(warning)
      const jsonSchema: { name: string; schema: string; description?: string } = {
        name,
        schema: stringifySchema(rewritten.schema)
      }
      if (output.description !== undefined && output.description !== "") jsonSchema.description = output.description
      return {
        mode: { _tag: "Native", name },
        outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema } } }
      }
    }
    case "prompted": {
      const schema = forBedrock(output.schema, false, inline).schema
      return {
        mode: { _tag: "Prompted", name },
        instructions: promptedInstructions(schema, output.name, output.description)
      }
    }
    case "tool": {
      if (options.request.tools?.some((tool) => tool.name === name) === true) {
        fail(`The output tool "${name}" has the same name as one of the tools; name the output schema`, "output.name")
      }
      const isObject = (output.schema as Record<string, unknown>).type === "object"
      const spec: ToolSpecification = {
        name,
        description: output.description ?? "The final response which ends this conversation",
        inputSchema: {
          json: forBedrock(isObject ? output.schema : wrapSchema(output.schema), false, inline).schema as any
        }
      }
      return {
        mode: isObject ? { _tag: "Tool", toolName: name } : { _tag: "Tool", toolName: name, unwrapKey: "response" },
        tool: { toolSpec: spec }
      }
    }
  }
}
