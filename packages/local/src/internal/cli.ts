/**
 * The standalone local Bedrock (`npx @effect-bedrock/local`, `npm run local-bedrock` in this
 * repository): parses the command line, starts the server, prints the environment a client needs
 * (endpoint, region, dummy credentials) and stops cleanly on SIGINT / SIGTERM.
 *
 * @internal
 */
import * as CassetteSession from "@effect-bedrock/converse/cassette/session"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { parseArgs } from "node:util"
import type * as Script from "../LocalBedrockScript.js"
import type { Options } from "../LocalBedrockServer.js"
import { CassetteReplay } from "./cassetteReplay.js"
import * as host from "./host.js"
import * as quota from "./quota.js"
import * as scriptFile from "./scriptFile.js"
import { LocalServer } from "./server.js"

/**
 * The dummy credentials printed for clients: the server checks that requests are signed, not by
 * whom. The same as `LocalBedrock.localCredentials`.
 *
 * @internal
 */
export const credentials = { accessKeyId: "AKIDLOCALBEDROCK", secretAccessKey: "local-bedrock-secret" } as const

/** @internal */
export const region = "us-east-1"

/**
 * The command's port when none is given: a fixed one, so the `export` lines in the README hold
 * (`--port 0` picks a free one). `LocalBedrock.layer` and `LocalBedrockServer.start` keep an
 * ephemeral port by default.
 *
 * @internal
 */
export const defaultPort = 4599

/** @internal */
export const usage = `Usage: npx @effect-bedrock/local [options]

A local Amazon Bedrock Runtime server (Converse, ConverseStream, CountTokens) for tests and demos:
HTTP/2 and HTTP/1.1 on one port, a deterministic default model, scriptable answers and faults.
It prints the environment a client needs, then runs until Ctrl-C (SIGINT), SIGTERM, or the end of
the process that started it (npx).

Options:
  -p, --port <port>        port to listen on (default: 4599; 0 picks a free port)
      --host <address>     address to listen on (default: 127.0.0.1); loopback only
                           (127.0.0.0/8, ::1, localhost) unless --allow-non-loopback
      --allow-non-loopback allow a --host that other machines can reach: the server
                           accepts any signature, so anyone who can reach it can use it
  -s, --scripts <file>     queue the scripts in this JSON file (an array of
                           LocalBedrockScript values); each answers one matching request
      --allow-any-model-id accept any model id (default: only known Bedrock model ids,
                           Bedrock ARNs and local.* ids; others get ValidationException)
      --quota <spec>       a Bedrock-like quota, [<modelId>=]rpm:N,tpm:N,burst:S (repeatable;
                           without a model id: every model, each its own budget); over it,
                           requests get ThrottlingException (429)
      --s3-endpoint <url>  run Bedrock batch inference jobs (CreateModelInvocationJob and the
                           rest of the control plane, on the same port) against this S3, e.g.
                           http://127.0.0.1:4568 (node scripts/s3-server.mjs in this repository)
      --batch-step-ms <ms> time a job spends Submitted, Validating and Scheduled (default 20)
      --batch-record-ms <ms>
                           extra time per record of a job (default 0)
      --batch-min-records <n>
                           the minimum records per job (Bedrock's default quota: 100)
      --cassette <file>    replay this cassette (recorded with BedrockClient's record
                           option): each request gets the recorded answer that matches
                           it (frames byte for byte), or CassetteMismatchException (400)
                           with a diff against the closest recorded request; at exit,
                           a report of what was never played (exit code 1 on mismatches)
      --strict             with --cassette: unplayed interactions also exit with 1
      --tls                serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with a self-signed
                           certificate made at start; its PEM is written to a temporary file
                           (printed as BEDROCK_CA_BUNDLE) for the client under test to trust
  -q, --quiet              print only the environment (export lines)
      --json               print one JSON line: endpoint, port, pid, env
  -h, --help               show this help`

/**
 * What the command line asks for.
 *
 * @internal
 */
