/**
 * A tool the model can call: a name, a description, a parameters `Schema`
 * (sent to the model as JSON Schema), a `success` Schema for its result and a
 * handler.
 *
 * The handler returns the `success` Schema's `Type`; the loop encodes it with
 * that Schema before sending it back, so a `Schema.Date` goes out as an ISO
 * string and a `Schema.BigInt` as a decimal string. Leaving `success` out keeps
 * the result as it is (`Schema.Unknown`), which suits JSON-safe values. A
 * result that fails its Schema, or whose encoded form has no JSON form (a
 * bigint, a cycle), fails the loop with `Tool.InvalidResultError`; one that
 * JSON would change (`undefined`, `NaN`, a `Map`) goes back to the model as an
 * error result. A tool that returns nothing declares `success: Schema.Void`.
 *
 * @example
 * ```ts
 * import { Tool } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const weather = Tool.make("get_weather", {
 *   description: "Current weather for a city",
 *   parameters: Schema.Struct({ city: Schema.String }),
 *   success: Schema.Struct({ city: Schema.String, celsius: Schema.Number, observedAt: Schema.Date }),
 *   handler: ({ city }) => Effect.succeed({ city, celsius: 21, observedAt: new Date() })
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
  /** Encodes the handler's result for the model (`Schema.Unknown` when not given). */
  readonly success: Schema.Schema<Success, any>
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
 * The result type of a tool's handler (its `success` Schema's `Type`).
 *
 * @since 0.1.0
 * @category Models
 */
export type Success<T extends Any> = T extends Tool<any, any, infer A, any, any> ? A : never

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
 * A handler's result could not be sent to the model: it failed to encode with
 * the tool's `success` Schema, or its encoded form has no JSON form (a bigint,
 * a circular structure, a bare function). A bug in the tool, so the loop stops
 * instead of asking the model to retry.
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidResultError extends Schema.TaggedError<InvalidResultError>(
  "@effect-bedrock/core/Tool/InvalidResultError"
)("InvalidResultError", {
  toolName: Schema.String,
  toolCallId: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * A tool's handler died (`Effect.die`, a throw inside `Effect.sync`): the loop ends with this as
 * its defect (still a defect: `Cause.isDie` holds), naming the tool and the call; the original
 * defect is its `cause`. The tool call's `execute_tool` span carries the same name and id, and so
 * do the logs written while the handler ran.
 *
 * @since 0.1.0
 * @category Errors
 */
export class HandlerDefect extends Schema.TaggedError<HandlerDefect>("@effect-bedrock/core/Tool/HandlerDefect")(
  "HandlerDefect",
  {
    toolName: Schema.String,
    toolCallId: Schema.String,
    message: Schema.String,
    cause: Schema.optional(Schema.Defect)
  }
) {}

interface Options<Params, I> {
  readonly description?: string | undefined
  readonly parameters: Schema.Schema<Params, I>
  /** Ask the provider to enforce the schema exactly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * Makes a tool. With `success`, the handler returns that Schema's `Type` and
 * the result is encoded with it; without, the result is sent as it is. A
 * `parameters` Schema with no JSON Schema throws an `Error` naming the tool.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make: {
  <const Name extends string, Params, I, Success, SI, E = never, R = never>(
    name: Name,
    options: Options<Params, I> & {
      readonly success: Schema.Schema<Success, SI>
      readonly handler: (params: Params) => Effect.Effect<NoInfer<Success>, E, R>
    }
  ): Tool<Name, Params, Success, E, R>
  <const Name extends string, Params, I, Success, E = never, R = never>(
    name: Name,
    options: Options<Params, I> & {
      readonly success?: undefined
      readonly handler: (params: Params) => Effect.Effect<Success, E, R>
    }
  ): Tool<Name, Params, Success, E, R>
} = (
  name: string,
  options: Options<any, any> & {
    readonly success?: Schema.Schema<any, any> | undefined
    readonly handler: (params: any) => Effect.Effect<any, any, any>
  }
): Tool<string, any, any, any, any> => ({
  name,
  description: options.description,
  parameters: options.parameters,
  success: options.success ?? Schema.Unknown,
  handler: options.handler,
  definition: {
    name,
    ...(options.description !== undefined ? { description: options.description } : {}),
    parameters: parametersSchema(name, options.parameters),
    ...(options.strict !== undefined ? { strict: options.strict } : {})
  }
})

/**
 * The JSON Schema of a tool's parameters; a Schema without one (a `Schema.declare`, a
 * `Schema.instanceOf` with no `jsonSchema` annotation) throws an `Error` naming the tool.
 */
const parametersSchema = (name: string, parameters: Schema.Schema<any, any, any>): LanguageModel.JsonSchema => {
  if (!Schema.isSchema(parameters)) {
    throw new globalThis.Error(`Tool.make("${name}"): parameters must be an Effect Schema, got ${typeof parameters}`)
  }
  try {
    return jsonSchema(parameters)
  } catch (cause) {
    throw new globalThis.Error(
      `Tool.make("${name}"): the parameters Schema has no JSON Schema to send to the model (${
        cause instanceof globalThis.Error ? cause.message.split("\n")[0] : String(cause)
      }); give it a jsonSchema annotation or use Schemas that have one`,
      { cause }
    )
  }
}

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
