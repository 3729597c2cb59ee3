/**
 * A submitted job's handle over the engine (`@effect-bedrock/converse/batch/job`: the state checked, what an
 * ended state means, the output files listed, read and decoded, the cost at batch prices). What is Effect's
 * here: polling on a `Schedule`, the `Stream` of changes and of results, and the errors as classes.
 *
 * @internal
 */
import { type FailureOf, failureOf } from "@effect-bedrock/converse/batch/failure"
import * as Engine from "@effect-bedrock/converse/batch/job"
import type * as Output from "@effect-bedrock/converse/batch/output"
import type { Clients } from "@effect-bedrock/converse/batch/sdk"
import type { Prices } from "@effect-bedrock/converse/pricing/cost"
import type * as Response from "@effect-bedrock/converse/response/types"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as Errors from "../../BedrockBatchError.js"
import { call, type CallKind, toError } from "./sdk.js"

/** @internal */
export type Result =
  | { readonly _tag: "Success"; readonly recordId: string; readonly response: Response.Response }
  | { readonly _tag: "Failure"; readonly recordId: string; readonly error: Output.RecordError }

/** @internal */
export const getState = (clients: Clients, jobArn: string): Effect.Effect<Engine.JobState, Errors.CallError> =>
  call("GetModelInvocationJob", (signal) => Engine.getState(clients, jobArn, signal))

/** @internal */
export const stop = (clients: Clients, jobArn: string): Effect.Effect<void, Errors.CallError> =>
  call("StopModelInvocationJob", (signal) => Engine.stop(clients, jobArn, signal))

/** @internal */
export const attach = (
  clients: Clients,
  jobArn: string,
  unwrap: Iterable<string> | undefined
): Effect.Effect<Engine.JobInfo, Errors.CallError> =>
  call("GetModelInvocationJob", (signal) => Engine.attach(clients, jobArn, unwrap, signal))

/**
 * The job's state each time the schedule fires, only when it changed, until it ends (the last state included).
 *
 * @internal
 */
export const changes = <Out, R>(
  clients: Clients,
  jobArn: string,
  schedule: Schedule.Schedule<Out, unknown, never, R>
): Stream.Stream<Engine.JobState, Errors.CallError, R> =>
  Stream.fromEffectSchedule(getState(clients, jobArn), schedule).pipe(
    Stream.changesWith(Engine.sameState),
    Stream.takeUntil(Engine.isTerminal)
  )

/**
 * Waits for the job's end, polling on `schedule`; `onChange` sees every new state.
 *
 * @internal
 */
export const awaitEnd = <Out, R, R2>(
  clients: Clients,
  jobArn: string,
  schedule: Schedule.Schedule<Out, unknown, never, R>,
  onChange: ((state: Engine.JobState) => Effect.Effect<void, never, R2>) | undefined
): Effect.Effect<Engine.JobState, Errors.CallError | Errors.BatchJobError | Errors.BatchRecordsFailedError, R | R2> =>
  changes(clients, jobArn, schedule).pipe(
    Stream.tap((state) => onChange === undefined ? Effect.void : onChange(state)),
    Stream.runLast,
    // The schedule ended before the job did: its last state decides.
    Effect.flatMap(Option.match({ onNone: () => getState(clients, jobArn), onSome: Effect.succeed })),
    Effect.flatMap((state) => {
      const failure = Engine.isTerminal(state) ? Engine.outcome(jobArn, state) : undefined
      return failure === undefined ? Effect.succeed(state) : Effect.fail(toError(failure))
    })
  )

/**
 * Every record's result, file by file; each response priced at batch prices.
 *
 * @internal
 */
export const results = (
  clients: Clients,
  info: Engine.JobInfo,
  prices: Effect.Effect<Prices>,
  region: string | undefined
): Stream.Stream<Result, Errors.CallError> =>
  Stream.unwrap(Effect.gen(function*() {
    const service = yield* prices
    const controller = new AbortController()
    yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
    const batches = Engine.results(clients, info, Engine.batchPricer(service, info.modelId, region), controller.signal)
    return Stream.fromAsyncIterable(batches, (error) => toError(failureOfCall(error)))
  })).pipe(Stream.flattenIterable)

const failureOfCall = (error: unknown) => failureOf(error, "GetObject") as FailureOf<CallKind>

/** @internal */
export const manifest = (clients: Clients, info: Engine.JobInfo): Effect.Effect<Output.Manifest, Errors.CallError> =>
  call("GetObject", (signal) => Engine.manifest(clients, info, signal))
