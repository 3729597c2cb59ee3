// `npm run fleet`: a fleet of app instances (worker processes) against one local Bedrock with a
// quota, everything on 127.0.0.1. Run twice: each instance retrying its own throttled calls
// (`independent`), then every instance behind `BedrockRateLimiter.layerRedis` sharing one budget in
// a real redis-server (`shared`). Prints the figures side by side and writes docs/fleet.md and
// docs/fleet.json. Bounded: each run lasts `--seconds`, and every wait has a deadline.
//
// Options:
//   --workers N      app instances (default 4)
//   --loops N        concurrent callers per instance, each calling again at once (default 8)
//   --seconds N      length of each run (default 30)
//   --rpm N          the quota: requests per minute (default 600)
//   --tpm N          tokens per minute (default 100000; each call reserves about 80: requests bind)
//   --burst N        seconds of quota the local Bedrock lets through at once (default 5)
//   --modes a,b      independent,shared (default both)
//   --out-dir DIR    where fleet.md / fleet.json go (default docs); --no-write writes nothing
//   --json FILE      also write the figures there
import { LocalBedrockServer } from "@effect-bedrock/local"
import { type ChildProcess, fork } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureRedisServer, startRedisServer } from "../redis-server.mjs"
import type { Setup, WorkerResult } from "./worker.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, "../..")
const MODEL = "us.amazon.nova-lite-v1:0"
const MAX_TOKENS = 64

// =============================================================================
// Options
// =============================================================================

