/**
 * `npm start`: a tool-using conversation, streamed to the terminal.
 *
 * By default it starts the embedded local Bedrock on an ephemeral loopback
 * port and talks to it through the real AWS SDK. With `AWS_REGION` and
 * `BEDROCK_MODEL_ID` set (or `--region` and `--model`) it talks to real
 * Amazon Bedrock with the default credential chain instead.
 *
 *   npm start
 *   npm start -- --prompt "Is it umbrella weather in Porto?"
 *   npm start -- --trace --debug   (the span tree at the end; debug logs as they happen)
 *   AWS_REGION=us-east-1 BEDROCK_MODEL_ID=us.anthropic.claude-haiku-4-5-20251001-v1:0 npm start
 *   ... npm start -- --record demo.json   (the conversation recorded into a cassette, secrets scrubbed)
 *   npm start -- --cassette demo.json     (replayed by the local Bedrock, no network; docs/testing.md)
 */
import * as Format from "@effect-bedrock/converse/cassette/format"
import { BedrockClient, BedrockLanguageModel, Response, Tool, Toolkit } from "@effect-bedrock/core"
import { LocalBedrock } from "@effect-bedrock/local"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Layer, Logger, LogLevel, Schema, Stream } from "effect"
import * as fs from "node:fs"
import { parseArgs } from "node:util"

const { values: flags } = parseArgs({
  options: {
    model: { type: "string" },
    region: { type: "string" },
    prompt: { type: "string" },
    local: { type: "boolean", default: false },
    trace: { type: "boolean", default: false },
    debug: { type: "boolean", default: false },
    record: { type: "string" },
    cassette: { type: "string" }
  }
})

// The SDK's Node 20 notice (future releases need Node 22) is in the README; keep the demo readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const region = flags.region ?? process.env.AWS_REGION
const modelId = flags.model ?? process.env.BEDROCK_MODEL_ID
const useRealBedrock = !flags.local && region !== undefined && modelId !== undefined
// Replaying: the model the cassette was recorded with, unless one is named.
const recordedModel = (file: string): string | undefined => {
  try {
    const read = Format.parse(fs.readFileSync(file, "utf8"), file)
    return read.ok ? read.cassette.interactions[0]?.modelId : undefined
  } catch {
    return undefined
  }
}
const model = flags.cassette !== undefined
  ? flags.model ?? recordedModel(flags.cassette) ?? "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
  : useRealBedrock
  ? modelId!
  : "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const question = flags.prompt ?? "What is the weather in Lisbon right now, and should I pack an umbrella?"

// A deterministic "weather service": the demo must give the same output every run.
const getWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({
    city: Schema.String.annotations({ description: "City name", examples: ["Lisbon"] }),
    unit: Schema.optional(Schema.Literal("celsius", "fahrenheit"))
  }),
  handler: ({ city, unit }) =>
    Effect.succeed({
      city,
      temperature: unit === "fahrenheit" ? 64 : 18,
      unit: unit ?? "celsius",
      conditions: "light rain",
      chanceOfRain: "70%"
    })
})

const toolkit = Toolkit.make(getWeather)

const write = (text: string) => Effect.sync(() => process.stdout.write(text))

const formatCost = (cost: Response.Cost | undefined) =>
  cost === undefined
    ? "cost unknown"
    : `${cost.currency === "USD" ? "$" : `${cost.currency} `}${cost.total.toFixed(cost.total < 0.01 ? 6 : 4)}`

