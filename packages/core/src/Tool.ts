/**
 * A tool the model can call: a name, a description, a parameters `Schema`
 * (sent to the model as JSON Schema) and a handler.
 *
 * @example
 * ```ts
 * import { Tool } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const weather = Tool.make("get_weather", {
 *   description: "Current weather for a city",
 *   parameters: Schema.Struct({ city: Schema.String }),
 *   handler: ({ city }) => Effect.succeed({ city, celsius: 21 })
 * })
 * ```
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import type * as LanguageModel from "./LanguageModel.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Tool<Name extends string, Params, Success, E, R> {
  readonly name: Name
  readonly description: string | undefined
  readonly parameters: Schema.Schema<Params, any>
  readonly handler: (params: Params) => Effect.Effect<Success, E, R>
  /** What the model is told about the tool. */
  readonly definition: LanguageModel.ToolDefinition
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Any extends Tool<string, any, any, any, any> {}

/**
 * The failures of a tool's handler.
 *
 * @since 0.1.0
 * @category Models
 */
export type Error<T extends Any> = T extends Tool<any, any, any, infer E, any> ? E : never

/**
 * The services a tool's handler needs.
 *
 * @since 0.1.0
 * @category Models
 */
export type Requirements<T extends Any> = T extends Tool<any, any, any, any, infer R> ? R : never

/**
 * A handler fails with this to ask the model to call the tool again, with the
 * message as the reason (for example "no such city"). The loop sends it back
 * as a retry request instead of failing.
 *
 * @since 0.1.0
 * @category Errors
 */
export class RetryRequest extends Schema.TaggedError<RetryRequest>("@effect-bedrock/core/Tool/RetryRequest")(
  "RetryRequest",
  { message: Schema.String }
) {}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = <const Name extends string, Params, I, Success, E = never, R = never>(
  name: Name,
  options: {
    readonly description?: string | undefined
    readonly parameters: Schema.Schema<Params, I>
    readonly handler: (params: Params) => Effect.Effect<Success, E, R>
    /** Ask the provider to enforce the schema exactly, where it can. */
    readonly strict?: boolean | undefined
  }
): Tool<Name, Params, Success, E, R> => ({
  name,
  description: options.description,
  parameters: options.parameters,
  handler: options.handler,
  definition: {
    name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    parameters: jsonSchema(options.parameters),
    ...(options.strict !== undefined ? { strict: options.strict } : {})
  }
})

/**
 * The JSON Schema of a parameters Schema, with local `$ref`s inlined where
 * they are not recursive: several models follow inline schemas more reliably.
 *
 * @since 0.1.0
 * @category Utils
 */
export const jsonSchema = (schema: Schema.Schema<any, any, any>): LanguageModel.JsonSchema => {
  const { $defs, $schema: _, ...root } = JSONSchema.make(schema) as unknown as Record<string, unknown> & {
    readonly $defs?: Record<string, unknown>
  }
  if ($defs === undefined) return root
  let recursive = false
  const inline = (node: unknown, seen: ReadonlySet<string>): unknown => {
    if (Array.isArray(node)) return node.map((item) => inline(item, seen))
    if (node === null || typeof node !== "object") return node
    const { $ref, ...rest } = node as Record<string, unknown>
    const out: Record<string, unknown> = {}
    if (typeof $ref === "string" && $ref.startsWith("#/$defs/")) {
      const name = $ref.slice("#/$defs/".length)
      if (seen.has(name) || $defs[name] === undefined) {
        recursive = true
        out.$ref = $ref
      } else {
        Object.assign(out, inline($defs[name], new Set([...seen, name])))
      }
    } else if ($ref !== undefined) {
      out.$ref = $ref
    }
    for (const key in rest) out[key] = inline(rest[key], seen)
    return out
  }
  const inlined = inline(root, new Set()) as Record<string, unknown>
  return recursive ? { ...inlined, $defs } : inlined
}
