/**
 * `npm run soak`: sustained streaming against the local Bedrock (in its own process, like the
 * benchmarks), with the heap after a full GC sampled at a fixed interval; it passes when the heap
 * levels off: the last sample (taken once every stream ended) within `--limit-mb` of the sample
 * taken at `--settle` (with no stream open either), and, over 200 streams or more, under
 * `--limit-kb-per-stream` retained per stream in between. The figures are in docs/reliability.md. Bounded in time: it stops after `--duration` whatever happens.
 *
 * Every stream goes through `LanguageModel.stream` (BedrockLanguageModel over BedrockClient), and
 * the streams end in every way a stream can end: most run to completion, one in ten is left early
 * (`Stream.take`), one in ten fails mid-stream (a reset after a few events).
 *
 *   npm run soak                                  # 70 s, concurrency 64, a sample every 10 s
 *   npm run soak -- --duration 20s --sample 2s --settle 4s
 *
 * Options: --duration (70s), --concurrency (64), --sample (10s), --settle (20s), --limit-mb (20),
 * --limit-kb-per-stream (10), --deltas (text deltas per stream, 20), --json FILE (write the
 * samples and the verdict).
 */
import { BedrockClient, BedrockLanguageModel, LanguageModel } from "@effect-bedrock/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { type ChildProcess, fork } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import * as v8 from "node:v8"
import * as vm from "node:vm"

const here = path.dirname(fileURLToPath(import.meta.url))
const MB = 1024 * 1024

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "70 seconds" },
    concurrency: { type: "string", default: "64" },
    sample: { type: "string", default: "10 seconds" },
    settle: { type: "string", default: "20 seconds" },
    "limit-mb": { type: "string", default: "20" },
    "limit-kb-per-stream": { type: "string", default: "10" },
    deltas: { type: "string", default: "20" },
    json: { type: "string" }
  }
})

/** `70s`, `70 seconds`, `500 millis` or a number of milliseconds. */
const millisOf = (text: string): number => {
  const short = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim())
  if (short !== null) return Number(short[1]) * (short[2] === "ms" ? 1 : short[2] === "s" ? 1000 : 60_000)
  if (/^\d+$/.test(text.trim())) return Number(text)
  return Duration.toMillis(Duration.decode(text as Duration.DurationInput))
}

const durationMs = millisOf(values.duration)
const sampleMs = millisOf(values.sample)
const settleMs = millisOf(values.settle)
const concurrency = Number(values.concurrency)
const limitMB = Number(values["limit-mb"])
const limitKBPerStream = Number(values["limit-kb-per-stream"])
const deltas = Number(values.deltas)
if (
  ![durationMs, sampleMs, settleMs, concurrency, limitMB, limitKBPerStream, deltas].every((n) =>
    Number.isFinite(n) && n > 0
  )
) {
  throw new Error("soak: every option must be a positive number or duration")
}

// A full GC on demand, as `--expose-gc` would give, turned on for this isolate.
v8.setFlagsFromString("--expose-gc")
const gc = vm.runInNewContext("gc") as () => void
const heapAfterGc = (): number => {
  gc()
  gc()
  return v8.getHeapStatistics().used_heap_size / MB
}

// =============================================================================
// The local Bedrock, in its own process
// =============================================================================

let server: ChildProcess | undefined
const stopServer = () => {
  if (server !== undefined && server.exitCode === null) server.kill("SIGKILL")
}
process.on("exit", stopServer)

