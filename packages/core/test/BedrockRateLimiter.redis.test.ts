// BedrockRateLimiter.layerRedis with a real redis-server (127.0.0.1, a free port, no persistence),
// against a local Bedrock with a quota: instances share one budget, in one process and across
// processes (the worker processes of `npm run fleet`). Skipped, with one line, where redis-server is
// missing (`npm test` installs it first when it can: scripts/redis-server.mjs --ensure).
import { LocalBedrock } from "@effect-bedrock/local"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type ConfigError, Effect, Layer, Logger, LogLevel } from "effect"
import { type ChildProcess, fork } from "node:child_process"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Setup as FleetSetup, WorkerResult } from "../../../scripts/fleet/worker.mjs"
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
    ConfigError.ConfigError,
    BedrockClient.BedrockClient
  >
) => limiter.pipe(Layer.provide(LocalBedrock.layerBedrockClient({ retry: false })), Layer.orDie)

/** Runs `calls` calls in each instance at once; the server's verdicts for the quota'd model. */
const both = (
  // ConfigError: the client layer checks its options when it is built.
  a: Layer.Layer<BedrockClient.BedrockClient, ConfigError.ConfigError, LocalBedrock.LocalBedrock>,
  b: Layer.Layer<BedrockClient.BedrockClient, ConfigError.ConfigError, LocalBedrock.LocalBedrock>,
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
    }).pipe(Effect.scoped, Logger.withMinimumLogLevel(LogLevel.Error)))

  it.live(
    "a fleet of worker processes sharing one Redis budget stays within the quota, close to it",
    () =>
      Effect.gen(function*() {
        // 5 requests a second; the limiter lets 1 second's worth through at once, the server 5.
        const perSecond = 5
        const seconds = 5
        const local = yield* LocalBedrock.LocalBedrock
        // The instances of `npm run fleet` (scripts/fleet/worker.mjs, over the built packages).
        const workers = yield* Effect.forEach([1, 2], () =>
          Effect.acquireRelease(
            Effect.sync(() =>
              fork(path.join(root, "scripts/fleet/worker.mjs"), [], {
                cwd: root,
                stdio: ["ignore", "inherit", "inherit", "ipc"],
                env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
              })
            ),
            (child) => Effect.sync(() => child.kill("SIGKILL"))
          ))
        const ask = (child: ChildProcess, message: Record<string, unknown>) =>
          Effect.async<any, Error>((resume) => {
            const onExit = (code: number | null) => resume(Effect.fail(new Error(`worker exited (${code})`)))
            child.once("exit", onExit)
            child.once("message", (answer: any) => {
              child.off("exit", onExit)
              resume(answer?.error === undefined ? Effect.succeed(answer) : Effect.fail(new Error(answer.error)))
            })
            child.send(message)
          })
        const setup: FleetSetup = {
          mode: "shared",
          endpoint: local.endpoint,
          redisUrl: redis!.url,
          keyPrefix: `fleet-test:${Date.now()}:`,
          modelId: MODEL,
          requestsPerMinute: perSecond * 60,
          tokensPerMinute: 1_000_000,
          loops: 8,
          maxTokens: 32
        }
        yield* Effect.forEach(workers, (child) => ask(child, { cmd: "setup", ...setup }), { concurrency: "unbounded" })
        // The warm-up calls out of the log.
        yield* local.reset
        const results: Array<WorkerResult> = yield* Effect.forEach(
          workers,
          (child) => Effect.map(ask(child, { cmd: "go", seconds }), (answer) => answer.result),
          { concurrency: "unbounded" }
        )
        const log = (yield* local.requests).filter((r) => r.modelId === MODEL)
        // Never over the quota: Bedrock throttled nothing; no more was admitted than the quota for the
        // run plus the limiter's burst (and a call or two at the edges).
        assert.strictEqual(log.filter((r) => r.throttled === true).length, 0)
        assert.isAtMost(log.length, perSecond * seconds + perSecond + 2)
        // Close to it: the two instances together used at least 80% of it.
        assert.isAtLeast(log.length, 0.8 * perSecond * seconds)
        assert.deepStrictEqual(results.map((r) => r.failed), [0, 0])
        assert.isTrue(results.every((r) => r.completed > 0))
      }).pipe(
        Effect.scoped,
        Effect.provide(LocalBedrock.layer({ quotas: { [MODEL]: { requestsPerMinute: 300, burstSeconds: 5 } } }))
      ),
    120_000
  )
})
