/**
 * Bedrock's own tools (server tools, which Bedrock runs) as `effect/ai` provider-defined tools, for a `Toolkit`
 * given to `BedrockLanguageModel`. Their calls and results come back as provider-executed `tool-call` and
 * `tool-result` parts (no handler runs), and go back to Bedrock on the next turn as it returned them. Which
 * models have them is the engine's rule: a model without one fails with `InvalidRequestError` before the network.
 *
 * @example
 * ```ts
 * import { BedrockTool } from "@effect-bedrock/effect4"
 * import { LanguageModel, Toolkit } from "effect/ai"
 *
 * // Nova 2 runs the code it writes, and answers with what it printed.
 * const program = LanguageModel.generateText({
 *   prompt: "What is 2 ** 100? Compute it.",
 *   toolkit: Toolkit.make(BedrockTool.CodeExecution())
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Tool from "effect/ai/Tool"
import * as Schema from "effect/Schema"

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/**
 * Code execution (Nova 2's code interpreter, `nova_code_interpreter` on the wire), a tool to put in a `Toolkit`
 * as `BedrockTool.CodeExecution()`: the model writes code,
 * Bedrock runs it and gives the model its output. Parameters and result are as Bedrock gives them (the
 * result: `{ stdOut, stdErr, exitCode, ... }`).
 *
 * @since 0.1.0
 * @category Tools
 */
export const CodeExecution = Tool.providerDefined({
  id: "amazon-bedrock.code_execution",
  customName: "BedrockCodeExecution",
  providerName: "codeExecution",
  parameters: JsonObject,
  success: Schema.Unknown,
  failure: Schema.Unknown
})

const nativeTools: Readonly<Record<string, "codeExecution">> = {
  "amazon-bedrock.code_execution": "codeExecution"
}

/**
 * The engine's native tool a provider-defined tool id stands for, if it is one of Bedrock's.
 *
 * @since 0.1.0
 * @category Tools
 */
export const nativeToolOf = (id: string): "codeExecution" | undefined =>
  Object.hasOwn(nativeTools, id) ? nativeTools[id] : undefined