const startServer = (): Promise<string> =>
  new Promise((resolve, reject) => {
    server = fork(path.join(here, "bench/server.mjs"), [], {
      execArgv: ["--no-warnings"],
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    server.once("message", (message: { endpoint?: string }) =>
      message.endpoint === undefined ? reject(new Error("no endpoint")) : resolve(message.endpoint))
    server.once("exit", (code) =>
      reject(new Error(`the local Bedrock exited (${code})`)))
  })

// Whatever happens, never run much past the duration.
const watchdog = setTimeout(() => {
  console.error("soak: did not finish in time")
  process.exit(2)
}, durationMs + 60_000)
watchdog.unref()

// =============================================================================
// Load
// =============================================================================

interface Sample {
  readonly seconds: number
  readonly streams: number
  readonly heapMB: number
  readonly rssMB: number
  /** Taken while no stream was open. */
  readonly quiet: boolean
}

const endpoint = await startServer()
const runtime = ManagedRuntime.make(
  BedrockLanguageModel.layer({ model: `local.stream-${deltas}` }).pipe(
    Layer.provide(BedrockClient.layer({
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId: "AKIDSOAK", secretAccessKey: Redacted.make("soak-secret") },
      retry: false
    }))
  )
)
await runtime.runPromise(Effect.void)

const counts = { completed: 0, leftEarly: 0, failed: 0, unexpected: 0 }
const streamOnce = (i: number): Promise<void> => {
  const kind = i % 10
  const run = kind === 1
    ? Stream.runDrain(Stream.take(LanguageModel.stream({ prompt: "Soak" }), 3))
    : kind === 2
    // The local Bedrock's `local.reset-3`: three events, then the HTTP/2 stream is reset.
    ? Stream.runDrain(LanguageModel.stream({ prompt: "Soak", settings: { inferenceProfile: "local.reset-3" } }))
    : Stream.runDrain(LanguageModel.stream({ prompt: "Soak" }))
  return runtime.runPromise(Effect.exit(run)).then((exit) => {
    if (exit._tag === "Success") {
      if (kind === 1) counts.leftEarly++
      else if (kind === 2) counts.unexpected++
      else counts.completed++
    } else if (kind === 2) counts.failed++
    else counts.unexpected++
  })
}

const started = performance.now()
const deadline = started + durationMs
let issued = 0
let inFlight = 0
const samples: Array<Sample> = []
const sample = (quiet: boolean): Sample => {
  const s: Sample = {
    seconds: Math.round((performance.now() - started) / 100) / 10,
    streams: counts.completed + counts.leftEarly + counts.failed + counts.unexpected,
    heapMB: Math.round(heapAfterGc() * 10) / 10,
    rssMB: Math.round(process.memoryUsage().rss / MB),
    quiet
  }
  samples.push(s)
  console.log(
    `${String(s.seconds).padStart(6)} s  ${String(s.streams).padStart(8)} streams  ` +
      `heap after GC ${s.heapMB.toFixed(1).padStart(6)} MB  RSS ${String(s.rssMB).padStart(5)} MB` +
      (quiet ? "  (no stream open)" : "")
  )
  return s
}

// The reference: at `--settle`, no new stream starts until every open one ended, so that it and
// the last sample (after the load) count only what finished streams left behind.
let gate: Promise<void> | undefined
const quietSample = async (): Promise<Sample> => {
  let open = () => {}
  gate = new Promise<void>((resolve) => {
    open = resolve
  })
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const s = sample(true)
  gate = undefined
  open()
  return s
}

console.log(
  `soak: ${concurrency} concurrent streams of ${deltas} deltas for ${durationMs / 1000} s, ` +
    `heap after GC every ${sampleMs / 1000} s (local Bedrock at ${endpoint})`
)
sample(true)
let reference: Promise<Sample> | undefined
const settle = setTimeout(() => {
  reference = quietSample()
}, Math.min(settleMs, durationMs / 2))
const sampler = setInterval(() => {
  if (gate === undefined) sample(false)
}, sampleMs)
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < deadline) {
    if (gate !== undefined) await gate
    inFlight++
    await streamOnce(issued++).finally(() => inFlight--)
  }
}))
clearTimeout(settle)
clearInterval(sampler)
const last = sample(true)
await runtime.dispose()
stopServer()

// =============================================================================
// Verdict
// =============================================================================

const ref = (await reference) ?? samples[0]!
const growthMB = Math.round((last.heapMB - ref.heapMB) * 10) / 10
const streamsBetween = last.streams - ref.streams
const bytesPerStream = streamsBetween > 0 ? Math.round((last.heapMB - ref.heapMB) * MB / streamsBetween) : 0
// Per stream too: on a slow machine 20 MB could hide a leak of kilobytes per stream. Over enough
// streams for a megabyte of noise not to matter.
const perStreamChecked = streamsBetween >= 200
const pass = growthMB <= limitMB && (!perStreamChecked || bytesPerStream <= limitKBPerStream * 1024) &&
  counts.unexpected === 0
const verdict = {
  pass,
  referenceSeconds: ref.seconds,
  growthMB,
  limitMB,
  bytesPerStream,
  limitBytesPerStream: perStreamChecked ? limitKBPerStream * 1024 : undefined,
  streamsPerSecond: Math.round(last.streams / (last.seconds || 1)),
  ...counts
}
console.log(
  `${pass ? "PASS" : "FAIL"}: heap after GC ${last.heapMB} MB at ${last.seconds} s, ` +
    `${growthMB >= 0 ? "+" : ""}${growthMB} MB against ${ref.heapMB} MB at ${ref.seconds} s (limit ${limitMB} MB); ` +
    `${bytesPerStream} bytes per stream over ${streamsBetween} streams ` +
    `(limit ${perStreamChecked ? `${limitKBPerStream} KB` : "none under 200 streams"}); ` +
    `${verdict.streamsPerSecond} streams/s; completed ${counts.completed}, left early ${counts.leftEarly}, ` +
    `failed as scripted ${counts.failed}, unexpected ${counts.unexpected}`
)
if (values.json !== undefined) {
  fs.writeFileSync(
    values.json,
    JSON.stringify(
      {
        node: process.version,
        options: { durationMs, concurrency, sampleMs, settleMs, limitMB, deltas },
        samples,
        verdict
      },
      null,
      2
    )
  )
}
process.exit(pass ? 0 : 1)
