/**
 * Whether a value from a caller can be sent as JSON: `JSON.stringify` (the SDK's serialiser, and
 * our schema rewrites before it) throws on a BigInt or a cycle, and a deeply nested value blows the
 * stack of every recursive walk over it (a `RangeError`). Checked before the network, so such a
 * value is an `InvalidRequestError` naming the field, not a defect or an `UnknownBedrockError`.
 *
 * @internal
 */

/**
 * The deepest nesting of objects and arrays accepted in one value (a tool call's input, a tool
 * result, a JSON Schema, `additionalModelRequestFields`). Far beyond any real schema or payload,
 * well within the stack of every recursive walk on the way to the wire.
 *
 * @internal
 */
export const maxDepth = 256

/** @internal */
export interface JsonProblem {
  readonly message: string
  /** Where in the value, as `.a[2].b` (empty at the root). */
  readonly path: string
}

// Values already found sendable; a tool loop sends the same results and schemas at every step.
const checked = new WeakSet<object>()

/**
 * The first reason `value` cannot be sent as JSON (a BigInt, a cycle, nesting deeper than
 * `maxDepth`), or `undefined`. Functions, symbols and `undefined` are left to `JSON.stringify`,
 * which drops them; an object with `toJSON` (a `Date`) is taken as it serialises itself.
 *
 * @internal
 */
export const jsonProblem = (value: unknown): JsonProblem | undefined => {
  if (typeof value === "bigint") return { message: "a BigInt has no JSON form (send it as a string)", path: "" }
  if (typeof value !== "object" || value === null || checked.has(value)) return undefined
  const ancestors: Array<object> = []
  const walk = (node: unknown, path: string): JsonProblem | undefined => {
    if (typeof node === "bigint") return { message: "a BigInt has no JSON form (send it as a string)", path }
    if (typeof node !== "object" || node === null) return undefined
    if (typeof (node as { readonly toJSON?: unknown }).toJSON === "function") return undefined
    if (ancestors.includes(node)) return { message: "a circular structure has no JSON form", path }
    if (ancestors.length >= maxDepth) {
      return { message: `it is nested deeper than ${maxDepth} levels (objects and arrays)`, path }
    }
    if (checked.has(node)) return undefined
    ancestors.push(node)
    try {
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          const problem = walk(node[i], `${path}[${i}]`)
          if (problem !== undefined) return problem
        }
      } else {
        for (const key in node) {
          if (!Object.prototype.hasOwnProperty.call(node, key)) continue
          const problem = walk((node as Record<string, unknown>)[key], `${path}.${key}`)
          if (problem !== undefined) return problem
        }
      }
    } finally {
      ancestors.pop()
    }
    return undefined
  }
  const problem = walk(value, "")
  if (problem === undefined) checked.add(value)
  return problem
}
