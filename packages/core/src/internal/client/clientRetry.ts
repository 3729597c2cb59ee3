/**
 * The client's retry policy and deadline: the default schedule from `RetryOptions`, and a service
 * wrapped with any schedule, once (a new policy replaces the old one), under its deadline.
 *
 * @internal
 */
import * as RetryPolicy from "@effect-bedrock/converse/retry/policy"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"
import * as Telemetry from "../telemetry/telemetry.js"
import * as ClientCall from "./clientCall.js"

/** @internal */
export interface RetryOptions {
  readonly maxAttempts?: number | undefined
  readonly baseDelay?: Duration.DurationInput | undefined
  readonly maxDelay?: Duration.DurationInput | undefined
  readonly timeoutRetries?: number | undefined
}

/**
 * How many times an attempt that timed out (a `TransportError` of kind `"Timeout"`: no answer
 * within `connectTimeout` / `requestTimeout`) is retried by default: once. A server that never
 * answers then holds a call for two timeouts, not `maxAttempts` of them.
 *
 * @internal
 */
export const defaultTimeoutRetries = RetryPolicy.defaultRetry.timeoutRetries

const isTimeout = (error: BedrockError.BedrockError): boolean =>
  error._tag === "TransportError" && error.kind === "Timeout"

/** Continues while at most `retries` of the failures so far were timeouts. */
const timeoutBudget = (retries: number): Schedule.Schedule<number, BedrockError.BedrockError> =>
  Schedule.identity<BedrockError.BedrockError>().pipe(
    // The output of a step is the count before its input (`reduce` emits the previous state).
    Schedule.reduce(0, (timeouts, error) => isTimeout(error) ? timeouts + 1 : timeouts),
    Schedule.check((error, before) => before + (isTimeout(error) ? 1 : 0) <= retries)
  )

/** @internal */
export const defaultMaxAttempts = RetryPolicy.defaultRetry.maxAttempts

/** @internal */
export const defaultBaseDelay: Duration.Duration = Duration.millis(RetryPolicy.defaultRetry.baseDelayMs)

/** @internal */
export const defaultMaxDelay: Duration.Duration = Duration.millis(RetryPolicy.defaultRetry.maxDelayMs)

/**
 * Exponential backoff (`baseDelay`, doubling) with jitter (x0.5 to x1.5), capped at `maxDelay`
 * (the engine's `retry/policy.ts` holds the defaults and says the same as `backoffMs`),
 * `maxAttempts` attempts in total, of which at most `timeoutRetries` retries of timed-out attempts. `undefined` when retries are off (`false` or
 * `maxAttempts <= 1`). Which errors are retried is decided by `retryService`, not here.
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
    Schedule.jitteredWith({ min: RetryPolicy.defaultRetry.jitterMin, max: RetryPolicy.defaultRetry.jitterMax }),
    // The delay is the second argument: the first is the exponential output, without the jitter.
    Schedule.modifyDelay((_, delay) => Duration.min(delay, maxDelay)),
    Schedule.intersect(Schedule.recurs(maxAttempts - 1)),
    Schedule.intersect(timeoutBudget(Math.floor(options?.timeoutRetries ?? defaultTimeoutRetries)))
  )
}

/** @internal */
export type Policy<Out> = Schedule.Schedule<Out, BedrockError.BedrockError> | RetryOptions | false | undefined

/**
 * What a service returned by `withRetry` (or built by `BedrockClient.make`) was made of: the service
 * without any retry (`base`), the policy applied over it, the call deadline applied over both, and how
 * the client prints. `retryService` and `BedrockRateLimiter` read it, so that retry is applied once,
 * outermost: a new policy replaces the old one instead of nesting inside it.
 */
/** @internal */
export interface Assembly {
  readonly base: BedrockClient.Service
  readonly policy: Policy<unknown>
  readonly deadline: Duration.DurationInput | undefined
  readonly description: Record<string, unknown> | undefined
}

const assemblies = new WeakMap<BedrockClient.Service, Assembly>()

/**
 * What `service` was assembled from: its unretried base, its retry policy and its deadline (`{ base:
 * service }` for a service that `assemble` did not make).
 *
 * @internal
 */
export const unretried = (service: BedrockClient.Service): {
  readonly base: BedrockClient.Service
  readonly policy: Policy<unknown>
  readonly deadline: Duration.DurationInput | undefined
} => assemblies.get(service) ?? { base: service, policy: undefined, deadline: undefined }

const describePolicy = (policy: Policy<unknown>): unknown => Schedule.isSchedule(policy) ? "Schedule" : policy ?? {}

/**
 * `base` with `policy` applied once, then `deadline` over it (see `withDeadline`), printable as
 * `description` (with its `retry` field set to the policy) when one is given. The result is remembered,
 * so that `retryService` and `BedrockRateLimiter` can take it apart again.
 *
 * @internal
 */
