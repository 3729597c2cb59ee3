/**
 * A provider-agnostic language model service: one request shape, three operations (`generate`, `stream`,
 * `countTokens`). `BedrockLanguageModel` provides it over Amazon Bedrock; the `testing` module, stubs.
 *
 * Its failures (`LanguageModelError`) are the errors of the service itself, which any provider can raise
 * (`InvalidRequestError` for input rejected before the network, `IncompleteResponseError` for an answer that
 * broke the service's contract), plus the provider's own typed errors: for Bedrock, every `BedrockError`
 * (throttling, validation, ...), so they can be told apart at the type level.
 *
 * @example
 * ```ts
 * import { LanguageModel, Response } from "@effect-bedrock/core"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const response = yield* LanguageModel.generate({ prompt: "Say hello" })
 *   return Response.text(response)
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Rules from "@effect-bedrock/converse/request/rules"
import type * as Cv from "@effect-bedrock/converse/request/types"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as JSONSchema from "effect/JSONSchema"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as BedrockError from "./BedrockError.js"
import type * as FileDownload from "./FileDownload.js"
import * as StructuredOutput from "./internal/languageModel/structuredOutput.js"
import * as Streams from "./internal/streaming/streams.js"
import * as Prompt from "./Prompt.js"
import type * as Response from "./Response.js"
import type * as UsageLimits from "./UsageLimits.js"

// =============================================================================
// Request
// =============================================================================

/**
 * A JSON Schema object: a plain object, or what `effect`'s `JSONSchema.make` returns.
 *
 * @since 0.1.0
 * @category Models
 */
export type JsonSchema = { readonly [key: string]: unknown } | JSONSchema.JsonSchema7Root

/**
 * @since 0.1.0
 * @category Schemas
 */
export const JsonSchema: Schema.Schema<JsonSchema> = Schema.declare(
  (u): u is JsonSchema => typeof u === "object" && u !== null && !Array.isArray(u),
  { identifier: "JsonSchema", description: "a JSON Schema object" }
)

/**
 * A tool name as providers accept it: 1 to 64 letters, digits, `_` or `-` (Bedrock's rule).
 *
 * @since 0.1.0
 * @category Schemas
 */
export const ToolName: Schema.Schema<string> = Schema.String.pipe(
  Schema.filter((name) =>
    Rules.isToolName(name) ||
    `Expected a tool name of 1 to 64 letters, digits, "_" or "-", got ${JSON.stringify(name.slice(0, 80))}`
  )
)

/**
 * A tool the model may call.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ToolDefinition extends Cv.ToolDefinition<JsonSchema> {}

/**
 * @since 0.1.0
 * @category Schemas
 */
export const ToolDefinition: Schema.Schema<ToolDefinition> = Schema.Struct({
  name: ToolName,
  description: Schema.optional(Schema.String),
  parameters: JsonSchema,
  strict: Schema.optional(Schema.Boolean)
})

/**
 * How the model may use the tools: as it likes (`auto`), at least one (`required`), none, one named tool, one
 * of some named tools (`tools`), or pydantic-ai's tool-or-output choice: one of these tools or the final
 * answer (`toolOrOutput`). Forcing a tool with thinking on, or on a model family that cannot be forced, fails
 * before the request.
 *
 * @since 0.1.0
 * @category Models
 */
export type ToolChoice = Cv.ToolChoice

/**
 * How structured output is asked for: a forced output `tool` whose arguments are the answer, the provider's
 * `native` JSON-schema output, or `prompted` (the schema in the instructions, the answer's text parsed).
 * `auto` (the default) lets the model's profile choose.
 *
 * @since 0.1.0
 * @category Models
 */
export type OutputMode = Cv.OutputMode

/**
 * @since 0.1.0
 * @category Schemas
 */
export const ToolChoice: Schema.Schema<ToolChoice> = Schema.Union(
  Schema.Literal("auto", "required", "none"),
  Schema.Struct({ tool: Schema.String }),
  Schema.Struct({ tools: Schema.Array(Schema.String) }),
  Schema.Struct({ toolOrOutput: Schema.Array(Schema.String) })
)

