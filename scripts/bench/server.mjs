// The local Bedrock for the benchmark, in its own process (forked by run.ts with an IPC channel).
// Pre-encoded answers only (reserved model ids), 127.0.0.1, ephemeral port. With --tls: HTTPS (ALPN h2)
// with a self-signed certificate made at start, sent to the parent as PEM (`certificate`) so that only
// the benchmark's clients trust it. With --rtt=MS as well: the endpoint is a proxy adding that round-trip
// time (latencyProxy.mjs), so that a connection costs what it does over a network.
//   parent -> { cmd: "cpu" }   child -> { cpu: process.cpuUsage(), at: ms }   (the server's own CPU time)
//   parent -> { cmd: "reset" } drops the server's request log (it grows with every request)
//   parent -> { cmd: "close" } closes the server and exits
import { LocalBedrockServer } from "@effect-bedrock/local"
import { startLatencyProxy } from "./latencyProxy.mjs"

const tls = process.argv.includes("--tls")
const rttMs = Number(process.argv.find((a) => a.startsWith("--rtt="))?.slice("--rtt=".length) ?? 0)
const server = await LocalBedrockServer.start({ port: 0, ...(tls ? { tls: true } : {}) })
const proxy = rttMs > 0 ? await startLatencyProxy({ host: "127.0.0.1", port: server.port, rttMs }) : undefined
const endpoint = proxy === undefined ? server.endpoint : server.endpoint.replace(/:\d+$/, `:${proxy.port}`)
const send = (message) => process.send?.(message)
send({ ready: true, endpoint, ...(tls ? { certificate: server.certificate } : {}) })
if (!process.send) console.log(endpoint)

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  await proxy?.close()
  await server.close().catch(() => undefined)
  process.exit(0)
}
process.on("message", (message) => {
  switch (message?.cmd) {
    case "cpu":
      return send({ cpu: process.cpuUsage(), at: performance.now() })
    case "reset":
      server.reset()
      return send({ reset: true })
    case "connections":
      // TLS handshakes (full and resumed) since the last reset.
      return send({ connections: server.connections?.() })
    case "close":
      return void close()
  }
})
// The parent went away (killed, crashed): never outlive it.
process.on("disconnect", () => void close())
process.on("SIGINT", () => void close())
process.on("SIGTERM", () => void close())
