/**
 * Checks a `LanguageModel.Request` from any caller (a JavaScript one may pass anything) with the
 * engine's validator (`@effect-bedrock/converse/request/validate`, the only place the request's rules
 * are written), so what the mapping receives is well formed: a bad value is an issue naming the field,
 * never a `TypeError` thrown by the mapping, nor a request quietly sent as something else.
 *
 * The engine reports every problem; an `InvalidRequestError` carries the first. `test/RequestSchemaAgreement`
 * proves the `LanguageModel.Request` Schema and the validator accept the same requests.
 *
 * @internal
 */
import * as Validate from "@effect-bedrock/converse/request/validate"

/** @internal */
export interface Issue {
  readonly message: string
  readonly path?: string | undefined
}

/**
 * The keys of a `LanguageModel.Request`.
 *
 * @internal
 */
export const requestKeys: ReadonlyArray<string> = Validate.requestKeys

/**
 * A key of `object` that is not one of `known` (and not `undefined`): it would be dropped
 * silently, so it is an issue, with the closest known key as a suggestion.
 *
 * @internal
 */
export const unknownKey: (
  object: Readonly<Record<string, unknown>>,
  known: ReadonlyArray<string>,
  what: string
) => Issue | undefined = Validate.unknownKey

/**
 * The first problem with a request, or `undefined` when it is well formed.
 *
 * @internal
 */
export const checkRequest = (request: unknown): Issue | undefined => {
  const issues = Validate.requestIssues(request)
  if (issues === undefined) return undefined
  const first = issues[0]!
  return first.path === "" ? { message: first.message } : first
}

/**
 * Why a model id (or inference profile) cannot be sent, or `undefined`.
 *
 * @internal
 */
export const modelIdProblem: (modelId: unknown) => string | undefined = Validate.modelIdProblem
