// BedrockRateLimiter (Effect 4) against the local Bedrock with a quota (it answers ThrottlingException over its
// budget): calls wait for budget instead of being throttled, a call that cannot start within maxWait fails
// before the network, bad options fail the Layer; and with a real redis-server (127.0.0.1, a free port), two
// limiter instances share one budget. The Redis tests are skipped, with one line, where redis-server is missing
// (`node scripts/redis-server.mjs --ensure` installs it).
import type { ConverseCommandInput } from "@aws-sdk/client-bedrock-runtime"
// The plain-Node server by its deep path: the package's index also loads the Effect 3 Layer.
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redis from "effect/persistence/Redis"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { Redis as IORedis } from "ioredis"
import { ensureRedisServer, type RedisServer, startRedisServer } from "../../../scripts/redis-server.mjs"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockRateLimiter from "../src/BedrockRateLimiter.js"

const MODEL = "us.amazon.nova-micro-v1:0"
// At the server: 10 requests a second, at most 10 at once.
const quota = { requestsPerMinute: 600, burstSeconds: 1 }

const startServer = Effect.acquireRelease(
  Effect.promise(() => LocalBedrockServer.start({ port: 0, quotas: { [MODEL]: quota } })),
  (server) => Effect.promise(() => server.close())
)

const clientLayer = (server: LocalBedrockServer.LocalBedrockServer, options: Partial<BedrockClient.Options> = {}) =>
  BedrockClient.layer({
    region: "us-east-1",
    endpoint: server.endpoint,
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" },
    retry: false,
    ...options
  })

const input = (n: number, modelId = MODEL): ConverseCommandInput => ({
  modelId,
  messages: [{ role: "user", content: [{ text: `hello ${n}` }] }],
  inferenceConfig: { maxTokens: 16 }
})

const bedrock = Effect.gen(function*() {
  return yield* BedrockClient.BedrockClient
})

const converse = (n: number) => Effect.result(Effect.flatMap(bedrock, (client) => client.converse(input(n))))

/** The server's verdicts for the model with a quota. */
const verdicts = (server: LocalBedrockServer.LocalBedrockServer) => {
  const log = server.requests().filter((request) => request.modelId === MODEL)
  return { received: log.length, throttled: log.filter((request) => request.throttled === true).length }
}

/**
 * Runs `calls` calls at once in each app (each its own client and limiter) against one server with the quota;
 * the server's verdicts and how long it took.
 */
const burst = (
  apps: ReadonlyArray<
    (server: LocalBedrockServer.LocalBedrockServer) => Layer.Layer<BedrockClient.BedrockClient, unknown>
  >,
  calls: number
) =>
  Effect.gen(function*() {
    const server = yield* startServer
    const contexts = yield* Effect.forEach(apps, (app) => Layer.build(app(server)))
    // A first call each to another model (no quota): cold SDK clients hold their first requests back.
    yield* Effect.forEach(contexts, (context) =>
      Effect.flatMap(bedrock, (client) =>
        client.converse(input(0, "local.small")))
        .pipe(Effect.provide(context)), { concurrency: "unbounded" })
    server.reset()
    const started = Date.now()
    const results = yield* Effect.forEach(contexts, (context) =>
      Effect.forEach(
        Array.from({ length: calls }, (_, i) =>
          i),
        converse,
        { concurrency: "unbounded" }
      ).pipe(
        Effect.provide(context)
      ), { concurrency: "unbounded" })
    return {
      ...verdicts(server),
      failed: results.flat().filter(Result.isFailure).length,
      millis: Date.now() - started
    }
  }).pipe(Effect.scoped)

const limited = (options: BedrockRateLimiter.Options) => (server: LocalBedrockServer.LocalBedrockServer) =>
  BedrockRateLimiter.layer(options).pipe(Layer.provide(clientLayer(server)))

