/**
 * The client's retry policy as data: the defaults (3 attempts, 500 ms doubling to at most 20 s, jitter
 * x0.5 to x1.5, a timed-out attempt retried once), the backoff before each retry, and which failures a
 * retry may repeat. `@effect-bedrock/core` builds its retry `Schedule` from these numbers.
 *
 * @since 0.1.0
 */

/**
 * A retry policy in milliseconds: `maxAttempts` in total (the first included), exponential backoff from
 * `baseDelayMs` (doubling per retry) times a random factor in `[jitterMin, jitterMax)`, capped at
 * `maxDelayMs`, and at most `timeoutRetries` retries of attempts that timed out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly timeoutRetries: number
  readonly jitterMin: number
  readonly jitterMax: number
}

/**
 * The default policy. A server that never answers holds a call for two timeouts (`timeoutRetries: 1`),
 * not `maxAttempts` of them.
 *
 * @since 0.1.0
 * @category Defaults
 */
export const defaultRetry: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  timeoutRetries: 1,
  jitterMin: 0.5,
  jitterMax: 1.5
}

/**
 * The delay before retry number `retry` (1 for the first retry): `baseDelayMs * 2^(retry - 1)` times the
 * jitter factor, capped at `maxDelayMs`. `random` returns a number in `[0, 1)` (`Math.random` by default).
 *
 * @since 0.1.0
 * @category Backoff
 */
export const backoffMs = (retry: number, policy: RetryPolicy = defaultRetry, random: () => number = Math.random) => {
  const exponential = policy.baseDelayMs * Math.pow(2, Math.max(0, retry - 1))
  const jitter = policy.jitterMin + (policy.jitterMax - policy.jitterMin) * random()
  return Math.min(exponential * jitter, policy.maxDelayMs)
}

/**
 * Whether a failure may be retried: it says so (`retryable`, as classified: a retryable exception or
 * transport fault that did not end a stream after delivered output), and, for a stream, the stream has
 * not started yet (no event delivered), so a retry never repeats output.
 *
 * @since 0.1.0
 * @category Rules
 */
export const retryable = (failure: { readonly retryable?: boolean | undefined }, streamStarted: boolean): boolean =>
  failure.retryable === true && !streamStarted
