import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import type * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, layer } from "@effect/vitest"
import * as AiError from "effect/ai/AiError"
import * as Chat from "effect/ai/Chat"
import * as LanguageModel from "effect/ai/LanguageModel"
import * as Tool from "effect/ai/Tool"
import * as Toolkit from "effect/ai/Toolkit"
import * as Config from "effect/Config"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LocalBedrock from "../src/LocalBedrock.js"

// Priced in the bundled dataset for us-east-1 (the region the client is given).
const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

// The local Bedrock and a BedrockClient on it, from the package's testing entry.
const LocalWithClient = LocalBedrock.layerWithClient()

const ModelLive = BedrockLanguageModel.layer({ model: MODEL, config: { maxTokens: 512 } }).pipe(Layer.orDie)

const Env = ModelLive.pipe(Layer.provideMerge(LocalWithClient))

const bodies = (local: LocalBedrockServer.LocalBedrockServer) => local.requests().map((r) => r.body as any)

const toolUse = (uses: ReadonlyArray<{ id: string; name: string; input: unknown }>) =>
  Script.json({
    output: {
      message: {
        role: "assistant",
        content: uses.map((use) => ({ toolUse: { toolUseId: use.id, name: use.name, input: use.input } }))
      }
    },
    stopReason: "tool_use",
    usage: { inputTokens: 20, outputTokens: 10, totalTokens: 30 },
    metrics: { latencyMs: 3 }
  }, { operation: "converse" })

// A small travel toolkit: one tool that works, one whose handler fails.
const GetWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Number })
})
const BookHotel = Tool.make("book_hotel", {
  description: "Books a hotel room",
  parameters: Schema.Struct({ city: Schema.String, nights: Schema.Number }),
  success: Schema.Struct({ confirmation: Schema.String }),
  failure: Schema.Struct({ reason: Schema.String }),
  failureMode: "return"
})
const Travel = Toolkit.make(GetWeather, BookHotel)
const TravelHandlers = Travel.toLayer({
  get_weather: ({ city }) => Effect.succeed({ city, celsius: 18 }),
  book_hotel: () => Effect.fail({ reason: "No rooms left" })
})

const CityFacts = Schema.Struct({ city: Schema.String, population: Schema.Number }).annotate({
  identifier: "CityFacts"
})

