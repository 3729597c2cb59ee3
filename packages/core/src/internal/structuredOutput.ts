/**
 * The pure parts of `LanguageModel.generateObject` / `streamObject`: the
 * request for an Effect `Schema` (its JSON Schema, cached per Schema), reading
 * the answer back (the text parsed as JSON, Markdown fences tolerated, then
 * decoded), and the retry turn sent when it does not decode.
 *
 * @since 0.1.0
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as LanguageModel from "../LanguageModel.js"
import * as Prompt from "../Prompt.js"
import * as Response from "../Response.js"
import { jsonSchema } from "../Tool.js"

/**
 * Why an answer was not accepted: what the model is told, the raw text, and
 * the underlying error.
 *
 * @since 0.1.0
 * @internal
 */
export interface Rejection {
  readonly feedback: string
  readonly text: string
  readonly cause: unknown
}

const schemas = new WeakMap<object, LanguageModel.JsonSchema>()

/**
 * The request behind an object request: its output schema is the Schema's
 * JSON Schema (local `$ref`s inlined where not recursive).
 *
 * @since 0.1.0
 * @internal
 */
export const toRequest = <A, I, R>(options: LanguageModel.ObjectRequest<A, I, R>): LanguageModel.Request => {
  let schema = schemas.get(options.schema)
  if (schema === undefined) {
    schema = jsonSchema(options.schema)
    schemas.set(options.schema, schema)
  }
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

const FENCED = /^```[a-zA-Z]*\s*\n?([\s\S]*?)\n?\s*```$/

const parse = (text: string): Either.Either<unknown, unknown> => {
  const trimmed = text.trim()
  const fenced = FENCED.exec(trimmed)
  try {
    return Either.right(JSON.parse(fenced === null ? trimmed : fenced[1]!))
  } catch (error) {
    return Either.left(error)
  }
}

/**
 * The answer's JSON: the whole text, or else the last text part (a model may
 * write a sentence before calling the output tool).
 *
 * @since 0.1.0
 * @internal
 */
export const answerJson = (response: Response.Response): Either.Either<unknown, Rejection> => {
  const text = Response.text(response)
  if (text.trim() === "") {
    return Either.left({
      feedback: "Your answer has no text. Answer with the JSON value only.",
      text,
      cause: new Error("The answer has no text")
    })
  }
  const whole = parse(text)
  if (Either.isRight(whole)) return Either.right(whole.right)
  const texts = response.parts.filter((part) => part._tag === "Text")
  if (texts.length > 1) {
    const last = parse((texts[texts.length - 1] as Response.Part & { readonly text: string }).text)
    if (Either.isRight(last)) return Either.right(last.right)
  }
  const reason = whole.left instanceof Error ? whole.left.message : String(whole.left)
  return Either.left({
    feedback: `Your answer is not valid JSON (${reason}). Answer with the JSON value only, no other text.`,
    text,
    cause: whole.left
  })
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
  return Schema.decodeUnknown(schema)(json.right).pipe(
    Effect.map((value) => Either.right(value)),
    Effect.catchAll((error) =>
      Effect.succeed(Either.left({
        feedback: `Your answer does not match the schema:\n${
          ParseResult.TreeFormatter.formatErrorSync(error)
        }\nFix the errors and answer again.`,
        text: Response.text(response),
        cause: error
      }))
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

/**
 * The message of the final failure.
 *
 * @since 0.1.0
 * @internal
 */
export const failureMessage = (rejection: Rejection, attempts: number): string =>
  `The model's answer did not decode after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${rejection.feedback}`
