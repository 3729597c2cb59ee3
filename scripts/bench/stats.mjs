// The pure parts of the benchmark runner: statistics, ratios to the raw SDK, the result rows of
// latest.json and the targets. Plain ESM (with stats.d.mts) so run.ts and the unit test share it.

export const SCENARIOS = [
  "converse-c1",
  "converse-c64",
  "stream-20k",
  "streams-256",
  "ttft-added",
  "ttft-tls",
  "ttft-tls-rtt",
  "memory-1m",
  "mapping-200"
]
/** Scenarios measured for some clients only (the others are skipped, not failed). */
export const SCENARIO_CLIENTS = {
  "ttft-tls": ["aws-sdk", "effect-bedrock"],
  "ttft-tls-rtt": ["aws-sdk", "effect-bedrock"]
}
export const CLIENTS = [
  "aws-sdk",
  "aws-sdk-tuned",
  "effect-bedrock",
  "effect-bedrock-ai",
  "effect-bedrock-effect4",
  "ai-sdk",
  "langchain",
  "effect-ai-bedrock"
]
export const BASELINE = "aws-sdk"
/** The raw SDK with the request handler settings we use (one shared HTTP/2 session): the second
 * baseline, the honest limit for non-streaming calls. Every row also has its ratio to it. */
export const TUNED = "aws-sdk-tuned"
export const OURS = "effect-bedrock"
/** `@effect-bedrock/ai`: our LanguageModel under `@effect/ai`. Compared with OURS (ratioToOurs) and with
 * Effect's own Bedrock provider for `@effect/ai`, which it must stay ahead of. */
export const OURS_AI = "effect-bedrock-ai"
export const EFFECT_AI_PEER = "effect-ai-bedrock"
/** `@effect-bedrock/effect4`: the same engine under Effect 4's `effect/ai`. Compared with OURS_AI (ratioToAi, the
 * same path on Effect 3), which it must be ahead of, as of every peer. */
export const OURS_EFFECT4 = "effect-bedrock-effect4"
/** Clients of this repository: never counted as peers of OURS. */
const OWN = new Set([BASELINE, TUNED, OURS, OURS_AI, OURS_EFFECT4])

