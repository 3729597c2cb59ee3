/**
 * Cheaper forms of three `Stream` constructors, for the paths run once per model call.
 *
 * `Stream.unwrap` and `Stream.contextWithStream` are `Stream.flatMap` over a one-element stream:
 * a concat-map whose sub-executor forwards every pull of the whole stream. `Stream.provideService`
 * adds two more of those. The same at the channel level is plain sequencing (`Channel.unwrap`,
 * `Channel.contextWithChannel`, one `provideContext`): measured on a three-element stream, each
 * `Stream.flatMap` layer added 15-35 % to the CPU time of running it and `provideService` 85 %,
 * while these add nothing measurable (docs/benchmarks/README.md, "What was optimised").
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as EffectModule from "effect/Effect"
import * as Stream from "effect/Stream"

/**
 * `Stream.unwrap`, as channel sequencing.
 *
 * @internal
 */
export const unwrap = <A, E, R, E2, R2>(
  effect: Effect.Effect<Stream.Stream<A, E, R>, E2, R2>
): Stream.Stream<A, E | E2, R | R2> => Stream.fromChannel(Channel.unwrap(EffectModule.map(effect, Stream.toChannel)))

/**
 * `Stream.contextWithStream`, as channel sequencing.
 *
 * @internal
 */
export const contextWith = <R0, A, E, R>(
  f: (context: Context.Context<R0>) => Stream.Stream<A, E, R>
): Stream.Stream<A, E, R | R0> =>
  Stream.fromChannel(Channel.contextWithChannel((context: Context.Context<R0>) => Stream.toChannel(f(context))))

/**
 * `Stream.provideService` for a service added to a context the caller already has: one
 * `provideContext`.
 *
 * @internal
 */
export const provideServiceIn = <A, E, R, I, S>(
  self: Stream.Stream<A, E, R>,
  context: Context.Context<Exclude<R, I>>,
  tag: Context.Tag<I, S>,
  service: S
): Stream.Stream<A, E> => Stream.provideContext(self, Context.add(context, tag, service) as Context.Context<R>)
