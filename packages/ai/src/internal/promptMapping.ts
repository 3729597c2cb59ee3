/**
 * `@effect/ai` provider options (prompt, tools, tool choice, response format)
 * -> a `LanguageModel.Request` of `@effect-bedrock/core`, in one pass. Bedrock
 * inputs come from the `effectBedrock` provider options (cache points,
 * document names, thinking signatures). The prompt is walked by the engine's
 * builder (`@effect-bedrock/converse/prompt/effectAi`, shared with the Effect 4
 * line); this module supplies this line's hooks, tools and output. A problem
 * throws a `MappingIssue`, caught once by `mapRequest`.
 *
 * @internal
 */
import * as EffectAi from "@effect-bedrock/converse/prompt/effectAi"
import * as PartOptions from "@effect-bedrock/converse/prompt/partOptions"
import type * as BedrockModelSettings from "@effect-bedrock/core/BedrockModelSettings"
import type * as LanguageModel from "@effect-bedrock/core/LanguageModel"
import type * as AiLanguageModel from "@effect/ai/LanguageModel"
import * as Tool from "@effect/ai/Tool"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type { SignatureMemo } from "./signatureMemo.js"

// =============================================================================
// Models
// =============================================================================

/** @internal */
export const MappingIssue = EffectAi.MappingIssue
/** @internal */
export type MappingIssue = EffectAi.MappingIssue

const fail = EffectAi.fail

/** @internal */
export interface MappedRequest {
  readonly request: LanguageModel.Request
  /** Tool names as sent to Bedrock -> the toolkit's names, when a name had to change. */
  readonly toolNames: ReadonlyMap<string, string> | undefined
}

// =============================================================================
// Names
// =============================================================================

/**
 * A tool name Bedrock accepts (`[a-zA-Z0-9_-]`), as `@effect-bedrock/core`
 * makes it.
 *
 * @internal
 */
export const bedrockToolName = EffectAi.bedrockToolName

/**
 * A document name from a file name, as the engine makes it for both `effect/ai` lines.
 *
 * @internal
 */
export const documentNameFromFileName: (fileName: string) => string | undefined = PartOptions.documentNameFromFileName

const decodeBase64 = (text: string): Uint8Array | undefined => {
  const bytes = Encoding.decodeBase64(text)
  return Either.isLeft(bytes) ? undefined : bytes.right
}

/**
 * `effectBedrock` options as this line reads them (as given, not checked key by key); a document name Bedrock
 * would refuse is an issue.
 */
const optionsOf = (
  holder: PartOptions.Holder,
  options: EffectAi.AiOptions,
  message: number,
  part: number
): PartOptions.PartOptions | undefined => {
  const value = options.effectBedrock as PartOptions.PartOptions | null | undefined
  if (value === undefined || value === null) return undefined
  const name = value.documentName
  if (holder === "file" && name !== undefined && !PartOptions.isExplicitDocumentName(name)) {
    fail(
      `Invalid document name "${name}": Bedrock accepts alphanumeric characters, single spaces, hyphens, ` +
        "parentheses and square brackets",
      `${EffectAi.pathOf(message, part)}.options.effectBedrock.documentName`
    )
  }
  return value
}

/** The hooks of this line: provider-executed calls and results have no Bedrock form here (none is Bedrock's). */
const hooks = (memo: SignatureMemo): EffectAi.Hooks => ({
  options: optionsOf,
  decodeBase64,
  signatureOf: (text) => memo.lookup(text),
  providerToolCall: () => undefined,
  providerToolResult: () => undefined,
  toolResultName: (name) => name
})

// =============================================================================
// Tools and output
// =============================================================================

const definitions = new WeakMap<object, LanguageModel.ToolDefinition>()

/** A tool's definition, made once per tool (tool JSON Schemas are costly to generate). */
const toolDefinition = (tool: Tool.Any, index: number): LanguageModel.ToolDefinition => {
  let definition = definitions.get(tool)
  if (definition === undefined) {
    if (Tool.isProviderDefined(tool)) {
      return fail(`The provider-defined tool "${tool.id}" is not available on Bedrock`, `tools[${index}]`)
    }
    const description = Tool.getDescription(tool as any)
    definition = {
      name: bedrockToolName(tool.name),
      parameters: Tool.getJsonSchema(tool as any) as unknown as LanguageModel.JsonSchema,
      ...(description !== undefined ? { description } : {})
    }
    definitions.set(tool, definition)
  }
  return definition
}

const outputSchemas = new WeakMap<object, LanguageModel.OutputSchema>()

/**
 * `@effect/ai` names an output "generateObject" when neither `objectName` nor the schema says
 * otherwise; a schema's `identifier` annotation is a better name to show the model.
 */
const outputName = (objectName: string, schema: Schema.Schema.Any): string => {
  if (objectName !== "generateObject") return objectName
  const ast = schema.ast._tag === "Transformation" ? schema.ast.to : schema.ast
  return Option.getOrElse(AST.getIdentifierAnnotation(ast), () => objectName)
}

const outputSchema = (objectName: string, schema: Schema.Schema.Any): LanguageModel.OutputSchema => {
  const name = bedrockToolName(outputName(objectName, schema))
  let output = outputSchemas.get(schema)
  if (output === undefined || output.name !== name) {
    const description = Tool.getDescriptionFromSchemaAst(schema.ast)
    output = {
      name,
      schema: Tool.getJsonSchemaFromSchemaAst(schema.ast) as unknown as LanguageModel.JsonSchema,
      ...(description !== undefined ? { description } : {})
    }
    outputSchemas.set(schema, output)
  }
  return output
}

// =============================================================================
// Entry point
// =============================================================================

/**
 * The request for `@effect-bedrock/core`'s `LanguageModel` from `@effect/ai`'s
 * provider options; `settings` are the call's settings (`Config`).
 *
 * @internal
 */
export const mapRequest = (
  options: AiLanguageModel.ProviderOptions,
  settings: BedrockModelSettings.Settings | undefined,
  memo: SignatureMemo
): Either.Either<MappedRequest, MappingIssue> => {
  try {
    return Either.right(build(options, settings, memo))
  } catch (error) {
    if (error instanceof MappingIssue) return Either.left(error)
    throw error
  }
}

const build = (
  options: AiLanguageModel.ProviderOptions,
  settings: BedrockModelSettings.Settings | undefined,
  memo: SignatureMemo
): MappedRequest => {
  const builder = new EffectAi.PromptBuilder(hooks(memo)).addAll(options.prompt.content)

  let toolNames: Map<string, string> | undefined
  let tools: Array<LanguageModel.ToolDefinition> | undefined
  if (options.tools.length > 0) {
    tools = options.tools.map(toolDefinition)
    for (let i = 0; i < tools.length; i++) {
      const original = options.tools[i]!.name
      if (tools[i]!.name !== original) (toolNames ??= new Map()).set(tools[i]!.name, original)
    }
  }

  const requestSettings = builder.systemCache === undefined
    ? settings
    : { ...settings, cacheInstructions: builder.systemCache }
  const format = options.responseFormat
  const request: LanguageModel.Request = {
    prompt: { messages: builder.messages },
    ...(tools !== undefined ? { tools, toolChoice: EffectAi.toolChoice(options.toolChoice, bedrockToolName) } : {}),
    ...(format.type === "json" ? { output: outputSchema(format.objectName, format.schema) } : {}),
    ...(requestSettings !== undefined ? { settings: requestSettings } : {})
  }
  return { request, toolNames }
}
