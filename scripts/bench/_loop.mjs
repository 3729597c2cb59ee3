// usage: node loop.mjs <endpoint> <client> <kind> <seconds>
const [endpoint, client, kind, seconds] = process.argv.slice(2)
const mod = await import(`/work/wt-ai/scripts/bench/clients/${client}.mjs`)
const c = await mod.create({ endpoint, modelId: kind === "converse" ? "local.small" : "local.stream-20000" })
for (let i = 0; i < 50; i++) kind === "converse" ? await c.converse("Say hello") : await c.stream("Say hello", () => {})
const t0 = performance.now()
let n = 0
while (performance.now() - t0 < Number(seconds) * 1000) {
  if (kind === "converse") await c.converse("Say hello")
  else await c.stream("Say hello", () => {})
  n++
}
const ms = performance.now() - t0
console.log(client, kind, kind === "converse" ? `${(n / ms * 1000).toFixed(0)} req/s` : `${(n * 20000 / ms * 1000).toFixed(0)} deltas/s`)
await c.close()
process.exit(0)
