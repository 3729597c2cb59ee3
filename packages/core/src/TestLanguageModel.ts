/**
 * Stub `LanguageModel` Layers for your own tests: swap one Layer and your
 * application runs offline, deterministically, while the stub records every
 * request it got.
 *
 * @example
 * ```ts
 * import { LanguageModel, Response } from "@effect-bedrock/core"
 * import { TestLanguageModel } from "@effect-bedrock/core/testing"
 * import { Effect } from "effect"
 *
 * const program = LanguageModel.generate({ prompt: "Hi" }).pipe(Effect.map(Response.text))
 *
 * Effect.runPromise(program.pipe(Effect.provide(TestLanguageModel.layerScripted("Hello!"))))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as LanguageModel from "./LanguageModel.js"
import * as Prompt from "./Prompt.js"
import * as Response from "./Response.js"

/**
 * What a stub answers: text, a whole `Response`, or an exact list of stream
 * parts (its `Finish` part gives the non-streaming response; without one,
 * `generate` fails with `LanguageModel.IncompleteResponseError` and `stream`
 * just ends, as a broken provider stream would).
 *
 * @since 0.1.0
 * @category Models
 */
export type Answer = string | Response.Response | ReadonlyArray<Response.StreamPart>

/**
 * The stub's own service: the requests it received, oldest first.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly requests: Effect.Effect<ReadonlyArray<LanguageModel.Request>>
}

/**
 * @since 0.1.0
 * @category Context
 */
export class TestLanguageModel extends Context.Tag("@effect-bedrock/core/TestLanguageModel")<
  TestLanguageModel,
  Service
>() {}

/**
 * The requests the stub received.
 *
 * @since 0.1.0
 * @category Accessors
 */
export const requests: Effect.Effect<ReadonlyArray<LanguageModel.Request>, never, TestLanguageModel> = Effect
  .flatMap(TestLanguageModel, (stub) => stub.requests)

// =============================================================================
// Building answers
// =============================================================================

/**
 * A complete response from parts, with plausible usage.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const response = (
  parts: ReadonlyArray<Response.Part> | string,
  options?: {
    readonly modelId?: string | undefined
    readonly finishReason?: Response.FinishReason | undefined
    readonly usage?: Partial<Response.Usage> | undefined
  }
): Response.Response => {
  const list: ReadonlyArray<Response.Part> = typeof parts === "string" ? [Prompt.text(parts)] : parts
  const hasCalls = list.some((part) => part._tag === "ToolCall")
  const finishReason = options?.finishReason ?? (hasCalls ? "tool-calls" : "stop")
  const outputTokens = list.reduce((n, part) => n + (part._tag === "Text" ? part.text.split(/\s+/).length : 1), 0)
  return {
    parts: list,
    finishReason,
    rawFinishReason: finishReason === "tool-calls" ? "tool_use" : finishReason === "length" ? "max_tokens" : "end_turn",
    usage: { ...Response.emptyUsage, outputTokens, totalTokens: outputTokens, ...options?.usage },
    modelId: options?.modelId ?? "test-model"
  }
}

/**
 * A tool call part, for scripting a model that calls tools.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const toolCall = (name: string, input: unknown, id?: string): Prompt.ToolCallPart => ({
  _tag: "ToolCall",
  id: id ?? `call_${name}_${Math.abs(hash(JSON.stringify(input) ?? "")).toString(36)}`,
  name,
  input
})

const hash = (text: string) => {
  let h = 0
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0
  return h
}

/**
 * The stream parts of a response: text is cut into words, tool arguments into
 * a few JSON pieces, and `Finish` comes last.
 *
 * @since 0.1.0
 * @category Conversions
 */
export const toStreamParts = (response: Response.Response): ReadonlyArray<Response.StreamPart> => {
  const out: Array<Response.StreamPart> = []
  response.parts.forEach((part, index) => {
    switch (part._tag) {
      case "Text": {
        out.push({ _tag: "TextStart", index })
        for (const word of part.text.match(/\S+\s*|\s+/g) ?? []) out.push({ _tag: "TextDelta", index, delta: word })
        out.push({ _tag: "TextEnd", index })
        break
      }
      case "Thinking": {
        out.push({ _tag: "ThinkingStart", index })
        if (part.text.length > 0) out.push({ _tag: "ThinkingDelta", index, delta: part.text })
        if (part.signature !== undefined) out.push({ _tag: "ThinkingDelta", index, signature: part.signature })
        if (part.redacted !== undefined) out.push({ _tag: "ThinkingDelta", index, redacted: part.redacted })
        out.push({ _tag: "ThinkingEnd", index })
        break
      }
      case "ToolCall": {
        out.push({ _tag: "ToolCallStart", index, id: part.id, name: part.name })
        const json = JSON.stringify(part.input) ?? "{}"
        const size = Math.max(1, Math.ceil(json.length / 3))
        for (let i = 0; i < json.length; i += size) {
          out.push({ _tag: "ToolCallDelta", index, id: part.id, delta: json.slice(i, i + size) })
        }
        out.push({ _tag: "ToolCall", index, id: part.id, name: part.name, input: part.input })
        break
      }
      case "Unknown":
        break
    }
  })
  out.push({ _tag: "Finish", finishReason: response.finishReason, usage: response.usage, response })
  return out
}

