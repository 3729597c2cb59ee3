// `npm run bench [-- --quick]`: every scenario for the raw SDK, this library and each peer, against
// the local Bedrock in a separate process. See docs/benchmarks/README.md for what is measured.
//
// Options:
//   --quick                  smaller sizes, fewer rounds (under 2 minutes); writes quick.json / quick.md
//   --tiny                   very small sizes, 1 round (the unit test); writes nothing unless --out-dir
//   --rounds N               rounds per scenario
//   --clients a,b            subset of clients (aws-sdk is always included: it is the baseline)
//   --scenarios x,y          subset of scenarios
//   --cpu-prof[=DIR]         run the workers with --cpu-prof (profiles in DIR, default build/cpuprofiles)
//   --out-dir DIR            where results go (default docs/benchmarks); --no-write writes nothing
import { type ChildProcess, execFileSync, fork } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import {
  BASELINE,
  type Check,
  checkTargets,
  CLIENTS,
  type Measurement,
  memoryIsFlat,
  type Row,
  rowsFor,
  SCENARIO_CLIENTS,
  SCENARIOS,
  validateDocument
} from "./stats.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../..")
const PEERS = ["ai-sdk", "langchain", "effect-ai-bedrock"]

// =============================================================================
// Options
// =============================================================================

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const option = (name: string): string | undefined => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i === -1) return undefined
  const a = argv[i]!
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1]
}
const mode: "full" | "quick" | "tiny" = flag("tiny") ? "tiny" : flag("quick") ? "quick" : "full"
const cpuProf = argv.find((a) => a === "--cpu-prof" || a.startsWith("--cpu-prof="))
const cpuProfDir = cpuProf?.includes("=")
  ? cpuProf.slice(cpuProf.indexOf("=") + 1)
  : path.join(root, "build/cpuprofiles")
const outDir = option("out-dir") ?? (mode === "tiny" ? undefined : path.join(root, "docs/benchmarks"))
const write = !flag("no-write") && outDir !== undefined
const allClients = (option("clients")?.split(",") ?? CLIENTS).filter((c) => CLIENTS.includes(c))
if (!allClients.includes(BASELINE)) allClients.unshift(BASELINE)
const scenarios = (option("scenarios")?.split(",") ?? SCENARIOS).filter((s) => SCENARIOS.includes(s))

// =============================================================================
// Sizes
// =============================================================================

interface Size {
  rounds: number
  converse: { durationMs: number; warmupMs: number }
  stream: { deltas: number; streams: number; warmupStreams: number }
  concurrent: { concurrency: number; deltas: number; warmupConcurrency: number }
  ttft: { waitMs: number; deltas: number; samples: number; warmupSamples: number }
  ttftTls: { deltas: number; samples: number; warmupSamples: number; concurrency: number; batches: number }
  /** The round-trip time of `ttft-tls-rtt`. */
  rttMs: number
  memory: { deltas: number; rounds: number; sampleMs: number }
  mapping: { messages: number; tools: number; durationMs: number; warmupMs: number; maxIterations: number }
}

