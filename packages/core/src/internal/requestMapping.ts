/**
 * The request mapping, moved to the engine (`@effect-bedrock/converse/mapping/converse`). This shim keeps
 * the `Either` API that `BedrockLanguageModel.ts` and the benchmark clients (`scripts/bench/clients/*.mjs`,
 * through `dist/internal/`) use; Round 3 of issue 21 deletes it.
 *
 * @since 0.1.0
 * @internal
 */
import type { CountTokensCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as Mapping from "@effect-bedrock/converse/mapping/converse"
import type { Issue, Result } from "@effect-bedrock/converse/request/issue"
import * as Either from "effect/Either"

/**
 * @since 0.1.0
 * @internal
 */
export {
  anthropicThinkingBudget,
  defaultOutputName,
  effectiveServiceTier,
  maxCachePoints,
  mediaFormat,
  providerName,
  sanitizeToolName
} from "@effect-bedrock/converse/mapping/converse"

/**
 * @since 0.1.0
 * @internal
 */
export type { ConverseMapping, MappingInput, NativeTool, OutputMode } from "@effect-bedrock/converse/mapping/converse"

/**
 * A problem found before the request is sent (the caller turns it into a typed error). `path` points into
 * the request, e.g. `prompt.messages[2].parts[0]`.
 *
 * @since 0.1.0
 * @internal
 */
export interface MappingIssue {
  readonly message: string
  readonly path?: string | undefined
}

const toEither = <A>(result: Result<A>): Either.Either<A, MappingIssue> => {
  if (result.ok) return Either.right(result.value)
  const issue: Issue = result.issues[0]!
  return Either.left(issue.path === "" ? { message: issue.message } : { message: issue.message, path: issue.path })
}

/**
 * The Converse / ConverseStream input for a request.
 *
 * @since 0.1.0
 * @internal
 */
export const toConverseInput = (options: Mapping.MappingInput): Either.Either<Mapping.ConverseMapping, MappingIssue> =>
  toEither(Mapping.toConverseInput(options))

/**
 * The CountTokens input for a request.
 *
 * @since 0.1.0
 * @internal
 */
export const toCountTokensInput = (
  options: Mapping.MappingInput
): Either.Either<CountTokensCommandInput, MappingIssue> => toEither(Mapping.toCountTokensInput(options))
