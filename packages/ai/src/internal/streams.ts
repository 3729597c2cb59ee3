/**
 * A channel-level form of `Stream.contextWithStream` for the path run once per `streamText` call,
 * as in `@effect-bedrock/core` (its `internal/streams.ts`, measured in docs/benchmarks/README.md):
 * the `Stream` form is a concat-map whose sub-executor forwards every pull of the whole stream;
 * this is plain sequencing.
 *
 * @internal
 */
import * as Channel from "effect/Channel"
import type * as Context from "effect/Context"
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
