/**
 * The rules of a cassette used by a test, for every Effect line's `LocalBedrock.cassette` layer: which mode
 * applies (the option, `BEDROCK_CASSETTE_MODE`, `CI`), how the file is opened in that mode, what the recorder
 * is told, which client options a replay keeps, and which verdict a replay's report gives at the end of the
 * scope. The replay itself is the local Bedrock's (`LocalBedrockServer.start({ cassette })`), its report
 * `cassetteReport()`.
 *
 * Modes, as VCR users know them:
 *
 * - `replay` (the default, and always in CI unless `BEDROCK_CASSETTE_MODE` says otherwise): answers come from
 *   the cassette; nothing touches the network.
 * - `record`: every request goes to Bedrock and the cassette is rewritten with what happened.
 * - `once`: what the cassette has is replayed; what it lacks goes to Bedrock and is added to it.
 *
 * @since 0.1.0
 */
import * as CassetteFile from "./file.js"
import type { Cassette, Interaction } from "./format.js"
import type * as Recorder from "./recorder.js"

/**
 * @since 0.1.0
 * @category Models
 */
export type Mode = "replay" | "record" | "once"

/**
 * @since 0.1.0
 * @category Models
 */
export const modes: ReadonlyArray<Mode> = ["replay", "record", "once"]

/**
 * The environment variable that chooses the mode: `replay`, `record` or `once`.
 *
 * @since 0.1.0
 * @category Models
 */
export const modeVariable = "BEDROCK_CASSETTE_MODE"

/**
 * A request no recorded interaction matched: what was asked, the closest recorded interaction and the
 * diff against it (`-` recorded, `+` received).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Mismatch {
  readonly operation: string
  readonly modelId: string
  readonly message: string
  readonly closest: number | undefined
  readonly diff: string
}

/**
 * A recorded interaction never played.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Unplayed {
  readonly index: number
  readonly operation: string
  readonly modelId: string
}

/**
 * What a replay did.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Report {
  readonly file: string
  /** Interactions in the cassette when it was read. */
  readonly interactions: number
  readonly played: number
  readonly unplayed: ReadonlyArray<Unplayed>
  readonly mismatches: ReadonlyArray<Mismatch>
}

/**
 * The report of a cassette that replays nothing (`record` mode, or `once` without a file yet).
 *
 * @since 0.1.0
 * @category Models
 */
export const emptyReport = (file: string): Report => ({
  file,
  interactions: 0,
  played: 0,
  unplayed: [],
  mismatches: []
})

/**
 * The mode in effect: the environment's `BEDROCK_CASSETTE_MODE`, else `replay` in CI (`CI` set, and not
 * `false` or `0`), else the option, else `replay`; a mode that is none of the three is refused.
 *
 * @since 0.1.0
 * @category Modes
 */
export const resolveMode = (
  option: Mode | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env
): { readonly ok: true; readonly mode: Mode } | { readonly ok: false; readonly message: string } => {
  const variable = env[modeVariable]?.trim()
  if (variable !== undefined && variable !== "") {
    return modes.includes(variable as Mode)
      ? { ok: true, mode: variable as Mode }
      : { ok: false, message: `${modeVariable}=${variable}: expected replay, record or once` }
  }
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0"
  if (ci) return { ok: true, mode: "replay" }
  if (option !== undefined && !modes.includes(option)) {
    return { ok: false, message: `mode ${String(option)}: expected replay, record or once` }
  }
  return { ok: true, mode: option ?? "replay" }
}

/**
 * The cassette to replay in `mode`: none in `record` mode (not read), none in `once` mode when the file does
 * not exist yet; a missing file in `replay` mode, or one that cannot be read or is not a cassette, is refused
 * with a message saying how to record it.
 *
 * @since 0.1.0
 * @category Modes
 */