const SIZES: Record<typeof mode, Size> = {
  full: {
    rounds: 5,
    converse: { durationMs: 2000, warmupMs: 1000 },
    stream: { deltas: 20_000, streams: 3, warmupStreams: 3 },
    concurrent: { concurrency: 256, deltas: 1000, warmupConcurrency: 256 },
    ttft: { waitMs: 20, deltas: 4, samples: 30, warmupSamples: 15 },
    ttftTls: { deltas: 4, samples: 30, warmupSamples: 10, concurrency: 16, batches: 5 },
    rttMs: 20,
    memory: { deltas: 1_000_000, rounds: 2, sampleMs: 20 },
    mapping: { messages: 200, tools: 50, durationMs: 1500, warmupMs: 1000, maxIterations: 2_000_000 }
  },
  quick: {
    rounds: 3,
    converse: { durationMs: 400, warmupMs: 250 },
    stream: { deltas: 20_000, streams: 1, warmupStreams: 1 },
    concurrent: { concurrency: 256, deltas: 200, warmupConcurrency: 64 },
    ttft: { waitMs: 20, deltas: 4, samples: 10, warmupSamples: 8 },
    ttftTls: { deltas: 4, samples: 12, warmupSamples: 5, concurrency: 16, batches: 3 },
    rttMs: 20,
    memory: { deltas: 100_000, rounds: 1, sampleMs: 20 },
    mapping: { messages: 200, tools: 50, durationMs: 300, warmupMs: 200, maxIterations: 1_000_000 }
  },
  tiny: {
    rounds: 1,
    converse: { durationMs: 100, warmupMs: 50 },
    stream: { deltas: 500, streams: 1, warmupStreams: 1 },
    concurrent: { concurrency: 8, deltas: 100, warmupConcurrency: 2 },
    ttft: { waitMs: 5, deltas: 2, samples: 2, warmupSamples: 1 },
    ttftTls: { deltas: 2, samples: 2, warmupSamples: 1, concurrency: 4, batches: 1 },
    rttMs: 5,
    memory: { deltas: 2000, rounds: 1, sampleMs: 10 },
    mapping: { messages: 200, tools: 50, durationMs: 50, warmupMs: 20, maxIterations: 10_000 }
  }
}
const size = SIZES[mode]
const rounds = Number(option("rounds") ?? size.rounds)

interface Plan {
  readonly kind: string
  readonly params: Record<string, unknown>
  readonly rounds: number
  /** A fresh worker process for every round (memory: peak RSS is per process). */
  readonly freshPerRound: boolean
  readonly describe: string
  /** Against the HTTPS local Bedrock (its certificate passed to the worker as `ca`). */
  readonly tls?: boolean
  /** With a proxy in front adding this round-trip time (latencyProxy.mjs). */
  readonly rttMs?: number
}

const plans: Record<string, Plan> = {
  "converse-c1": {
    kind: "converse",
    params: { concurrency: 1, ...size.converse },
    rounds,
    freshPerRound: false,
    describe:
      `non-streaming converse, small prompt and answer (\`local.small\`), concurrency 1, ${size.converse.durationMs} ms per round`
  },
  "converse-c64": {
    kind: "converse",
    params: { concurrency: 64, ...size.converse },
    rounds,
    freshPerRound: false,
    describe: `the same at concurrency 64`
  },
  "stream-20k": {
    kind: "stream",
    params: size.stream,
    rounds,
    freshPerRound: false,
    describe: `${size.stream.streams} ConverseStream(s) of ${size.stream.deltas} text deltas per round, one at a time`
  },
  "streams-256": {
    kind: "concurrentStreams",
    params: size.concurrent,
    rounds,
    freshPerRound: false,
    describe:
      `${size.concurrent.concurrency} concurrent streams of ${size.concurrent.deltas} deltas: total deltas/s, and p99 time to complete`
  },
  "ttft-added": {
    kind: "ttft",
    params: size.ttft,
    rounds,
    freshPerRound: false,
    describe:
      `time to first text delta (\`local.ttft-${size.ttft.waitMs}-${size.ttft.deltas}\`: first delta at once, the rest ${size.ttft.waitMs} ms later), median of ${size.ttft.samples} per round, minus the raw SDK's in the same round`
  },
  "ttft-tls": {
    kind: "ttftTls",
    params: size.ttftTls,
    rounds,
    freshPerRound: false,
    tls: true,
    describe:
      `time to first text delta over TLS (HTTPS local Bedrock, self-signed certificate trusted by the client only, ALPN h2; \`local.stream-${size.ttftTls.deltas}\`), per connection variant: median of ${size.ttftTls.samples} streams one at a time, and of ${size.ttftTls.batches} x ${size.ttftTls.concurrency} streams started at once. ` +
      "Variants: the raw SDK's `default` (a new HTTP/2 session, TCP connection and full TLS handshake per stream) and `shared` (pooled handler, send option `isEventStream: false`: streams share one session); effect-bedrock's `default` (a connection per stream, resuming the last TLS session), `no-resume` (`tlsSessionResumption: false`), `warm` (`warmConnection: true`: the next stream's connection opened ahead) and `shared` (`shareStreamSessions: true`). " +
      "Ratios are to the raw SDK's default in the same round. Only aws-sdk and effect-bedrock: the peers have no say in their connections"
  },
  "ttft-tls-rtt": {
    kind: "ttftTls",
    params: size.ttftTls,
    rounds,
    freshPerRound: false,
    tls: true,
    rttMs: size.rttMs,
    describe:
      `the same through a proxy adding a ${size.rttMs} ms round trip (scripts/bench/latencyProxy.mjs: every byte held half of it each way, nothing passes on a new connection before one round trip, standing for the TCP handshake): what a connection costs over a network, in round trips`
  },
  "memory-1m": {
    kind: "memory",
    params: size.memory,
    rounds: Math.min(rounds, size.memory.rounds),
    freshPerRound: true,
    describe:
      `one stream of ${size.memory.deltas} deltas consumed as it arrives, fresh process per round: peak RSS, heap growth after GC`
  },
  "mapping-200": {
    kind: "mapping",
    params: size.mapping,
    rounds,
    freshPerRound: false,
    describe:
      `a ${size.mapping.messages}-message, ${size.mapping.tools}-tool conversation mapped to a Converse request, µs per request`
  }
}

