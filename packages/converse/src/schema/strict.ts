/**
 * JSON schemas the way Bedrock accepts them. Every schema sent loses `title`
 * and `$schema`; the Amazon and Meta families get local `$ref`s inlined; a
 * schema sent as strict (native output, `strict` tools) gets
 * `additionalProperties: false` on every object and loses the keywords Bedrock
 * rejects under strict mode, which are kept as a hint in the node's
 * `description` (`"Age (minimum=0, maximum=150)"`).
 *
 * The user's schema is never changed: nodes are copied only where something
 * changes, and a schema that needs nothing is returned as it is. Results are
 * cached per schema object, so a toolkit's schemas are rewritten once, not per
 * request.
 *
 * @since 0.1.0
 * @internal
 */
import { strictFormats } from "../request/rules.js"

/**
 * A rewritten schema, and what could not be kept (for a warning).
 *
 * @since 0.1.0
 * @internal
 */
export interface Rewritten {
  readonly schema: object
  readonly warnings: ReadonlyArray<string>
}

/**
 * String formats Bedrock accepts in a strict schema (written once, in `request/rules.ts`).
 *
 * @since 0.1.0
 * @internal
 */
export { strictFormats }

// Lookaround, backreferences and word boundaries: regex features strict schemas reject.
const UNSUPPORTED_PATTERN = /\(\?<?[=!]|\\[1-9]|\\k<|\\[bB]/

/**
 * Whether a strict schema may carry this `pattern`.
 *
 * @since 0.1.0
 * @internal
 */
export const isStrictPattern = (pattern: string): boolean => !UNSUPPORTED_PATTERN.test(pattern)

const NUMERIC_KEYS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"] as const

type Node = Record<string, unknown>

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value)

// Keys holding one sub-schema, a list of sub-schemas, or a map of name -> sub-schema.
const ONE = new Set([
  "items",
  "additionalProperties",
  "not",
  "contains",
  "propertyNames",
  "if",
  "then",
  "else",
  "additionalItems",
  "unevaluatedItems",
  "unevaluatedProperties"
])
const LIST = new Set(["anyOf", "allOf", "oneOf", "prefixItems"])
const MAP = new Set(["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"])

class Walker {
  readonly warnings: Array<string> = []
  /** Definitions that refer to themselves: kept as `$defs` with their `$ref`s. */
  readonly recursive = new Set<string>()
  readonly stack: Array<string> = []

  constructor(
    readonly defs: Node | undefined,
    readonly strict: boolean,
    readonly inlineDefs: boolean
  ) {}

  /** The node rewritten; the same object when nothing changed. */
  node(node: unknown, path: string): unknown {
    if (!isNode(node)) return node
    if (this.inlineDefs && typeof node.$ref === "string") {
      const inlined = this.inline(node, node.$ref, path)
      if (inlined !== undefined) return inlined
    }
    let out: Node | undefined
    const set = (key: string, value: unknown) => {
      out ??= { ...node }
      if (value === undefined) delete out[key]
      else out[key] = value
    }
    for (const key in node) {
      const value = node[key]
      if (key === "title" || key === "$schema") {
        set(key, undefined)
      } else if (ONE.has(key)) {
        const next = Array.isArray(value) ? this.list(value, `${path}.${key}`) : this.node(value, `${path}.${key}`)
        if (next !== value) set(key, next)
      } else if (LIST.has(key) && Array.isArray(value)) {
        const next = this.list(value, `${path}.${key}`)
        if (next !== value) set(key, next)
      } else if (MAP.has(key) && isNode(value)) {
        if ((key === "$defs" || key === "definitions") && this.inlineDefs) {
          // Inlined where used; the recursive ones come back at the root.
          set(key, undefined)
          continue
        }
        const next = this.map(value, `${path}.${key}`)
        if (next !== value) set(key, next)
      }
    }
    if (this.strict) {
      const strict = this.strictNode(out ?? node, path)
      if (strict !== undefined) out = strict
    }
    return out ?? node
  }

  list(values: ReadonlyArray<unknown>, path: string): ReadonlyArray<unknown> {
    let out: Array<unknown> | undefined
    for (let i = 0; i < values.length; i++) {
      const next = this.node(values[i], `${path}[${i}]`)
      if (next !== values[i]) (out ??= values.slice())[i] = next
    }
    return out ?? values
  }

