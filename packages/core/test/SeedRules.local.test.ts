// The smaller rules where pydantic-ai's BedrockConverseModel (the seed) and we used to differ, each
// checked on the wire against the local Bedrock: tool results of files alone, thinking only where
// supported, tool choice subsets, service tiers, leading whitespace in streams, extra headers,
// static and dynamic instructions, model id suggestions, response timestamps, part constructors.
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Chunk, ConfigProvider, Duration, Effect, Layer, Logger, LogLevel, Redacted, Schema, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as BedrockModelProfile from "../src/BedrockModelProfile.js"
import type * as BedrockModelSettings from "../src/BedrockModelSettings.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import type * as Response from "../src/Response.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const NOVA = "us.amazon.nova-pro-v1:0"

const Env = LocalBedrock.layerWithClient({ client: { retry: false } }).pipe(Layer.orDie)

const local = LocalBedrock.LocalBedrock
const received = Effect.flatMap(local, (server) => server.requests)
const bodies = Effect.map(received, (requests) => requests.map((r) => r.body as any))
const reset = Effect.flatMap(local, (server) => server.reset)

const using = (model: string, settings?: BedrockModelSettings.Settings) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    BedrockLanguageModel.make({ model, settings }),
    (service) => Effect.provideService(effect, LanguageModel.LanguageModel, service)
  )

const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])
const pdf = new TextEncoder().encode("%PDF-1.4 tiny")
const tool = (name: string): LanguageModel.ToolDefinition => ({
  name,
  parameters: { type: "object", properties: { q: { type: "string" } } }
})
/** Runs `effect` with the warnings it logs collected in `into`. */
const warningsInto = (into: Array<string>) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provide(
    effect,
    Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ logLevel, message }) => {
        if (LogLevel.greaterThanEqual(logLevel, LogLevel.Warning)) {
          into.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
        }
      })
    )
  )
const callThen = (...parts: ReadonlyArray<Prompt.ToolPart>) => [
  Prompt.user("Show me"),
  Prompt.assistant(Prompt.toolCall({ id: "t1", name: "chart", input: {} })),
  Prompt.tool(...parts)
]