/**
 * @since 0.1.0
 * @category Schemas
 */
export const OutputMode: Schema.Schema<OutputMode> = Schema.Literal("auto", "tool", "native", "prompted")

/**
 * Ask for a final answer as JSON matching a schema.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OutputSchema extends Cv.OutputSchema<JsonSchema> {}

/**
 * One instruction. A `dynamic` one (today's date, the user's name) changes between calls: dynamic
 * instructions are sent after the static ones, and the instructions cache point goes after the last static
 * one, so a change in them does not invalidate the cached prefix.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Instruction extends Cv.Instruction {}

/**
 * @since 0.1.0
 * @category Schemas
 */
export const OutputSchema: Schema.Schema<OutputSchema> = Schema.Struct({
  name: Schema.optional(Schema.String),
  description: Schema.optional(Schema.String),
  schema: JsonSchema,
  mode: Schema.optional(OutputMode)
})

/**
 * @since 0.1.0
 * @category Schemas
 */
export const Instruction: Schema.Schema<Instruction> = Schema.Struct({
  text: Schema.String,
  dynamic: Schema.optional(Schema.Boolean)
})

/**
 * Settings every provider understands. Providers accept more keys (see `BedrockModelSettings`) and validate
 * them before any request.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Settings extends Cv.CommonSettings {}

/**
 * Tools the provider runs itself (Bedrock: code execution on Nova 2 models). Asking for one the model does
 * not offer fails before the request.
 *
 * @since 0.1.0
 * @category Models
 */
export type NativeTool = Cv.NativeTool

/**
 * @since 0.1.0
 * @category Schemas
 */
export const NativeTool: Schema.Schema<NativeTool> = Schema.Literal("codeExecution")

/**
 * One call of the model.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Request extends Cv.Request<JsonSchema> {}

/**
 * The shape of a `Request`, for checking one from an untyped caller (providers do so before anything is
 * sent). Settings are only checked to be an object: each provider validates its own.
 *
 * @since 0.1.0
 * @category Schemas
 */