export const assemble = (
  base: BedrockClient.Service,
  policy: Policy<unknown>,
  deadline: Duration.DurationInput | undefined,
  description?: Record<string, unknown>
): BedrockClient.Service => {
  // `base` itself when the policy never retries and there is no deadline.
  const service = withDeadline(applyPolicy(base, policy), deadline)
  if (description !== undefined) ClientCall.printable(service, { ...description, retry: describePolicy(policy) })
  assemblies.set(service, { base, policy, deadline, description })
  return service
}

/**
 * Records what a service that forwards to others was assembled from, without wrapping it: `BedrockClientSwap`
 * forwards each call to its current client (retried by that client's own policy), and registers a base that
 * forwards to the current client's unretried base, with the current client's policy and deadline (read
 * through getters, so a swap shows). `retryService` and `BedrockRateLimiter` then build over that base,
 * once, instead of nesting their retry around the clients' own.
 *
 * @internal
 */
export const register = (service: BedrockClient.Service, assembly: Assembly): BedrockClient.Service => {
  assemblies.set(service, assembly)
  return service
}

/**
 * Wraps a service with a retry policy (a schedule, or `RetryOptions` for the default one), replacing
 * the policy it was built or wrapped with: the new policy applies to the service's unretried base, once,
 * and the call deadline (if any) stays outermost. Only retryable errors are retried, whatever the
 * schedule; a stream only when it failed before its first event, so no output is ever duplicated.
 *
 * @internal
 */
export const retryService = <Out>(service: BedrockClient.Service, policy: Policy<Out>): BedrockClient.Service => {
  const known = assemblies.get(service)
  return known === undefined
    ? assemble(service, policy, undefined)
    : assemble(known.base, policy, known.deadline, known.description)
}

/** `service` with `policy` applied (unchanged when the policy never retries). */
const applyPolicy = <Out>(service: BedrockClient.Service, policy: Policy<Out>): BedrockClient.Service => {
  const base = Schedule.isSchedule(policy)
    ? policy as Schedule.Schedule<Out, BedrockError.BedrockError>
    : makeSchedule(policy as RetryOptions | false | undefined)
  if (base === undefined) return service
  // The engine's rule: retryable as classified, and a stream only before its first event.
  const schedule = Schedule.whileInput(base, (error: BedrockError.BedrockError) => RetryPolicy.retryable(error, false))
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
            Telemetry.observeRetries(
              Schedule.whileInput(base, (error: BedrockError.BedrockError) => RetryPolicy.retryable(error, started)),
              "converseStream",
              input.modelId
            )
          )
        )
      })
  }
}

// =============================================================================
// Deadline
// =============================================================================

const deadlineError = (operation: string, deadlineMillis: number): BedrockError.BedrockError =>
  new BedrockError.TransportError({
    message: `No answer within the call's deadline of ${deadlineMillis} ms, every attempt and retry delay ` +
      "included (BedrockClient option deadline)",
    kind: "Timeout",
    position: "request",
    operation,
    // The time is up: another attempt would break the deadline too.
    retryable: false
  }, { disableValidation: true })

/**
 * A stream whose attempts must produce their first event within `deadlineMillis` of the call's
 * start; after it, the stream's idle timeout (`requestTimeout`) applies alone.
 */
const streamWithDeadline = (
  stream: Stream.Stream<BedrockClient.StreamEvent, BedrockError.BedrockError>,
  deadlineMillis: number
): Stream.Stream<BedrockClient.StreamEvent, BedrockError.BedrockError> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const pull = yield* Stream.toPull(stream)
    let started = false
    const expired = Option.some(deadlineError("converseStream", deadlineMillis))
    const next = Effect.suspend(() => {
      if (started) return pull
      return Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const left = deadlineMillis - (now - start)
        if (left <= 0) return Effect.fail(expired)
        return Effect.map(
          Effect.timeoutFail(pull, { duration: Duration.millis(left), onTimeout: () => expired }),
          (chunk) => {
            // The initial response alone does not start a stream: its first event does.
            if (Chunk.some(chunk, (event) => !("initialResponse" in event))) started = true
            return chunk
          }
        )
      })
    })
    return Stream.repeatEffectChunkOption(next)
  }))

/**
 * Bounds each call by `deadline`, all its attempts and retry delays included: `converse` and
 * `countTokens` as a whole, `converseStream` until its first event. When it passes, the call fails
 * with a `TransportError` of kind `"Timeout"`, not retryable. `undefined`: no deadline.
 *
 * @internal
 */
export const withDeadline = (
  service: BedrockClient.Service,
  deadline: Duration.DurationInput | undefined
): BedrockClient.Service => {
  if (deadline === undefined) return service
  const decoded = Duration.decode(deadline)
  if (!Duration.isFinite(decoded)) return service
  const millis = Duration.toMillis(decoded)
  const bound = <A>(effect: Effect.Effect<A, BedrockError.BedrockError>, operation: string) =>
    Effect.timeoutFail(effect, { duration: decoded, onTimeout: () => deadlineError(operation, millis) })
  return {
    ...service,
    converse: (input, options) => bound(service.converse(input, options), "converse"),
    countTokens: (input, options) => bound(service.countTokens(input, options), "countTokens"),
    converseStream: (input, options) => streamWithDeadline(service.converseStream(input, options), millis)
  }
}
