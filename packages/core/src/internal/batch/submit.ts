/**
 * `BedrockBatch.submit` over the engine's `Submission` (`@effect-bedrock/converse/batch/submit`: the options
 * checked, records made, ids given, files cut by Bedrock's limits and uploaded, the job created, and the
 * cleanup when a submission fails before its job exists). What is Effect's here: reading the requests (an array,
 * or a `Stream` read once), fetching files given by URL as `generate` fetches them, logging the mapping's
 * warnings, and the cleanup on any failure or interruption.
 *
 * @internal
 */
import type { Clients } from "@effect-bedrock/converse/batch/sdk"
import * as Engine from "@effect-bedrock/converse/batch/submit"
import type * as Prepare from "@effect-bedrock/converse/prepare/prepare"
import type { Request } from "@effect-bedrock/converse/request/types"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as Errors from "../../BedrockBatchError.js"
import * as LanguageModel from "../../LanguageModel.js"
import * as Prompt from "../../Prompt.js"
import { call, toError } from "./sdk.js"

/** @internal */
export interface SubmitOptions<E> extends Engine.SubmitOptions {
  readonly requests: Iterable<unknown> | Stream.Stream<unknown, E>
}

type Prepared = Prepare.Prepared<Request<object>>

/** A prepared record's files by URL, fetched with `generate`'s guards. */
const download = (
  prepared: Prepared,
  index: number
): Effect.Effect<Prepared, LanguageModel.InvalidRequestError | LanguageModel.LanguageModelError> =>
  Effect.tryPromise({
    try: () => import("../languageModel/fileDownload.js"),
    catch: (cause) =>
      new LanguageModel.InvalidRequestError({
        message: "Files given by URL cannot be downloaded: the download module did not load",
        operation: "submit",
        field: `requests[${index}].prompt`,
        cause
      })
  }).pipe(
    Effect.flatMap((module) => module.resolveUrls(Prompt.make(prepared.request.prompt as Prompt.Input), "submit")),
    Effect.mapError((error) =>
      error._tag === "InvalidRequestError"
        ? error
        : new LanguageModel.InvalidRequestError({
          message: `requests[${index}].prompt: ${error.message}`,
          operation: "submit",
          field: `requests[${index}].prompt`
        })
    ),
    Effect.map((prompt) => ({ ...prepared, request: { ...prepared.request, prompt }, hasDownloads: false }))
  )

/**
 * Submits a job.
 *
 * @internal
 */
export const submit = <E>(
  clients: Clients,
  options: SubmitOptions<E>
): Effect.Effect<
  Engine.Submitted,
  Errors.CallError | Errors.BatchLimitError | LanguageModel.InvalidRequestError | LanguageModel.LanguageModelError | E
> =>
  Effect.suspend(() => {
    const started = Engine.Submission.start(clients, options)
    if (!started.ok) return Effect.fail(toError(started.failure) as Errors.CallError)
    const submission = started.value

    const add = (request: unknown) => {
      const at = submission.next()
      const prepared = submission.prepare(request, at)
      if (!prepared.ok) return Effect.fail(toError(prepared.failure) as LanguageModel.InvalidRequestError)
      const ready = prepared.value.hasDownloads ? download(prepared.value, at) : Effect.succeed(prepared.value)
      return Effect.flatMap(ready, (input) => {
        const added = submission.add(request, input, at)
        if (!added.ok) return Effect.fail(toError(added.failure) as LanguageModel.InvalidRequestError)
        return added.value === undefined
          ? Effect.void
          : Effect.forEach(added.value, (warning) => Effect.logWarning(warning), { discard: true })
      })
    }
    const flush = (final: boolean) =>
      call<void, "s3" | "validation" | "limit">("submit", (signal) => submission.flush(final, signal))

    const requests = options.requests
    const upload = typeof requests === "object" && requests !== null && Stream.StreamTypeId in requests
      ? Effect.zipRight(
        Stream.runForEachChunk(requests as Stream.Stream<unknown, E>, (chunk) =>
          Effect.forEach(
            Chunk.toReadonlyArray(chunk),
            (request) =>
              Effect.zipRight(add(request), Effect.suspend(() => submission.pending ? flush(false) : Effect.void)),
            { discard: true }
          )),
        flush(true)
      )
      // An array: everything checked before the first byte leaves.
      : Effect.zipRight(Effect.forEach(requests as Iterable<unknown>, add, { discard: true }), flush(true))

    return upload.pipe(
      Effect.onError(() => Effect.promise(() => submission.cleanup())),
      Effect.zipRight(call("CreateModelInvocationJob", (signal) => submission.create(signal)))
    )
  })
