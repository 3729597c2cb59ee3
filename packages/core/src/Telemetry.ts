/**
 * What the library's telemetry records. Every model call, tool-loop step and
 * tool call is a span named and attributed per the OpenTelemetry GenAI
 * semantic conventions, with metrics (`gen_ai.client.token.usage`,
 * `gen_ai.client.operation.duration`,
 * `gen_ai.client.operation.time_to_first_chunk`,
 * `gen_ai.execute_tool.duration`) as Effect `Metric`s and debug and warning
 * logs, all through Effect's tracer, metrics and logger: with
 * `@effect/opentelemetry` they are exported with no code of yours (see
 * `docs/observability.md`).
 *
 * Message contents (prompts, answers, tool arguments and results) are not
 * recorded unless you opt in with `withRecordContents`; credentials and
 * headers never are.
 *
 * @example
 * ```ts
 * import { LanguageModel, Telemetry } from "@effect-bedrock/core"
 *
 * // Record the prompt and the answer on this call's span.
 * const traced = LanguageModel.generate({ prompt: "Hello" }).pipe(Telemetry.withRecordContents(true))
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"

/**
 * Whether spans record message contents (`gen_ai.input.messages`,
 * `gen_ai.system_instructions`, `gen_ai.output.messages`,
 * `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`). Off by default.
 * For a stream: `Stream.provideService(Telemetry.RecordContents, true)`.
 *
 * @since 0.1.0
 * @category Context
 */
export class RecordContents extends Context.Reference<RecordContents>()(
  "@effect-bedrock/core/Telemetry/RecordContents",
  { defaultValue: (): boolean => false }
) {}

/**
 * Runs an effect with message contents recorded on its spans, or not.
 *
 * @since 0.1.0
 * @category Configuration
 */
export const withRecordContents: {
  (enabled: boolean): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, enabled: boolean): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, enabled: boolean): Effect.Effect<A, E, R> =>
    Effect.provideService(self, RecordContents, enabled)
)