// =============================================================================
// Child processes
// =============================================================================

const children = new Set<ChildProcess>()
const killAll = () => {
  for (const child of children) child.kill("SIGKILL")
  children.clear()
}
process.on("exit", killAll)
process.on("SIGINT", () => {
  killAll()
  process.exit(130)
})
process.on("SIGTERM", () => {
  killAll()
  process.exit(143)
})

/** A forked child answering one message per request. */
class Child {
  private readonly waiting: Array<{ resolve: (m: any) => void; reject: (e: Error) => void }> = []
  readonly process: ChildProcess
  private exited = false

  constructor(script: string, execArgv: Array<string>, readonly name: string, args: Array<string> = []) {
    this.process = fork(script, args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"], cwd: root })
    children.add(this.process)
    this.process.on("message", (message: any) => {
      const next = this.waiting.shift()
      if (next === undefined) return
      if (message?.error !== undefined) next.reject(new Error(`${this.name}: ${message.error}`))
      else next.resolve(message)
    })
    this.process.on("exit", (code, signal) => {
      this.exited = true
      children.delete(this.process)
      for (const w of this.waiting.splice(0)) w.reject(new Error(`${this.name} exited (${code ?? signal})`))
    })
  }

  /** The next message from the child (for the first, unrequested one). */
  next(timeoutMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.name} is not running`))
      const timer = setTimeout(() => {
        this.kill()
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiting.push({
        resolve: (m) => {
          clearTimeout(timer)
          resolve(m)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        }
      })
    })
  }

  request(message: unknown, timeoutMs: number): Promise<any> {
    const answer = this.next(timeoutMs)
    this.process.send(message as any)
    return answer
  }

  async close(): Promise<void> {
    if (this.exited) return
    const exited = new Promise<void>((resolve) => this.process.once("exit", () => resolve()))
    this.process.send({ cmd: "close" })
    const timer = setTimeout(() => this.kill(), 10_000)
    await exited
    clearTimeout(timer)
  }

  kill() {
    if (!this.exited) this.process.kill("SIGKILL")
  }
}

const workerArgs = (client: string, scenario: string) => {
  const args = ["--expose-gc", "--no-warnings", "--max-old-space-size=4096"]
  if (cpuProf !== undefined) {
    fs.mkdirSync(cpuProfDir, { recursive: true })
    args.push(
      "--cpu-prof",
      `--cpu-prof-dir=${cpuProfDir}`,
      `--cpu-prof-name=${scenario}.${client}.${Date.now()}.cpuprofile`
    )
  }
  return args
}

// =============================================================================
// Setup
// =============================================================================

const log = (...parts: Array<unknown>) => console.log(...parts)

function ensurePeers(peers: ReadonlyArray<string>) {
  for (const peer of peers) {
    const dir = path.join(here, "peers", peer)
    if (fs.existsSync(path.join(dir, "node_modules"))) continue
    log(`installing ${peer} (npm ci in scripts/bench/peers/${peer}) ...`)
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: "inherit" })
  }
}

interface ServerCpu {
  readonly cpu: { user: number; system: number }
  readonly at: number
}

async function serverCpu(server: Child): Promise<ServerCpu> {
  return server.request({ cmd: "cpu" }, 10_000)
}

const cpuShare = (a: ServerCpu, b: ServerCpu) =>
  (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1000 / (b.at - a.at)

// =============================================================================
// Run
// =============================================================================

interface ScenarioRun {
  readonly rounds: Record<string, Array<Measurement>>
  readonly serverShare: Array<number>
  readonly failures: Record<string, string>
}

const infos: Record<string, Record<string, string>> = {}

/** Where a scenario's local Bedrock is: its endpoint, its server process, and in HTTPS mode its certificate. */
interface Target {
  readonly endpoint: string
  readonly server: Child
  readonly certificate?: string | undefined
}

async function startWorker(client: string, scenario: string, target: Target): Promise<Child> {
  const worker = new Child(path.join(here, "worker.mjs"), workerArgs(client, scenario), `${scenario}/${client}`)
  try {
    const params = plans[scenario]!.params
    const ready = await worker.request({
      cmd: "setup",
      client,
      scenario: plans[scenario]!.kind,
      endpoint: target.endpoint,
      params: target.certificate === undefined ? params : { ...params, ca: target.certificate }
    }, 180_000)
    infos[client] = ready.info.packages
    return worker
  } catch (e) {
    worker.kill()
    throw e
  }
}

async function measure(worker: Child, target: Target, run: ScenarioRun, client: string) {
  const server = target.server
  await server.request({ cmd: "reset" }, 10_000)
  const before = await serverCpu(server)
  const { result } = await worker.request({ cmd: "round" }, 600_000)
  const after = await serverCpu(server)
  run.serverShare.push(cpuShare(before, after))
  if (target.certificate !== undefined) {
    // TLS handshakes the server completed during the round, and how many resumed a session.
    const { connections } = await server.request({ cmd: "connections" }, 10_000)
    if (connections !== undefined) {
      result.tlsHandshakes = connections.tlsHandshakes
      result.tlsResumed = connections.tlsResumed
    }
  }
  run.rounds[client]!.push(result)
}

async function runScenario(scenario: string, target: Target): Promise<ScenarioRun> {
  const plan = plans[scenario]!
  const run: ScenarioRun = { rounds: {}, serverShare: [], failures: {} }
  const only = SCENARIO_CLIENTS[scenario]
  const clients = only === undefined ? allClients : allClients.filter((c) => only.includes(c))
  for (const client of clients) run.rounds[client] = []
  const failed = (client: string, e: unknown) => {
    run.failures[client] = String((e as Error)?.message ?? e).split("\n")[0]!
    log(`  ${client} FAILED: ${run.failures[client]}`)
  }
  if (plan.freshPerRound) {
    for (let r = 0; r < plan.rounds; r++) {
      for (const client of clients) {
        if (run.failures[client] !== undefined) continue
        let worker: Child | undefined
        try {
          worker = await startWorker(client, scenario, target)
          await measure(worker, target, run, client)
        } catch (e) {
          failed(client, e)
        } finally {
          await worker?.close()
        }
      }
    }
    return run
  }
  // One process per client, warmed up once, rounds interleaved: A B C D, A B C D, ...
  const workers = new Map<string, Child>()
  try {
    for (const client of clients) {
      try {
        workers.set(client, await startWorker(client, scenario, target))
      } catch (e) {
        failed(client, e)
      }
    }
    for (let r = 0; r < plan.rounds; r++) {
      for (const client of clients) {
        const worker = workers.get(client)
        if (worker === undefined || run.failures[client] !== undefined) continue
        try {
          await measure(worker, target, run, client)
        } catch (e) {
          failed(client, e)
        }
      }
    }
  } finally {
    await Promise.all(Array.from(workers.values(), (w) => w.close()))
  }
  return run
}

function versions(): Record<string, string> {
  const read = (p: string) => JSON.parse(fs.readFileSync(p, "utf8")).version as string
  return {
    "@effect-bedrock/core": read(path.join(root, "packages/core/package.json")),
    "@effect-bedrock/local": read(path.join(root, "packages/local/package.json")),
    "@effect-bedrock/ai": read(path.join(root, "packages/ai/package.json")),
    "@effect-bedrock/effect4": read(path.join(root, "packages/effect4/package.json")),
    "@effect/ai": read(path.join(root, "node_modules/@effect/ai/package.json")),
    "@effect/platform": read(path.join(root, "node_modules/@effect/platform/package.json")),
    "@aws-sdk/client-bedrock-runtime": read(
      path.join(root, "node_modules/@aws-sdk/client-bedrock-runtime/package.json")
    ),
    effect: read(path.join(root, "node_modules/effect/package.json"))
  }
}

const fmt = (v: unknown): string => {
  if (typeof v !== "number") return String(v ?? "")
  if (!Number.isFinite(v)) return String(v)
  const a = Math.abs(v)
  if (a >= 10_000) return Math.round(v).toLocaleString("en-US")
  if (a >= 100) return v.toFixed(0)
  if (a >= 10) return v.toFixed(1)
  if (a >= 1) return v.toFixed(2)
  return v.toFixed(3)
}

function tableRows(rows: ReadonlyArray<Row>): Array<Array<string>> {
  const out: Array<Array<string>> = [[
    "scenario",
    "client",
    "median",
    "unit",
    "min – max",
    "ratio to SDK",
    "ratio to tuned",
    "notes"
  ]]
  for (const r of rows) {
    const notes: Array<string> = []
    if (r.scenario === "streams-256") {
      notes.push(
        `p99 ${fmt(r.p99Ms)} ms (x${fmt(r.p99RatioToSdk)}${
          r.p99RatioToTuned === undefined ? "" : `; x${fmt(r.p99RatioToTuned)} of tuned`
        })`
      )
    }
    if (r.scenario === "ttft-added") {
      notes.push(
        `TTFT ${fmt(r.ttftMs)} ms${
          r.addedToTunedMs === undefined ? "" : `; ${fmt(r.addedToTunedMs)} ms added to tuned`
        }`
      )
    }
    if (r.scenario === "ttft-tls" || r.scenario === "ttft-tls-rtt") {
      const variants = (r.variants ?? {}) as Record<string, Record<string, number>>
      for (const [name, v] of Object.entries(variants)) {
        notes.push(
          `${name}: one at a time ${fmt(v.sequentialMs)} ms (x${fmt(v.sequentialRatioToSdk)}), ` +
            `${size.ttftTls.concurrency} at once ${fmt(v.concurrentMs)} ms (x${fmt(v.concurrentRatioToSdk)}, p90 ${
              fmt(v.concurrentP90Ms)
            } ms)`
        )
      }
      if (r.tlsHandshakes !== undefined) {
        notes.push(`TLS handshakes per round ${r.tlsHandshakes}, resumed ${r.tlsResumed}`)
      }
    }
    if (r.ratioToOurs !== undefined) notes.push(`x${fmt(r.ratioToOurs)} of effect-bedrock`)
    if (r.ratioToAi !== undefined) notes.push(`x${fmt(r.ratioToAi)} of effect-bedrock-ai`)
    if (r.scenario === "memory-1m") {
      const live = (r.liveHeapGrowthMB as Array<number> | undefined)?.map((v) => `+${fmt(v)}`).join(" / ")
      notes.push(
        `RSS +${fmt(r.rssGrowthMB)} MB; live heap at 1/4, 2/4, 3/4, end: ${live} MB; after GC at end +${
          fmt(r.heapGrowthMaxMB)
        } MB; ` +
          `peak heap (before GC) +${fmt(r.peakHeapGrowthMB)} MB; ${memoryIsFlat(r) ? "flat" : "NOT flat"}`
      )
    }
    out.push([
      r.scenario,
      r.client,
      fmt(r.value),
      r.unit,
      `${fmt(r.min)} – ${fmt(r.max)}`,
      `x${fmt(r.ratioToSdk)}`,
      r.ratioToTuned === undefined ? "" : `x${fmt(r.ratioToTuned)}`,
      notes.join("; ")
    ])
  }
  return out
}

function printTable(table: Array<Array<string>>) {
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
  for (const row of table) log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
}

function markdown(doc: any, table: Array<Array<string>>, checks: ReadonlyArray<Check>): string {
  const lines: Array<string> = []
  lines.push(`# Benchmarks${doc.quick ? " (quick run)" : ""}`, "")
  lines.push(
    "Generated by `npm run bench" + (doc.quick ? " -- --quick" : "") + "` (scripts/bench/run.ts); do not edit by hand.",
    ""
  )
  lines.push(`- Date: ${doc.date}`)
  lines.push(`- Machine: ${doc.machine.cpu} x ${doc.machine.cores}, ${doc.machine.memoryGiB} GiB, ${doc.machine.os}`)
  lines.push(`- Node: ${doc.node}`)
  lines.push(`- Packages: ${Object.entries(doc.packages).map(([k, v]) => `\`${k}\` ${v}`).join(", ")}`)
  for (const [client, packages] of Object.entries(doc.packagesByClient as Record<string, Record<string, string>>)) {
    lines.push(`  - ${client}: ${Object.entries(packages).map(([k, v]) => `\`${k}\` ${v}`).join(", ")}`)
  }
  lines.push(
    `- Rounds: ${doc.rounds} per scenario (memory: ${
      plans["memory-1m"]!.rounds
    }), interleaved (every client once per round, raw SDK first); each client × scenario in its own process, warmed up before the first round`
  )
  lines.push(
    `- Local Bedrock (separate process) CPU share during the measurements: ${
      Object.entries(doc.serverCpuShare as Record<string, number>).map(([s, v]) => `${s} ${Math.round(v * 100)}%`).join(
        ", "
      )
    } (of one core, median over rounds; max ${Math.round((doc.serverCpuShareMax as number) * 100)}%)`
  )
  lines.push("", "## Scenarios", "")
  for (const s of scenarios) lines.push(`- \`${s}\`: ${plans[s]!.describe}`)
  lines.push("", "## Results", "")
  lines.push(
    "Ratio to SDK = this client's figure / the raw SDK's figure in the same round (median over rounds): above 1 is better for throughputs, below 1 is better for times and memory. " +
      "Ratio to tuned = the same against aws-sdk-tuned, the raw SDK given the request handler settings we use (`new NodeHttp2Handler({ requestTimeout, sessionTimeout: 0 })`: one shared HTTP/2 session for non-streaming calls, where the default client opens one per request). " +
      "For effect-bedrock-ai (`@effect-bedrock/ai`, the same path under `@effect/ai`) the notes also give its ratio to effect-bedrock in the same round (\"x0.80 of effect-bedrock\"): the cost of `@effect/ai` on top. " +
      "For effect-bedrock-effect4 (`@effect-bedrock/effect4`, the same engine under Effect 4's `effect/ai`) they also give its ratio to effect-bedrock-ai, the same path on Effect 3.",
    ""
  )
  lines.push(`| ${table[0]!.join(" | ")} |`, `|${table[0]!.map(() => "---").join("|")}|`)
  for (const row of table.slice(1)) lines.push(`| ${row.join(" | ")} |`)
  lines.push(
    "",
    "## Targets (effect-bedrock; effect-bedrock-ai against @effect/ai-amazon-bedrock; effect-bedrock-effect4 against effect-bedrock-ai and the peers)",
    "",
    "| scenario | target | actual | holds |",
    "|---|---|---|---|"
  )
  for (const c of checks) lines.push(`| ${c.scenario} | ${c.target} | ${fmt(c.actual)} | ${c.ok ? "yes" : "**no**"} |`)
  if (Object.keys(doc.failures).length > 0) {
    lines.push("", "## Failures", "")
    for (const [k, v] of Object.entries(doc.failures)) lines.push(`- ${k}: ${v}`)
  }
  const notes = path.join(here, "NOTES.md")
  if (fs.existsSync(notes)) lines.push("", fs.readFileSync(notes, "utf8").trim())
  return lines.join("\n") + "\n"
}