/** Linear-interpolated quantile of unsorted numbers (NaN for none). */
export function quantile(values, q) {
  const sorted = values.filter((v) => typeof v === "number" && !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export const median = (values) => quantile(values, 0.5)

/** Median, min, max and interquartile range. */
export function summarize(values) {
  return {
    median: median(values),
    min: quantile(values, 0),
    max: quantile(values, 1),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    n: values.length
  }
}

/**
 * Result rows from raw rounds. `rounds[client]` is one measurement per round (same round index =
 * measured in the same interleaved round). The ratio to the raw SDK is the median of the per-round
 * ratios (client / SDK in that round). For `ttft-added` the value is the client's time to first
 * token minus the SDK's in the same round, and the ratio compares the two times.
 *
 * @param {string} scenario
 * @param {Record<string, Array<{ value: number, unit: string, higherIsBetter: boolean } & Record<string, unknown>>>} rounds
 */
export function rowsFor(scenario, rounds) {
  const base = rounds[BASELINE]
  if (!base || base.length === 0) throw new Error(`no ${BASELINE} rounds for ${scenario}`)
  const rows = []
  for (const client of CLIENTS) {
    const own = rounds[client]
    if (!own || own.length === 0) continue
    const n = Math.min(own.length, base.length)
    const ratios = []
    const values = []
    for (let i = 0; i < n; i++) {
      ratios.push(own[i].value / base[i].value)
      values.push(scenario === "ttft-added" ? own[i].value - base[i].value : own[i].value)
    }
    const s = summarize(values)
    const first = own[0]
    const row = {
      scenario,
      client,
      value: round(s.median),
      unit: scenario === "ttft-added" ? "ms added" : first.unit,
      higherIsBetter: scenario === "ttft-added" ? false : first.higherIsBetter,
      ratioToSdk: round(median(ratios), 4),
      min: round(s.min),
      max: round(s.max),
      rounds: n
    }
    if (scenario === "ttft-added") row.ttftMs = round(median(own.map((r) => r.value)), 4)
    const tuned = rounds[TUNED]
    if (tuned && tuned.length > 0) {
      // This client's figure / the tuned SDK's in the same round (for ttft-added: the two TTFTs).
      const m = Math.min(own.length, tuned.length)
      row.ratioToTuned = round(median(own.slice(0, m).map((r, i) => r.value / tuned[i].value)), 4)
      if (scenario === "ttft-added") {
        row.addedToTunedMs = round(median(own.slice(0, m).map((r, i) => r.value - tuned[i].value)), 4)
      }
      if (scenario === "streams-256") {
        row.p99RatioToTuned = round(median(own.slice(0, m).map((r, i) => r.p99Ms / tuned[i].p99Ms)), 4)
      }
    }
    const ours = rounds[OURS]
    if (client === OURS_AI && ours && ours.length > 0) {
      // This client's figure / effect-bedrock's in the same round (for ttft-added: the two TTFTs).
      const m = Math.min(own.length, ours.length)
      row.ratioToOurs = round(median(own.slice(0, m).map((r, i) => r.value / ours[i].value)), 4)
    }
    const ai = rounds[OURS_AI]
    if (client === OURS_EFFECT4 && ai && ai.length > 0) {
      // This client's figure / effect-bedrock-ai's in the same round (for ttft-added: the two TTFTs).
      const m = Math.min(own.length, ai.length)
      row.ratioToAi = round(median(own.slice(0, m).map((r, i) => r.value / ai[i].value)), 4)
      if (ours && ours.length > 0) {
        const k = Math.min(own.length, ours.length)
        row.ratioToOurs = round(median(own.slice(0, k).map((r, i) => r.value / ours[i].value)), 4)
      }
    }
    if (scenario === "streams-256") {
      row.p99Ms = round(median(own.map((r) => r.p99Ms)))
      row.p99RatioToSdk = round(median(own.slice(0, n).map((r, i) => r.p99Ms / base[i].p99Ms)), 4)
    }
    if (scenario === "memory-1m") {
      for (const key of ["rssGrowthMB", "heapGrowthMB", "peakHeapGrowthMB", "deltasPerSec"]) {
        row[key] = round(median(own.map((r) => r[key])))
      }
      row.heapGrowthMaxMB = round(Math.max(...own.map((r) => r.heapGrowthMB)))
      // Live heap after GC at each quarter of the stream, relative to the start (worst round).
      row.liveHeapGrowthMB = [0, 1, 2, 3].map((q) =>
        round(Math.max(...own.map((r) => (r.liveHeapMB?.[q] ?? NaN) - r.heapStartMB)))
      )
    }
    if (scenario === "ttft-tls" || scenario === "ttft-tls-rtt") {
      row.variants = tlsVariants(own.slice(0, n), base.slice(0, n))
      // TLS handshakes the server saw in a round (every variant of this client), and how many resumed.
      if (own[0]?.tlsHandshakes !== undefined) {
        row.tlsHandshakes = round(median(own.map((r) => r.tlsHandshakes)))
        row.tlsResumed = round(median(own.map((r) => r.tlsResumed)))
      }
    }
    const cpu = own.map((r) => r.cpuMs / r.wallMs).filter((v) => Number.isFinite(v))
    if (cpu.length > 0) row.clientCpuShare = round(median(cpu), 3)
    rows.push(row)
  }
  return rows
}

/**
 * `ttft-tls`: per connection variant, the medians over rounds of its sequential and concurrent time to
 * first token, and their ratios to the raw SDK's default variant in the same round.
 */
function tlsVariants(own, base) {
  const out = {}
  for (const name of Object.keys(own[0]?.variants ?? {})) {
    const rounds = own.map((r, i) => [r.variants?.[name], base[i].variants?.default]).filter(([v, b]) => v && b)
    const mid = (f) => round(median(rounds.map(f)), 4)
    out[name] = {
      sequentialMs: mid(([v]) => v.sequentialMs),
      concurrentMs: mid(([v]) => v.concurrentMs),
      concurrentP90Ms: mid(([v]) => v.concurrentP90Ms),
      sequentialRatioToSdk: mid(([v, b]) => v.sequentialMs / b.sequentialMs),
      concurrentRatioToSdk: mid(([v, b]) => v.concurrentMs / b.concurrentMs)
    }
  }
  return out
}

function round(v, digits) {
  if (typeof v !== "number" || !Number.isFinite(v)) return v
  const d = digits ?? (Math.abs(v) >= 100 ? 1 : Math.abs(v) >= 1 ? 3 : 4)
  const f = 10 ** d
  return Math.round(v * f) / f
}

/** Flat memory: the live heap (after a full GC) at every quarter of the stream and at its end is
 * less than 4 MB above where it started, and it does not climb from the first quarter to the
 * last by more than 2 MB. */
export function memoryIsFlat(row) {
  if (row.heapGrowthMaxMB === undefined) return undefined
  const live = (row.liveHeapGrowthMB ?? []).filter((v) => Number.isFinite(v))
  if (live.length < 4) return row.heapGrowthMaxMB < 4
  return row.heapGrowthMaxMB < 4 && Math.max(...live) < 4 && live[3] - live[0] < 2
}

const atLeast = (target, actual, limit) => ({ target: `${target} >= ${limit}`, actual, ok: atOrAbove(actual, limit) })
const atMost = (target, actual, limit) => ({ target: `${target} <= ${limit}`, actual, ok: atOrBelow(actual, limit) })
const atOrAbove = (actual, limit) => typeof actual === "number" ? actual >= limit : undefined
const atOrBelow = (actual, limit) => typeof actual === "number" ? actual <= limit : undefined

/** Issue 13's targets for effect-bedrock, per scenario (ratios to the tuned SDK unless said). A
 * target whose baseline did not run has `ok: undefined`. */
const TARGETS = {
  "converse-c1": (r) => [atLeast("ratio to tuned SDK", r.ratioToTuned, 0.95)],
  "converse-c64": (r) => [atLeast("ratio to tuned SDK", r.ratioToTuned, 0.95)],
  "stream-20k": (r) => [
    atLeast("ratio to raw SDK", r.ratioToSdk, 1),
    atLeast("ratio to tuned SDK", r.ratioToTuned, 0.95)
  ],
  "streams-256": (r) => [
    atLeast("ratio to raw SDK", r.ratioToSdk, 1),
    atLeast("ratio to tuned SDK", r.ratioToTuned, 0.95),
    atMost("p99 ratio to tuned SDK", r.p99RatioToTuned, 1.1)
  ],
  "ttft-added": (r) => [atMost("ms added to the raw SDK's time to first token", r.value, 0.3)],
  "memory-1m": (r) => [
    atMost("peak RSS ratio to raw SDK", r.ratioToSdk, 1.3),
    { target: "flat memory", actual: `heap growth ${r.heapGrowthMaxMB} MB`, ok: memoryIsFlat(r) }
  ],
  "mapping-200": (r) => [atMost("ratio to the hand-written input", r.ratioToSdk, 1.1)]
}

/** Our targets, checked on the rows of one run. */
export function checkTargets(rows) {
  const checks = []
  const byScenario = new Map()
  for (const row of rows) {
    if (!byScenario.has(row.scenario)) byScenario.set(row.scenario, [])
    byScenario.get(row.scenario).push(row)
  }
  for (const [scenario, list] of byScenario) {
    const oursAi = list.find((r) => r.client === OURS_AI)
    const effectAi = list.find((r) => r.client === EFFECT_AI_PEER)
    if (oursAi && effectAi) {
      const ahead = oursAi.higherIsBetter ? oursAi.value > effectAi.value : oursAi.value < effectAi.value
      checks.push({
        scenario,
        target: `${OURS_AI} ahead of ${EFFECT_AI_PEER}`,
        actual: `${oursAi.value} vs ${effectAi.value}`,
        ok: ahead
      })
    }
    const effect4 = list.find((r) => r.client === OURS_EFFECT4)
    if (effect4) {
      for (const other of list) {
        if (other.client === BASELINE || other.client === TUNED || other.client === OURS || other === effect4) continue
        const ahead = effect4.higherIsBetter ? effect4.value > other.value : effect4.value < other.value
        checks.push({
          scenario,
          target: `${OURS_EFFECT4} ahead of ${other.client}`,
          actual: `${effect4.value} vs ${other.value}`,
          ok: ahead
        })
      }
    }
    const ours = list.find((r) => r.client === OURS)
    if (!ours) continue
    for (const check of TARGETS[scenario]?.(ours) ?? []) checks.push({ scenario, ...check })
    for (const peer of list) {
      if (OWN.has(peer.client)) continue
      const ahead = ours.higherIsBetter ? ours.value > peer.value : ours.value < peer.value
      checks.push({ scenario, target: `ahead of ${peer.client}`, actual: `${ours.value} vs ${peer.value}`, ok: ahead })
    }
  }
  return checks
}

/** Throws when `doc` is not in the latest.json shape. */
export function validateDocument(doc) {
  if (typeof doc !== "object" || doc === null) throw new Error("not an object")
  if (typeof doc.node !== "string") throw new Error("node must be a string")
  if (typeof doc.quick !== "boolean") throw new Error("quick must be a boolean")
  if (!Array.isArray(doc.results)) throw new Error("results must be an array")
  for (const r of doc.results) {
    if (!SCENARIOS.includes(r.scenario)) throw new Error(`unknown scenario ${r.scenario}`)
    if (!CLIENTS.includes(r.client)) throw new Error(`unknown client ${r.client}`)
    if (typeof r.value !== "number" || !Number.isFinite(r.value)) throw new Error(`value of ${r.scenario}/${r.client}`)
    if (typeof r.unit !== "string") throw new Error("unit must be a string")
    if (typeof r.higherIsBetter !== "boolean") throw new Error("higherIsBetter must be a boolean")
    if (typeof r.ratioToSdk !== "number" || !Number.isFinite(r.ratioToSdk)) {
      throw new Error(`ratioToSdk of ${r.scenario}/${r.client}`)
    }
  }
  return doc
}