const argv = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (i === -1) return undefined
  const a = argv[i]!
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1]
}
const number = (name: string, fallback: number): number => {
  const value = Number(option(name) ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`)
  return value
}
const workers = number("workers", 4)
const loops = number("loops", 8)
const seconds = number("seconds", 30)
const rpm = number("rpm", 600)
const tpm = number("tpm", 100_000)
const burst = number("burst", 5)
type Mode = "independent" | "shared"
const modes = (option("modes") ?? "independent,shared").split(",").filter((m): m is Mode =>
  m === "independent" || m === "shared"
)
const outDir = option("out-dir") ?? path.join(root, "docs")
const write = !argv.includes("--no-write")
const jsonOut = option("json")

// =============================================================================
// Workers
// =============================================================================

const children = new Set<ChildProcess>()
const killAll = () => {
  for (const child of children) child.kill("SIGKILL")
}
process.on("exit", killAll)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAll()
    process.exit(130)
  })
}

/** The next message of `child`, or an error after `ms`. */
const nextMessage = (child: ChildProcess, ms: number, name: string): Promise<any> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no answer within ${ms} ms`)), ms)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${code})`))
    }
    child.once("exit", onExit)
    child.once("message", (message: any) => {
      clearTimeout(timer)
      child.off("exit", onExit)
      if (message?.error !== undefined) reject(new Error(`${name}: ${message.error}`))
      else resolve(message)
    })
  })

interface RunFigures {
  readonly callsPerMinute: number
  readonly throttled: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly completed: number
  readonly failed: number
  readonly failures: Record<string, number>
  readonly admitted: number
  readonly wastedTokens: number
}

const quantile = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

const words = (text: string) => text.split(/\s+/).filter((w) => w.length > 0).length

/** What a throttled request asked to be admitted for: its input (as the local Bedrock counts it) + maxTokens. */
const admissionTokens = (body: any): number => {
  let input = 0
  for (const message of body?.messages ?? []) {
    for (const block of message?.content ?? []) if (typeof block?.text === "string") input += words(block.text)
  }
  return Math.max(1, input) + (body?.inferenceConfig?.maxTokens ?? 4096)
}

const runMode = async (
  mode: Mode,
  server: LocalBedrockServer.LocalBedrockServer,
  redisUrl: string
): Promise<RunFigures> => {
  const setup: Setup = {
    mode,
    endpoint: server.endpoint,
    redisUrl,
    keyPrefix: `fleet:${process.pid}:${Date.now()}:`,
    modelId: MODEL,
    requestsPerMinute: rpm,
    tokensPerMinute: tpm,
    loops,
    maxTokens: MAX_TOKENS
  }
  const started = Array.from({ length: workers }, (_, i) => {
    const child = fork(path.join(here, "worker.mjs"), [], {
      execArgv: ["--no-warnings"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
    })
    children.add(child)
    child.once("exit", () => children.delete(child))
    return { child, name: `${mode} worker ${i + 1}` }
  })
  try {
    await Promise.all(started.map(({ child, name }) => {
      const ready = nextMessage(child, 120_000, name)
      child.send({ cmd: "setup", ...setup })
      return ready
    }))
    // Warm-up requests out of the log, every quota full again.
    server.reset()
    const results: Array<WorkerResult> = (await Promise.all(started.map(({ child, name }) => {
      const done = nextMessage(child, (seconds + 60) * 1000, name)
      child.send({ cmd: "go", seconds })
      return done
    }))).map((message) => message.result)
    const log = server.requests().filter((r) => r.modelId === MODEL)
    const throttledRequests = log.filter((r) => r.throttled === true)
    const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
    const completed = results.reduce((n, r) => n + r.completed, 0)
    const failures: Record<string, number> = {}
    for (const r of results) {
      for (const [tag, n] of Object.entries(r.failures)) failures[tag] = (failures[tag] ?? 0) + n
    }
    return {
      callsPerMinute: Math.round((completed / seconds) * 60),
      throttled: throttledRequests.length,
      p50Ms: Math.round(quantile(latencies, 0.5)),
      p99Ms: Math.round(quantile(latencies, 0.99)),
      completed,
      failed: results.reduce((n, r) => n + r.failed, 0),
      failures,
      admitted: log.length - throttledRequests.length,
      wastedTokens: throttledRequests.reduce((n, r) => n + admissionTokens(r.body), 0)
    }
  } finally {
    for (const { child } of started) if (child.exitCode === null) child.kill("SIGKILL")
  }
}

// =============================================================================
// Report
// =============================================================================

const fmt = (n: number) => n.toLocaleString("en-US")

const report = (figures: Partial<Record<Mode, RunFigures>>) => {
  const { independent, shared } = figures
  const checks = independent !== undefined && shared !== undefined
    ? [
      {
        target: "throttled requests cut by at least 90%",
        ok: shared.throttled <= 0.1 * independent.throttled,
        detail: `${fmt(independent.throttled)} -> ${fmt(shared.throttled)}`
      },
      {
        target: "at no less than 90% of the quota's throughput",
        ok: shared.callsPerMinute >= 0.9 * rpm,
        detail: `${fmt(shared.callsPerMinute)} calls/min, quota ${fmt(rpm)} requests/min`
      }
    ]
    : []
  const columns = modes.filter((m) => figures[m] !== undefined)
  const row = (label: string, value: (f: RunFigures) => string) =>
    `| ${label} | ${columns.map((m) => value(figures[m]!)).join(" | ")} |`
  const table = [
    `| | ${
      columns.map((m) => (m === "independent" ? "each instance retries on its own" : "shared limiter (Redis)")).join(
        " | "
      )
    } |`,
    `|---|${columns.map(() => "---").join("|")}|`,
    row("completed calls per minute", (f) => fmt(f.callsPerMinute)),
    row("throttled requests (429 from Bedrock)", (f) => fmt(f.throttled)),
    row("p50 latency (ms)", (f) => fmt(f.p50Ms)),
    row("p99 latency (ms)", (f) => fmt(f.p99Ms)),
    row("wasted (throttled) token admissions", (f) => fmt(f.wastedTokens)),
    row("requests admitted by Bedrock", (f) => fmt(f.admitted)),
    row("calls failed", (f) =>
      f.failed === 0
        ? "0"
        : `${fmt(f.failed)} (${Object.entries(f.failures).map(([tag, n]) => `${tag} ${fmt(n)}`).join(", ")})`)
  ].join("\n")
  return { table, checks }
}

const markdown = (table: string, checks: ReturnType<typeof report>["checks"]) =>
  `# Fleet: many instances, one Bedrock quota