describe("BedrockRateLimiter (Effect 4) against the local Bedrock", () => {
  // The limiter's bucket holds 2 requests and refills one every 100 ms: 12 calls take about a second, under the
  // server's 10 a second.
  const small: BedrockRateLimiter.Options = { budgets: { [MODEL]: { requestsPerMinute: 600 } }, burst: "200 millis" }

  it.live("12 calls at once over a small budget wait for it instead of being throttled", () =>
    Effect.gen(function*() {
      const run = yield* burst([limited(small)], 12)
      assert.strictEqual(run.received, 12)
      assert.strictEqual(run.throttled, 0)
      assert.strictEqual(run.failed, 0)
      // They waited: 10 calls past the bucket's 2, one every 100 ms (bounded: well under 10 s).
      assert.isAtLeast(run.millis, 800)
      assert.isBelow(run.millis, 10_000)
    }))

  it.live("without the limiter the same 12 calls are throttled by the server", () =>
    Effect.gen(function*() {
      const run = yield* burst([clientLayer], 12)
      assert.strictEqual(run.received, 12)
      assert.isAbove(run.throttled, 0)
    }))

  it.live("per-call headers and onResponse pass through the limiter to the wrapped client", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const context = yield* Layer.build(limited(small)(server))
      const client = yield* Effect.provide(bedrock, context)
      const seen: Array<string | undefined> = []
      const options = (value: string): BedrockClient.CallOptions => ({
        headers: { "x-effect-bedrock-test": value },
        onResponse: (metadata) => Effect.sync(() => seen.push(metadata.requestId))
      })
      yield* client.converse(input(1), options("admitted"))
      yield* Stream.runDrain(client.converseStream(input(2), options("stream")))
      // A model without a budget passes straight through, options too.
      yield* client.converse(input(3, "local.small"), options("unbudgeted"))
      const log = server.requests()
      assert.deepStrictEqual(log.map((request) => request.headers["x-effect-bedrock-test"]), [
        "admitted",
        "stream",
        "unbudgeted"
      ])
      assert.deepStrictEqual(seen, log.map((request) => request.requestId))
    }).pipe(Effect.scoped))

  it.live("a call that cannot start within maxWait fails with BudgetExhaustedError before the network", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const options: BedrockRateLimiter.Options = {
        budgets: { [MODEL]: { requestsPerMinute: 60 } },
        maxWait: "100 millis"
      }
      const context = yield* Layer.build(limited(options)(server))
      const client = yield* Effect.provide(bedrock, context)
      yield* client.converse(input(1))
      const started = Date.now()
      const second = yield* Effect.flip(client.converse(input(2)))
      assert.isBelow(Date.now() - started, 100, "fails at once: the bucket says one second")
      assert.instanceOf(second, BedrockError.BudgetExhaustedError)
      assert.strictEqual(second._tag, "BudgetExhaustedError")
      if (second._tag !== "BudgetExhaustedError") return
      assert.strictEqual(second.budget, "requests")
      assert.strictEqual(second.modelId, MODEL)
      assert.isFalse(second.retryable)
      assert.isAbove(second.retryAfterMillis ?? 0, 100)
      // A stream is admitted the same way.
      const streamed = yield* Effect.flip(Stream.runDrain(client.converseStream(input(3))))
      assert.strictEqual(streamed._tag, "BudgetExhaustedError")
      assert.strictEqual(verdicts(server).received, 1)
    }).pipe(Effect.scoped))

  it.live("the tokens budget: a call whose estimate does not fit within maxWait fails naming it", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const options: BedrockRateLimiter.Options = {
        // The bucket refills 10 tokens a second and holds one call's estimate (its input plus 4,096, no
        // maxTokens): the first call empties it, its unused tokens come back, the second would wait for the rest.
        budgets: { [MODEL]: { tokensPerMinute: 600 } },
        maxWait: "200 millis"
      }
      const context = yield* Layer.build(limited(options)(server))
      const client = yield* Effect.provide(bedrock, context)
      const request = { modelId: MODEL, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] }
      yield* client.converse(request)
      const second = yield* Effect.flip(client.converse(request))
      assert.strictEqual(second._tag, "BudgetExhaustedError")
      if (second._tag === "BudgetExhaustedError") assert.strictEqual(second.budget, "tokens")
      // countTokens and models without a budget pass straight through.
      yield* client.converse(input(4, "local.small"))
      assert.strictEqual(verdicts(server).received, 1)
    }).pipe(Effect.scoped))

  it.live("concurrency: a call waits for a slot, and fails naming it when none frees within maxWait", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const options: BedrockRateLimiter.Options = {
        budgets: { [MODEL]: { concurrency: 1 } },
        maxWait: "150 millis"
      }
      const context = yield* Layer.build(limited(options)(server))
      const client = yield* Effect.provide(bedrock, context)
      // The first call holds its slot for as long as its stream is open.
      const first = yield* Stream.toPull(client.converseStream(input(1)))
      yield* first
      const second = yield* Effect.flip(client.converse(input(2)))
      assert.strictEqual(second._tag, "BudgetExhaustedError")
      if (second._tag === "BudgetExhaustedError") assert.strictEqual(second.budget, "concurrency")
      assert.strictEqual(verdicts(server).received, 1)
    }).pipe(Effect.scoped))

  it.live("maxQueued: a call over the queue of waiting calls fails at once naming the queue", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const options: BedrockRateLimiter.Options = {
        budgets: { [MODEL]: { requestsPerMinute: 60 } },
        maxWait: "5 seconds",
        maxQueued: 1
      }
      const context = yield* Layer.build(limited(options)(server))
      const client = yield* Effect.provide(bedrock, context)
      yield* client.converse(input(1))
      // The second waits for the bucket (about a second); the third finds the queue full.
      const waiting = yield* Effect.forkChild(client.converse(input(2)))
      yield* Effect.sleep("50 millis")
      const third = yield* Effect.flip(client.converse(input(3)))
      assert.strictEqual(third._tag, "BudgetExhaustedError")
      if (third._tag === "BudgetExhaustedError") assert.strictEqual(third.budget, "queue")
      yield* Fiber.interrupt(waiting)
      assert.strictEqual(verdicts(server).received, 1)
    }).pipe(Effect.scoped))

  /** The limited client and the limiter's stats of MODEL, over a client of `server` built with `client`. */
  const build = (
    server: LocalBedrockServer.LocalBedrockServer,
    options: BedrockRateLimiter.Options,
    client: Partial<BedrockClient.Options> = {}
  ) =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        BedrockRateLimiter.layer(options).pipe(
          Layer.provide(clientLayer(server, client))
        )
      )
      const limiter = yield* Effect.provide(Effect.service(BedrockRateLimiter.BedrockRateLimiter), context)
      return {
        client: yield* Effect.provide(bedrock, context),
        stats: Effect.map(limiter.stats, (all) => all.find((stats) => stats.modelId === MODEL))
      }
    })

  it.live("usage corrections: what a call reserved and did not use comes back for the next calls", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      // The bucket holds 100 tokens (a second's worth) and each call reserves 90: without the correction the
      // second call would wait 800 ms for its tokens, past maxWait. Each uses a few tokens, the rest comes back.
      const { client, stats } = yield* build(server, {
        budgets: { [MODEL]: { tokensPerMinute: 6000 } },
        estimateTokens: () => 90,
        maxWait: "100 millis"
      })
      for (const n of [1, 2, 3]) yield* client.converse(input(n))
      yield* Stream.runDrain(client.converseStream(input(4)))
      yield* client.converse(input(5))
      const seen = yield* stats
      assert.deepStrictEqual([seen?.admitted, seen?.rejected, seen?.inFlight], [5, 0, 0])
      assert.strictEqual(verdicts(server).received, 5)
    }).pipe(Effect.scoped))

  it.live("throttling: every retry admitted, counted, the rate lowered; withRetry over it replaces its policy", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      const { client, stats } = yield* build(server, { budgets: { [MODEL]: { requestsPerMinute: 6000 } } }, {
        retry: { maxAttempts: 3, baseDelay: "1 millis" }
      })
      server.script(
        Script.failure("ThrottlingException", { modelId: MODEL }),
        Script.failure("ThrottlingException", { modelId: MODEL })
      )
      // The client's policy, applied once outside the limiter: three attempts, three admissions.
      yield* client.converse(input(1))
      assert.strictEqual(verdicts(server).received, 3)
      const after = yield* stats
      assert.deepStrictEqual([after?.admitted, after?.throttled], [3, 2])
      // Multiplied by 0.7 once (at most once per 2 s interval); the success is too soon to raise it.
      assert.closeTo(after?.rate ?? 0, 0.7, 1e-9)
      server.reset()
      server.script(...Array.from({ length: 5 }, () => Script.failure("ThrottlingException", { modelId: MODEL })))
      const once = BedrockClient.withRetry(client, Schedule.recurs(1))
      assert.strictEqual((yield* Effect.flip(once.converse(input(2))))._tag, "ThrottlingError")
      assert.strictEqual(verdicts(server).received, 2)
      assert.strictEqual((yield* stats)?.admitted, 5)
    }).pipe(Effect.scoped))

  it.live("the client's deadline covers the time a call waits for budget", () =>
    Effect.gen(function*() {
      const server = yield* startServer
      // One request a second: the second call would wait about a second for budget.
      const { client } = yield* build(server, { budgets: { [MODEL]: { requestsPerMinute: 60 } }, adaptive: false }, {
        deadline: "200 millis"
      })
      yield* client.converse(input(1))
      const started = Date.now()
      const error = yield* Effect.flip(client.converse(input(2)))
      assert.strictEqual(error._tag === "TransportError" ? error.kind : error._tag, "Timeout")
      assert.isBelow(Date.now() - started, 800)
      assert.strictEqual(verdicts(server).received, 1)
    }).pipe(Effect.scoped))

  it.effect("options that mean no limit or no sense fail the Layer with OptionsError naming them", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ budgets: { [MODEL]: { requestsPerMinute: 0 } } }, `budgets.${MODEL}.requestsPerMinute`],
        [{ budgets: { [MODEL]: { requestsPerMinute: -5 } } }, `budgets.${MODEL}.requestsPerMinute`],
        [{ budgets: { [MODEL]: { tokensPerMinute: Number.NaN } } }, `budgets.${MODEL}.tokensPerMinute`],
        [{ budgets: { [MODEL]: { concurrency: 0 } } }, `budgets.${MODEL}.concurrency`],
        [{ budgets: null }, "budgets"],
        [{ budgets: {}, maxWait: "soon" }, "maxWait"],
        [{ budgets: {}, maxQueued: 0 }, "maxQueued"],
        [{ budgets: {}, adaptive: { decrease: 1.5 } }, "adaptive.decrease"],
        [{ budgets: {}, adaptive: { interval: "often" } }, "adaptive.interval"],
        [{ budgets: {}, retry: { maxAttempts: 0 } }, "retry.maxAttempts"]
      ]
      const stub = Layer.succeed(BedrockClient.BedrockClient)({} as BedrockClient.Service)
      for (const [options, option] of cases) {
        const exit = yield* Effect.exit(
          Layer.build(BedrockRateLimiter.layer(options as BedrockRateLimiter.Options).pipe(Layer.provide(stub)))
            .pipe(Effect.scoped)
        )
        assert.isTrue(Exit.isFailure(exit), option)
        const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
        assert.strictEqual(error?._tag, "Fail", option)
        if (error?._tag === "Fail") {
          assert.instanceOf(error.error, BedrockRateLimiter.OptionsError)
          assert.strictEqual((error.error as BedrockRateLimiter.OptionsError).option, option)
        }
      }
    }))
})

