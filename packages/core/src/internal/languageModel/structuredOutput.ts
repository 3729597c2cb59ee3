/**
 * The pure parts of `LanguageModel.generateObject` / `streamObject`: the
 * request for an Effect `Schema` (its JSON Schema, cached per Schema), reading
 * the answer back (the text parsed as JSON, Markdown fences tolerated, then
 * decoded), and the retry turn sent when it does not decode.
 *
 * @since 0.1.0
 * @internal
 */
import * as Structured from "@effect-bedrock/converse/output/structured"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as LanguageModel from "../../LanguageModel.js"
import * as Prompt from "../../Prompt.js"
import * as Response from "../../Response.js"
import { jsonSchema } from "../../Tool.js"

/**
 * Why an answer was not accepted (the engine's `output/structured.ts`).
 *
 * @since 0.1.0
 * @internal
 */
export type Rejection = Structured.Rejection

/**
 * @since 0.1.0
 * @internal
 */
export { failureMessage } from "@effect-bedrock/converse/output/structured"

const schemas = new WeakMap<object, LanguageModel.JsonSchema>()

/**
 * The request behind an object request: its output schema is the Schema's
 * JSON Schema (local `$ref`s inlined where not recursive).
 *
 * @since 0.1.0
 * @internal
 */
const schemaOf = (schema: Schema.Schema.Any): LanguageModel.JsonSchema => {
  let json = schemas.get(schema)
  if (json === undefined) {
    json = jsonSchema(schema)
    schemas.set(schema, json)
  }
  return json
}

export const toRequest = <A, I, R>(options: LanguageModel.ObjectRequest<A, I, R>): LanguageModel.Request => {
  const schema = schemaOf(options.schema)
  const { description, maxRetries: _, mode, name, schema: __, ...request } = options
  return {
    ...request,
    output: {
      schema,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(mode !== undefined ? { mode } : {})
    }
  }
}

/**
 * The answer's JSON, or why it is not one (the engine's `answerJson` as an `Either`).
 *
 * @since 0.1.0
 * @internal
 */
export const answerJson = (response: Response.Response): Either.Either<unknown, Rejection> => {
  const json = Structured.answerJson(response)
  return json.ok ? Either.right(json.value) : Either.left(json.rejection)
}

/**
 * The decoded answer, or why it was rejected.
 *
 * @since 0.1.0
 * @internal
 */
export const decodeAnswer = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  response: Response.Response
): Effect.Effect<Either.Either<A, Rejection>, never, R> => {
  const json = answerJson(response)
  if (Either.isLeft(json)) return Effect.succeed(Either.left(json.left))
  const decode = Schema.decodeUnknown(schema)
  const rejection = (error: ParseResult.ParseError): Rejection => ({
    feedback: `Your answer does not match the schema:\n${
      ParseResult.TreeFormatter.formatErrorSync(error)
    }\nFix the errors and answer again.`,
    text: Response.text(response),
    cause: error
  })
  // A schema whose root is not an object was asked for wrapped, `{ "response": value }`: the tool
  // mode's answer and `generate`'s arrive unwrapped, a stream's text still wrapped.
  const wrapped = Structured.wrappedValue(schemaOf(schema), json.right)
  return decode(json.right).pipe(
    Effect.map((value) => Either.right(value)),
    Effect.catchAll((error) =>
      wrapped === Structured.noValue
        ? Effect.succeed(Either.left(rejection(error)))
        : decode(wrapped).pipe(
          Effect.map((value) => Either.right(value)),
          Effect.catchAll((inner) => Effect.succeed(Either.left(rejection(inner))))
        )
    )
  )
}

/**
 * The retry request sent back after a rejected answer.
 *
 * @since 0.1.0
 * @internal
 */
export const retryPart = (rejection: Rejection): Prompt.RetryPart => Prompt.retry({ message: rejection.feedback })

/**
 * The conversation for the next attempt: the rejected answer, then the retry
 * request.
 *
 * @since 0.1.0
 * @internal
 */
