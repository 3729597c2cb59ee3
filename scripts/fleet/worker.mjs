// One instance of an app in the fleet (forked by run.ts with an IPC channel): a `LanguageModel` over
// `BedrockClient`, either retrying throttled calls on its own (`independent`) or behind
// `BedrockRateLimiter.layerRedis`, sharing one budget with the other instances (`shared`). Plain
// JavaScript over the built packages (dist/), as a user would import them, so it starts fast.
//   parent -> { cmd: "setup", ...Setup }   child -> { ready: true }          (after one warm-up call)
//   parent -> { cmd: "go", seconds }       child -> { result: WorkerResult } (then it disconnects)
// Setup and WorkerResult: see worker.d.mts.
import { BedrockClient, BedrockLanguageModel, BedrockRateLimiter, LanguageModel } from "@effect-bedrock/core"
import { Clock, Effect, Layer, Logger, LogLevel, ManagedRuntime, Redacted, Stream } from "effect"

const credentials = { accessKeyId: "AKIDLOCALFLEET", secretAccessKey: Redacted.make("local-fleet-secret") }

const layerOf = (setup) => {
  const model = BedrockLanguageModel.layer({ model: setup.modelId, settings: { maxTokens: setup.maxTokens } })
  const client = (retry) => BedrockClient.layer({ region: "us-east-1", endpoint: setup.endpoint, credentials, retry })
  if (setup.mode === "independent") return model.pipe(Layer.provide(client({})))
  return model.pipe(
    Layer.provide(BedrockRateLimiter.layerRedis({
      budgets: {
        [setup.modelId]: { requestsPerMinute: setup.requestsPerMinute, tokensPerMinute: setup.tokensPerMinute }
      },
      redis: { url: setup.redisUrl },
      keyPrefix: setup.keyPrefix
    })),
    Layer.provide(client(false))
  )
}

/** Generates and streams, alternately, until interrupted; records each call that ends. */
const caller = (index, record) =>
  Effect.gen(function*() {
    for (let n = 0;; n++) {
      const prompt = `Fleet caller ${index} call ${n}: say something short.`
      const call = (n + index) % 2 === 0
        ? Effect.asVoid(LanguageModel.generate({ prompt }))
        : Stream.runDrain(LanguageModel.stream({ prompt }))
      const start = yield* Clock.currentTimeMillis
      const result = yield* Effect.either(call)
      const ms = (yield* Clock.currentTimeMillis) - start
      if (result._tag === "Right") record(true, ms)
      else record(false, ms, result.left._tag)
    }
  })

const run = async (runtime, loops, seconds) => {
  const latenciesMs = []
  const failures = {}
  let failed = 0
  const record = (ok, ms, tag = "unknown") => {
    if (ok) latenciesMs.push(ms)
    else {
      failed++
      failures[tag] = (failures[tag] ?? 0) + 1
    }
  }
  const callers = Effect.all(Array.from({ length: loops }, (_, i) => caller(i, record)), {
    concurrency: "unbounded",
    discard: true
  })
  // Calls still running (or waiting for budget) at the end are interrupted and not counted.
  await runtime.runPromise(Effect.raceFirst(callers, Effect.sleep(`${seconds} seconds`)))
  await runtime.dispose()
  return { completed: latenciesMs.length, failed, failures, latenciesMs }
}

// One call to a model without a quota or budget: the first requests of a cold process and SDK
// client are slow, and would otherwise reach the server in a bunch at the start of the run.
const warmUp = (runtime) =>
  runtime.runPromise(
    LanguageModel.generate({ prompt: "warm up" }).pipe(
      BedrockLanguageModel.withConfigOverride({ inferenceProfile: "local.small" })
    )
  )

let started
process.on("message", (message) => {
  const reply = (payload) => process.send(payload)
  if (message?.cmd === "setup") {
    // The library logs every retry and failed call: thousands of lines here, and the figures say it all.
    const runtime = ManagedRuntime.make(Layer.merge(layerOf(message), Logger.minimumLogLevel(LogLevel.None)))
    started = { setup: message, runtime }
    warmUp(runtime).then(() => reply({ ready: true }), (error) => reply({ error: String(error) }))
  } else if (message?.cmd === "go" && started !== undefined) {
    run(started.runtime, started.setup.loops, message.seconds).then(
      (result) => {
        reply({ result })
        process.disconnect()
      },
      (error) => reply({ error: String(error) })
    )
  }
})
