// One client x one scenario, in its own process (forked by run.ts with an IPC channel), so that
// the memory, GC and JIT state of one client never affects another.
//   parent -> { cmd: "setup", client, scenario, endpoint, params }   child -> { ready, info }  (after warm-up)
//   parent -> { cmd: "round" }                                        child -> { result }        (one measurement)
//   parent -> { cmd: "close" }                                        child closes the client and exits
// Run with --expose-gc (memory scenario).
import { makeConversation } from "./peers/conversation.mjs"

const here = new URL(".", import.meta.url)
const ADAPTERS = {
  "aws-sdk": new URL("clients/aws-sdk.mjs", here),
  "aws-sdk-tuned": new URL("clients/aws-sdk-tuned.mjs", here),
  "effect-bedrock": new URL("clients/effect-bedrock.mjs", here),
  "effect-bedrock-ai": new URL("clients/effect-bedrock-ai.mjs", here),
  "effect-bedrock-effect4": new URL("clients/effect-bedrock-effect4.mjs", here),
  "ai-sdk": new URL("peers/ai-sdk/adapter.mjs", here),
  langchain: new URL("peers/langchain/adapter.mjs", here),
  "effect-ai-bedrock": new URL("peers/effect-ai-bedrock/adapter.mjs", here)
}

const MB = 1024 * 1024
const now = () => performance.now()
const PROMPT = "Say hello"

