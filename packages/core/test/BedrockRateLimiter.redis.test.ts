// BedrockRateLimiter.layerRedis with a real redis-server (127.0.0.1, a free port, no persistence),
// against a local Bedrock with a quota: instances share one budget, in one process and across
// processes (scripts/fleet: N worker processes). Skipped, with one line, where redis-server is
// missing (`npm test` installs it first when it can: scripts/redis-server.mjs --ensure).
import { LocalBedrock } from "@effect-bedrock/local"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureRedisServer, type RedisServer, startRedisServer } from "../../../scripts/redis-server.mjs"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const MODEL = "us.amazon.nova-micro-v1:0"
// 10 requests a second, 10 at once.
const quota = { requestsPerMinute: 600, burstSeconds: 1 }

const missing = ensureRedisServer().reason
if (missing !== undefined) console.log(`BedrockRateLimiter Redis tests skipped: ${missing}`)

const converse = (n: number) =>
  Effect.either(Effect.flatMap(BedrockClient.BedrockClient, (client) =>
    client.converse({
      modelId: MODEL,
      messages: [{ role: "user", content: [{ text: `hello ${n}` }] }],
      inferenceConfig: { maxTokens: 16 }
    })))

/** An app instance: its own limiter (and connection to the store) over its own client. */
const instance = (
  limiter: Layer.Layer<
    BedrockClient.BedrockClient | BedrockRateLimiter.BedrockRateLimiter,
    never,
    BedrockClient.BedrockClient
  >
) => limiter.pipe(Layer.provide(LocalBedrock.layerBedrockClient({ retry: false })))

/** Runs `calls` calls in each instance at once; the server's verdicts for the quota'd model. */
const both = (
  a: Layer.Layer<BedrockClient.BedrockClient, never, LocalBedrock.LocalBedrock>,
  b: Layer.Layer<BedrockClient.BedrockClient, never, LocalBedrock.LocalBedrock>,
  calls: number
) =>
  Effect.gen(function*() {
    const local = yield* LocalBedrock.LocalBedrock
    const apps = yield* Effect.all([Layer.build(a), Layer.build(b)])
    // A first call each (another model, no quota): cold SDK clients hold their first requests back.
    yield* Effect.forEach(apps, (app) =>
      Effect.flatMap(BedrockClient.BedrockClient, (client) =>
        client.converse({ modelId: "local.small", messages: [{ role: "user", content: [{ text: "hi" }] }] })).pipe(
          Effect.provide(app)
        ), { concurrency: 2 })
    yield* local.reset
    yield* Effect.forEach(apps, (app) =>
      Effect.forEach(
        Array.from({ length: calls }, (_, i) =>
          i),
        converse,
        { concurrency: calls }
      ).pipe(
        Effect.provide(app)
      ), { concurrency: 2 })
    const log = yield* local.requests
    return {
      throttled: log.filter((r) =>
        r.throttled === true
      ).length,
      received: log.length
    }
  }).pipe(Effect.scoped, Effect.provide(LocalBedrock.layer({ quotas: { [MODEL]: quota } })))

describe.skipIf(missing !== undefined)("BedrockRateLimiter with Redis", () => {
  let redis: RedisServer | undefined
  beforeAll(async () => {
    redis = await startRedisServer()
  })
  afterAll(async () => {
    await redis?.stop()
  })

  const options = (keyPrefix: string): BedrockRateLimiter.Options => ({
    budgets: { [MODEL]: { requestsPerMinute: quota.requestsPerMinute } },
    burst: "200 millis",
    keyPrefix,
    retry: false
  })

  it.live("two instances share one budget through Redis: the quota is never exceeded", () =>
    Effect.gen(function*() {
      const prefix = `test:${Date.now()}:`
      const shared = yield* both(
        instance(BedrockRateLimiter.layerRedis({ ...options(prefix), redis: { url: redis!.url } })),
        instance(BedrockRateLimiter.layerRedis({ ...options(prefix), redis: { url: redis!.url } })),
        12
      )
      assert.deepStrictEqual(shared, { throttled: 0, received: 24 })
    }))

  it.live("the same two instances with budgets in memory each spend the whole quota: throttled", () =>
    Effect.gen(function*() {
      const separate = yield* both(
        instance(BedrockRateLimiter.layer(options("memory:"))),
        instance(BedrockRateLimiter.layer(options("memory:"))),
        12
      )
      assert.isTrue(separate.throttled > 0, `throttled ${separate.throttled}`)
    }))

  it.live("a store that does not answer lets calls through after storeTimeout; the Layer still closes", () =>
    Effect.gen(function*() {
      // Accepts connections, never answers.
      const sockets = new Set<net.Socket>()
      const silent = net.createServer((socket) => sockets.add(socket))
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((resolve) => silent.listen({ host: "127.0.0.1", port: 0 }, resolve))),
        () =>
          Effect.sync(() => {
            for (const socket of sockets) socket.destroy()
            silent.close()
          })
      )
      const { port } = silent.address() as net.AddressInfo
      const started = Date.now()
      const result = yield* converse(0).pipe(
        Effect.provide(
          instance(BedrockRateLimiter.layerRedis({
            ...options("down:"),
            redis: { host: "127.0.0.1", port },
            storeTimeout: "200 millis"
          })).pipe(Layer.provide(LocalBedrock.layer()))
        )
      )
      assert.strictEqual(result._tag, "Right")
      assert.isBelow(Date.now() - started, 10_000)
    }).pipe(Effect.scoped))

  it("a fleet of worker processes sharing one Redis budget stays within the quota, close to it", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fleet-")), "fleet.json")
    const tsx = path.join(root, "node_modules/.bin/tsx")
    const seconds = 4
    const rpm = 600
    const args = [
      "scripts/fleet/run.ts",
      ...["--workers", "2", "--loops", "6", "--seconds", String(seconds), "--rpm", String(rpm)],
      ...["--modes", "shared", "--no-write", "--json", out]
    ]
    await new Promise<void>((resolve, reject) =>
      execFile(
        tsx,
        args,
        { cwd: root, timeout: 170_000 },
        (error, stdout, stderr) => error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve()
      )
    )
    const figures = JSON.parse(fs.readFileSync(out, "utf8"))
    const shared = figures.details.shared
    // Never over the quota: Bedrock throttled nothing, and no more was admitted than the quota for
    // the run plus the limiter's burst (1 second's worth).
    assert.strictEqual(shared.throttled, 0)
    const perSecond = rpm / 60
    assert.isAtMost(shared.admitted, perSecond * seconds + perSecond + 2)
    // Close to it: the two instances together used at least 85% of it.
    assert.isAtLeast(shared.admitted, 0.85 * perSecond * seconds)
    assert.strictEqual(shared.failed, 0)
  }, 180_000)
})