  map(values: Node, path: string): Node {
    let out: Node | undefined
    for (const key in values) {
      const next = this.node(values[key], `${path}.${key}`)
      if (next !== values[key]) (out ??= { ...values })[key] = next
    }
    return out ?? values
  }

  /** A local `$ref` replaced by its definition (siblings win); `undefined` to keep the `$ref`. */
  inline(node: Node, ref: string, path: string): unknown {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref)
    if (match === null || this.defs === undefined) return undefined
    const name = match[2]!
    const def = this.defs[name]
    if (!isNode(def)) return undefined
    if (this.stack.includes(name)) {
      this.recursive.add(name)
      return undefined
    }
    const { $ref: _, ...siblings } = node
    this.stack.push(name)
    const inlined = this.node({ ...def, ...siblings }, path)
    this.stack.pop()
    return inlined
  }

  /** The strict-mode changes of one node, or `undefined` when it needs none. */
  strictNode(node: Node, path: string): Node | undefined {
    const type = node.type
    let out: Node | undefined
    const notes: Array<string> = []
    const drop = (key: string) => {
      notes.push(`${key}=${typeof node[key] === "string" ? node[key] : JSON.stringify(node[key])}`)
      out ??= { ...node }
      delete out[key]
    }
    if (type === "object") {
      const additional = node.additionalProperties
      if (additional !== false) {
        if (additional !== undefined) {
          this.warnings.push(
            `The schema at ${path} is a map (additionalProperties); sent as strict it can only be {}: ` +
              "use prompted output or a list of key/value pairs instead"
          )
        }
        out = { ...node, additionalProperties: false }
      }
    } else if (type === "number" || type === "integer") {
      for (const key of NUMERIC_KEYS) if (key in node) drop(key)
    } else if (type === "array") {
      if ("maxItems" in node) drop("maxItems")
      if (typeof node.minItems === "number" && node.minItems > 1) drop("minItems")
    } else if (type === "string") {
      if (typeof node.format === "string" && !strictFormats.has(node.format)) drop("format")
      if (typeof node.pattern === "string" && !isStrictPattern(node.pattern)) drop("pattern")
    }
    if (notes.length > 0) {
      const hint = notes.join(", ")
      const description = node.description
      out!.description = typeof description === "string" && description !== "" ? `${description} (${hint})` : hint
    }
    return out
  }
}

const rewrite = (root: object, strict: boolean, inlineDefs: boolean): Rewritten => {
  const schema = root as Node
  const defsKey = schema.$defs !== undefined ? "$defs" : "definitions"
  const defs = isNode(schema[defsKey]) ? schema[defsKey] : undefined
  const walker = new Walker(defs, strict, inlineDefs)
  let out = walker.node(schema, "$") as Node
  if (inlineDefs && walker.recursive.size > 0) {
    // Recursive definitions cannot be inlined: they stay, rewritten, under the root (each with
    // its own references to itself kept as `$ref`s).
    const kept: Node = {}
    for (const name of walker.recursive) {
      walker.stack.push(name)
      kept[name] = walker.node(defs![name], `$.${defsKey}.${name}`)
      walker.stack.pop()
    }
    out = { ...out, [defsKey]: kept }
  }
  return { schema: out, warnings: walker.warnings }
}

const NONE: ReadonlyArray<string> = []
const cache = new WeakMap<object, Array<Rewritten | undefined>>()

/**
 * The schema as sent to Bedrock (see the module notes). Cached per schema
 * object and variant.
 *
 * @since 0.1.0
 * @internal
 */
export const forBedrock = (
  schema: object,
  strict: boolean,
  inlineDefs: boolean
): Rewritten => {
  const variant = (strict ? 2 : 0) + (inlineDefs ? 1 : 0)
  let entries = cache.get(schema)
  const cached = entries?.[variant]
  if (cached !== undefined) return cached
  const result = rewrite(schema, strict, inlineDefs)
  const value = result.warnings.length === 0 ? { schema: result.schema, warnings: NONE } : result
  if (entries === undefined) cache.set(schema, entries = [])
  entries[variant] = value
  return value
}
