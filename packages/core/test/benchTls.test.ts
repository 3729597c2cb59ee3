// The TLS time-to-first-token scenarios of the benchmark (scripts/bench): their rows (per connection
// variant, ratios to the raw SDK's default in the same round) and the latency proxy they go through.
import { assert, describe, it } from "@effect/vitest"
import * as net from "node:net"
import { startLatencyProxy } from "../../../scripts/bench/latencyProxy.mjs"
import * as Stats from "../../../scripts/bench/stats.mjs"

const round = (variants: Record<string, { sequentialMs: number; concurrentMs: number }>, extra = {}) => ({
  value: variants.default!.sequentialMs,
  unit: "ms",
  higherIsBetter: false,
  variants: Object.fromEntries(
    Object.entries(variants).map(([name, v]) => [name, { ...v, concurrentP90Ms: v.concurrentMs * 2 }])
  ),
  ...extra
})

describe("bench: TLS time to first token", () => {
  it("ttft-tls rows: every variant's medians and its ratios to the SDK's default in the same round", () => {
    const rows = Stats.rowsFor("ttft-tls", {
      "aws-sdk": [
        round({ default: { sequentialMs: 10, concurrentMs: 40 }, shared: { sequentialMs: 5, concurrentMs: 10 } }),
        round({ default: { sequentialMs: 20, concurrentMs: 80 }, shared: { sequentialMs: 8, concurrentMs: 20 } })
      ],
      "effect-bedrock": [
        round({ default: { sequentialMs: 9, concurrentMs: 40 }, warm: { sequentialMs: 5, concurrentMs: 36 } }, {
          tlsHandshakes: 10,
          tlsResumed: 8
        }),
        round({ default: { sequentialMs: 18, concurrentMs: 60 }, warm: { sequentialMs: 12, concurrentMs: 72 } }, {
          tlsHandshakes: 12,
          tlsResumed: 10
        })
      ]
    })
    const sdk = rows.find((r) => r.client === "aws-sdk")!
    const ours = rows.find((r) => r.client === "effect-bedrock")!
    assert.strictEqual(ours.ratioToSdk, 0.9)
    const variants = ours.variants as Record<string, Record<string, number>>
    assert.deepStrictEqual(Object.keys(variants), ["default", "warm"])
    assert.strictEqual(variants.default!.sequentialMs, 13.5)
    assert.strictEqual(variants.warm!.sequentialRatioToSdk, 0.55)
    assert.strictEqual(variants.warm!.concurrentRatioToSdk, 0.9)
    assert.strictEqual(variants.warm!.concurrentP90Ms, 108)
    assert.strictEqual((sdk.variants as Record<string, Record<string, number>>).shared!.sequentialRatioToSdk, 0.45)
    assert.strictEqual(ours.tlsHandshakes, 11)
    assert.strictEqual(ours.tlsResumed, 9)
  })

  it("only the raw SDK and effect-bedrock run the TLS scenarios", () => {
    assert.deepStrictEqual(Stats.SCENARIO_CLIENTS["ttft-tls"], ["aws-sdk", "effect-bedrock"])
    assert.deepStrictEqual(Stats.SCENARIO_CLIENTS["ttft-tls-rtt"], ["aws-sdk", "effect-bedrock"])
    assert.isUndefined(Stats.SCENARIO_CLIENTS["stream-20k"])
  })

  it("the latency proxy holds a new connection's first bytes one round trip, then every byte half of one", async () => {
    const echo = net.createServer((socket) => socket.pipe(socket))
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", () => resolve()))
    const proxy = await startLatencyProxy({
      host: "127.0.0.1",
      port: (echo.address() as net.AddressInfo).port,
      rttMs: 40
    })
    try {
      const socket = net.connect({ host: "127.0.0.1", port: proxy.port })
      const echoed = () => new Promise<number>((resolve) => socket.once("data", () => resolve(performance.now())))
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()))
      let t0 = performance.now()
      socket.write("a")
      // Connect (one RTT) + there and back (one RTT).
      const first = (await echoed()) - t0
      assert.isTrue(first >= 78 && first < 400, String(first))
      t0 = performance.now()
      socket.write("b")
      const second = (await echoed()) - t0
      assert.isTrue(second >= 38 && second < 300, String(second))
      socket.destroy()
    } finally {
      await proxy.close()
      await new Promise((resolve) => echo.close(resolve))
    }
  })
})
