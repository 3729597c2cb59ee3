// A TCP proxy on 127.0.0.1 that adds network latency in front of the local Bedrock, for the
// `ttft-tls-rtt` scenario: what a connection costs is round trips, which loopback does not have.
// Every byte is held `rttMs / 2` in each direction, and a new connection passes nothing before one
// round trip has gone by (the TCP handshake a real connection waits for before its first byte).
// Order is kept per direction; backpressure is ignored (the benchmark moves little data).
import * as net from "node:net"

const now = () => performance.now()

/** Forwards `from` to `to`, each chunk at `max(arrival, notBefore) + delayMs`. */
function forwardDelayed(from, to, delayMs, notBefore) {
  const queue = []
  let timer
  let ended = false
  const flush = () => {
    timer = undefined
    const t = now()
    while (queue.length > 0 && queue[0].at <= t) to.write(queue.shift().chunk)
    if (queue.length > 0) timer = setTimeout(flush, Math.max(0, queue[0].at - t))
    else if (ended) to.end()
  }
  from.on("data", (chunk) => {
    queue.push({ at: Math.max(now(), notBefore) + delayMs, chunk })
    timer ??= setTimeout(flush, Math.max(0, queue[0].at - now()))
  })
  from.on("end", () => {
    ended = true
    timer ??= setTimeout(flush, 0)
  })
}

export async function startLatencyProxy({ host, port, rttMs }) {
  const sockets = new Set()
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host, port, noDelay: true })
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on("close", () => sockets.delete(s))
      s.on("error", () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
    forwardDelayed(client, upstream, rttMs / 2, now() + rttMs)
    forwardDelayed(upstream, client, rttMs / 2, 0)
  })
  await new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen({ host: "127.0.0.1", port: 0 }, resolve)
  })
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  }
}