// =============================================================================
// Redis
// =============================================================================

const missing = ensureRedisServer().reason

if (missing !== undefined) console.log(`BedrockRateLimiter (Effect 4) Redis tests skipped: ${missing}`)

/** `effect/persistence`'s Redis service over one ioredis connection (what `@effect/platform-node` provides). */
const redisLayer = (url: string) =>
  Layer.effect(
    Redis.Redis,
    Effect.gen(function*() {
      const connection = yield* Effect.acquireRelease(
        Effect.sync(() => new IORedis(url, { maxRetriesPerRequest: 1 })),
        (connection) => Effect.sync(() => connection.disconnect())
      )
      const send = <A = unknown>(command: string, ...args: ReadonlyArray<string>) =>
        Effect.tryPromise({
          try: () => connection.call(command, ...args) as Promise<A>,
          catch: (cause) => new Redis.RedisError({ cause })
        })
      return yield* Redis.make({
        send,
        subscribe: () => Effect.die("not used by the rate limiter"),
        connect: Effect.die("not used by the rate limiter")
      })
    })
  )

describe.skipIf(missing !== undefined)("BedrockRateLimiter (Effect 4) with Redis", () => {
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
    keyPrefix
  })

  /** An app instance: its own limiter and connection to Redis over its own client. */
  const instance = (keyPrefix: string) => (server: LocalBedrockServer.LocalBedrockServer) =>
    BedrockRateLimiter.layerRedis(options(keyPrefix)).pipe(
      Layer.provide(Layer.merge(clientLayer(server), redisLayer(redis!.url)))
    )

  it.live("two instances share one budget through Redis: the quota is never exceeded", () =>
    Effect.gen(function*() {
      const prefix = `test:${Date.now()}:`
      const run = yield* burst([instance(prefix), instance(prefix)], 12)
      assert.deepStrictEqual({ received: run.received, throttled: run.throttled, failed: run.failed }, {
        received: 24,
        throttled: 0,
        failed: 0
      })
      assert.isBelow(run.millis, 10_000)
    }))

  it.live("the same two instances with budgets in memory each spend the whole quota: throttled", () =>
    Effect.gen(function*() {
      const run = yield* burst([limited(options("memory:")), limited(options("memory:"))], 12)
      assert.isAbove(run.throttled, 0)
    }))
})
