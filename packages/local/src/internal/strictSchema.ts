/**
 * What Bedrock checks in a schema it must enforce (a `strict: true` tool, native structured
 * output's `outputConfig.textFormat`): the JSON Schema subset structured output accepts. Every
 * object needs `additionalProperties: false`; numeric bounds, `multipleOf`, `maxItems`,
 * `minItems` above 1, unknown string formats and regex lookaround / backreferences / word
 * boundaries are rejected with a 400. At most 20 strict tools per request.
 *
 * @internal
 */
import * as Rules from "@effect-bedrock/converse/request/rules"
import { fail } from "./contentValidation.js"
import { isObject, type Json } from "./json.js"

// Bedrock's strict-schema rules, written once in the engine.
const FORMATS = Rules.strictFormats
const NUMERIC = Rules.strictNumericKeys
const UNSUPPORTED_PATTERN = Rules.strictUnsupportedPattern

/** @internal */
export const maxStrictTools = Rules.maxStrictTools

const reject = (where: string, path: string, problem: string): never =>
  fail(
    `The JSON schema of ${where} isn't supported by structured outputs: ${problem} at '${path}'. ` +
      "See the supported JSON Schema subset in the structured outputs documentation."
  )

const checkNode = (node: unknown, where: string, path: string): void => {
  if (Array.isArray(node)) return node.forEach((item, i) => checkNode(item, where, `${path}[${i}]`))
  if (!isObject(node)) return
  const type = node.type
  if (type === "object" && node.additionalProperties !== false) {
    reject(where, path, "'additionalProperties' must be set to false for every object")
  }
  if (type === "number" || type === "integer") {
    for (const key of NUMERIC) if (key in node) reject(where, path, `'${key}' is not supported`)
  }
  if (type === "array") {
    if ("maxItems" in node) reject(where, path, "'maxItems' is not supported")
    if (typeof node.minItems === "number" && node.minItems > 1) {
      reject(where, path, "'minItems' values other than 0 and 1 are not supported")
    }
  }
  if (type === "string") {
    if (typeof node.format === "string" && !FORMATS.has(node.format)) {
      reject(where, path, `the string format '${node.format}' is not supported`)
    }
    if (typeof node.pattern === "string" && UNSUPPORTED_PATTERN.test(node.pattern)) {
      reject(where, path, "regular expressions with lookaround, backreferences or word boundaries are not supported")
    }
  }
  for (const key of Object.keys(node)) {
    const value = node[key]
    if (key === "properties" || key === "$defs" || key === "definitions" || key === "patternProperties") {
      if (isObject(value)) {
        for (const name of Object.keys(value)) checkNode(value[name], where, `${path}.${key}.${name}`)
      }
    } else if (key !== "enum" && key !== "const" && key !== "default" && key !== "examples") {
      if (typeof value === "object") checkNode(value, where, `${path}.${key}`)
    }
  }
}

/**
 * Checks a strict tool's input schema.
 *
 * @internal
 */
export const checkStrictTool = (spec: Json, path: string): void => {
  if (spec.strict !== true) return
  const schema = isObject(spec.inputSchema) ? spec.inputSchema.json : undefined
  checkNode(schema, `the strict tool '${String(spec.name)}' (${path})`, "$")
}

/**
 * Checks `outputConfig`: a `json_schema` text format whose schema is a JSON string of a
 * supported schema.
 *
 * @internal
 */
export const checkOutputConfig = (outputConfig: unknown): void => {
  if (outputConfig === undefined) return
  const format = isObject(outputConfig) ? outputConfig.textFormat : undefined
  if (!isObject(format) || format.type !== "json_schema") {
    return fail(
      "1 validation error detected: Value at 'outputConfig.textFormat.type' failed to satisfy constraint: " +
        "Member must satisfy enum value set: [json_schema]"
    )
  }
  const jsonSchema = isObject(format.structure) ? format.structure.jsonSchema : undefined
  if (!isObject(jsonSchema) || typeof jsonSchema.schema !== "string") {
    return fail(
      "1 validation error detected: Value null at 'outputConfig.textFormat.structure.jsonSchema.schema' " +
        "failed to satisfy constraint: Member must not be null"
    )
  }
  let schema: unknown
  try {
    schema = JSON.parse(jsonSchema.schema)
  } catch {
    return fail("The JSON schema in outputConfig.textFormat.structure.jsonSchema.schema is not valid JSON.")
  }
  checkNode(schema, "outputConfig.textFormat", "$")
}
