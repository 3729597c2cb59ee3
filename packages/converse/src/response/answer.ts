/**
 * The answer to a mapped Converse request, in one step for every face of the engine (Effect 3 and
 * Effect 4 alike): the body checked (`converseProblem`: nothing from the network is trusted), decoded
 * with the mapping's output tool, and a non-object schema's wrapped answer (`{ "response": ... }`)
 * unwrapped in every output mode.
 *
 * @since 0.1.0
 */
import type { ConverseResponse } from "@aws-sdk/client-bedrock-runtime"
import type { ConverseMapping } from "../mapping/converse.js"
import { unwrapResponse } from "../output/structured.js"
import { converseProblem, fromConverseResponse } from "./decode.js"
import type { Response } from "./types.js"

/**
 * What the decoding of a response needs besides the mapping.
 *
 * @since 0.1.0
 * @category Models
 */
export interface AnswerContext {
  readonly modelId: string
  readonly requestId?: string | undefined
  /** The profile's `ignoresLeadingWhitespaceInStream`. */
  readonly trimLeadingWhitespace?: boolean | undefined
}

/**
 * The decoded answer, or the message of a `MalformedResponse` when the body has the wrong shape.
 *
 * @since 0.1.0
 * @category Models
 */
export type Answer =
  | { readonly ok: true; readonly value: Response }
  | { readonly ok: false; readonly message: string }

/**
 * Decodes the Converse output of a request mapped as `mapping` says.
 *
 * @since 0.1.0
 * @category Decoding
 */
export const decodeAnswer = (
  output: ConverseResponse,
  mapping: Pick<ConverseMapping, "output" | "outputTool">,
  context: AnswerContext
): Answer => {
  const problem = converseProblem(output)
  if (problem !== undefined) return { ok: false, message: `Invalid Converse response: ${problem.message}` }
  const mode = mapping.output
  const response = fromConverseResponse(output, {
    modelId: context.modelId,
    requestId: context.requestId,
    outputTool: mapping.outputTool,
    unwrapKey: mode?._tag === "Tool" ? mode.unwrapKey : undefined,
    trimLeadingWhitespace: context.trimLeadingWhitespace
  })
  // In tool mode the decoder unwraps the tool's input; in native and prompted mode the text is unwrapped here.
  return {
    ok: true,
    value: mode !== undefined && mode._tag !== "Tool" && mode.unwrapKey !== undefined
      ? unwrapResponse(response)
      : response
  }
}