\`npm run fleet\` runs ${workers} app instances (worker processes, ${loops} concurrent callers each, every
caller generating and streaming alternately, calling again as soon as its call is done) for ${seconds}
seconds against one local Bedrock (\`@effect-bedrock/local\`, 127.0.0.1) with a quota of ${fmt(rpm)}
requests and ${fmt(tpm)} tokens per minute (at most ${burst} seconds of it at once; over the quota it
answers a real \`ThrottlingException\`, HTTP 429). It runs twice:

- **each instance retries on its own**: \`BedrockClient.layer\` with its default retry policy (3 attempts,
  exponential backoff from 500 ms with jitter), what every instance of an app does today;
- **shared limiter**: \`BedrockRateLimiter.layerRedis\` with the quota as its budget, every instance
  sharing it through one real \`redis-server\` on 127.0.0.1, over \`BedrockClient.layer({ retry: false })\`.

The offered load (${workers * loops} callers) is far above the quota in both runs, so the quota is what
limits the throughput. Calls per minute can be above the quota: the local Bedrock lets ${burst} seconds of
it through at once at the start (the limiter's own burst is 1 second), and the throttled requests are
counted by the local Bedrock itself. Latency is per completed call, from its first attempt (or its wait for budget)
to its answer; calls still running at the end are not counted. Wasted token admissions are what the
throttled requests asked to be admitted for (input tokens + \`maxTokens\`, ${MAX_TOKENS}).

${table}

Targets (issue 12): ${
    checks.length === 0
      ? "not checked (one mode only)"
      : checks.map((c) => `${c.ok ? "met" : "NOT met"}: ${c.target} (${c.detail})`).join("; ")
  }.

With the shared limiter the instances wait for budget instead of being throttled: the fleet runs
at the quota with next to no throttling, and each call's latency is its wait in line (the offered
load is several times the quota). Retrying on their own, the instances keep sending requests that
Bedrock refuses, and calls that exhaust their retries fail.

Figures in [fleet.json](fleet.json). Node ${process.version}, ${os.cpus().length} cores, load average
${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end of the run.
Reproduce: \`npm run fleet\` (options: \`-- --workers N --loops N --seconds N --rpm N\`).
`

// =============================================================================
// Main
// =============================================================================

const main = async () => {
  const redisBinary = ensureRedisServer({ install: true })
  if (redisBinary.path === undefined) throw new Error(redisBinary.reason)
  const redis = await startRedisServer()
  const server = await LocalBedrockServer.start({
    quotas: { [MODEL]: { requestsPerMinute: rpm, tokensPerMinute: tpm, burstSeconds: burst } }
  })
  const figures: Partial<Record<Mode, RunFigures>> = {}
  try {
    for (const mode of modes) {
      console.log(`${mode}: ${workers} workers x ${loops} callers, ${seconds} s ...`)
      figures[mode] = await runMode(mode, server, redis.url)
    }
  } finally {
    await server.close()
    await redis.stop()
  }
  const { checks, table } = report(figures)
  console.log(`\nquota: ${fmt(rpm)} requests / ${fmt(tpm)} tokens per minute\n\n${table}\n`)
  for (const c of checks) console.log(`${c.ok ? "met    " : "NOT MET"} ${c.target}: ${c.detail}`)
  const pick = (f: RunFigures) => ({
    callsPerMinute: f.callsPerMinute,
    throttled: f.throttled,
    p50Ms: f.p50Ms,
    p99Ms: f.p99Ms
  })
  const json = {
    quotaPerMinute: rpm,
    ...(figures.independent === undefined ? {} : { independent: pick(figures.independent) }),
    ...(figures.shared === undefined ? {} : { shared: pick(figures.shared) })
  }
  if (jsonOut !== undefined) fs.writeFileSync(jsonOut, JSON.stringify({ ...json, details: figures }, null, 2) + "\n")
  if (write && figures.independent !== undefined && figures.shared !== undefined) {
    fs.mkdirSync(outDir, { recursive: true })
    fs.writeFileSync(path.join(outDir, "fleet.json"), JSON.stringify(json, null, 2) + "\n")
    fs.writeFileSync(path.join(outDir, "fleet.md"), markdown(table, checks))
    console.log(`\nwrote ${path.relative(root, path.join(outDir, "fleet.md"))} and fleet.json`)
  }
  if (checks.some((c) => !c.ok)) process.exitCode = 1
}

main().catch((error) => {
  console.error(error)
  killAll()
  process.exit(1)
})
