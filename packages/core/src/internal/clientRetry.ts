/**
 * The client's retry policy: the default schedule from `RetryOptions`, and a service wrapped with
 * any schedule.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../BedrockClient.js"
import type * as BedrockError from "../BedrockError.js"
import { isRetryable } from "../BedrockError.js"
import * as Telemetry from "./telemetry.js"

/** @internal */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.DurationInput | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
}

/** @internal */
export const defaultMaxAttempts = 3

/** @internal */
export const defaultBaseDelay: Duration.Duration = Duration.millis(500)

/** @internal */
export const defaultMaxDelay: Duration.Duration = Duration.seconds(20)

/**
 * Exponential backoff (`baseDelay`, doubling) with jitter (x0.5 to x1.5), capped at `maxDelay`,
 * `maxAttempts` attempts in total. `undefined` when retries are off (`false` or
 * `maxAttempts <= 1`). Which errors are retried is decided by `retryService`, not here.
 *
 * @internal
 */
export const makeSchedule = (options: RetryOptions | false | undefined): Schedule.Schedule<unknown> | undefined => {
  if (options === false) return undefined
  const maxAttempts = Math.floor(options?.maxAttempts ?? defaultMaxAttempts)
  if (!(maxAttempts > 1)) return undefined
  const maxDelay = Duration.decode(options?.maxDelay ?? defaultMaxDelay)
  return Schedule.exponential(options?.baseDelay ?? defaultBaseDelay, 2).pipe(
    Schedule.jitteredWith({ min: 0.5, max: 1.5 }),
    // The delay is the second argument: the first is the exponential output, without the jitter.
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay)),
    Schedule.intersect(Schedule.recurs(maxAttempts - 1))
  )
}

/** @internal */
export type Policy<Out> = Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false | undefined

/**
 * Wraps a service with a retry policy (a schedule, or `RetryOptions` for the default one). Only
 * retryable errors are retried, whatever the schedule; a stream only when it failed before its
 * first event, so no output is ever duplicated. A policy that never retries returns the service
 * unchanged.
 *
 * @internal
 */
export const retryService = <Out>(service: BedrockClient.Service, policy: Policy<Out>): BedrockClient.Service => {
  const base = Schedule.isSchedule(policy)
    ? policy as Schedule.Schedule<Out, BedrockError.BedrockError>
    : makeSchedule(policy as RetryOptions | false | undefined)
  if (base === undefined) return service
  const schedule = Schedule.whileInput(base, (error: BedrockError.BedrockError) => isRetryable(error))
  return {
    ...service,
    // Each retry is an event on the current span and a warning log (telemetry.ts).
    converse: (input, options) =>
      Effect.retry(service.converse(input, options), Telemetry.observeRetries(schedule, "converse", input.modelId)),
    countTokens: (input, options) =>
      Effect.retry(
        service.countTokens(input, options),
        Telemetry.observeRetries(schedule, "countTokens", input.modelId)
      ),
    converseStream: (input, options) =>
      Stream.suspend(() => {
        let started = false
        return service.converseStream(input, options).pipe(
          // Per chunk, not per event (a stream's events come in batches).
          Stream.mapChunks((chunk) => {
            // The initial response alone does not start a stream: its first event does.
            if (!started && Chunk.some(chunk, (event) => !("initialResponse" in event))) started = true
            return chunk
          }),
          Stream.retry(
            Telemetry.observeRetries(Schedule.whileInput(schedule, () => !started), "converseStream", input.modelId)
          )
        )
      })
  }
}
