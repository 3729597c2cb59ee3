/**
 * A set of tools and the loop that lets a model use them: call the model,
 * decode each tool call's arguments with the tool's Schema, run the handlers
 * (concurrently when the model asked for several), send the results back, and
 * repeat until the model answers without tool calls.
 *
 * Arguments that fail to decode, unknown tool names and handlers failing with
 * `Tool.RetryRequest` go back to the model as retry requests; any other
 * handler failure fails the loop with its own typed error. Results are encoded
 * with each tool's `success` Schema; one with no JSON form (a BigInt, a cycle)
 * fails the loop with `Tool.InvalidResultError`, one that JSON would change
 * (`undefined`, `NaN`, a `Map`) or one over `maxResultBytes` goes back to the
 * model as an error result naming the tool. A handler that dies ends the loop
 * with a `Tool.HandlerDefect` defect naming the tool and the call.
 *
 * @example
 * ```ts
 * import { Toolkit, Tool, Response } from "@effect-bedrock/core"
 * import { Effect, Schema } from "effect"
 *
 * const toolkit = Toolkit.make(
 *   Tool.make("add", {
 *     parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number }),
 *     success: Schema.Number,
 *     handler: ({ a, b }) => Effect.succeed(a + b)
 *   })
 * )
 *
 * const program = Toolkit.generate(toolkit, { prompt: "What is 2 + 3?" }).pipe(
 *   Effect.map((result) => Response.text(result.response))
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as ToolkitGuards from "./internal/languageModel/toolkitGuards.js"
import * as ToolTelemetry from "./internal/telemetry/toolTelemetry.js"
import * as LanguageModel from "./LanguageModel.js"
import * as Prompt from "./Prompt.js"
import * as Response from "./Response.js"
import * as Tool from "./Tool.js"
import * as UsageLimits from "./UsageLimits.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Toolkit<Tools extends Tool.Any> {
  readonly tools: ReadonlyArray<Tools>
  readonly definitions: ReadonlyArray<LanguageModel.ToolDefinition>
  readonly get: (name: string) => Tools | undefined
}

/**
 * A toolkit of these tools. Two tools with the same name (or an argument that is not a tool)
 * throw an `Error` saying which: a mistake in the program's definition, found when it loads.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = <const Tools extends ReadonlyArray<Tool.Any>>(...tools: Tools): Toolkit<Tools[number]> => {
  const byName = new Map<string, Tools[number]>()
  const positions = new Map<string, number>()
  for (let i = 0; i < tools.length; i++) {
    const tool = tools[i]!
    // A definition-time mistake, not a failure of a running program: a clear message, thrown.
    if (typeof tool !== "object" || tool === null || typeof tool.name !== "string" || tool.definition === undefined) {
      throw new globalThis.Error(
        `Toolkit.make: argument ${i + 1} is not a tool (make tools with Tool.make), got ${
          tool === null ? "null" : typeof tool
        }`
      )
    }
    const first = positions.get(tool.name)
    if (first !== undefined) {
      throw new globalThis.Error(
        `Toolkit.make: tools ${first + 1} and ${i + 1} are both named "${tool.name}"; the model calls a tool by ` +
          "its name, so names must be unique (rename one)"
      )
    }
    positions.set(tool.name, i)
    byName.set(tool.name, tool)
  }
  return { tools, definitions: tools.map((tool) => tool.definition), get: (name) => byName.get(name) }
}

/**
 * The loop stopped because the model still called tools after `maxSteps`
 * model calls.
 *
 * @since 0.1.0
 * @category Errors
 */
