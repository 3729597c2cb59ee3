/**
 * Cassettes for Effect 4: Bedrock traffic recorded once (with `BedrockClient`'s `record` option, or this module
 * in `record` mode) and replayed by the local Bedrock in every test run, through the real SDK and the real wire
 * protocol: the recorded status, headers (request ids included), JSON bodies and event-stream frames, byte for
 * byte. The same cassettes, modes and rules as `@effect-bedrock/local`'s Effect 3 `LocalBedrock.cassette`: the
 * rules are the engine's (`@effect-bedrock/converse/cassette/session`), the replay and its report the local
 * Bedrock's (`LocalBedrockServer.start({ cassette })`, `cassetteReport()`). See docs/testing.md.
 *
 * Modes, as VCR users know them:
 *
 * - `replay` (the default, and always in CI unless `BEDROCK_CASSETTE_MODE` says otherwise): answers come from
 *   the cassette; nothing touches the network. A request with no recorded match fails with a
 *   `CassetteMismatchException` (an `UnknownBedrockError` of the client) showing the diff against the closest
 *   recorded request.
 * - `record`: every request goes to Bedrock (the client's options, else the AWS SDK's defaults from the
 *   environment) and the cassette is rewritten with what happened.
 * - `once`: what the cassette has is replayed; what it lacks goes to Bedrock and is added to it.
 *
 * The mode is `options.mode`, unless the environment variable `BEDROCK_CASSETTE_MODE` says another one, so
 * re-recording a suite is `BEDROCK_CASSETTE_MODE=record npm test`. With `CI` set and no variable, the mode is
 * `replay` whatever the option says.
 *
 * When the layer's scope closes, requests that matched nothing fail it (a defect carrying a
 * `CassetteMismatchError`), and so do interactions never played with `strict: true` (`CassetteUnplayedError`);
 * `verify` checks the same at any time as a typed failure. Needs `@effect-bedrock/local` installed (a dev
 * dependency of your tests).
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/effect4"
 * import { LocalBedrockCassette } from "@effect-bedrock/effect4/testing"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* BedrockClient.BedrockClient
 *   const output = yield* client.converse({
 *     modelId: "us.amazon.nova-micro-v1:0",
 *     messages: [{ role: "user", content: [{ text: "Write a haiku about the sea." }] }]
 *   })
 *   const report = yield* (yield* LocalBedrockCassette.LocalBedrockCassette).report
 *   return { stopReason: output.stopReason, played: report.played }
 * }).pipe(Effect.provide(LocalBedrockCassette.layer("test/cassettes/haiku.json", { strict: true })))
 * ```
 *
 * @since 0.1.0
 */
import type * as Recorder from "@effect-bedrock/converse/cassette/recorder"
import * as CassetteSession from "@effect-bedrock/converse/cassette/session"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { fileURLToPath } from "node:url"
import * as BedrockClient from "./BedrockClient.js"
import * as LocalBedrock from "./LocalBedrock.js"

/**
 * `replay`, `record` or `once`.
 *
 * @since 0.1.0
 * @category Models
 */
export type Mode = CassetteSession.Mode

/**
 * The environment variable that chooses the mode: `replay`, `record` or `once`.
 *
 * @since 0.1.0
 * @category Models
 */
export const modeVariable: typeof CassetteSession.modeVariable = CassetteSession.modeVariable

/**
 * What a replay did: interactions in the cassette, played, never played, and the requests that matched nothing.
 *
 * @since 0.1.0
 * @category Models
 */
export type Report = CassetteSession.Report

/**
 * The cassette cannot be used: missing (in `replay` mode), unreadable, not a cassette, or a bad mode.
 *
 * @since 0.1.0
 * @category Errors
 */
export class CassetteError extends Schema.TaggedError<CassetteError>()("CassetteError", {
  message: Schema.String
}) {}

const Mismatch = Schema.Struct({
  operation: Schema.String,
  modelId: Schema.String,
  message: Schema.String,
  closest: Schema.UndefinedOr(Schema.Number),
  diff: Schema.String
})

/**
 * Requests that no recorded interaction matched; each with the diff against the closest recorded request
 * (`-` recorded, `+` received).
 *
 * @since 0.1.0
 * @category Errors
 */
export class CassetteMismatchError extends Schema.TaggedError<CassetteMismatchError>()("CassetteMismatchError", {
  file: Schema.String,
  mismatches: Schema.Array(Mismatch)
}) {
  override get message(): string {
    return CassetteSession.mismatchMessage(this.file, this.mismatches)
  }
}

/**
 * Recorded interactions that were never played (with `strict: true`).
 *
 * @since 0.1.0
 * @category Errors
 */
export class CassetteUnplayedError extends Schema.TaggedError<CassetteUnplayedError>()("CassetteUnplayedError", {
  file: Schema.String,
  unplayed: Schema.Array(Schema.Struct({ index: Schema.Number, operation: Schema.String, modelId: Schema.String }))
}) {
  override get message(): string {
    return CassetteSession.unplayedMessage(this.file, this.unplayed)
  }
}

