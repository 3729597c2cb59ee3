/**
 * Whether a value from a caller can be sent as JSON: `JSON.stringify` (the SDK's serialiser, and
 * our schema rewrites before it) throws on a BigInt or a cycle, and a deeply nested value blows the
 * stack of every recursive walk over it (a `RangeError`). Checked before the network, so such a
 * value is an `InvalidRequestError` naming the field, not a defect or an `UnknownBedrockError`.
 *
 * @since 0.1.0
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

const bigintMessage = "a BigInt has no JSON form (send it as a string)"

/** A found problem, its path kept as the keys walked (a string is made only for a problem). */
interface Found {
  readonly message: string
  readonly keys: ReadonlyArray<string | number>
}

const formatKeys = (keys: ReadonlyArray<string | number>): string => {
  let out = ""
  for (const key of keys) out += typeof key === "number" ? `[${key}]` : `.${key}`
  return out
}

/**
 * Depth-first over objects and arrays; `ancestors` holds the path from the root (cycle and depth
 * check), `keys` the keys to it. No allocation per node but the stack entries.
 */
const walk = (node: object, ancestors: Array<object>, keys: Array<string | number>): Found | undefined => {
  if (typeof (node as { readonly toJSON?: unknown }).toJSON === "function") return undefined
  for (let i = 0; i < ancestors.length; i++) {
    if (ancestors[i] === node) return { message: "a circular structure has no JSON form", keys: [...keys] }
  }
  if (ancestors.length >= maxDepth) {
    return { message: `it is nested deeper than ${maxDepth} levels (objects and arrays)`, keys: [...keys] }
  }
  ancestors.push(node)
  let found: Found | undefined
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length && found === undefined; i++) {
      const item: unknown = node[i]
      if (typeof item === "bigint") found = { message: bigintMessage, keys: [...keys, i] }
      else if (typeof item === "object" && item !== null) {
        keys.push(i)
        found = walk(item, ancestors, keys)
        keys.pop()
      }
    }
  } else {
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue
      const item: unknown = (node as Record<string, unknown>)[key]
      if (typeof item === "bigint") found = { message: bigintMessage, keys: [...keys, key] }
      else if (typeof item === "object" && item !== null) {
        keys.push(key)
        found = walk(item, ancestors, keys)
        keys.pop()
      }
      if (found !== undefined) break
    }
  }
  ancestors.pop()
  return found
}

/**
 * The first reason `value` cannot be sent as JSON (a BigInt, a cycle, nesting deeper than
 * `maxDepth`), or `undefined`. Functions, symbols and `undefined` are left to `JSON.stringify`,
 * which drops them; an object with `toJSON` (a `Date`) is taken as it serialises itself.
 *
 * @internal
 */
export const jsonProblem = (value: unknown): JsonProblem | undefined => {
  if (typeof value === "bigint") return { message: bigintMessage, path: "" }
  if (typeof value !== "object" || value === null || checked.has(value)) return undefined
  const found = walk(value, [], [])
  if (found === undefined) {
    checked.add(value)
    return undefined
  }
  return { message: found.message, path: formatKeys(found.keys) }
}