export const Request = Schema.Struct({
  prompt: Prompt.Input,
  instructions: Schema.optional(Schema.Union(Schema.String, Schema.Array(Schema.Union(Schema.String, Instruction)))),
  tools: Schema.optional(Schema.Array(ToolDefinition)),
  nativeTools: Schema.optional(Schema.Array(NativeTool)),
  toolChoice: Schema.optional(ToolChoice),
  output: Schema.optional(OutputSchema),
  settings: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

// =============================================================================
// Errors
// =============================================================================

/**
 * Input rejected before anything was sent: a request that is not well formed (checked with the `Request`
 * Schema), unknown or out-of-range settings, an unsupported media type, an invalid tool name, a tool choice
 * the model cannot honour, a malformed `data:` URL. `field` names the offending part of the request, for
 * example `prompt.messages[2].parts[0].mediaType`. Never retryable: the same input fails the same way.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect-bedrock/core"
 * import { Effect } from "effect"
 *
 * const program = LanguageModel.generate({ prompt: "Hi", settings: { temperature: 7 } }).pipe(
 *   Effect.catchTag("InvalidRequestError", (error) => Effect.succeed(`fix ${error.field}: ${error.message}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category Errors
 */
export class InvalidRequestError extends Schema.TaggedError<InvalidRequestError>(
  "@effect-bedrock/core/LanguageModel/InvalidRequestError"
)("InvalidRequestError", {
  message: Schema.String,
  /** `generate`, `stream`, `countTokens` or `make`. */
  operation: Schema.optional(Schema.String),
  field: Schema.optional(Schema.String),
  position: Schema.optionalWith(Schema.Literal("request"), { default: () => "request" as const }),
  retryable: Schema.optionalWith(Schema.Literal(false), { default: () => false as const }),
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * The model's answer broke the service's contract, for example a stream that ended without its `Finish` part
 * (so there is no final response to continue from). Not retryable by itself: the caller decides.
 *
 * @since 0.1.0
 * @category Errors
 */
export class IncompleteResponseError extends Schema.TaggedError<IncompleteResponseError>(
  "@effect-bedrock/core/LanguageModel/IncompleteResponseError"
)("IncompleteResponseError", {
  message: Schema.String,
  operation: Schema.optional(Schema.String),
  position: Schema.optionalWith(Schema.Literal("stream"), { default: () => "stream" as const }),
  retryable: Schema.optionalWith(Schema.Literal(false), { default: () => false as const })
}) {}

/**
 * A structured answer (`generateObject`, `streamObject`) did not decode with the requested Schema, even after
 * sending the failure back as a retry `attempts - 1` times. `text` is the raw text of the last answer;
 * `cause` is the JSON or Schema error.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const City = Schema.Struct({ name: Schema.String, population: Schema.Number })
 *
 * const program = LanguageModel.generateObject({ prompt: "The largest city of Portugal", schema: City }).pipe(
 *   Effect.catchTag("StructuredOutputError", (error) => Effect.logWarning(`unusable answer: ${error.text}`))
 * )
 * ```
 *
 * @since 0.1.0
 * @category Errors
 */
export class StructuredOutputError extends Schema.TaggedError<StructuredOutputError>(
  "@effect-bedrock/core/LanguageModel/StructuredOutputError"
)("StructuredOutputError", {
  message: Schema.String,
  operation: Schema.optional(Schema.String),
  /** The raw text of the last answer. */
  text: Schema.String,
  attempts: Schema.Number,
  /** Found in the model's answer, after it arrived. */
  position: Schema.optionalWith(Schema.Literal("response"), { default: () => "response" as const }),
  retryable: Schema.optionalWith(Schema.Literal(false), { default: () => false as const }),
  cause: Schema.optional(Schema.Defect)
}) {}

/**
 * Failures of a language model call: the service's own errors (a file given by URL that could not be
 * downloaded is a `FileDownloadError`), a usage cap reached (`UsageLimits`), plus the typed errors of the
 * provider underneath (`BedrockError` for Bedrock).
 *
 * @since 0.1.0
 * @category Errors
 */
export type LanguageModelError =
  | InvalidRequestError
  | IncompleteResponseError
  | FileDownload.FileDownloadError
  | StructuredOutputError
  | UsageLimits.UsageLimitExceededError
  | BedrockError.BedrockError

// =============================================================================
// Service
// =============================================================================

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** The model's name, as reported in responses. */
  readonly modelId: string
  readonly generate: (request: Request) => Effect.Effect<Response.Response, LanguageModelError>
  /** Streamed answer; the last part is `Finish`, carrying the whole `Response`. */
  readonly stream: (request: Request) => Stream.Stream<Response.StreamPart, LanguageModelError>
  /** Input tokens the request would use. */
  readonly countTokens: (request: Request) => Effect.Effect<number, LanguageModelError>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class LanguageModel extends Context.Tag("@effect-bedrock/core/LanguageModel")<LanguageModel, Service>() {}

/**
 * @since 0.1.0
 * @category Constructors
 */
export const make = (service: Service): Service => LanguageModel.of(service)

// =============================================================================
// Accessors
// =============================================================================

/**
 * @since 0.1.0
 * @category Accessors
 */
export const generate = (request: Request): Effect.Effect<Response.Response, LanguageModelError, LanguageModel> =>
  Effect.flatMap(LanguageModel, (model) => model.generate(request))

/**
 * @since 0.1.0
 * @category Accessors
 */
export const stream = (request: Request): Stream.Stream<Response.StreamPart, LanguageModelError, LanguageModel> =>
  Streams.unwrap(Effect.map(LanguageModel, (model) => model.stream(request)))

/**
 * @since 0.1.0
 * @category Accessors
 */
export const countTokens = (request: Request): Effect.Effect<number, LanguageModelError, LanguageModel> =>
  Effect.flatMap(LanguageModel, (model) => model.countTokens(request))

// =============================================================================
// Structured output
// =============================================================================

/**
 * A request for a value of a `Schema`: the model is asked for JSON matching the Schema's JSON Schema (in
 * `mode`, `auto` by default), the answer is decoded with the Schema, and an answer that does not decode is
 * sent back as a retry request, at most `maxRetries` times (default 1).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ObjectRequest<A, I, R> extends Omit<Request, "output" | "tools" | "toolChoice"> {
  readonly schema: Schema.Schema<A, I, R>
  /** The name of the answer's schema (default `final_result`). */
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly mode?: OutputMode | undefined
  readonly maxRetries?: number | undefined
}

/**
 * What `generateObjectResponse` returns: the decoded value, the response it came from (usage, cost, finish
 * reason, request id), and the response of every attempt, that one last (more than one when an answer was sent
 * back as a retry: each was paid for).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ObjectResponse<A> {
  readonly value: A
  readonly response: Response.Response
  readonly responses: ReadonlyArray<Response.Response>
}

/**
 * The last part of `streamObject`: the decoded value and the response it came from.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ObjectPart<A> {
  readonly _tag: "Object"
  readonly value: A
  readonly response: Response.Response
}

/**
 * What `streamObject` emits: each attempt's stream parts, a `Retry` part before each new attempt, and the
 * decoded value last.
 *
 * @since 0.1.0
 * @category Models
 */
export type ObjectStreamPart<A> = Response.StreamPart | Prompt.RetryPart | ObjectPart<A>

const errors: StructuredOutput.Errors = {
  output: (rejection, attempts, operation) =>
    new StructuredOutputError({
      message: StructuredOutput.failureMessage(rejection, attempts),
      operation,
      text: rejection.text,
      attempts,
      cause: rejection.cause
    }),
  incomplete: (operation) =>
    new IncompleteResponseError({ message: "The model's stream ended without a Finish part", operation })
}

/**
 * Asks for a value of a `Schema` and returns it decoded. An answer that is not JSON or does not decode is
 * sent back as a retry request (up to `maxRetries`, default 1); then the call fails with
 * `StructuredOutputError`, which carries the raw text.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const City = Schema.Struct({ name: Schema.String, population: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const city = yield* LanguageModel.generateObject({ prompt: "The largest city of Portugal", schema: City })
 *   return city.population
 * })
 * ```
 *
 * @since 0.1.0
 * @category Accessors
 */
export const generateObject = <A, I, R>(
  options: ObjectRequest<A, I, R>
): Effect.Effect<A, LanguageModelError, LanguageModel | R> =>
  Effect.flatMap(LanguageModel, (model) => StructuredOutput.generateObject(model, options, errors))

/**
 * `generateObject`, returning the response too (as `generate` does): `{ value, response, responses }`, for the
 * answer's usage, cost and finish reason. `responses` holds every attempt's response when an answer was sent back
 * as a retry.
 *
 * @example
 * ```ts
 * import { LanguageModel } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const City = Schema.Struct({ name: Schema.String, population: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const { response, value } = yield* LanguageModel.generateObjectResponse({ prompt: "Porto", schema: City })
 *   yield* Effect.log(`${value.name}: ${response.usage.outputTokens} output tokens, ${response.finishReason}`)
 *   return value
 * })
 * ```
 *
 * @since 0.1.0
 * @category Accessors
 */
export const generateObjectResponse = <A, I, R>(
  options: ObjectRequest<A, I, R>
): Effect.Effect<ObjectResponse<A>, LanguageModelError, LanguageModel | R> =>
  Effect.flatMap(
    LanguageModel,
    (model) => StructuredOutput.generateObjectResponse(model, options, errors, "generateObjectResponse")
  )

/**
 * `generateObject`, streamed: each attempt's parts as they arrive, a `Retry` part when an answer is sent
 * back, and the decoded value as the last part.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const streamObject = <A, I, R>(
  options: ObjectRequest<A, I, R>
): Stream.Stream<ObjectStreamPart<A>, LanguageModelError, LanguageModel | R> =>
  Stream.unwrap(Effect.map(LanguageModel, (model) => StructuredOutput.streamObject(model, options, errors)))