export const retryPrompt = (
  prompt: Prompt.Prompt,
  response: Response.Response,
  retry: Prompt.RetryPart
): Prompt.Prompt => ({
  messages: [...prompt.messages, Response.toMessage(response), Prompt.tool(retry)]
})

// =============================================================================
// The object loops (generateObject, streamObject)
// =============================================================================

/**
 * How the loops fail; the error classes live in `LanguageModel`.
 *
 * @internal
 */
export interface Errors {
  readonly output: (rejection: Rejection, attempts: number, operation: string) => LanguageModel.LanguageModelError
  readonly incomplete: (operation: string) => LanguageModel.LanguageModelError
}

/** A blank text prompt (a request made of instructions alone) is no message: Converse rejects blank text. */
const initialPrompt = (input: Prompt.Input): Prompt.Prompt =>
  typeof input === "string" && input.trim() === "" ? Prompt.empty : Prompt.make(input)

const maxRetriesOf = (options: { readonly maxRetries?: number | undefined }) =>
  Math.max(0, Math.floor(options.maxRetries ?? 1))

/** @internal */
export const generateObjectResponse = <A, I, R>(
  model: LanguageModel.Service,
  options: LanguageModel.ObjectRequest<A, I, R>,
  errors: Errors,
  operation: string
): Effect.Effect<LanguageModel.ObjectResponse<A>, LanguageModel.LanguageModelError, R> =>
  Effect.gen(function*() {
    const request = toRequest(options)
    const maxRetries = maxRetriesOf(options)
    const responses: Array<Response.Response> = []
    let prompt = initialPrompt(options.prompt)
    for (let attempt = 0;; attempt++) {
      const response = yield* model.generate({ ...request, prompt })
      responses.push(response)
      const result = yield* decodeAnswer(options.schema, response)
      if (Either.isRight(result)) return { value: result.right, response, responses }
      if (attempt >= maxRetries) return yield* errors.output(result.left, attempt + 1, operation)
      prompt = retryPrompt(prompt, response, retryPart(result.left))
    }
  })

/** @internal */
export const generateObject = <A, I, R>(
  model: LanguageModel.Service,
  options: LanguageModel.ObjectRequest<A, I, R>,
  errors: Errors
): Effect.Effect<A, LanguageModel.LanguageModelError, R> =>
  Effect.map(generateObjectResponse(model, options, errors, "generateObject"), (result) => result.value)

/** @internal */
export const streamObject = <A, I, R>(
  model: LanguageModel.Service,
  options: LanguageModel.ObjectRequest<A, I, R>,
  errors: Errors
): Stream.Stream<LanguageModel.ObjectStreamPart<A>, LanguageModel.LanguageModelError, R> =>
  Stream.suspend(() => {
    const request = toRequest(options)
    const maxRetries = maxRetriesOf(options)
    const attempt = (prompt: Prompt.Prompt, index: number): Stream.Stream<
      LanguageModel.ObjectStreamPart<A>,
      LanguageModel.LanguageModelError,
      R
    > =>
      Stream.suspend(() => {
        let finish: Response.Finish | undefined
        return model.stream({ ...request, prompt }).pipe(
          Stream.map((part): LanguageModel.ObjectStreamPart<A> => {
            if (part._tag === "Finish") finish = part
            return part
          }),
          Stream.concat(Stream.unwrap(Effect.suspend(() => {
            if (finish === undefined) {
              return Effect.fail(errors.incomplete("streamObject"))
            }
            const response = finish.response
            return Effect.map(decodeAnswer(options.schema, response), (result) => {
              if (Either.isRight(result)) {
                return Stream.succeed<LanguageModel.ObjectStreamPart<A>>({
                  _tag: "Object",
                  value: result.right,
                  response
                })
              }
              if (index >= maxRetries) return Stream.fail(errors.output(result.left, index + 1, "streamObject"))
              const retry = retryPart(result.left)
              return Stream.concat(
                Stream.succeed<LanguageModel.ObjectStreamPart<A>>(retry),
                attempt(retryPrompt(prompt, response, retry), index + 1)
              )
            })
          })))
        )
      })
    return attempt(initialPrompt(options.prompt), 0)
  })