export type Command =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Usage"; readonly message: string }
  | {
    readonly _tag: "Serve"
    readonly options: Options
    readonly scripts: string | undefined
    readonly strict: boolean
    readonly output: "text" | "quiet" | "json"
  }

/** @internal */
export const parse = (args: ReadonlyArray<string>): Command => {
  let values
  try {
    values = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string", short: "p" },
        host: { type: "string" },
        "allow-non-loopback": { type: "boolean", default: false },
        scripts: { type: "string", short: "s" },
        "allow-any-model-id": { type: "boolean", default: false },
        quota: { type: "string", multiple: true },
        "s3-endpoint": { type: "string" },
        "batch-step-ms": { type: "string" },
        "batch-record-ms": { type: "string" },
        "batch-min-records": { type: "string" },
        tls: { type: "boolean", default: false },
        cassette: { type: "string" },
        strict: { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false }
      }
    }).values
  } catch (error) {
    return { _tag: "Usage", message: error instanceof Error ? error.message : String(error) }
  }
  if (values.help) return { _tag: "Help" }
  const port = values.port === undefined ? defaultPort : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535 || values.port?.trim() === "") {
    return { _tag: "Usage", message: `--port must be a port number (0-65535), got '${values.port}'` }
  }
  const address = values.host ?? host.defaultHost
  if (!host.isLoopback(address) && !values["allow-non-loopback"]) {
    return {
      _tag: "Usage",
      message: `--host ${address} is not a loopback address: the server accepts any signature, so anyone who can ` +
        `reach it could use it. Add --allow-non-loopback if that is what you want.`
    }
  }
  if (values.quiet && values.json) return { _tag: "Usage", message: "--quiet and --json exclude each other" }
  if (values.strict && values.cassette === undefined) return { _tag: "Usage", message: "--strict needs --cassette" }
  if (values.cassette !== undefined && values.scripts !== undefined) {
    return { _tag: "Usage", message: "--cassette and --scripts exclude each other (a cassette answers every request)" }
  }
  let quotas: Options["quotas"]
  try {
    quotas = values.quota === undefined ? undefined : Object.fromEntries(values.quota.map(quota.parseQuota))
  } catch (error) {
    return { _tag: "Usage", message: `--quota: ${error instanceof Error ? error.message : String(error)}` }
  }
  const batch = batchOptions(values)
  if (typeof batch === "string") return { _tag: "Usage", message: batch }
  return {
    _tag: "Serve",
    options: {
      port,
      host: address,
      allowAnyModelId: values["allow-any-model-id"],
      ...(quotas ? { quotas } : {}),
      ...(values.tls ? { tls: true } : {}),
      ...(batch === undefined ? {} : { batch }),
      ...(values.cassette === undefined ? {} : { cassette: values.cassette })
    },
    scripts: values.scripts,
    strict: values.strict,
    output: values.json ? "json" : values.quiet ? "quiet" : "text"
  }
}

/** The batch flags as `Options["batch"]`, or a usage message. */
const batchOptions = (values: {
  readonly "s3-endpoint"?: string | undefined
  readonly "batch-step-ms"?: string | undefined
  readonly "batch-record-ms"?: string | undefined
  readonly "batch-min-records"?: string | undefined
}): Options["batch"] | string => {
  const endpoint = values["s3-endpoint"]
  const count = (flag: string, value: string | undefined): number | string | undefined => {
    if (value === undefined) return undefined
    const n = Number(value)
    return value.trim() !== "" && Number.isInteger(n) && n >= 0
      ? n
      : `--${flag} must be a whole number >= 0, got '${value}'`
  }
  const stepMs = count("batch-step-ms", values["batch-step-ms"])
  const recordMs = count("batch-record-ms", values["batch-record-ms"])
  const minRecords = count("batch-min-records", values["batch-min-records"])
  for (const n of [stepMs, recordMs, minRecords]) if (typeof n === "string") return n
  if (endpoint === undefined) {
    return stepMs === undefined && recordMs === undefined && minRecords === undefined
      ? undefined
      : "--batch-step-ms, --batch-record-ms and --batch-min-records need --s3-endpoint"
  }
  if (!/^https?:\/\/[^/\s]+\/?$/.test(endpoint)) {
    return `--s3-endpoint must be an http(s) URL such as http://127.0.0.1:4568, got '${endpoint}'`
  }
  return {
    s3: { endpoint },
    ...(stepMs === undefined && recordMs === undefined
      ? {}
      : {
        timing: {
          ...(stepMs === undefined ? {} : { stepMs: stepMs as number }),
          ...(recordMs === undefined ? {} : { recordMs: recordMs as number })
        }
      }),
    ...(minRecords === undefined ? {} : { quotas: { minRecordsPerJob: minRecords as number } })
  }
}

