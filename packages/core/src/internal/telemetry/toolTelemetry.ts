/**
 * Spans of the tool loop: the loop (`invoke_agent`), each step (`step {n}`, a model call and the
 * tool calls it asked for) and each tool call (`execute_tool {name}`, with the GenAI tool
 * attributes and the `gen_ai.execute_tool.duration` metric). Tool arguments and results are
 * recorded only when `Telemetry.RecordContents` is on.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import type * as Prompt from "../../Prompt.js"
import * as Response from "../../Response.js"
import * as Telemetry from "../../Telemetry.js"
import * as Metrics from "./telemetry.js"
import { attr, errorTypeOf, labels, nanosToSeconds, streamSpan, toolDuration } from "./telemetry.js"
import * as Contents from "./telemetryContents.js"

const options = (attributes: Record<string, unknown>): Tracer.SpanOptions => ({
  kind: "internal",
  attributes,
  captureStackTrace: false
})

const elapsed = (span: Tracer.Span, clock: Clock.Clock) =>
  nanosToSeconds(clock.unsafeCurrentTimeNanos() - (span.status._tag === "Started" ? span.status.startTime : 0n))

/**
 * Runs one tool call in its `execute_tool` span. A call that went back to the model as a retry
 * request (bad arguments, unknown tool, `Tool.RetryRequest`) gets `error.type` `retry`.
 *
 * @internal
 */
export const executeTool = <E, R>(
  call: Prompt.ToolCallPart,
  description: string | undefined,
  effect: Effect.Effect<Prompt.ToolPart, E, R>
): Effect.Effect<Prompt.ToolPart, E, R> =>
  Effect.contextWithEffect((context: Context.Context<R>) => {
    const record = Context.get(context as Context.Context<Telemetry.RecordContents>, Telemetry.RecordContents)
    return Effect.clockWith((clock) =>
      Effect.useSpan(
        `execute_tool ${call.name}`,
        options({
          [attr.operationName]: "execute_tool",
          [attr.toolName]: call.name,
          [attr.toolCallId]: call.id,
          [attr.toolType]: "function",
          ...(description !== undefined ? { [attr.toolDescription]: description } : {}),
          ...(record ? { [attr.toolCallArguments]: Contents.json(call.input) } : {})
        }),
        (span) =>
          Effect.onExit(Effect.withParentSpan(effect, span), (exit) =>
            Effect.sync(() => {
              const errorType = exit._tag === "Success"
                ? exit.value._tag === "Retry" ? "retry" : undefined
                : errorTypeOf(exit)
              if (errorType !== undefined) span.attribute(attr.errorType, errorType)
              if (record && exit._tag === "Success") {
                span.attribute(
                  attr.toolCallResult,
                  Contents.json(exit.value._tag === "ToolResult" ? exit.value.result : exit.value.message)
                )
              }
              Metrics.record(
                toolDuration,
                elapsed(span, clock),
                labels({
                  [attr.operationName]: "execute_tool",
                  [attr.toolName]: call.name,
                  [attr.errorType]: errorType
                })
              )
            }))
      )
    )
  })

/**
 * A tool-call handler whose calls each run in their `execute_tool` span.
 *
 * @internal
 */
export const traced = <E, R>(
  toolkit: {
    readonly get: (name: string) => { readonly definition: { readonly description?: string | undefined } } | undefined
  },
  handle: (call: Prompt.ToolCallPart) => Effect.Effect<Prompt.ToolPart, E, R>
) =>
(call: Prompt.ToolCallPart): Effect.Effect<Prompt.ToolPart, E, R> =>
  executeTool(call, toolkit.get(call.name)?.definition.description, handle(call))

/**
 * One step of the loop (1-based): a model call and the tool calls it asked for.
 *
 * @internal
 */
export const step = (n: number) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.useSpan(
    `step ${n}`,
    options({ [attr.step]: n }),
    (span) =>
      Effect.onExit(Effect.withParentSpan(effect, span), (exit) =>
        Effect.sync(() => {
          const errorType = errorTypeOf(exit)
          if (errorType !== undefined) span.attribute(attr.errorType, errorType)
        }))
  )

/** What the loop's span reports at its end. */
export interface LoopTotals {
  steps: number
  usage: Response.Usage | undefined
  cost: Response.Cost | undefined
}

const loopAttributes = (modelId: string) => ({
  [attr.operationName]: "invoke_agent",
  [attr.requestModel]: modelId
})

const endLoop = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>, totals: LoopTotals) => {
  span.attribute("effect_bedrock.steps", totals.steps)
  if (totals.usage !== undefined) {
    span.attribute(attr.usageInputTokens, totals.usage.inputTokens)
    span.attribute(attr.usageOutputTokens, totals.usage.outputTokens)
    span.attribute(attr.usageCacheReadTokens, totals.usage.cacheReadTokens)
    span.attribute(attr.usageCacheCreationTokens, totals.usage.cacheWriteTokens)
  }
  if (totals.cost !== undefined) {
    span.attribute(attr.costTotal, totals.cost.total)
    span.attribute(attr.costCurrency, totals.cost.currency)
  }
  const errorType = errorTypeOf(exit)
  if (errorType !== undefined) span.attribute(attr.errorType, errorType)
}

/**
 * The whole loop (`invoke_agent`), with the usage and cost summed over its steps.
 *
 * @internal
 */
export const loop = <A, E, R>(
  modelId: string,
  totals: LoopTotals,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.useSpan(
    "invoke_agent",
    options(loopAttributes(modelId)),
    (span) =>
      Effect.onExit(Effect.withParentSpan(effect, span), (exit) => Effect.sync(() => endLoop(span, exit, totals)))
  )

/**
 * The streamed loop's span; `use` gets the totals to fill as the steps finish.
 *
 * @internal
 */
export const loopStream = <A, E, R>(
  modelId: string,
  use: (totals: LoopTotals) => Stream.Stream<A, E, R>
): Stream.Stream<A, E, Exclude<R, Tracer.ParentSpan>> =>
  streamSpan(
    "invoke_agent",
    options(loopAttributes(modelId)),
    (): LoopTotals => ({ steps: 0, usage: undefined, cost: undefined }),
    (_span, _clock, totals) => use(totals),
    (span, exit, _clock, totals) => Effect.sync(() => endLoop(span, exit, totals))
  )

/**
 * One streamed step's span.
 *
 * @internal
 */
export const stepStream =
  (n: number) => <A, E, R>(self: Stream.Stream<A, E, R>): Stream.Stream<A, E, Exclude<R, Tracer.ParentSpan>> =>
    streamSpan(
      `step ${n}`,
      options({ [attr.step]: n }),
      () => undefined,
      () => self,
      (span, exit) =>
        Effect.sync(() => {
          const errorType = errorTypeOf(exit)
          if (errorType !== undefined) span.attribute(attr.errorType, errorType)
        })
    )

/**
 * Adds a step's answer to the totals (cost only while every step has one).
 *
 * @internal
 */
export const addStep = (
  totals: LoopTotals,
  response: Response.Response,
  addUsage: (self: Response.Usage, that: Response.Usage) => Response.Usage
): void => {
  totals.cost = totals.steps === 0 ? response.cost : Response.addCost(totals.cost, response.cost)
  totals.usage = totals.usage === undefined ? response.usage : addUsage(totals.usage, response.usage)
  totals.steps++
}
