/**
 * JSON Schema -> a value satisfying it: the default model's tool inputs and structured output.
 *
 * @internal
 */
import { asArray, isObject, type Json } from "./json.js"

const resolveRef = (root: Json, ref: string): Json => {
  if (!ref.startsWith("#/")) return {}
  let node: unknown = root
  for (const part of ref.slice(2).split("/")) {
    node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined
  }
  return isObject(node) ? node : {}
}

const numberIn = (schema: Json, integer: boolean, index: number): number => {
  const step = integer ? 1 : 0.5
  const exMin = schema.exclusiveMinimum
  const exMax = schema.exclusiveMaximum
  let lo: number | undefined = typeof schema.minimum === "number" ? schema.minimum : undefined
  let hi: number | undefined = typeof schema.maximum === "number" ? schema.maximum : undefined
  if (typeof exMin === "number") lo = lo === undefined ? exMin + step : Math.max(lo, exMin + step)
  else if (exMin === true && lo !== undefined) lo = lo + step
  if (typeof exMax === "number") hi = hi === undefined ? exMax - step : Math.min(hi, exMax - step)
  else if (exMax === true && hi !== undefined) hi = hi - step
  if (integer) {
    if (lo !== undefined) lo = Math.ceil(lo)
    if (hi !== undefined) hi = Math.floor(hi)
  }
  let value = lo !== undefined && hi !== undefined
    ? (integer ? Math.floor((lo + hi) / 2) : (lo + hi) / 2)
    : lo !== undefined
    ? lo
    : hi !== undefined
    ? Math.min(hi, integer ? 1 : 1.5)
    : (integer ? 1 : 1.5)
  value += index
  if (hi !== undefined && value > hi) value = lo ?? hi
  const multipleOf = schema.multipleOf
  if (typeof multipleOf === "number" && multipleOf > 0) {
    value = Math.ceil(value / multipleOf) * multipleOf
    if (hi !== undefined && value > hi) value = Math.floor(hi / multipleOf) * multipleOf
  }
  return value
}

const stringFor = (schema: Json, name: string, index: number): string => {
  switch (schema.format) {
    case "date-time":
      return "2026-01-01T00:00:00Z"
    case "date":
      return "2026-01-01"
    case "time":
      return "12:00:00"
    case "email":
      return `${name || "local"}${index > 0 ? index : ""}@example.com`
    case "uri":
    case "url":
      return `https://example.com/${name || "local"}${index > 0 ? index : ""}`
    case "uuid":
      return `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`
  }
  let value = `${name || "value"}${index > 0 ? `-${index + 1}` : ""}`
  const min = typeof schema.minLength === "number" ? schema.minLength : 0
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity
  while (value.length < min) value += "x"
  if (value.length > max) value = value.slice(0, max)
  return value
}

const typeOf = (schema: Json): string | undefined => {
  const type = schema.type
  if (typeof type === "string") return type
  if (Array.isArray(type)) {
    const nonNull = type.find((t) => t !== "null")
    return typeof nonNull === "string" ? nonNull : "null"
  }
  if (isObject(schema.properties)) return "object"
  if (schema.items !== undefined) return "array"
  return undefined
}

/**
 * A value satisfying the JSON schema (the common subset: types, required properties, enums,
 * const, numeric and length bounds, arrays, nested objects, `$ref`, `anyOf` / `oneOf` / `allOf`).
 *
 * @internal
 */
export const valueFor = (
  schema: unknown,
  root: Json = isObject(schema) ? schema : {},
  name = "",
  index = 0,
  depth = 0
): unknown => {
  if (!isObject(schema) || depth > 12) return null
  if (typeof schema.$ref === "string") return valueFor(resolveRef(root, schema.$ref), root, name, index, depth + 1)
  if (schema.const !== undefined) return schema.const
  // Schema authors' own examples make the most plausible arguments.
  if (Array.isArray(schema.examples) && schema.examples.length > 0) {
    return schema.examples[index % schema.examples.length]
  }
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const options = schema.enum.filter((e) => e !== null)
    const pool = options.length > 0 ? options : schema.enum
    return pool[index % pool.length]
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => !(isObject(o) && o.type === "null")) ?? options[0]
      return valueFor(pick, root, name, index, depth + 1)
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const parts = schema.allOf.map((s) => valueFor(s, root, name, index, depth + 1))
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]
  }
  switch (typeOf(schema)) {
    case "object": {
      const out: Json = {}
      const properties = isObject(schema.properties) ? schema.properties : {}
      const required = asArray(schema.required).filter((r): r is string => typeof r === "string")
      for (const [key, sub] of Object.entries(properties)) {
        if (required.includes(key) || depth < 3) out[key] = valueFor(sub, root, key, 0, depth + 1)
      }
      for (const key of required) {
        if (!(key in out)) {
          out[key] = isObject(schema.additionalProperties)
            ? valueFor(schema.additionalProperties, root, key, 0, depth + 1)
            : key
        }
      }
      return out
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 1
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity
      const length = Math.min(Math.max(min, 1), max)
      const prefix = asArray(schema.prefixItems)
      const items: Array<unknown> = []
      for (let i = 0; i < length; i++) {
        const itemSchema = i < prefix.length
          ? prefix[i]
          : Array.isArray(schema.items)
          ? schema.items[i] ?? {}
          : schema.items ?? {}
        items.push(valueFor(itemSchema, root, name.replace(/s$/, ""), i, depth + 1))
      }
      return items
    }
    case "string":
      return stringFor(schema, name, index)
    case "integer":
      return numberIn(schema, true, index)
    case "number":
      return numberIn(schema, false, index)
    case "boolean":
      return true
    case "null":
      return null
    default:
      return name || "value"
  }
}