/**
 * The cassette in use.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly file: string
  readonly mode: Mode
  /** What the replay did so far (empty in `record` mode). */
  readonly report: Effect.Effect<Report>
  /** Exchanges recorded so far (`record` and `once`). */
  readonly recorded: Effect.Effect<number>
  /** Fails when a request matched nothing, or (with `strict`) when an interaction was never played. */
  readonly verify: Effect.Effect<void, CassetteMismatchError | CassetteUnplayedError>
}

/**
 * The service key.
 *
 * @since 0.1.0
 * @category Services
 */
export class LocalBedrockCassette
  extends Context.Service<LocalBedrockCassette, Service>()("@effect-bedrock/effect4/LocalBedrockCassette")
{}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The mode (default `replay`); `BEDROCK_CASSETTE_MODE` overrides it, and `CI` without it means `replay`. */
  readonly mode?: Mode | undefined
  /** Interactions never played fail the layer's scope at its end (default false). */
  readonly strict?: boolean | undefined
  /**
   * The client's options. In `record` and `once` mode they reach Bedrock (without them, the AWS SDK's defaults:
   * region and credentials from the environment); in `replay` mode everything but `endpoint`, `credentials`,
   * `apiKey` and `ca` applies (retries must be the same as when recording: each retry is an interaction).
   */
  readonly client?: Omit<BedrockClient.Options, "record"> | undefined
  /** Account ids to replace wherever they appear when recording (those in ARNs always are). */
  readonly accountIds?: ReadonlyArray<string> | undefined
}

/**
 * The mode in effect (the engine's rule): the environment's `BEDROCK_CASSETTE_MODE`, else `replay` in CI (`CI`
 * set), else the option, else `replay`; anything else fails with a `CassetteError`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const resolveMode = (
  option: Mode | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env
): Effect.Effect<Mode, CassetteError> => {
  const resolved = CassetteSession.resolveMode(option, env)
  return resolved.ok ? Effect.succeed(resolved.mode) : Effect.fail(new CassetteError({ message: resolved.message }))
}

/**
 * A `BedrockClient` over a cassette (see the module's description for the modes), and the
 * `LocalBedrockCassette` service to read its report. `file` is a path or a `file:` URL
 * (`new URL("cassettes/x.json", import.meta.url)`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  file: string | URL,
  options: Options = {}
): Layer.Layer<BedrockClient.BedrockClient | LocalBedrockCassette, CassetteError> =>
  Layer.effectContext(Effect.gen(function*() {
    const path = file instanceof URL ? fileURLToPath(file) : file
    const mode = yield* resolveMode(options.mode)
    const opened = CassetteSession.open(path, mode)
    if (!opened.ok) return yield* new CassetteError({ message: opened.message })
    const cassette = opened.cassette
    const local = cassette === undefined ? undefined : yield* LocalBedrock.make({ cassette: { file: path, cassette } })
    let recorded = 0
    const onRecord = (stats: Recorder.Stats) => {
      recorded = stats.recorded
    }
    const client = mode === "replay"
      ? yield* BedrockClient.make({
        region: CassetteSession.replayRegion,
        ...CassetteSession.replayClientOptions(options.client),
        credentials: LocalBedrock.localCredentials,
        endpoint: local!.url
      })
      : yield* BedrockClient.make({
        ...options.client,
        record: CassetteSession.recorderOptions(path, mode, {
          accountIds: options.accountIds,
          onRecord,
          replay: local === undefined || cassette === undefined
            ? undefined
            : { endpoint: local.url, interactions: cassette.interactions }
        })
      })
    const report: Effect.Effect<Report> = Effect.sync(() =>
      local?.server.cassetteReport() ?? CassetteSession.emptyReport(path)
    )
    const verify: Effect.Effect<void, CassetteMismatchError | CassetteUnplayedError> = Effect.flatMap(
      report,
      (report): Effect.Effect<void, CassetteMismatchError | CassetteUnplayedError> => {
        const verdict = CassetteSession.verdict(report, options.strict === true)
        if (verdict === undefined) return Effect.void
        return verdict._tag === "Mismatches"
          ? Effect.fail(new CassetteMismatchError({ file: verdict.file, mismatches: verdict.mismatches }))
          : Effect.fail(new CassetteUnplayedError({ file: verdict.file, unplayed: verdict.unplayed }))
      }
    )
    // Runs first at the end (finalisers run in reverse): every call of the scope is done by then.
    yield* Effect.addFinalizer(() => Effect.orDie(verify))
    return Context.make(BedrockClient.BedrockClient, client).pipe(
      Context.add(LocalBedrockCassette, {
        file: path,
        mode,
        report,
        recorded: Effect.sync(() => recorded),
        verify
      })
    )
  }))
