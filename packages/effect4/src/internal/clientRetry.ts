/**
 * The client's retry policy and deadline, as `@effect-bedrock/core` has them: the default schedule built from
 * the engine's policy (`@effect-bedrock/converse/retry/policy`: its numbers, its `backoffMs`, its rule of which
 * failures may be retried), a service wrapped with any schedule once (a new policy replaces the old one instead
 * of nesting), and the call deadline over it all.
 *
 * @internal
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import * as RetryPolicy from "@effect-bedrock/converse/retry/policy"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../BedrockClient.js"
import * as BedrockError from "../BedrockError.js"

/**
 * The default policy's settings: `maxAttempts` in total, `baseDelay` doubling up to `maxDelay` (jitter x0.5 to
 * x1.5), and at most `timeoutRetries` retries of attempts that timed out.
 *
 * @internal
 */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.Input | undefined
  readonly maxDelay?: Duration.Input | undefined
  readonly timeoutRetries?: number | undefined
}

/** @internal */
export type Policy =
  | Schedule.Schedule<unknown, BedrockError.BedrockError>
  | RetryOptions
  | false
  | undefined

const isTimeout = (error: BedrockError.BedrockError): boolean =>
  error._tag === "TransportError" && error.kind === "Timeout"

const millisOf = (input: Duration.Input | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(Duration.fromInputUnsafe(input))

/**
 * The engine's default policy as a `Schedule`, with `options` over its numbers: the delay before retry `n` is
 * the engine's `backoffMs(n)` (its random factor from Effect's `Random`, so `TestRandom` fixes it), at most
 * `maxAttempts - 1` retries, of which at most `timeoutRetries` after a timed-out attempt. `undefined` when it
 * never retries (`false`, or `maxAttempts <= 1`). Which failures are retried is decided by `applyPolicy`.
 *
 * @internal
 */
export const makeSchedule = (
  options: RetryOptions | false | undefined
): Schedule.Schedule<number, BedrockError.BedrockError> | undefined => {
  if (options === false) return undefined
  const defaults = RetryPolicy.defaultRetry
  const maxAttempts = Math.floor(options?.maxAttempts ?? defaults.maxAttempts)
  if (!(maxAttempts > 1)) return undefined
  const policy: RetryPolicy.RetryPolicy = {
    ...defaults,
    maxAttempts,
    baseDelayMs: millisOf(options?.baseDelay, defaults.baseDelayMs),
    maxDelayMs: millisOf(options?.maxDelay, defaults.maxDelayMs),
    timeoutRetries: Math.floor(options?.timeoutRetries ?? defaults.timeoutRetries)
  }
  return Schedule.fromStepWithMetadata(Effect.sync(() => {
    // Per run of the schedule: one retried call.
    let timeouts = 0
    return (meta: Schedule.InputMetadata<BedrockError.BedrockError>) => {
      // `attempt` is 1 after the first failure: the retry about to be made.
      const retry = meta.attempt
      if (retry >= policy.maxAttempts) return Cause.done(retry)
      if (isTimeout(meta.input) && ++timeouts > policy.timeoutRetries) return Cause.done(retry)
      return Effect.map(
        Random.next,
        (random) =>
          [retry, Duration.millis(RetryPolicy.backoffMs(retry, policy, () => random))] as [number, Duration.Duration]
      )
    }
  }))
}

/**
 * What a service made by `assemble` was made of: the service without any retry (`base`), the policy applied
 * over it and the call deadline over both. `retryService` and `BedrockRateLimiter` read it, so that retry is
 * applied once, outermost.
 *
 * @internal
 */
export interface Assembly {
  readonly base: BedrockClient.Service
  readonly policy: Policy
  readonly deadline: Duration.Input | undefined
}

const assemblies = new WeakMap<BedrockClient.Service, Assembly>()

/**
 * What `service` was assembled from (`{ base: service }` for a service that `assemble` did not make).
 *
 * @internal
 */
export const unretried = (service: BedrockClient.Service): Assembly =>
  assemblies.get(service) ?? { base: service, policy: undefined, deadline: undefined }

/**
 * `base` with `policy` applied once, then `deadline` over it; remembered, so that `retryService` and
 * `BedrockRateLimiter` can take it apart again.
 *
 * @internal
 */
export const assemble = (
  base: BedrockClient.Service,
  policy: Policy,
  deadline: Duration.Input | undefined
): BedrockClient.Service => {
  const service = withDeadline(applyPolicy(base, policy), deadline)
  // A service that neither retries nor has a deadline is `base` itself: nothing to remember.
  if (service !== base) assemblies.set(service, { base, policy, deadline })
  return service
}

/**
 * `service` with `policy` in place of the one it was built or wrapped with: applied to its unretried base,
 * once, under its deadline.
 *
 * @internal
 */
export const retryService = (service: BedrockClient.Service, policy: Policy): BedrockClient.Service => {
  const known = unretried(service)
  return assemble(known.base, policy, known.deadline)
}

/**
 * `service` with `policy` applied: only failures the engine's rule says may be retried (`retryable` as
 * classified, and for a stream only before its first event), whatever the schedule.
 */
const applyPolicy = (service: BedrockClient.Service, policy: Policy): BedrockClient.Service => {
  const schedule = Schedule.isSchedule(policy)
    ? policy as Schedule.Schedule<unknown, BedrockError.BedrockError>
    : makeSchedule(policy as RetryOptions | false | undefined)
  if (schedule === undefined) return service
  const retrying = (started: () => boolean) =>
    Schedule.while(schedule, ({ input }) => RetryPolicy.retryable(input, started()))
  const never = () => false
  return {
    ...service,
    // Every attempt gets the call's options: its headers, its `onResponse`.
    converse: (input, options) => Effect.retry(service.converse(input, options), retrying(never)),
    countTokens: (input, options) => Effect.retry(service.countTokens(input, options), retrying(never)),
    converseStream: (input, options) =>
      Stream.suspend(() => {
        let started = false
        return service.converseStream(input, options).pipe(
          // Per batch of events, not per event.
          Stream.mapArray((events) => {
            started = true
            return events
          }),
          Stream.retry(retrying(() => started))
        )
      })
  }
}

// =============================================================================
// Deadline
// =============================================================================

const deadlineError = (operation: string, millis: number): BedrockError.BedrockError =>
  new BedrockError.TransportError({
    message: `No answer within the call's deadline of ${millis} ms, every attempt and retry delay included ` +
      "(BedrockClient option deadline)",
    kind: "Timeout",
    position: "request",
    operation,
    // The time is up: another attempt would break the deadline too.
    retryable: false
  })

/** A stream whose attempts must deliver their first event within `millis` of the call's start. */
const streamWithDeadline = (
  stream: Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>,
  millis: number
): Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError> =>
  Stream.unwrap(Effect.gen(function*() {
    const start = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    const pull = yield* Stream.toPull(stream)
    let started = false
    const next = Effect.suspend(() => {
      if (started) return pull
      return Effect.flatMap(Effect.clockWith((clock) => clock.currentTimeMillis), (now) => {
        const left = millis - (now - start)
        if (left <= 0) return Effect.fail(deadlineError("converseStream", millis))
        return Effect.timeoutOrElse(pull, {
          duration: Duration.millis(left),
          orElse: () => Effect.fail(deadlineError("converseStream", millis))
        }).pipe(Effect.map((events) => {
          started = true
          return events
        }))
      })
    })
    return Stream.fromPull(Effect.succeed(next))
  }))

/**
 * Bounds each call by `deadline`, all its attempts and retry delays included: `converse` and `countTokens` as a
 * whole, `converseStream` until its first event. When it passes, the call fails with a `TransportError` of kind
 * `"Timeout"`, not retryable. `undefined` (or an infinite duration): no deadline.
 *
 * @internal
 */
export const withDeadline = (
  service: BedrockClient.Service,
  deadline: Duration.Input | undefined
): BedrockClient.Service => {
  if (deadline === undefined) return service
  const decoded = Duration.fromInputUnsafe(deadline)
  if (!Duration.isFinite(decoded)) return service
  const millis = Duration.toMillis(decoded)
  const bound = <A>(effect: Effect.Effect<A, BedrockError.BedrockError>, operation: string) =>
    Effect.timeoutOrElse(effect, { duration: decoded, orElse: () => Effect.fail(deadlineError(operation, millis)) })
  return {
    ...service,
    converse: (input, options) => bound(service.converse(input, options), "converse"),
    countTokens: (input, options) => bound(service.countTokens(input, options), "countTokens"),
    converseStream: (input, options) => streamWithDeadline(service.converseStream(input, options), millis)
  }
}
