/**
 * A provider-agnostic language model service: one request shape, three
 * operations (`generate`, `stream`, `countTokens`). `BedrockLanguageModel`
 * provides it over Amazon Bedrock; the `testing` module provides stubs.
 *
 * Its failures (`LanguageModelError`) are the errors of the service itself,
 * which any provider can raise (`InvalidRequestError` for input rejected before
 * the network, `IncompleteResponseError` for an answer that broke the service's
 * contract), plus the provider's own typed errors: for Bedrock, every
 * `BedrockError` (throttling, validation, ...), so they can be told apart at
 * the type level.
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
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as BedrockError from "./BedrockError.js"
import type * as Prompt from "./Prompt.js"
import type * as Response from "./Response.js"
import type * as UsageLimits from "./UsageLimits.js"

// =============================================================================
// Request
// =============================================================================

/**
 * A JSON Schema object, as made by `effect`'s `JSONSchema.make`.
 *
 * @since 0.1.0
 * @category Models
 */
export type JsonSchema = { readonly [key: string]: unknown }

/**
 * A tool the model may call.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ToolDefinition {
  readonly name: string
  readonly description?: string | undefined
  /** JSON Schema of the tool's arguments (an object schema). */
  readonly parameters: JsonSchema
  /** Ask the provider to enforce the schema exactly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * How the model may use the tools: as it likes, at least one, none, or one
 * named tool.
 *
 * @since 0.1.0
 * @category Models
 */
export type ToolChoice = "auto" | "required" | "none" | { readonly tool: string }

/**
 * Ask for a final answer as JSON matching a schema.
 *
 * @since 0.1.0
 * @category Models
 */
export interface OutputSchema {
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly schema: JsonSchema
}

/**
 * Settings every provider understands. Providers accept more keys (see
 * `BedrockModelSettings`) and validate them before any request.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Settings {
  readonly maxTokens?: number | undefined
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly stopSequences?: ReadonlyArray<string> | undefined
  readonly [key: string]: unknown
}

/**
 * Tools the provider runs itself (Bedrock: code execution on Nova 2 models).
 * Asking for one the model does not offer fails before the request.
 *
 * @since 0.1.0
 * @category Models
 */
export type NativeTool = "codeExecution"

/**
 * One call of the model.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Request {
  readonly prompt: Prompt.Input
  /** Instructions sent after any system messages of the prompt. */
  readonly instructions?: string | undefined
  readonly tools?: ReadonlyArray<ToolDefinition> | undefined
  readonly nativeTools?: ReadonlyArray<NativeTool> | undefined
  readonly toolChoice?: ToolChoice | undefined
  readonly output?: OutputSchema | undefined
  /** Overrides the model's settings for this call only. */
  readonly settings?: Settings | undefined
}

// =============================================================================
// Errors
// =============================================================================

/**
 * Input rejected before anything was sent: unknown or out-of-range settings,
 * an unsupported media type, a tool choice the model cannot honour, a file URL
 * that could not be fetched. `field` names the offending part of the request,
 * for example `prompt.messages[2].parts[0].mediaType`. Never retryable: the
 * same input fails the same way.
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
 * The model's answer broke the service's contract, for example a stream that
 * ended without its `Finish` part (so there is no final response to continue
 * from). Not retryable by itself: the caller decides.
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
 * Failures of a language model call: the service's own errors, a usage cap
 * reached (`UsageLimits`), plus the typed errors of the provider underneath
 * (`BedrockError` for Bedrock).
 *
 * @since 0.1.0
 * @category Errors
 */
export type LanguageModelError =
  | InvalidRequestError
  | IncompleteResponseError
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
  Stream.unwrap(Effect.map(LanguageModel, (model) => model.stream(request)))

/**
 * @since 0.1.0
 * @category Accessors
 */
export const countTokens = (request: Request): Effect.Effect<number, LanguageModelError, LanguageModel> =>
  Effect.flatMap(LanguageModel, (model) => model.countTokens(request))