const conversation = Effect.gen(function*() {
  yield* Console.log(`model: ${model}`)
  yield* Console.log(`user> ${question}\n`)
  let step = 0
  let atLineStart = true
  const steps: Array<Response.Response> = []
  const startedAt = Date.now()
  // Latency as this client saw it: from the step's request (after the previous step's tool
  // results) to its Finish.
  let stepStartedAt = startedAt
  yield* Toolkit.stream(toolkit, {
    prompt: question,
    instructions: "You are a concise travel assistant. Use the tools when they help.",
    settings: { maxTokens: 512, temperature: 0 }
  }).pipe(
    Stream.runForEach((event) => {
      switch (event._tag) {
        case "TextStart":
          return Effect.zipRight(write("assistant> "), Effect.sync(() => (atLineStart = false)))
        case "TextDelta":
          return write(event.delta)
        case "TextEnd":
          return Effect.zipRight(write("\n"), Effect.sync(() => (atLineStart = true)))
        case "ToolCall":
          return write(`${atLineStart ? "" : "\n"}  -> calling ${event.name}(${JSON.stringify(event.input)})\n`)
        case "ToolResult":
          stepStartedAt = Date.now()
          return write(`  <- ${event.name} returned ${JSON.stringify(event.result)}\n\n`)
        case "Retry":
          stepStartedAt = Date.now()
          return write(`  <- retry requested: ${event.message}\n`)
        case "Finish": {
          step++
          steps.push(event.response)
          const u = event.usage
          const latency = Date.now() - stepStartedAt
          return write(
            `  [step ${step}: ${event.finishReason} (${event.response.rawFinishReason}), ` +
              `${u.inputTokens} in / ${u.outputTokens} out tokens` +
              (u.cacheReadTokens + u.cacheWriteTokens > 0
                ? `, cache ${u.cacheReadTokens} read / ${u.cacheWriteTokens} written`
                : "") +
              `, ${formatCost(event.response.cost)}, ${latency} ms` +
              (event.response.latencyMs !== undefined ? ` (Bedrock ${event.response.latencyMs} ms)` : "") +
              `${event.response.requestId ? `, request ${event.response.requestId}` : ""}]\n`
          )
        }
        default:
          return Effect.void
      }
    })
  )
  const total = steps.map((s) => s.usage).reduce(Toolkit.addUsage)
  const cost = steps.map((s) => s.cost).reduce(Response.addCost)
  yield* Console.log(
    `\ntoken usage: ${total.inputTokens} input + ${total.outputTokens} output = ${total.totalTokens} total ` +
      `over ${steps.length} model calls; ${formatCost(cost)}` +
      `${cost === undefined ? " (no price for this model and region)" : ""}; ${Date.now() - startedAt} ms`
  )
})

const program = flags.cassette !== undefined
  ? conversation.pipe(
    Effect.tap(() => Console.log(`(replayed from the cassette ${flags.cassette}, no network)`)),
    Effect.provide(
      BedrockLanguageModel.layer({ model }).pipe(
        Layer.provide(LocalBedrock.cassette(flags.cassette, { mode: "replay" }))
      )
    )
  )
  : useRealBedrock
  ? conversation.pipe(
    Effect.tap(() =>
      Console.log(
        `(real Amazon Bedrock, region ${region}${flags.record === undefined ? "" : `, recorded into ${flags.record}`})`
      )
    ),
    Effect.provide(
      BedrockLanguageModel.layer({ model }).pipe(
        Layer.provide(
          flags.record === undefined
            ? BedrockClient.layerConfig()
            : Layer.unwrapEffect(
              Effect.map(
                BedrockClient.loadConfig(),
                (options) => BedrockClient.layer({ ...options, record: flags.record })
              )
            )
        )
      )
    )
  )
  : Effect.gen(function*() {
    const local = yield* LocalBedrock.LocalBedrock
    yield* Console.log(`local Bedrock: ${local.endpoint} (set AWS_REGION and BEDROCK_MODEL_ID for real Bedrock)`)
    if (flags.record !== undefined) yield* Console.log(`recorded into ${flags.record}`)
    yield* conversation
  }).pipe(
    Effect.provide(
      BedrockLanguageModel.layer({ model }).pipe(
        Layer.provideMerge(LocalBedrock.layerWithClient({ client: { record: flags.record } }))
      )
    )
  )

// --debug: the library's debug log lines (one per request); warnings are always printed.
const logged = flags.debug ? program.pipe(Logger.withMinimumLogLevel(LogLevel.Debug)) : program

// --trace: spans through @effect/opentelemetry, printed as a tree at the end (scripts/demoTrace.ts).
const traced = flags.trace
  ? Effect.flatMap(
    Effect.promise(() => import("./demoTrace.js")),
    (trace) => {
      const { layer, print } = trace.make()
      return Effect.zipRight(logged, print).pipe(Effect.provide(layer))
    }
  )
  : logged

NodeRuntime.runMain(traced)
