/**
 * `BedrockBatch.submit` over the engine's `Submission` (`@effect-bedrock/converse/batch/submit`: the options
 * checked, records made, ids given, files cut by Bedrock's limits and uploaded, the job created, and the
 * cleanup when a submission fails before its job exists). What is Effect's here: reading the requests (an array,
 * or a `Stream` read once), logging the mapping's warnings, and the cleanup on any failure or interruption.
 * Files given by URL are refused (the engine's `mapRecord`): give their bytes or an s3:// location.
 *
 * @internal
 */
import type { Clients } from "@effect-bedrock/converse/batch/sdk"
import * as Engine from "@effect-bedrock/converse/batch/submit"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Errors from "../../BedrockBatchError.js"
import { call, toError } from "./sdk.js"

/** @internal */
export interface SubmitOptions<E> extends Engine.SubmitOptions {
  readonly requests: Iterable<unknown> | Stream.Stream<unknown, E>
}

/**
 * Submits a job.
 *
 * @internal
 */
export const submit = <E>(
  clients: Clients,
  options: SubmitOptions<E>
): Effect.Effect<Engine.Submitted, Errors.CallError | Errors.BatchLimitError | Errors.BatchInvalidRequestError | E> =>
  Effect.suspend(() => {
    const started = Engine.Submission.start(clients, options)
    if (!started.ok) return Effect.fail(toError(started.failure) as Errors.CallError)
    const submission = started.value

    const add = (request: unknown): Effect.Effect<void, Errors.BatchInvalidRequestError | Errors.BatchLimitError> => {
      const at = submission.next()
      const prepared = submission.prepare(request, at)
      const added = prepared.ok ? submission.add(request, prepared.value, at) : prepared
      if (!added.ok) return Effect.fail(toError(added.failure) as Errors.BatchInvalidRequestError)
      return added.value === undefined
        ? Effect.void
        : Effect.forEach(added.value, (warning) => Effect.logWarning(warning), { discard: true })
    }
    const flush = (final: boolean) =>
      call<void, "s3" | "validation" | "limit">("submit", (signal) => submission.flush(final, signal))

    const requests = options.requests
    const upload = Stream.isStream(requests)
      ? Effect.andThen(
        Stream.runForEachArray(requests as Stream.Stream<unknown, E>, (chunk) =>
          Effect.forEach(
            chunk,
            (request) =>
              Effect.andThen(add(request), Effect.suspend(() => submission.pending ? flush(false) : Effect.void)),
            { discard: true }
          )),
        flush(true)
      )
      // An array: everything checked before the first byte leaves.
      : Effect.andThen(Effect.forEach(requests as Iterable<unknown>, add, { discard: true }), flush(true))

    return upload.pipe(
      Effect.onError(() => Effect.promise(() => submission.cleanup())),
      Effect.andThen(call("CreateModelInvocationJob", (signal) => submission.create(signal)))
    )
  })