const quantile = (sorted, q) => {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Runs `stream` and checks that the deltas add up to `expected` characters. */
async function streamCounting(client, expected) {
  let chars = 0
  await client.stream(PROMPT, (delta) => {
    chars += delta.length
  })
  if (expected !== undefined && chars !== expected) {
    throw new Error(`stream delivered ${chars} characters, expected ${expected}`)
  }
  return chars
}

/** Scenario -> { modelId, warmUp(client), round(client) -> result }. Every loop is bounded by time
 * and by a count. */
const SCENARIOS = {
  converse: (p) => ({
    modelId: "local.small",
    async warmUp(client) {
      const text = await client.converse(PROMPT)
      if (text !== "Hello from local Bedrock.") throw new Error(`unexpected converse answer ${JSON.stringify(text)}`)
      await converseFor(client, p.concurrency, p.warmupMs)
    },
    async round(client) {
      const { count, ms } = await converseFor(client, p.concurrency, p.durationMs)
      return { value: (count / ms) * 1000, unit: "req/s", higherIsBetter: true, count }
    }
  }),
  stream: (p) => ({
    modelId: `local.stream-${p.deltas}`,
    async warmUp(client) {
      for (let i = 0; i < p.warmupStreams; i++) await streamCounting(client, p.deltas)
    },
    async round(client) {
      const t0 = now()
      for (let i = 0; i < p.streams; i++) await streamCounting(client, p.deltas)
      const ms = now() - t0
      return { value: (p.streams * p.deltas) / ms * 1000, unit: "deltas/s", higherIsBetter: true, ms }
    }
  }),
  concurrentStreams: (p) => ({
    modelId: `local.stream-${p.deltas}`,
    async warmUp(client) {
      await concurrent(client, p.warmupConcurrency, p.deltas)
    },
    async round(client) {
      const { ms, times } = await concurrent(client, p.concurrency, p.deltas)
      const sorted = times.sort((a, b) => a - b)
      return {
        value: (p.concurrency * p.deltas) / ms * 1000,
        unit: "deltas/s",
        higherIsBetter: true,
        p99Ms: quantile(sorted, 0.99),
        p50Ms: quantile(sorted, 0.5)
      }
    }
  }),
  ttft: (p) => ({
    modelId: `local.ttft-${p.waitMs}-${p.deltas}`,
    async warmUp(client) {
      for (let i = 0; i < p.warmupSamples; i++) await ttftSample(client, p.deltas)
    },
    async round(client) {
      const samples = []
      for (let i = 0; i < p.samples; i++) samples.push(await ttftSample(client, p.deltas))
      samples.sort((a, b) => a - b)
      return { value: quantile(samples, 0.5), unit: "ms", higherIsBetter: false, min: samples[0] }
    }
  }),
  // Time to first token over TLS (an HTTPS local Bedrock, `p.ca` its certificate), for every
  // connection variant the adapter has (`tlsVariants`: a client each), samples interleaved across the
  // variants: one stream at a time, and `p.concurrency` streams started at once.
  ttftTls: (p) => ({
    modelId: `local.stream-${p.deltas}`,
    async create(adapter, base) {
      const variants = []
      try {
        for (const variant of adapter.tlsVariants ?? ["default"]) {
          variants.push([variant, await adapter.create({ ...base, ca: p.ca, variant })])
        }
      } catch (error) {
        await closeVariants(variants)
        throw error
      }
      return { variants, close: () => closeVariants(variants) }
    },
    async warmUp(set) {
      for (let i = 0; i < p.warmupSamples; i++) {
        for (const [, client] of set.variants) await ttftSample(client, p.deltas)
      }
      for (const [, client] of set.variants) await concurrentTtft(client, p.concurrency, p.deltas)
    },
    async round(set) {
      const sequential = new Map(set.variants.map(([name]) => [name, []]))
      const concurrentTimes = new Map(set.variants.map(([name]) => [name, []]))
      for (let i = 0; i < p.samples; i++) {
        for (const [name, client] of set.variants) sequential.get(name).push(await ttftSample(client, p.deltas))
      }
      for (let b = 0; b < p.batches; b++) {
        for (const [name, client] of set.variants) {
          concurrentTimes.get(name).push(...(await concurrentTtft(client, p.concurrency, p.deltas)))
        }
      }
      const variants = {}
      for (const [name] of set.variants) {
        const seq = sequential.get(name).sort((a, b) => a - b)
        const conc = concurrentTimes.get(name).sort((a, b) => a - b)
        variants[name] = {
          sequentialMs: quantile(seq, 0.5),
          concurrentMs: quantile(conc, 0.5),
          concurrentP90Ms: quantile(conc, 0.9)
        }
      }
      return { value: variants.default.sequentialMs, unit: "ms", higherIsBetter: false, variants }
    }
  }),
  memory: (p) => ({
    modelId: `local.stream-${p.deltas}`,
    async warmUp(client) {
      await client.stream(PROMPT, () => {})
    },
    async round(client) {
      return memoryRound(client, p)
    }
  }),
  mapping: (p) => {
    let native
    return {
      modelId: "us.amazon.nova-micro-v1:0",
      async warmUp(client) {
        native = client.prepareConversation(makeConversation({ messages: p.messages, tools: p.tools }))
        const body = await client.mapRequest(native)
        const json = typeof body === "string"
          ? JSON.parse(body)
          : body instanceof Uint8Array
          ? JSON.parse(new TextDecoder().decode(body))
          : body
        if (json.messages.length !== p.messages || (json.toolConfig?.tools?.length ?? 0) !== p.tools) {
          throw new Error(`mapping built ${json.messages.length} messages and ${json.toolConfig?.tools?.length} tools`)
        }
        await mapFor(client, native, p.warmupMs, p.maxIterations)
      },
      async round(client) {
        const { count, ms } = await mapFor(client, native, p.durationMs, p.maxIterations)
        return { value: (ms * 1000) / count, unit: "µs/request", higherIsBetter: false, count }
      }
    }
  }
}

async function converseFor(client, concurrency, durationMs) {
  const t0 = now()
  const end = t0 + durationMs
  let count = 0
  const loop = async () => {
    // Bounded: at most 10M calls per loop, and the time limit.
    for (let i = 0; i < 10_000_000 && now() < end; i++) {
      await client.converse(PROMPT)
      count++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop))
  return { count, ms: now() - t0 }
}

async function concurrent(client, concurrency, deltas) {
  const t0 = now()
  const times = await Promise.all(Array.from({ length: concurrency }, async () => {
    await streamCounting(client, deltas)
    return now() - t0
  }))
  return { ms: now() - t0, times }
}

async function ttftSample(client, deltas) {
  let first
  let count = 0
  const t0 = now()
  await client.stream(PROMPT, (delta) => {
    if (first === undefined) first = now() - t0
    count += delta.length
  })
  if (first === undefined || count !== deltas) throw new Error(`ttft stream delivered ${count} characters`)
  return first
}

/** `concurrency` streams started at once: each one's time to first token, from the common start. */
async function concurrentTtft(client, concurrency, deltas) {
  const t0 = now()
  return Promise.all(Array.from({ length: concurrency }, async () => {
    let first
    let count = 0
    await client.stream(PROMPT, (delta) => {
      if (first === undefined) first = now() - t0
      count += delta.length
    })
    if (first === undefined || count !== deltas) throw new Error(`ttft stream delivered ${count} characters`)
    return first
  }))
}

async function closeVariants(variants) {
  for (const [, client] of variants) await client.close().catch(() => undefined)
}

async function mapFor(client, native, durationMs, maxIterations) {
  const t0 = now()
  const end = t0 + durationMs
  let count = 0
  // Check the clock every 16 calls: performance.now() is not free next to a few-µs call.
  while (count < maxIterations) {
    for (let i = 0; i < 16; i++) await client.mapRequest(native)
    count += 16
    if (now() >= end) break
  }
  return { count, ms: now() - t0 }
}

async function memoryRound(client, p) {
  const gc = globalThis.gc
  if (typeof gc !== "function") throw new Error("the memory scenario needs --expose-gc")
  gc()
  gc()
  const start = process.memoryUsage()
  let peakRss = start.rss
  let peakHeap = start.heapUsed
  let chars = 0
  const sample = () => {
    const m = process.memoryUsage()
    if (m.rss > peakRss) peakRss = m.rss
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed
  }
  // Live heap (after a full GC) at each quarter of the stream: flat memory means it does not
  // climb from one quarter to the next. (The GCs are forced from inside the delta callback.)
  const liveHeap = []
  let nextQuarter = 1
  const timer = setInterval(sample, p.sampleMs)
  const t0 = now()
  try {
    await client.stream(PROMPT, (delta) => {
      chars += delta.length
      if (nextQuarter <= 4 && chars >= (p.deltas * nextQuarter) / 4) {
        nextQuarter++
        gc()
        liveHeap.push(process.memoryUsage().heapUsed)
      }
    })
  } finally {
    clearInterval(timer)
  }
  const ms = now() - t0
  sample()
  if (chars !== p.deltas) throw new Error(`stream delivered ${chars} characters, expected ${p.deltas}`)
  gc()
  gc()
  const end = process.memoryUsage()
  const maxRss = process.resourceUsage().maxRSS * 1024
  return {
    value: Math.max(peakRss, maxRss) / MB,
    unit: "MB peak RSS",
    higherIsBetter: false,
    rssStartMB: start.rss / MB,
    rssGrowthMB: (Math.max(peakRss, maxRss) - start.rss) / MB,
    heapStartMB: start.heapUsed / MB,
    heapGrowthMB: (end.heapUsed - start.heapUsed) / MB,
    peakHeapGrowthMB: (peakHeap - start.heapUsed) / MB,
    liveHeapMB: liveHeap.map((b) => b / MB),
    deltasPerSec: (p.deltas / ms) * 1000
  }
}

// =============================================================================

let state
const reply = (message) => process.send(message)

async function setup({ client: name, scenario, endpoint, params }) {
  const adapter = await import(ADAPTERS[name].href)
  const plan = SCENARIOS[scenario](params)
  const base = { endpoint, region: "us-east-1", modelId: plan.modelId }
  const client = plan.create === undefined ? await adapter.create(base) : await plan.create(adapter, base)
  state = { client, plan }
  await plan.warmUp(client)
  return { ready: true, info: adapter.info }
}

async function round() {
  const cpu0 = process.cpuUsage()
  const t0 = now()
  const result = await state.plan.round(state.client)
  const cpu = process.cpuUsage(cpu0)
  return { ...result, wallMs: now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }
}

async function close() {
  await state?.client.close().catch(() => undefined)
  process.exit(0)
}

if (!process.send) {
  console.error("worker.mjs is started by run.ts (it needs an IPC channel)")
  process.exit(2)
}
process.on("disconnect", () => process.exit(1))
process.on("message", (message) => {
  const run = message.cmd === "setup"
    ? setup(message)
    : message.cmd === "round"
    ? round().then((result) => ({ result }))
    : message.cmd === "close"
    ? close()
    : Promise.reject(new Error(`unknown command ${message.cmd}`))
  run.then(
    (answer) => answer !== undefined && reply(answer),
    (error) => reply({ error: String(error?.stack ?? error) })
  )
})