layer(Env, { excludeTestServices: true })("seed rules against the local Bedrock", (it) => {
  it.effect("a tool that returns only files: its toolResult holds the files alone", () =>
    Effect.gen(function*() {
      yield* reset
      // `name` left out: the call in the history names the tool.
      const image = Prompt.toolResult({ id: "t1", files: [Prompt.file({ mediaType: "image/png", data: png })] })
      // The tool offered again: without tools, tool history goes as text (toolHistory.ts).
      yield* LanguageModel.generate({ prompt: callThen(image), tools: [tool("chart")] }).pipe(using(SONNET))
      const document = Prompt.toolResult({
        id: "t1",
        files: [Prompt.file({ mediaType: "application/pdf", data: pdf })]
      })
      yield* LanguageModel.generate({ prompt: callThen(document), tools: [tool("chart")] }).pipe(
        using("mistral.mistral-large-2407-v1:0")
      )
      const [claude, mistral] = yield* bodies
      assert.deepStrictEqual(claude.messages[2].content[0].toolResult.content, [
        { image: { format: "png", source: { bytes: Buffer.from(png).toString("base64") } } }
      ])
      assert.deepStrictEqual(mistral.messages[2].content[0].toolResult.content.map((c: any) => Object.keys(c)), [
        ["document"]
      ])
    }))

  it.effect("instructions alone: an empty prompt sends the user turn \".\" with the system prompt (pydantic-ai)", () =>
    Effect.gen(function*() {
      yield* reset
      const instructions = "Generate a short greeting."
      for (const prompt of [[], "", "  ", { messages: [] }] as const) {
        const response = yield* LanguageModel.generate({ prompt, instructions }).pipe(using(NOVA))
        assert.isAbove(response.parts.length, 0)
      }
      yield* LanguageModel.countTokens({ prompt: [], instructions: [{ text: instructions }] }).pipe(using(SONNET))
      const Greeting = Schema.Struct({ greeting: Schema.String })
      const value = yield* LanguageModel.generateObject({ prompt: "", instructions, schema: Greeting }).pipe(
        using(NOVA)
      )
      assert.isString(value.greeting)
      const sent = yield* bodies
      assert.strictEqual(sent.length, 6)
      for (const body of sent.slice(0, 4)) {
        assert.deepStrictEqual(body.messages, [{ role: "user", content: [{ text: "." }] }])
        assert.deepStrictEqual(body.system, [{ text: instructions }])
      }
      assert.deepStrictEqual(sent[4].input.converse.messages, [{ role: "user", content: [{ text: "." }] }])
      assert.deepStrictEqual(sent[5].messages, [{ role: "user", content: [{ text: "." }] }])
      // No instructions and no system message: still a user error, before the network.
      for (const prompt of [[], "", { messages: [] }] as const) {
        const error = yield* LanguageModel.generate({ prompt, instructions: " " }).pipe(using(NOVA), Effect.flip)
        assert.strictEqual(error._tag, "InvalidRequestError")
        assert.match(error.message, /The prompt is empty/)
      }
      assert.strictEqual((yield* bodies).length, 6)
    }))

  it.effect("a streamed tool call whose arguments are not JSON goes back as { INVALID_JSON } and the loop goes on", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 }
      yield* server.script(
        Script.stream([
          Script.event("messageStart", { role: "assistant" }),
          Script.event("contentBlockStart", {
            contentBlockIndex: 0,
            start: { toolUse: { toolUseId: "w1", name: "weather" } }
          }),
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { toolUse: { input: "{\"city\": Por" } } }),
          Script.event("contentBlockStop", { contentBlockIndex: 0 }),
          Script.event("messageStop", { stopReason: "tool_use" }),
          Script.event("metadata", { usage, metrics: { latencyMs: 1 } })
        ]),
        Script.stream(Script.textEvents(["Sorry, ", "Porto is sunny."]))
      )
      const weather = Tool.make("weather", {
        parameters: Schema.Struct({ city: Schema.String }),
        handler: () => Effect.succeed("sunny")
      })
      const events = yield* Toolkit.stream(Toolkit.make(weather), { prompt: "Weather in Porto?" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        using(SONNET)
      )
      assert.deepStrictEqual(events.filter((e) => e._tag === "Retry").map((e: any) => e.toolCallId), ["w1"])
      const [, retried] = yield* bodies
      assert.deepStrictEqual(retried.messages[1].content, [
        { toolUse: { toolUseId: "w1", name: "weather", input: { INVALID_JSON: "{\"city\": Por" } } }
      ])
      assert.strictEqual(retried.messages[2].content[0].toolResult.status, "error")
    }))

  it.effect("tool results that are not objects, for a family that takes json blocks (Mistral)", () =>
    Effect.gen(function*() {
      yield* reset
      const mistral = using("mistral.mistral-large-2407-v1:0")
      const results = [[{ city: "Porto" }, "Lisbon", 3], 42, [], null]
      for (const result of results) {
        yield* LanguageModel.generate({
          prompt: callThen(Prompt.toolResult({ id: "t1", result })),
          tools: [tool("chart")]
        }).pipe(mistral)
      }
      const contents = (yield* bodies).map((body) => body.messages[2].content[0].toolResult.content)
      assert.deepStrictEqual(contents, [
        [{ json: { city: "Porto" } }, { text: "Lisbon" }, { text: "3" }],
        [{ text: "42" }],
        [{ text: "[]" }],
        [{ text: "null" }]
      ])
    }))

  it.effect("tool choice: names not offered are dropped with a warning; { tools: [] } is none", () =>
    Effect.gen(function*() {
      yield* reset
      const warnings: Array<string> = []
      const tools = [tool("a"), tool("b")]
      yield* LanguageModel.generate({ prompt: "x", tools, toolChoice: { tools: ["b", "zzz"] } }).pipe(
        using(NOVA),
        warningsInto(warnings)
      )
      yield* LanguageModel.generate({ prompt: "x", tools, toolChoice: { tools: [] } }).pipe(using(NOVA))
      const [dropped, none] = yield* bodies
      assert.deepStrictEqual(dropped.toolConfig.toolChoice, { tool: { name: "b" } })
      assert.deepStrictEqual(warnings, [
        "Tool choice names tools the request does not offer, left out: \"zzz\" (offered: a, b)"
      ])
      assert.isUndefined(none.toolConfig)
      // Naming no offered tool at all stays a user error (pydantic-ai raises too).
      const error = yield* LanguageModel.generate({ prompt: "x", tools, toolChoice: { tool: "zzz" } }).pipe(
        using(NOVA),
        Effect.flip
      )
      assert.strictEqual(error._tag, "InvalidRequestError")
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("guardrailConfig: the SDK's shape (identifier and version optional); unknown keys refused", () =>
    Effect.gen(function*() {
      yield* reset
      const guardrailConfig = { guardrailIdentifier: "gr-1", guardrailVersion: "DRAFT", trace: "enabled" as const }
      yield* LanguageModel.generate({ prompt: "x", settings: { guardrailConfig } }).pipe(using(NOVA))
      yield* LanguageModel.generate({ prompt: "x", settings: { guardrailConfig: { trace: "enabled_full" } } }).pipe(
        using(NOVA)
      )
      const [full, traceOnly] = yield* bodies
      assert.deepStrictEqual(full.guardrailConfig, guardrailConfig)
      assert.deepStrictEqual(traceOnly.guardrailConfig, { trace: "enabled_full" })
      for (
        const [key, suggestion] of [
          ["guardrail_identifier", "guardrailIdentifier"],
          ["guardrailId", "guardrailIdentifier"],
          ["trce", "trace"]
        ] as const
      ) {
        const error = yield* LanguageModel.generate({
          prompt: "x",
          settings: { guardrailConfig: { guardrailVersion: "1", [key]: "x" } as any }
        }).pipe(using(NOVA), Effect.flip)
        assert.strictEqual(error._tag, "InvalidRequestError")
        if (error._tag !== "InvalidRequestError") continue
        assert.strictEqual(error.field, `guardrailConfig.${key}`)
        assert.include(error.message, `did you mean "${suggestion}"?`)
      }
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("thinking only where the profile supports it", () =>
    Effect.gen(function*() {
      yield* reset
      const settings = { thinking: "high" as const }
      yield* LanguageModel.generate({ prompt: "hi", settings }).pipe(using("qwen.qwen2-5-72b-instruct-v1:0"))
      yield* LanguageModel.generate({ prompt: "hi", settings }).pipe(using("qwen.qwen3-32b-v1:0"))
      const [old, qwen3] = yield* bodies
      assert.isUndefined(old.additionalModelRequestFields)
      assert.deepStrictEqual(qwen3.additionalModelRequestFields, { reasoning_config: "high" })
    }))

  it.effect("tool choice: a subset of tools, tool-or-output, and required without tools is a user error", () =>
    Effect.gen(function*() {
      yield* reset
      const tools = [tool("a"), tool("b"), tool("c")]
      yield* LanguageModel.generate({ prompt: "x", tools, toolChoice: { tools: ["a", "b"] } }).pipe(using(NOVA))
      yield* LanguageModel.generate({
        prompt: "x",
        tools,
        toolChoice: { toolOrOutput: ["c"] },
        output: { schema: { type: "object", properties: {} } }
      }).pipe(using(NOVA))
      const [subset, orOutput] = yield* bodies
      assert.deepStrictEqual(subset.toolConfig.tools.map((t: any) => t.toolSpec.name), ["a", "b"])
      assert.deepStrictEqual(subset.toolConfig.toolChoice, { any: {} })
      assert.deepStrictEqual(orOutput.toolConfig.tools.map((t: any) => t.toolSpec.name), ["c", "final_result"])
      assert.deepStrictEqual(orOutput.toolConfig.toolChoice, { any: {} })
      const required = yield* LanguageModel.generate({ prompt: "x", toolChoice: "required" }).pipe(
        using(NOVA),
        Effect.flip
      )
      assert.strictEqual(required._tag, "InvalidRequestError")
      assert.match(required.message, /needs tools/)
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("service tier: a request's string does not replace the model's reserved tier", () =>
    Effect.gen(function*() {
      yield* reset
      const reserved = using(NOVA, { bedrockServiceTier: { type: "reserved" } })
      yield* LanguageModel.generate({ prompt: "x", settings: { serviceTier: "flex" } }).pipe(reserved)
      yield* LanguageModel.generate({ prompt: "x", settings: { serviceTier: "priority" } }).pipe(using(NOVA))
      yield* LanguageModel.generate({ prompt: "x", settings: { serviceTier: "auto" } }).pipe(using(NOVA))
      const [model, unified, auto] = yield* bodies
      assert.deepStrictEqual(model.serviceTier, { type: "reserved" })
      assert.deepStrictEqual(unified.serviceTier, { type: "priority" })
      assert.isUndefined(auto.serviceTier)
    }))

  it.effect("leading whitespace of every text part is dropped (DeepSeek R1): streamed and not, the same text", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.json({
          output: { message: { role: "assistant", content: [{ text: "\n\nFirst." }, { text: "\n Second." }] } },
          stopReason: "end_turn",
          usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
          metrics: { latencyMs: 1 }
        }, { operation: "converse" }),
        Script.stream([
          Script.event("messageStart", { role: "assistant" }),
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "\n" } }),
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "\n" } }),
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "First." } }),
          Script.event("contentBlockStop", { contentBlockIndex: 0 }),
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "\n " } }),
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Second." } }),
          Script.event("contentBlockStop", { contentBlockIndex: 1 }),
          Script.event("messageStop", { stopReason: "end_turn" }),
          Script.event("metadata", { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: {} })
        ])
      )
      const r1 = using("us.deepseek.r1-v1:0")
      const generated = yield* LanguageModel.generate({ prompt: "x" }).pipe(r1)
      const parts = yield* LanguageModel.stream({ prompt: "x" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        r1
      )
      const streamed = (parts.at(-1) as Response.Finish).response
      assert.deepStrictEqual(generated.parts, [Prompt.text("First."), Prompt.text("Second.")])
      assert.deepStrictEqual(streamed.parts, generated.parts)
      assert.deepStrictEqual(parts.flatMap((p) => p._tag === "TextDelta" ? [p.delta] : []), ["First.", "Second."])
    }))

  it.effect("extra headers: the model's, a request's replacing them case-insensitively", () =>
    Effect.gen(function*() {
      yield* reset
      const model = using(NOVA, { extraHeaders: { "X-Tenant": "model", "x-team": "core" } })
      yield* LanguageModel.generate({ prompt: "x" }).pipe(model)
      yield* LanguageModel.generate({ prompt: "x", settings: { extraHeaders: { "x-tenant": "request" } } }).pipe(model)
      yield* LanguageModel.generate({ prompt: "x", settings: { extraHeaders: { "Content-Type": "application/json" } } })
        .pipe(model)
      const [first, second, third] = yield* received
      assert.strictEqual(first!.headers["x-tenant"], "model")
      assert.strictEqual(first!.headers["x-team"], "core")
      // The request's extraHeaders replace the model's object as a whole (settings merge per key).
      assert.strictEqual(second!.headers["x-tenant"], "request")
      assert.isUndefined(second!.headers["x-team"])
      // One content-type, not the SDK's and ours side by side.
      assert.strictEqual(third!.headers["content-type"], "application/json")
    }))

  it.effect("dynamic instructions go after the instructions cache point: the static prefix stays cached", () =>
    Effect.gen(function*() {
      yield* reset
      const request = (today: string): LanguageModel.Request => ({
        prompt: "What should I do today?",
        instructions: ["You are a planner. ".repeat(30), { text: `Today is ${today}.`, dynamic: true }],
        settings: { cacheInstructions: true }
      })
      const monday = yield* LanguageModel.generate(request("Monday")).pipe(using(SONNET))
      const tuesday = yield* LanguageModel.generate(request("Tuesday")).pipe(using(SONNET))
      const [sent] = yield* bodies
      assert.deepStrictEqual(sent.system.map((b: any) => Object.keys(b)[0]), ["text", "cachePoint", "text"])
      assert.strictEqual(sent.system[2].text, "Today is Monday.")
      assert.isAbove(monday.usage.cacheWriteTokens, 0)
      assert.strictEqual(tuesday.usage.cacheReadTokens, monday.usage.cacheWriteTokens)
    }))

  it.effect("a mistyped model id gets the closest known id; responses carry a timestamp", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const before = Date.now()
      const response = yield* LanguageModel.generate({ prompt: "x" }).pipe(using(NOVA))
      const streamed = yield* LanguageModel.stream({ prompt: "x" }).pipe(Stream.runLast, using(NOVA))
      assert.instanceOf(response.timestamp, Date)
      assert.isAtLeast(response.timestamp!.getTime(), before)
      const finish = streamed._tag === "Some" && streamed.value._tag === "Finish" ? streamed.value : undefined
      assert.isAtLeast(finish!.response.timestamp!.getTime(), before)
      // The local Bedrock refuses the typo itself (one table of model ids with the library).
      const typo = "us.anthropic.claude-sonet-4-5-20250929-v1:0"
      const error = yield* LanguageModel.generate({ prompt: "x" }).pipe(using(typo), Effect.flip)
      assert.strictEqual(error._tag, "ValidationError")
      if (error._tag === "ValidationError") {
        assert.strictEqual(error.suggestion, SONNET)
        assert.include(error.message, `Did you mean "${SONNET}"?`)
      }
      assert.strictEqual(yield* server.pendingScripts, 0)
    }))

  it.effect("part constructors build a history; signed thinking goes back natively with providerName", () =>
    Effect.gen(function*() {
      yield* reset
      const thought = Prompt.thinking({ text: "Plan.", signature: "sig-1", provider: BedrockModelProfile.providerName })
      const foreign = Prompt.thinking({ text: "Other plan.", signature: "sig-2", provider: "openai" })
      yield* LanguageModel.generate({
        prompt: [
          Prompt.user("Weather?"),
          Prompt.assistant(thought, foreign, Prompt.toolCall({ id: "w1", name: "weather", input: { city: "Porto" } })),
          Prompt.tool(Prompt.toolResult({ id: "w1", result: { celsius: 18 } })),
          Prompt.user("Thanks")
        ],
        tools: [tool("weather")]
      }).pipe(using(SONNET))
      const [sent] = yield* bodies
      assert.deepStrictEqual(sent.messages[1].content, [
        { reasoningContent: { reasoningText: { text: "Plan.", signature: "sig-1" } } },
        { text: "<thinking>\nOther plan.\n</thinking>" },
        { toolUse: { toolUseId: "w1", name: "weather", input: { city: "Porto" } } }
      ])
      assert.deepStrictEqual(sent.messages[2].content[0].toolResult.content, [{ text: "{\"celsius\":18}" }])
    }))

  it.effect("through BedrockLanguageModel's accessors a mistyped setting does not compile", () =>
    Effect.gen(function*() {
      yield* reset
      // @ts-expect-error `temprature` is not a Bedrock setting
      const typo = yield* BedrockLanguageModel.generate({ prompt: "x", settings: { temprature: 0.2 } }).pipe(
        using(NOVA),
        Effect.flip
      )
      assert.strictEqual(typo._tag, "InvalidRequestError")
      yield* BedrockLanguageModel.generate({ prompt: "x", settings: { temperature: 0.2 } }).pipe(using(NOVA))
      assert.strictEqual((yield* bodies)[0].inferenceConfig.temperature, 0.2)
    }))

  it.effect("timeouts also read pydantic-ai's AWS_CONNECT_TIMEOUT / AWS_READ_TIMEOUT (seconds); ours win", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const env = (extra: ReadonlyArray<readonly [string, string]>) =>
        ConfigProvider.fromMap(
          new Map([
            ["AWS_REGION", "us-east-1"],
            ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.endpoint],
            ["AWS_ACCESS_KEY_ID", LocalBedrock.localCredentials.accessKeyId],
            ["AWS_SECRET_ACCESS_KEY", Redacted.value(LocalBedrock.localCredentials.secretAccessKey)],
            ["BEDROCK_MAX_ATTEMPTS", "1"],
            ...extra
          ])
        )
      const aws = yield* BedrockClient.loadConfig().pipe(
        Effect.withConfigProvider(env([["AWS_CONNECT_TIMEOUT", "5"], ["AWS_READ_TIMEOUT", "0.3"]]))
      )
      assert.isTrue(Duration.equals(Duration.decode(aws.connectTimeout!), Duration.seconds(5)))
      const ours = yield* BedrockClient.loadConfig().pipe(
        Effect.withConfigProvider(env([["AWS_READ_TIMEOUT", "0.3"], ["BEDROCK_REQUEST_TIMEOUT", "20 seconds"]]))
      )
      assert.isTrue(Duration.equals(Duration.decode(ours.requestTimeout!), Duration.seconds(20)))
      // The read timeout in force on the wire: a hanging answer times out after 0.3 s.
      yield* server.script(Script.hang())
      const timeout = yield* LanguageModel.generate({ prompt: "x" }).pipe(
        Effect.provide(BedrockLanguageModel.layer({ model: NOVA }).pipe(Layer.provide(BedrockClient.layerConfig()))),
        Effect.withConfigProvider(env([["AWS_READ_TIMEOUT", "0.3"]])),
        Effect.flip
      )
      assert.strictEqual(timeout._tag, "TransportError")
      if (timeout._tag === "TransportError") assert.strictEqual(timeout.kind, "Timeout")
    }))
})