async function main() {
  const started = performance.now()
  ensurePeers(allClients.filter((c) => PEERS.includes(c)))
  log(`effect-bedrock benchmarks (${mode}): ${allClients.join(", ")}`)
  const server = new Child(path.join(here, "server.mjs"), ["--no-warnings"], "local-bedrock")
  // HTTPS local Bedrocks (with or without a latency proxy), a process each, started only for the
  // scenarios that need them.
  const tlsTargets = new Map<number, Target>()
  const targetFor = async (scenario: string): Promise<Target> => {
    const plan = plans[scenario]!
    if (plan.tls !== true) return cleartext
    const rttMs = plan.rttMs ?? 0
    const known = tlsTargets.get(rttMs)
    if (known !== undefined) return known
    const name = rttMs > 0 ? `local-bedrock-tls-rtt${rttMs}` : "local-bedrock-tls"
    const child = new Child(path.join(here, "server.mjs"), ["--no-warnings"], name, ["--tls", `--rtt=${rttMs}`])
    const target: Target = { ...(await child.next(30_000)), server: child }
    tlsTargets.set(rttMs, target)
    const through = rttMs > 0 ? `, through a proxy adding a ${rttMs} ms round trip` : ""
    log(`HTTPS local Bedrock at ${target.endpoint} (separate process, pid ${child.process.pid}${through})`)
    return target
  }
  let cleartext: Target
  try {
    const { endpoint } = await server.next(30_000)
    cleartext = { endpoint, server }
    log(`local Bedrock at ${endpoint} (separate process, pid ${server.process.pid})`)
    const rows: Array<Row> = []
    const serverCpuShare: Record<string, number> = {}
    const failures: Record<string, string> = {}
    for (const scenario of scenarios) {
      const t0 = performance.now()
      const run = await runScenario(scenario, await targetFor(scenario))
      for (const [client, reason] of Object.entries(run.failures)) failures[`${scenario}/${client}`] = reason
      const list = rowsFor(scenario, run.rounds)
      for (const row of list) rows.push(row)
      serverCpuShare[scenario] = Math.round(median(run.serverShare) * 1000) / 1000
      const line = list.map((r) => `${r.client} ${fmt(r.value)} (x${fmt(r.ratioToSdk)})`).join(", ")
      log(
        `${scenario} [${((performance.now() - t0) / 1000).toFixed(1)} s, server CPU ${
          Math.round(serverCpuShare[scenario] * 100)
        }%]: ${list[0]?.unit}: ${line}`
      )
    }
    const checks = checkTargets(rows)
    const doc = validateDocument({
      node: process.version,
      quick: mode !== "full",
      mode,
      date: new Date().toISOString(),
      rounds,
      machine: {
        cpu: os.cpus()[0]?.model.trim() ?? "unknown",
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 1024 ** 3),
        os: `${os.type()} ${os.release()} ${os.arch()}`
      },
      packages: versions(),
      packagesByClient: infos,
      serverCpuShare,
      serverCpuShareMax: Math.max(...Object.values(serverCpuShare)),
      failures,
      results: rows,
      checks
    })
    const table = tableRows(rows)
    log("")
    printTable(table)
    log("")
    for (const c of checks) log(`${c.ok ? "ok  " : "MISS"} ${c.scenario}: ${c.target} (${fmt(c.actual)})`)
    if (write) {
      fs.mkdirSync(outDir!, { recursive: true })
      const base = mode === "full" ? "latest" : "quick"
      fs.writeFileSync(path.join(outDir!, `${base}.json`), JSON.stringify(doc, null, 2) + "\n")
      fs.writeFileSync(path.join(outDir!, mode === "full" ? "README.md" : "quick.md"), markdown(doc, table, checks))
      log(`\nwrote ${path.relative(root, path.join(outDir!, `${base}.json`))}`)
    }
    if (option("json") !== undefined) fs.writeFileSync(option("json")!, JSON.stringify(doc, null, 2) + "\n")
    log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
    if (Object.keys(failures).length > 0) process.exitCode = 1
  } finally {
    await Promise.all([server.close(), ...Array.from(tlsTargets.values(), (t) => t.server.close())])
  }
}

const median = (values: ReadonlyArray<number>) => {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const mid = (s.length - 1) / 2
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2
}

main().catch((e) => {
  console.error(e)
  killAll()
  process.exit(1)
})