export class MaxStepsExceededError extends Schema.TaggedError<MaxStepsExceededError>(
  "@effect-bedrock/core/Toolkit/MaxStepsExceededError"
)("MaxStepsExceededError", { maxSteps: Schema.Number }) {
  override get message() {
    return `The model still called tools after ${this.maxSteps} steps`
  }
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options extends Omit<LanguageModel.Request, "tools"> {
  /** Model calls allowed in all (default 10): a whole number, at least 1. */
  readonly maxSteps?: number | undefined
  /** Tool handlers run at once (default: all the model asked for). */
  readonly concurrency?: number | "unbounded" | undefined
  /**
   * The largest result one tool call may send back, in bytes of its JSON text (default 1 MiB,
   * `defaultMaxResultBytes`). A larger result goes back to the model as an error result
   * ("result too large: N bytes, limit M"), with a warning log; the loop goes on.
   */
  readonly maxResultBytes?: number | undefined
  /** Caps on requests, tokens and cost for the whole loop (see `UsageLimits`). */
  readonly usageLimits?: UsageLimits.UsageLimits | undefined
}

/**
 * The default of `Options.maxResultBytes`: 1 MiB, about 250,000 tokens of text, more than most
 * models' whole context.
 *
 * @since 0.1.0
 * @category Models
 */
export const defaultMaxResultBytes = 1024 * 1024

/**
 * @since 0.1.0
 * @category Models
 */
export interface Result {
  /** The final answer. */
  readonly response: Response.Response
  /** Every model answer, in order; the last one is `response`. */
  readonly steps: ReadonlyArray<Response.Response>
  /** The whole conversation including tool results and the final answer: store it to resume. */
  readonly prompt: Prompt.Prompt
  /** Usage summed over all steps. */
  readonly usage: Response.Usage
  /** Cost summed over all steps; absent when a step's price is not known. */
  readonly cost?: Response.Cost | undefined
}

/**
 * What the streaming loop emits: the model's stream parts for each step, then
 * the tool results and retry requests sent back.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamEvent = Response.StreamPart | Prompt.ToolResultPart | Prompt.RetryPart

/**
 * @since 0.1.0
 * @category Utils
 */
export const addUsage = (self: Response.Usage, that: Response.Usage): Response.Usage => {
  const details: Record<string, number> = { ...self.details }
  for (const key in that.details) details[key] = (details[key] ?? 0) + that.details[key]!
  return {
    inputTokens: self.inputTokens + that.inputTokens,
    outputTokens: self.outputTokens + that.outputTokens,
    totalTokens: self.totalTokens + that.totalTokens,
    cacheReadTokens: self.cacheReadTokens + that.cacheReadTokens,
    cacheWriteTokens: self.cacheWriteTokens + that.cacheWriteTokens,
    details
  }
}

const formatIssue = (error: ParseResult.ParseError) => ParseResult.TreeFormatter.formatErrorSync(error)

const declaresNoResult = (tool: Tool.Any) => {
  const tag = tool.success.ast._tag
  return tag === "VoidKeyword" || tag === "UndefinedKeyword"
}

/**
 * Encodes a handler's result with the tool's `success` Schema and checks it can be sent as JSON:
 * a result with no JSON form fails with `Tool.InvalidResultError`; one that JSON would change
 * (`undefined`, `NaN`, a `Map`) or one over `maxBytes` goes back to the model as an error result.
 */
const encodeResult = (
  tool: Tool.Any,
  call: Prompt.ToolCallPart,
  result: unknown,
  maxBytes: number
): Effect.Effect<Prompt.ToolPart, Tool.InvalidResultError> =>
  Schema.encode(tool.success)(result).pipe(
    Effect.mapError((error) =>
      new Tool.InvalidResultError({
        toolName: call.name,
        toolCallId: call.id,
        message: `Tool "${call.name}" returned a result its success Schema cannot encode:\n${formatIssue(error)}`,
        cause: error
      })
    ),
    Effect.flatMap((encoded) => {
      const problem = ToolkitGuards.resultProblem(encoded, maxBytes, declaresNoResult(tool))
      if (problem === undefined) {
        return Effect.succeed(Prompt.toolResult({ id: call.id, name: call.name, result: encoded }))
      }
      if (problem._tag === "invalid") {
        return Effect.fail(
          new Tool.InvalidResultError({
            toolName: call.name,
            toolCallId: call.id,
            message: `Tool "${call.name}" returned a result that cannot be sent: ${problem.message}`,
            ...(problem.cause !== undefined ? { cause: problem.cause } : {})
          })
        )
      }
      const message = problem._tag === "tooLarge"
        ? `Tool "${call.name}": result too large: ${problem.bytes} bytes, limit ${problem.maxBytes}`
        : `Tool "${call.name}": the result cannot be sent: ${problem.message}`
      // The model sees the error and can try another way; the developer sees a warning.
      return Effect.as(
        Effect.logWarning(
          problem._tag === "tooLarge" ? `${message} (Toolkit option maxResultBytes)` : message
        ).pipe(Effect.annotateLogs({ "gen_ai.tool.name": call.name, "gen_ai.tool.call.id": call.id })),
        Prompt.toolResult({ id: call.id, name: call.name, result: message, isError: true })
      )
    })
  )

/**
 * Runs the tool calls of one answer and returns what goes back to the model. A handler that
 * throws, or returns something other than an Effect, fails with `Tool.InvalidResultError`; so does
 * a result with no JSON form. A result over `maxResultBytes` (default `defaultMaxResultBytes`),
 * `undefined` (unless the tool's `success` is `Schema.Void`), `NaN` or a `Map` is sent back as an
 * error result the model sees. A handler's defect stays a defect, wrapped in `Tool.HandlerDefect`.
 *
 * @since 0.1.0
 * @category Execution
 */
export const handle = <Tools extends Tool.Any>(
  toolkit: Toolkit<Tools>,
  calls: ReadonlyArray<Prompt.ToolCallPart>,
  options?: {
    readonly concurrency?: number | "unbounded" | undefined
    readonly maxResultBytes?: number | undefined
  }
): Effect.Effect<
  ReadonlyArray<Prompt.ToolPart>,
  Tool.Error<Tools> | Tool.InvalidResultError,
  Tool.Requirements<Tools>
> =>
  Effect.forEach(
    calls,
    // Each call runs in its `execute_tool` span (internal/telemetry/toolTelemetry.ts).
    ToolTelemetry.traced(toolkit, (call): Effect.Effect<
      Prompt.ToolPart,
      Tool.Error<Tools> | Tool.InvalidResultError,
      Tool.Requirements<Tools>
    > => {
      const tool = toolkit.get(call.name)
      if (tool === undefined) {
        const known = toolkit.tools.map((t) => t.name).join(", ")
        return Effect.succeed(Prompt.retry({
          message: `Unknown tool "${call.name}". Available tools: ${known}`,
          toolCallId: call.id,
          toolName: call.name
        }))
      }
      return Schema.decodeUnknown(tool.parameters)(call.input).pipe(
        Effect.matchEffect({
          onFailure: (error) =>
            Effect.succeed(Prompt.retry({
              message: `Invalid arguments for tool "${call.name}":\n${
                formatIssue(error)
              }\nFix the arguments and try again.`,
              toolCallId: call.id,
              toolName: call.name
            })),
          onSuccess: (params) =>
            ToolkitGuards.runHandler(tool, call, params).pipe(
              Effect.flatMap((result) =>
                encodeResult(tool, call, result, options?.maxResultBytes ?? defaultMaxResultBytes)
              ),
              Effect.catchIf(
                (error: unknown): error is Tool.RetryRequest => error instanceof Tool.RetryRequest,
                (error) =>
                  Effect.succeed(Prompt.retry({ message: error.message, toolCallId: call.id, toolName: call.name }))
              ),
              ToolkitGuards.annotateDefect(call)
            )
        })
      ) as Effect.Effect<Prompt.ToolPart, Tool.Error<Tools> | Tool.InvalidResultError, Tool.Requirements<Tools>>
    }),
    { concurrency: options?.concurrency ?? "unbounded" }
  )

const stepRequest = <Tools extends Tool.Any>(
  toolkit: Toolkit<Tools>,
  options: Options,
  prompt: Prompt.Prompt,
  step: number
): LanguageModel.Request => ({
  ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
  ...(options.output !== undefined ? { output: options.output } : {}),
  ...(options.settings !== undefined ? { settings: options.settings } : {}),
  ...(options.nativeTools !== undefined ? { nativeTools: options.nativeTools } : {}),
  prompt,
  tools: toolkit.definitions,
  // A forced choice applies to the first call only; forcing it again after the
  // results came back would never let the model answer.
  toolChoice: step === 0 ? options.toolChoice : options.toolChoice === "none" ? "none" : "auto"
})

const nextPrompt = (
  prompt: Prompt.Prompt,
  response: Response.Response,
  results: ReadonlyArray<Prompt.ToolPart>
): Prompt.Prompt => ({
  messages: results.length === 0
    ? [...prompt.messages, Response.toMessage(response)]
    : [...prompt.messages, Response.toMessage(response), Prompt.tool(...results)]
})

/**
 * What follows an answer after `stepsDone` model calls: nothing (it called no
 * tool), or the tool results and the conversation for the next call.
 */
const continueAfter = <Tools extends Tool.Any>(
  toolkit: Toolkit<Tools>,
  options: Options,
  prompt: Prompt.Prompt,
  response: Response.Response,
  stepsDone: number
): Effect.Effect<
  { readonly results: ReadonlyArray<Prompt.ToolPart>; readonly prompt: Prompt.Prompt } | undefined,
  MaxStepsExceededError | Tool.Error<Tools> | Tool.InvalidResultError,
  Tool.Requirements<Tools>
> => {
  const calls = Response.toolCalls(response)
  if (calls.length === 0) return Effect.succeed(undefined)
  const maxSteps = options.maxSteps ?? 10
  if (stepsDone >= maxSteps) return Effect.fail(new MaxStepsExceededError({ maxSteps }))
  return Effect.map(handle(toolkit, calls, options), (results) => ({
    results,
    prompt: nextPrompt(prompt, response, results)
  }))
}

/**
 * Runs the tool loop to a final answer.
 *
 * @since 0.1.0
 * @category Execution
 */
export const generate = <Tools extends Tool.Any>(
  toolkit: Toolkit<Tools>,
  options: Options
): Effect.Effect<
  Result,
  LanguageModel.LanguageModelError | MaxStepsExceededError | Tool.Error<Tools> | Tool.InvalidResultError,
  LanguageModel.LanguageModel | Tool.Requirements<Tools>
> => {
  const problem = ToolkitGuards.optionsProblem(options, "generate")
  if (problem !== undefined) return Effect.fail(problem)
  return Effect.flatMap(LanguageModel.LanguageModel, (model) => {
    // Usage and cost summed as the steps finish; the loop's span reports them (internal/telemetry/toolTelemetry.ts).
    const totals: ToolTelemetry.LoopTotals = { steps: 0, usage: undefined, cost: undefined }
    const loop = Effect.gen(function*() {
      let prompt = Prompt.make(options.prompt)
      const steps: Array<Response.Response> = []
      while (true) {
        const { next, response } = yield* Effect.flatMap(
          model.generate(stepRequest(toolkit, options, prompt, steps.length)),
          (response) => {
            steps.push(response)
            ToolTelemetry.addStep(totals, response, addUsage)
            return Effect.map(continueAfter(toolkit, options, prompt, response, steps.length), (next) => ({
              next,
              response
            }))
          }
        ).pipe(ToolTelemetry.step(steps.length + 1))
        if (next === undefined) {
          return {
            response,
            steps,
            prompt: nextPrompt(prompt, response, []),
            usage: totals.usage ?? Response.emptyUsage,
            ...(totals.cost !== undefined ? { cost: totals.cost } : {})
          }
        }
        prompt = next.prompt
      }
    })
    return ToolTelemetry.loop(
      model.modelId,
      totals,
      options.usageLimits === undefined ? loop : UsageLimits.withUsageLimits(loop, options.usageLimits)
    )
  })
}

/**
 * Runs the tool loop, streaming every step. Each step ends with its `Finish`
 * part; tool results follow it, then the next step's parts.
 *
 * @since 0.1.0
 * @category Execution
 */
export const stream = <Tools extends Tool.Any>(
  toolkit: Toolkit<Tools>,
  options: Options
): Stream.Stream<
  StreamEvent,
  LanguageModel.LanguageModelError | MaxStepsExceededError | Tool.Error<Tools> | Tool.InvalidResultError,
  LanguageModel.LanguageModel | Tool.Requirements<Tools>
> => {
  const loop = (
    model: LanguageModel.Service,
    totals: ToolTelemetry.LoopTotals,
    prompt: Prompt.Prompt,
    step: number
  ): Stream.Stream<
    StreamEvent,
    LanguageModel.LanguageModelError | MaxStepsExceededError | Tool.Error<Tools> | Tool.InvalidResultError,
    Tool.Requirements<Tools>
  > => {
    let finish: Response.Finish | undefined
    let next: { readonly prompt: Prompt.Prompt } | undefined
    // The step's own span covers its model stream and its tool calls; the next step follows it.
    const thisStep = model.stream(stepRequest(toolkit, options, prompt, step)).pipe(
      Stream.map((part): StreamEvent => {
        if (part._tag === "Finish") {
          finish = part
          ToolTelemetry.addStep(totals, part.response, addUsage)
        }
        return part
      }),
      Stream.concat(Stream.unwrap(
        Effect.suspend(() =>
          // A provider's stream ends with Finish; one that does not leaves no answer to continue from.
          finish === undefined
            ? Effect.fail(
              new LanguageModel.IncompleteResponseError({
                message: `The model's stream for step ${step + 1} ended without a Finish part`,
                operation: "stream"
              })
            )
            : Effect.succeed(finish.response)
        ).pipe(
          Effect.flatMap((response) => continueAfter(toolkit, options, prompt, response, step + 1)),
          Effect.map((after) => {
            next = after
            return after === undefined ? Stream.empty : Stream.fromIterable(after.results)
          })
        )
      )),
      ToolTelemetry.stepStream(step + 1)
    )
    return Stream.concat(
      thisStep,
      Stream.suspend(() => next === undefined ? Stream.empty : loop(model, totals, next.prompt, step + 1))
    )
  }
  const problem = ToolkitGuards.optionsProblem(options, "stream")
  if (problem !== undefined) return Stream.fail(problem)
  return Stream.unwrap(Effect.map(LanguageModel.LanguageModel, (model) => {
    const run = ToolTelemetry.loopStream(
      model.modelId,
      (totals) => loop(model, totals, Prompt.make(options.prompt), 0)
    )
    return options.usageLimits === undefined ? run : UsageLimits.withUsageLimitsStream(run, options.usageLimits)
  }))
}
