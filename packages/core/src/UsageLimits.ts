/**
 * Budgets for model calls, in the spirit of pydantic-ai's `UsageLimits`: caps
 * on requests, input, output and total tokens, and cost, for every Bedrock
 * call made inside an effect (a tool loop, a whole job). A request that would
 * break a cap fails with `UsageLimitExceededError` before it is sent where
 * that can be told in advance (the request count; tokens and cost from the
 * least a request uses, or from counting its tokens first with
 * `countTokensBeforeRequest`), and otherwise right after the response that
 * broke it. Nested scopes each keep their own caps, and every call counts
 * against all of them.
 *
 * @example
 * ```ts
 * import { Toolkit, UsageLimits } from "@effect-bedrock/core"
 *
 * declare const toolkit: Toolkit.Toolkit<never>
 *
 * const capped = Toolkit.generate(toolkit, { prompt: "Plan my trip" }).pipe(
 *   UsageLimits.withUsageLimits({ requests: 5, totalTokens: 20_000, cost: 0.25 })
 * )
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as UsageBudget from "./internal/limits/usageBudget.js"

/**
 * Caps for the calls made inside a scope. `cost` is in `currency` (default
 * `"USD"`); with a cost cap, a call whose price is not known fails before it
 * is sent, since the cap could not be kept.
 *
 * @since 0.1.0
 * @category Models
 */
export interface UsageLimits {
  /** Model requests (`generate` and `stream` calls; `countTokens` is free and not counted). */
  readonly requests?: number | undefined
  /** Input tokens, cached ones included. */
  readonly inputTokens?: number | undefined
  readonly outputTokens?: number | undefined
  readonly totalTokens?: number | undefined
  readonly cost?: number | undefined
  readonly currency?: string | undefined
  /**
   * Count each request's input tokens (Bedrock's CountTokens, which is free)
   * before sending it, so the input, total and cost caps fail before the
   * request that would break them instead of right after it.
   */
  readonly countTokensBeforeRequest?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export type Limit = "requests" | "inputTokens" | "outputTokens" | "totalTokens" | "cost"

/**
 * A cap was reached: `position` says whether the request was stopped before
 * it was sent (`beforeRequest`) or the response that broke it came back
 * (`afterResponse`, its usage is counted). `value` is what the total would be
 * or is; it is absent when a cost cannot be known.
 *
 * @since 0.1.0
 * @category Errors
 */
export class UsageLimitExceededError extends Schema.TaggedError<UsageLimitExceededError>(
  "@effect-bedrock/core/UsageLimits/UsageLimitExceededError"
)("UsageLimitExceededError", {
  limit: Schema.Literal("requests", "inputTokens", "outputTokens", "totalTokens", "cost"),
  max: Schema.Number,
  value: Schema.optional(Schema.Number),
  position: Schema.Literal("beforeRequest", "afterResponse"),
  message: Schema.String,
  retryable: Schema.optionalWith(Schema.Literal(false), { default: () => false as const })
}) {}

/**
 * Runs an effect with usage caps on every Bedrock call inside it.
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withUsageLimits: {
  (limits: UsageLimits): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, limits: UsageLimits): Effect.Effect<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, limits: UsageLimits): Effect.Effect<A, E, R> =>
    Effect.flatMap(
      Effect.serviceOption(UsageBudget.CurrentBudget),
      (parent) =>
        Effect.provideService(
          self,
          UsageBudget.CurrentBudget,
          new UsageBudget.Budget(limits, Option.getOrUndefined(parent))
        )
    )
)

/**
 * `withUsageLimits` for a stream: the caps hold for every call made while the
 * stream runs (each run starts with a fresh budget).
 *
 * @since 0.1.0
 * @category Combinators
 */
export const withUsageLimitsStream: {
  (limits: UsageLimits): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R>
  <A, E, R>(self: Stream.Stream<A, E, R>, limits: UsageLimits): Stream.Stream<A, E, R>
} = dual(
  2,
  <A, E, R>(self: Stream.Stream<A, E, R>, limits: UsageLimits): Stream.Stream<A, E, R> =>
    Stream.unwrap(Effect.map(
      Effect.serviceOption(UsageBudget.CurrentBudget),
      (parent) =>
        Stream.provideService(
          self,
          UsageBudget.CurrentBudget,
          new UsageBudget.Budget(limits, Option.getOrUndefined(parent))
        )
    ))
)
