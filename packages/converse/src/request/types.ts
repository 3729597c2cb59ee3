/**
 * One call of a model, as plain types: the prompt, instructions, tools, tool choice, structured output and
 * per-call settings. `@effect-bedrock/core`'s `LanguageModel` interfaces extend these (a test proves they
 * are equal).
 *
 * The JSON Schema type is a parameter (`S`), because a typed JSON Schema (such as `effect`'s
 * `JSONSchema.make` output) is built from interfaces, which have no index signature: core instantiates it
 * with its own `LanguageModel.JsonSchema`. The engine reads any object.
 *
 * @since 0.1.0
 */
import type { Input } from "../prompt/types.js"

/**
 * A JSON Schema object (the engine's default for `S`).
 *
 * @since 0.1.0
 * @category Request
 */
export type JsonSchema = { readonly [key: string]: unknown }

/**
 * A tool the model may call.
 *
 * @since 0.1.0
 * @category Request
 */
export interface ToolDefinition<S extends object = JsonSchema> {
  /** 1 to 64 letters, digits, `_` or `-` (`Rules.isToolName`). */
  readonly name: string
  readonly description?: string | undefined
  /** JSON Schema of the tool's arguments (an object schema). */
  readonly parameters: S
  /** Ask the provider to enforce the schema exactly, where it can. */
  readonly strict?: boolean | undefined
}

/**
 * How the model may use the tools: as it likes (`auto`), at least one (`required`), none, one named tool,
 * one of some named tools (`tools`), or one of these tools or the final answer (`toolOrOutput`).
 *
 * @since 0.1.0
 * @category Request
 */
export type ToolChoice =
  | "auto"
  | "required"
  | "none"
  | { readonly tool: string }
  | { readonly tools: ReadonlyArray<string> }
  | { readonly toolOrOutput: ReadonlyArray<string> }

/**
 * How structured output is asked for: a forced output `tool`, the provider's `native` JSON-schema output,
 * `prompted` (the schema in the instructions), or `auto` (the model's profile chooses).
 *
 * @since 0.1.0
 * @category Request
 */
export type OutputMode = "auto" | "tool" | "native" | "prompted"

/**
 * Ask for a final answer as JSON matching a schema.
 *
 * @since 0.1.0
 * @category Request
 */
export interface OutputSchema<S extends object = JsonSchema> {
  /**
   * The answer's name (default `final_result`): any string in `native` and `prompted` modes; in `tool` mode it is
   * the output tool's name, so 1 to 64 letters, digits, `_` or `-`.
   */
  readonly name?: string | undefined
  readonly description?: string | undefined
  readonly schema: S
  readonly mode?: OutputMode | undefined
}

/**
 * One instruction; `dynamic` ones are sent after the static ones, past the instructions cache point.
 *
 * @since 0.1.0
 * @category Request
 */
export interface Instruction {
  readonly text: string
  readonly dynamic?: boolean | undefined
}

/**
 * Settings every provider understands; a provider accepts more keys (Bedrock: `settings/types.ts`).
 *
 * @since 0.1.0
 * @category Request
 */
export interface CommonSettings {
  readonly maxTokens?: number | undefined
  readonly temperature?: number | undefined
  readonly topP?: number | undefined
  readonly stopSequences?: ReadonlyArray<string> | undefined
  readonly [key: string]: unknown
}

/**
 * Tools the provider runs itself (Bedrock: code execution on Nova 2 models).
 *
 * @since 0.1.0
 * @category Request
 */
export type NativeTool = "codeExecution"

/**
 * One call of the model.
 *
 * @since 0.1.0
 * @category Request
 */
export interface Request<S extends object = JsonSchema> {
  readonly prompt: Input
  /** Instructions sent after any system messages of the prompt: static ones first, then dynamic ones. */
  readonly instructions?: string | ReadonlyArray<string | Instruction> | undefined
  readonly tools?: ReadonlyArray<ToolDefinition<S>> | undefined
  readonly nativeTools?: ReadonlyArray<NativeTool> | undefined
  readonly toolChoice?: ToolChoice | undefined
  readonly output?: OutputSchema<S> | undefined
  /** Overrides the model's settings for this call only. */
  readonly settings?: CommonSettings | undefined
}