const toResponse = (
  answer: Answer,
  modelId: string
): Effect.Effect<Response.Response, LanguageModel.IncompleteResponseError> => {
  if (typeof answer === "string") return Effect.succeed(response(answer, { modelId }))
  if ("parts" in answer) return Effect.succeed(answer)
  const finish = answer.find((part): part is Response.Finish => part._tag === "Finish")
  return finish === undefined
    ? Effect.fail(
      new LanguageModel.IncompleteResponseError({
        message: "TestLanguageModel: the scripted stream parts have no Finish part, so there is no response",
        operation: "generate"
      })
    )
    : Effect.succeed(finish.response)
}

const toParts = (answer: Answer, modelId: string): ReadonlyArray<Response.StreamPart> =>
  typeof answer === "string"
    ? toStreamParts(response(answer, { modelId }))
    : "parts" in answer
    ? toStreamParts(answer)
    : answer

// =============================================================================
// Layers
// =============================================================================

const countWords = (request: LanguageModel.Request) => {
  let words = 0
  const count = (text: string) => (words += text.split(/\s+/).filter((w) => w.length > 0).length)
  const instructions = request.instructions
  if (typeof instructions === "string") count(instructions)
  else if (instructions !== undefined) { for (const i of instructions) count(typeof i === "string" ? i : i.text) }
  for (const message of Prompt.make(request.prompt).messages) {
    if (message._tag === "System") count(message.content)
    else {
      for (const part of message.parts) {
        if (part._tag === "Text") count(part.text)
        else if (part._tag === "ToolResult") count(JSON.stringify(part.result) ?? "")
        else if (part._tag === "Retry") count(part.message)
      }
    }
  }
  return words
}

/**
 * A stub whose answers come from a function of the request. The function may
 * fail with any `LanguageModelError`, for example a
 * `BedrockError.ThrottlingError`, to script a failing call.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeFunction = <E extends LanguageModel.LanguageModelError = never>(
  answer: (request: LanguageModel.Request, index: number) => Effect.Effect<Answer, E>,
  options?: { readonly modelId?: string | undefined }
): Effect.Effect<{ readonly model: LanguageModel.Service; readonly stub: Service }> =>
  Effect.gen(function*() {
    const modelId = options?.modelId ?? "test-model"
    const received = yield* Ref.make<ReadonlyArray<LanguageModel.Request>>([])
    const answered = yield* Ref.make(0)
    const record = (request: LanguageModel.Request) => Ref.update(received, (list) => [...list, request])
    const next = (request: LanguageModel.Request): Effect.Effect<Answer, E> =>
      record(request).pipe(
        Effect.zipRight(Ref.getAndUpdate(answered, (n) => n + 1)),
        Effect.flatMap((index) => answer(request, index))
      )
    const model = LanguageModel.make({
      modelId,
      generate: (request) => Effect.flatMap(next(request), (a) => toResponse(a, modelId)),
      stream: (request) => Stream.unwrap(Effect.map(next(request), (a) => Stream.fromIterable(toParts(a, modelId)))),
      countTokens: (request) => Effect.as(record(request), countWords(request))
    })
    return { model, stub: { requests: Ref.get(received) } }
  })

/**
 * @since 0.1.0
 * @category Layers
 */
export const layerFunction = <E extends LanguageModel.LanguageModelError = never>(
  answer: (request: LanguageModel.Request, index: number) => Effect.Effect<Answer, E>,
  options?: { readonly modelId?: string | undefined }
): Layer.Layer<LanguageModel.LanguageModel | TestLanguageModel> =>
  Layer.effectContext(Effect.map(
    makeFunction(answer, options),
    ({ model, stub }) => Context.make(LanguageModel.LanguageModel, model).pipe(Context.add(TestLanguageModel, stub))
  ))

/**
 * A stub that gives the scripted answers in order, one per `generate` or
 * `stream` call. Running out of answers is a defect naming the request: a
 * test that calls the model more often than it scripted is wrong.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerScripted = (
  ...answers: ReadonlyArray<Answer>
): Layer.Layer<LanguageModel.LanguageModel | TestLanguageModel> =>
  layerFunction((_request, index) =>
    index < answers.length
      ? Effect.succeed(answers[index]!)
      : Effect.dieMessage(`TestLanguageModel: request #${index + 1} has no scripted answer (${answers.length} given)`)
  )
