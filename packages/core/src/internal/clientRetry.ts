/**
 * The client's retry policy.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type * as BedrockError from "../BedrockError.js"
import { isRetryable } from "../BedrockError.js"

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
 * `maxAttempts` attempts in total, only while the error is retryable. `undefined` when retries
 * are off (`false` or `maxAttempts <= 1`).
 *
 * @internal
 */
export const makeSchedule = (
  options: RetryOptions | false | undefined
): Schedule.Schedule<unknown, BedrockError.BedrockError> | undefined => {
  if (options === false) return undefined
  const maxAttempts = Math.floor(options?.maxAttempts ?? defaultMaxAttempts)
  if (!(maxAttempts > 1)) return undefined
  const maxDelay = Duration.decode(options?.maxDelay ?? defaultMaxDelay)
  return Schedule.exponential(options?.baseDelay ?? defaultBaseDelay, 2).pipe(
    Schedule.jitteredWith({ min: 0.5, max: 1.5 }),
    Schedule.modifyDelay((delay) => Duration.min(delay, maxDelay)),
    Schedule.intersect(Schedule.recurs(maxAttempts - 1)),
    Schedule.whileInput((error: BedrockError.BedrockError) => isRetryable(error))
  )
}