/**
 * The environment a client needs to reach the server (the AWS SDK reads the first four). With
 * `--tls`, `BEDROCK_CA_BUNDLE` names the certificate file (`BedrockClient.layerConfig` reads it; an
 * SDK client takes its contents as `ca`).
 *
 * @internal
 */
export const environment = (
  endpoint: string,
  certificateFile?: string,
  batch?: boolean
): Readonly<Record<string, string>> => ({
  AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint,
  // The control plane (model invocation jobs) is served on the same port.
  ...(batch === true ? { AWS_ENDPOINT_URL_BEDROCK: endpoint } : {}),
  AWS_REGION: region,
  AWS_ACCESS_KEY_ID: credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  ...(certificateFile === undefined ? {} : { BEDROCK_CA_BUNDLE: certificateFile })
})

/** @internal */
export const exportLines = (endpoint: string, certificateFile?: string, batch?: boolean): Array<string> =>
  Object.entries(environment(endpoint, certificateFile, batch)).map(([name, value]) => `export ${name}=${value}`)

/** The scripts in a JSON file; throws an `Error` saying what is wrong. */
const readScripts = (file: string): Array<Script.Script> => {
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    throw new Error(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  try {
    return scriptFile.parse(document)
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

const banner = (
  server: LocalServer,
  options: Options,
  scripts: number,
  file: string | undefined,
  certificateFile: string | undefined
): Array<string> => [
  `local Bedrock Runtime listening on ${server.endpoint} (HTTP/2 and HTTP/1.1${
    certificateFile === undefined ? "" : " over TLS"
  })`,
  "",
  "Point a client at it (the credentials are dummies: any signature or bearer key is accepted):",
  "",
  ...exportLines(server.endpoint, certificateFile, options.batch !== undefined),
  "",
  ...(certificateFile === undefined ? [] : [
    `TLS: a self-signed certificate for 127.0.0.1, ::1 and localhost, written to ${certificateFile} (removed at`,
    "exit). Trust it in the client under test only (BedrockClient `ca`, or `ca` in the SDK's NodeHttp2Handler",
    "nodeHttp2ConnectOptions); do not disable certificate checks.",
    ""
  ]),
  options.allowAnyModelId === true
    ? "Model ids: any."
    : "Model ids: known Bedrock ids (e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0), Bedrock ARNs and " +
      "local.* ids; others get ValidationException.",
  ...(file === undefined ? [] : [`Scripts: ${scripts} queued from ${file}.`]),
  ...(server.replay === undefined ? [] : [
    `Cassette: ${server.replay.file} (${server.replay.interactions.length} interactions), every request is ` +
    "answered from it."
  ]),
  ...(options.quotas === undefined ? [] : [`Quotas: ${JSON.stringify(options.quotas)}.`]),
  ...(options.batch?.s3 === undefined ? [] : [
    `Batch inference: model invocation jobs on the same port (AWS_ENDPOINT_URL_BEDROCK), S3 at ${options.batch.s3.endpoint}.`
  ]),
  "The default model is a deterministic stand-in: it echoes, calls tools and sums up their results.",
  "Stop with Ctrl-C."
]

/**
 * Why the server could not listen, in words: a taken port says so and names the ways out.
 *
 * @internal
 */
export const listenError = (options: Options, error: unknown): string => {
  const address = `${options.host}:${options.port}`
  if ((error as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE") {
    return `port ${options.port} is already in use (${address}): another local Bedrock may be running. ` +
      `Stop it, choose another port with --port <port>, or use --port 0 for a free one.`
  }
  return `cannot listen on ${address}: ${error instanceof Error ? error.message : String(error)}`
}

/**
 * What a cassette replay did, written to stderr when the server stops; the exit code (1 when a request
 * matched nothing, or, with `--strict`, an interaction was never played).
 *
 * @internal
 */
export const cassetteReport = (replay: CassetteReplay, strict: boolean, io: Io): number => {
  const report = replay.report()
  io.err(`cassette ${report.file}: played ${report.played} of ${report.interactions} interactions`)
  for (const u of report.unplayed) io.err(`  never played: #${u.index} ${u.operation} ${u.modelId}`)
  for (const m of report.mismatches) io.err(`  no match: ${m.message}`)
  return CassetteSession.verdict(report, strict) === undefined ? 0 : 1
}

/** @internal */
export interface Io {
  readonly out: (line: string) => void
  readonly err: (line: string) => void
}

/**
 * Runs the command line. Resolves with the exit code: at once for `--help` and errors, otherwise
 * once SIGINT or SIGTERM has stopped the server (every connection destroyed).
 *
 * @internal
 */
export const main = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const command = parse(args)
  if (command._tag === "Help") {
    io.out(usage)
    return 0
  }
  if (command._tag === "Usage") {
    io.err(`local-bedrock: ${command.message}`)
    io.err("Run with --help for the options.")
    return 2
  }
  let scripts: Array<Script.Script> = []
  try {
    if (command.scripts !== undefined) scripts = readScripts(command.scripts)
  } catch (error) {
    io.err(`local-bedrock: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  let replay: CassetteReplay | undefined
  try {
    if (command.options.cassette !== undefined) replay = CassetteReplay.of(command.options.cassette)
  } catch (error) {
    io.err(`local-bedrock: ${error instanceof Error ? error.message : String(error)}`)
    return 2
  }
  let server: LocalServer
  try {
    server = await LocalServer.start(command.options, replay)
  } catch (error) {
    io.err(`local-bedrock: ${listenError(command.options, error)}`)
    return 1
  }
  let certificateFile: string | undefined
  if (server.certificate !== undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-bedrock-tls-"))
    certificateFile = path.join(dir, "certificate.pem")
    fs.writeFileSync(certificateFile, server.certificate)
  }
  const removeCertificate = () => {
    if (certificateFile !== undefined) fs.rmSync(path.dirname(certificateFile), { recursive: true, force: true })
  }
  const stopped = new Promise<number>((resolve) => {
    // `npx` does not pass a SIGTERM it receives on to this process: when the parent goes away
    // (this process is re-parented), stop as if signalled rather than run on as an orphan.
    const parent = process.ppid
    const orphaned = setInterval(() => process.ppid !== parent && stop(), 500).unref()
    const stop = () => {
      clearInterval(orphaned)
      process.off("SIGINT", stop)
      process.off("SIGTERM", stop)
      void server.close().then(() => {
        removeCertificate()
        resolve(replay === undefined ? 0 : cassetteReport(replay, command.strict, io))
      })
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
  })
  server.script(scripts)
  switch (command.output) {
    case "json":
      io.out(JSON.stringify({
        endpoint: server.endpoint,
        port: server.port,
        pid: process.pid,
        env: environment(server.endpoint, certificateFile, command.options.batch !== undefined),
        ...(certificateFile === undefined ? {} : { certificateFile })
      }))
      break
    case "quiet":
      for (const line of exportLines(server.endpoint, certificateFile, command.options.batch !== undefined)) {
        io.out(line)
      }
      break
    default:
      for (const line of banner(server, command.options, scripts.length, command.scripts, certificateFile)) {
        io.out(line)
      }
  }
  return stopped
}