layer(Env)("BedrockLanguageModel (Effect 4) against the local Bedrock", (it) => {
  it.effect("generateText: text, usage with cache tokens, the cost and the request id on the finish part", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const response = yield* LanguageModel.generateText({ prompt: "Tell me about Lisbon" })
      const [request] = local.requests()
      assert.isAbove(response.text.length, 0)
      assert.strictEqual(response.finishReason, "stop")
      assert.isAbove(response.usage.inputTokens.total!, 0)
      assert.isAbove(response.usage.outputTokens.total!, 0)
      assert.strictEqual(response.usage.inputTokens.cacheRead, 0)
      assert.strictEqual(request!.modelId, MODEL)
      assert.strictEqual(request!.operation, "converse")
      assert.strictEqual((request!.body as any).inferenceConfig.maxTokens, 512)
      const finish = response.content.find((part) => part.type === "finish")!
      const metadata = finish.metadata.effectBedrock!
      assert.strictEqual(metadata.requestId, request!.requestId)
      assert.strictEqual(metadata.rawFinishReason, "end_turn")
      assert.strictEqual(metadata.cost?.currency, "USD")
      assert.isAbove(metadata.cost!.total, 0)
      const info = response.content.find((part) => part.type === "response-metadata")!
      assert.strictEqual(Option.getOrUndefined(info.id as any) ?? info.id, request!.requestId)
    }))

  it.effect("a per-call override wins over the model's settings", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        BedrockLanguageModel.withConfigOverride({ maxTokens: 64, temperature: 0.2 })
      )
      const [body] = bodies(local)
      assert.strictEqual(body.inferenceConfig.maxTokens, 64)
      assert.strictEqual(body.inferenceConfig.temperature, 0.2)
    }))

  it.effect("layerConfig reads the model and its settings from Config; model() is an effect/ai Model", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const fromConfig = BedrockLanguageModel.layerConfig({
        model: Config.String("MODEL"),
        config: Config.all({ maxTokens: Config.Number("MAX_TOKENS") })
      }).pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ MODEL, MAX_TOKENS: "99" }))))
      yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.provide(fromConfig))
      yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        Effect.provide(BedrockLanguageModel.model("us.amazon.nova-micro-v1:0", { maxTokens: 32 }))
      )
      const [first, second] = local.requests()
      assert.deepStrictEqual([first!.modelId, (first!.body as any).inferenceConfig.maxTokens], [MODEL, 99])
      assert.deepStrictEqual([second!.modelId, (second!.body as any).inferenceConfig.maxTokens], [
        "us.amazon.nova-micro-v1:0",
        32
      ])
    }))

  it.effect("streamText: deltas as they come, then response metadata and a finish with its cost", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.stream(Script.textEvents(["The answer ", "is ", "42."])))
      const parts = yield* LanguageModel.streamText({ prompt: "Answer?" }).pipe(Stream.runCollect)
      const [request] = local.requests()
      assert.strictEqual(request!.operation, "converse-stream")
      const deltas = parts.flatMap((part) => part.type === "text-delta" ? [part.delta] : [])
      assert.strictEqual(deltas.join(""), "The answer is 42.")
      assert.deepStrictEqual(parts.map((part) => part.type).filter((type) => type !== "text-delta"), [
        "text-start",
        "text-end",
        "response-metadata",
        "finish"
      ])
      const finish = parts.at(-1)!
      assert.strictEqual(finish.type, "finish")
      if (finish.type === "finish") {
        assert.strictEqual(finish.reason, "stop")
        assert.isAbove(finish.usage.outputTokens.total!, 0)
        const cost = finish.metadata.effectBedrock?.cost
        assert.strictEqual(cost?.currency, "USD")
        assert.isAbove(cost!.total, 0)
      }
    }))

  it.effect("generateObject: the schema goes to Bedrock as the engine maps it, the answer decodes", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const response = yield* LanguageModel.generateObject({ prompt: "Facts about Porto", schema: CityFacts })
      assert.isString(response.value.city)
      assert.isNumber(response.value.population)
      const [body] = bodies(local)
      // The engine's output mapping for this model: a forced tool named after the schema.
      assert.deepStrictEqual(body.toolConfig.tools.map((t: any) => t.toolSpec.name), ["CityFacts"])
      assert.deepStrictEqual(body.toolConfig.tools[0].toolSpec.inputSchema.json.required, ["city", "population"])
    }))

  it.effect("a Toolkit round trip: handlers run, a failing one goes back as an error result", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(
        toolUse([
          { id: "w", name: "get_weather", input: { city: "Oslo" } },
          { id: "h", name: "book_hotel", input: { city: "Oslo", nights: 2 } }
        ])
      )
      const chat = yield* Chat.empty
      const first = yield* chat.generateText({ prompt: "Weather in Oslo, and book me a hotel", toolkit: Travel })
      assert.strictEqual(first.finishReason, "tool-calls")
      assert.deepStrictEqual(first.toolResults.map((r) => [r.name, r.isFailure, r.result]), [
        ["get_weather", false, { city: "Oslo", celsius: 18 }],
        ["book_hotel", true, { reason: "No rooms left" }]
      ])
      const second = yield* chat.generateText({ prompt: "So?", toolkit: Travel })
      assert.isAbove(second.text.length, 0)
      const [firstBody, secondBody] = bodies(local)
      assert.deepStrictEqual(firstBody.toolConfig.tools.map((t: any) => t.toolSpec.name), ["get_weather", "book_hotel"])
      assert.deepStrictEqual(firstBody.toolConfig.toolChoice, { auto: {} })
      // The calls and their results sent back: the assistant turn, then the results in one user turn.
      const messages = secondBody.messages
      assert.deepStrictEqual(messages[1].content.map((c: any) => c.toolUse?.toolUseId), ["w", "h"])
      const results = messages[2].content.filter((c: any) => c.toolResult !== undefined).map((c: any) => c.toolResult)
      assert.deepStrictEqual(results.map((r: any) => [r.toolUseId, r.status]), [["w", "success"], ["h", "error"]])
      // The handler's result as the engine sends tool results: its JSON as text.
      assert.deepStrictEqual(results[0].content, [{ text: "{\"city\":\"Oslo\",\"celsius\":18}" }])
      assert.deepStrictEqual(results[1].content, [{ text: "{\"reason\":\"No rooms left\"}" }])
    }).pipe(Effect.provide(TravelHandlers)))

  it.effect("streamText with a toolkit: reasoning with its signature, tool params, the call; the signature goes back", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.stream([
        Script.event("messageStart", { role: "assistant" }),
        Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Weather " } } }),
        Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "first." } } }),
        Script.event("contentBlockDelta", {
          contentBlockIndex: 0,
          delta: { reasoningContent: { signature: "sig-1" } }
        }),
        Script.event("contentBlockStop", { contentBlockIndex: 0 }),
        Script.event("contentBlockStart", {
          contentBlockIndex: 1,
          start: { toolUse: { toolUseId: "tu-1", name: "get_weather" } }
        }),
        Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "{\"city\"" } } }),
        Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: ":\"Rome\"}" } } }),
        Script.event("contentBlockStop", { contentBlockIndex: 1 }),
        Script.event("messageStop", { stopReason: "tool_use" }),
        Script.event("metadata", {
          usage: { inputTokens: 10, outputTokens: 5, totalTokens: 17, cacheReadInputTokens: 2 },
          metrics: { latencyMs: 4 }
        })
      ]))
      const chat = yield* Chat.empty
      const parts = yield* chat.streamText({ prompt: "Weather in Rome?", toolkit: Travel }).pipe(Stream.runCollect)
      const types = parts.map((part) => part.type)
      // The signature (which may come in pieces) is on reasoning-end, whole.
      const end = parts.find((part) => part.type === "reasoning-end")
      assert.deepStrictEqual(end?.metadata.effectBedrock, { signature: "sig-1" })
      // Deltas read from the wire together come as one (see below): compare without repeats.
      const kinds = types.filter((type) => type.startsWith("reasoning") || type.startsWith("tool-params"))
      assert.deepStrictEqual(kinds.filter((type, i) => type !== kinds[i - 1]), [
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "tool-params-start",
        "tool-params-delta",
        "tool-params-end"
      ])
      const text = (type: string) =>
        parts.map((part) => part.type === type && "delta" in part ? part.delta : "").join("")
      assert.deepStrictEqual([text("reasoning-delta"), text("tool-params-delta")], [
        "Weather first.",
        "{\"city\":\"Rome\"}"
      ])
      const call = parts.find((part) => part.type === "tool-call")
      assert.deepStrictEqual(call?.type === "tool-call" ? call.params : undefined, { city: "Rome" })
      const result = parts.find((part) => part.type === "tool-result")
      assert.deepStrictEqual(result?.type === "tool-result" ? result.result : undefined, { city: "Rome", celsius: 18 })
      const finish = parts.find((part) => part.type === "finish")
      if (finish?.type !== "finish") return assert.fail("no finish part")
      assert.strictEqual(finish.reason, "tool-calls")
      // Bedrock's inputTokens (10) leave out the cache reads (2): the total has both, uncached only the 10.
      assert.deepStrictEqual([finish.usage.inputTokens.total, finish.usage.inputTokens.cacheRead], [12, 2])
      assert.strictEqual(finish.usage.inputTokens.uncached, 10)

      yield* chat.generateText({ prompt: "And so?", toolkit: Travel })
      const [, second] = bodies(local)
      const assistant = second.messages[1]
      assert.deepStrictEqual(assistant.content[0], {
        reasoningContent: { reasoningText: { text: "Weather first.", signature: "sig-1" } }
      })
      assert.deepStrictEqual(assistant.content[1].toolUse, {
        toolUseId: "tu-1",
        name: "get_weather",
        input: { city: "Rome" }
      })
    }).pipe(Effect.provide(TravelHandlers)))

  it.effect("streamText: a block's deltas read together go on as one delta; the first one is not held back", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      // One delta, a 300 ms pause, then 199 deltas written at once.
      local.script(Script.generated({ deltas: 200, text: "ab ", pauseAfterFirstMs: 300 }))
      const deltas = yield* LanguageModel.streamText({ prompt: "Count" }).pipe(
        Stream.filter((part) => part.type === "text-delta"),
        Stream.map((part) => ({ delta: part.delta, at: performance.now() })),
        Stream.runCollect
      )
      const end = performance.now()
      // The first delta came alone, before the pause: it went on at once, not with the next batch.
      assert.strictEqual(deltas[0]!.delta, "ab ")
      assert.isAtLeast(end - deltas[0]!.at, 250)
      // The same text in fewer parts.
      assert.strictEqual(deltas.map((part) => part.delta).join(""), "ab ".repeat(200))
      assert.isBelow(deltas.length, 200)
    }))

  it.effect("streamText: reasoning and tool-input deltas read together go on as one delta each, the same text", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const thoughts = Array.from({ length: 100 }, (_, i) => `t${i} `)
      const input = ["{\"city\":\"", ...Array.from({ length: 98 }, () => "ab"), "\"}"]
      local.script(Script.stream([
        Script.event("messageStart", { role: "assistant" }),
        ...thoughts.map((text) =>
          Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text } } })
        ),
        Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "s" } } }),
        Script.event("contentBlockStop", { contentBlockIndex: 0 }),
        Script.event("contentBlockStart", {
          contentBlockIndex: 1,
          start: { toolUse: { toolUseId: "tu-1", name: "get_weather" } }
        }),
        ...input.map((piece) =>
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: piece } } })
        ),
        Script.event("contentBlockStop", { contentBlockIndex: 1 }),
        Script.event("messageStop", { stopReason: "tool_use" }),
        Script.event("metadata", { usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } })
      ]))
      const parts = yield* LanguageModel.streamText({ prompt: "Weather?", toolkit: Travel }).pipe(Stream.runCollect)
      const deltas = (type: "reasoning-delta" | "tool-params-delta") =>
        parts.flatMap((part) => part.type === type ? [part.delta] : [])
      assert.strictEqual(deltas("reasoning-delta").join(""), thoughts.join(""))
      assert.isBelow(deltas("reasoning-delta").length, thoughts.length)
      assert.strictEqual(deltas("tool-params-delta").join(""), input.join(""))
      assert.isBelow(deltas("tool-params-delta").length, input.length)
      const call = parts.find((part) => part.type === "tool-call")
      assert.deepStrictEqual(call?.type === "tool-call" ? call.params : undefined, { city: "ab".repeat(98) })
      const end = parts.find((part) => part.type === "reasoning-end")
      assert.deepStrictEqual(end?.metadata.effectBedrock, { signature: "s" })
    }).pipe(Effect.provide(TravelHandlers)))

  it.effect("a guardrail intervention is an answer with finish reason content-filter, not a failure", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.json({
        output: { message: { role: "assistant", content: [{ text: "Sorry, I cannot help with that." }] } },
        stopReason: "guardrail_intervened",
        usage: { inputTokens: 12, outputTokens: 7, totalTokens: 19 },
        metrics: { latencyMs: 2 }
      }, { operation: "converse" }))
      const response = yield* LanguageModel.generateText({ prompt: "Something blocked" })
      assert.strictEqual(response.finishReason, "content-filter")
      assert.strictEqual(response.text, "Sorry, I cannot help with that.")
      const finish = response.content.find((part) => part.type === "finish")!
      assert.strictEqual(finish.metadata.effectBedrock?.rawFinishReason, "guardrail_intervened")
    }))

  it.effect("throttling is an AiError with reason RateLimitError whose cause is our ThrottlingError", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(
        Script.failure("ThrottlingException", { message: "Too many requests, please wait" }),
        Script.failure("ValidationException", { message: "messages: bad turn order" }),
        Script.failure("ServiceQuotaExceededException", { message: "Quota" }),
        Script.failure("AccessDeniedException", { message: "No access" }),
        Script.stream([...Script.textEvents(["Part"]).slice(0, 2), Script.exception("throttlingException", "Slow")])
      )
      const throttled = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      const [first] = local.requests()
      assert.isTrue(AiError.isAiError(throttled))
      assert.strictEqual(throttled.reason._tag, "RateLimitError")
      assert.isTrue(throttled.isRetryable)
      const cause = (throttled.reason as any).cause
      assert.instanceOf(cause, BedrockError.ThrottlingError)
      assert.strictEqual(cause.requestId, first!.requestId)
      assert.strictEqual(Option.getOrThrow(BedrockLanguageModel.bedrockError(throttled)), cause)

      const invalid = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(invalid.reason._tag, "InvalidRequestError")
      assert.instanceOf((invalid.reason as any).cause, BedrockError.ValidationError)
      const quota = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(quota.reason._tag, "QuotaExhaustedError")
      const denied = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(denied.reason._tag, "AuthenticationError")

      // Mid-stream: the text before the exception arrives, then the AiError.
      const deltas: Array<string> = []
      const failed = yield* LanguageModel.streamText({ prompt: "Hi" }).pipe(
        Stream.runForEach((part) => Effect.sync(() => part.type === "text-delta" && deltas.push(part.delta))),
        Effect.flip
      )
      assert.deepStrictEqual(deltas, ["Part"])
      assert.strictEqual(failed.reason._tag, "RateLimitError")
      assert.strictEqual((failed.reason as any).cause.position, "stream")
    }))

  it.effect("a stream cut before messageStop fails with reason InvalidResponseError, after the text it had", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.stream(Script.textEvents(["Half an ", "answer"]).slice(0, 3)))
      const deltas: Array<string> = []
      const error = yield* LanguageModel.streamText({ prompt: "Hi" }).pipe(
        Stream.runForEach((part) => Effect.sync(() => part.type === "text-delta" && deltas.push(part.delta))),
        Effect.flip
      )
      assert.isAbove(deltas.length, 0)
      assert.strictEqual(error.reason._tag, "InvalidResponseError")
      const cause = Option.getOrThrow(BedrockLanguageModel.bedrockError(error))
      assert.strictEqual(cause._tag === "TransportError" ? cause.kind : cause._tag, "TruncatedEventStream")
    }))

  it.effect("a request the engine refuses fails before the network with reason InvalidRequestError", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      const error = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        BedrockLanguageModel.withConfigOverride({ temperature: 7 }),
        Effect.flip
      )
      assert.strictEqual(error.reason._tag, "InvalidRequestError")
      assert.strictEqual(local.requests().length, 0)
    }))

  it.effect("an interrupted streamText leaves no open request on the server", () =>
    Effect.gen(function*() {
      const local = (yield* LocalBedrock.LocalBedrock).server
      local.reset()
      local.script(Script.ttft({ waitMs: 60_000, deltas: 10 }))
      const fiber = yield* LanguageModel.streamText({ prompt: "Go" }).pipe(Stream.runDrain, Effect.forkChild)
      // Real time (the test clock does not move by itself): waits until the request is open, 5 s at most.
      yield* Effect.promise(async () => {
        const deadline = Date.now() + 5_000
        while (local.openRequests() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
      })
      assert.strictEqual(local.openRequests(), 1)
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() =>
        Promise.race([local.awaitIdle(), new Promise((resolve) => setTimeout(resolve, 5_000))])
      )
      assert.strictEqual(local.openRequests(), 0)
    }))
})