export const open = (
  file: string,
  mode: Mode
): { readonly ok: true; readonly cassette: Cassette | undefined } | {
  readonly ok: false
  readonly message: string
} => {
  if (mode === "record") return { ok: true, cassette: undefined }
  const read = CassetteFile.read(file)
  if (read.ok) return { ok: true, cassette: read.cassette }
  if ("missing" in read && mode === "once") return { ok: true, cassette: undefined }
  const hint = "missing" in read ? ` (record it with ${modeVariable}=record, or use mode "once")` : ""
  return { ok: false, message: `${read.message}${hint}` }
}

/**
 * The recorder's options in `record` and `once` mode: `record` rewrites the file, `once` appends to it and
 * sends the requests the cassette answers to the local Bedrock that replays it (`replay`).
 *
 * @since 0.1.0
 * @category Modes
 */
export const recorderOptions = (
  file: string,
  mode: "record" | "once",
  options: {
    readonly accountIds?: ReadonlyArray<string> | undefined
    readonly onRecord?: ((stats: Recorder.Stats) => void) | undefined
    readonly replay?: { readonly endpoint: string; readonly interactions: ReadonlyArray<Interaction> } | undefined
  }
): Recorder.Options => ({
  file,
  existing: mode === "once" ? "append" : "replace",
  accountIds: options.accountIds,
  onRecord: options.onRecord,
  ...(options.replay === undefined ? {} : { replay: options.replay })
})

/**
 * The region a replaying client is given unless its options say one.
 *
 * @since 0.1.0
 * @category Modes
 */
export const replayRegion = "us-east-1"

/**
 * A client's options for `replay` mode: everything but where it connects and how it signs (`endpoint`,
 * `credentials`, `apiKey`, `ca`), which the local Bedrock replaces. Retries still apply, and must be the same
 * as when recording: each retry is an interaction.
 *
 * @since 0.1.0
 * @category Modes
 */
export const replayClientOptions = <O extends object>(
  options: O | undefined
): Omit<O, "endpoint" | "credentials" | "apiKey" | "ca"> => {
  const { apiKey: _apiKey, ca: _ca, credentials: _credentials, endpoint: _endpoint, ...rest } = (options ?? {}) as O & {
    apiKey?: unknown
    ca?: unknown
    credentials?: unknown
    endpoint?: unknown
  }
  return rest
}

/**
 * What a replay's report says at the end of a scope: requests that matched nothing, or (with `strict`)
 * interactions never played, or nothing wrong (`undefined`).
 *
 * @since 0.1.0
 * @category Verdicts
 */
export type Verdict =
  | { readonly _tag: "Mismatches"; readonly file: string; readonly mismatches: ReadonlyArray<Mismatch> }
  | { readonly _tag: "Unplayed"; readonly file: string; readonly unplayed: ReadonlyArray<Unplayed> }
  | undefined

/**
 * The verdict of `report`: mismatches first, then (with `strict`) unplayed interactions.
 *
 * @since 0.1.0
 * @category Verdicts
 */
export const verdict = (report: Report, strict: boolean): Verdict => {
  if (report.mismatches.length > 0) {
    return { _tag: "Mismatches", file: report.file, mismatches: report.mismatches }
  }
  if (strict && report.unplayed.length > 0) return { _tag: "Unplayed", file: report.file, unplayed: report.unplayed }
  return undefined
}

/**
 * The message of a mismatch error: how many requests matched nothing, and each one's diff.
 *
 * @since 0.1.0
 * @category Verdicts
 */
export const mismatchMessage = (file: string, mismatches: ReadonlyArray<Mismatch>): string =>
  `${mismatches.length} request(s) matched no recorded interaction of ${file}:\n` +
  mismatches.map((m) => m.message).join("\n\n")

/**
 * The message of an unplayed error: the interactions never played, by index.
 *
 * @since 0.1.0
 * @category Verdicts
 */
export const unplayedMessage = (file: string, unplayed: ReadonlyArray<Unplayed>): string =>
  `${unplayed.length} recorded interaction(s) of ${file} were never played: ` +
  unplayed.map((u) => `#${u.index} ${u.operation} ${u.modelId}`).join(", ")
