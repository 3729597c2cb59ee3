/**
 * Channel-level forms of `Stream.contextWithStream` and `Stream.provideService` for the paths run
 * once per `streamText` call, as in `@effect-bedrock/core` (its `internal/streams.ts`, measured in
 * docs/benchmarks/README.md): the `Stream` forms are concat-maps whose sub-executor forwards every
 * pull of the whole stream; these are plain sequencing.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import * as Context from "effect/Context"
import * as Stream from "effect/Stream"

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
