import { BedrockAiError, BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { BedrockError } from "@effect-bedrock/core"
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import type { Prompt } from "@effect/ai"
import { AiError, Chat, LanguageModel, Tool, Toolkit } from "@effect/ai"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Schema, Stream, Tracer } from "effect"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockAiLanguageModel.layer({ model: MODEL, config: { maxTokens: 512 } }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const reset = Effect.flatMap(local, (server) => server.reset)
const requests = Effect.flatMap(local, (server) => server.requests)
const bodies = Effect.map(requests, (list) => list.map((r) => r.body as any))

/** Runs an effect with a tracer that records every span it starts. */
const withSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.tracerWith((base) => {
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: base.context
    })
    return Effect.map(Effect.withTracer(effect, tracer), (value) => [value, spans] as const)
  })

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

// A small travel toolkit: one tool that works, one that fails.
const GetWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: { city: Schema.String },
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Number })
})
const BookHotel = Tool.make("book_hotel", {
  description: "Books a hotel room",
  parameters: { city: Schema.String, nights: Schema.Number },
  success: Schema.Struct({ confirmation: Schema.String }),
  failure: Schema.Struct({ reason: Schema.String }),
  failureMode: "return"
})
const Travel = Toolkit.make(GetWeather, BookHotel)
const TravelHandlers = Travel.toLayer({
  get_weather: ({ city }) => Effect.succeed({ city, celsius: 18 }),
  book_hotel: () => Effect.fail({ reason: "No rooms left" })
})

layer(Env, { excludeTestServices: true })("BedrockAiLanguageModel against the local Bedrock", (it) => {
  it.effect("generateText: text, finish with usage, response metadata with the request id and model", () =>
    Effect.gen(function*() {
      yield* reset
      const [response, spans] = yield* withSpans(LanguageModel.generateText({ prompt: "Tell me about Lisbon" }))
      const [request] = yield* requests
      assert.isAbove(response.text.length, 0)
      assert.strictEqual(response.finishReason, "stop")
      assert.isAbove(response.usage.inputTokens!, 0)
      assert.isAbove(response.usage.outputTokens!, 0)
      assert.strictEqual(response.usage.cachedInputTokens, 0)
      const metadata = response.content.find((part) => part.type === "response-metadata")!
      assert.deepStrictEqual(metadata.id, Option.some(request!.requestId))
      assert.deepStrictEqual(metadata.modelId, Option.some(MODEL))
      const finish = response.content.find((part) => part.type === "finish")!
      assert.strictEqual(finish.metadata.effectBedrock?.requestId, request!.requestId)
      assert.strictEqual(finish.metadata.effectBedrock?.rawFinishReason, "end_turn")
      assert.isNumber(finish.metadata.effectBedrock?.latencyMs)
      assert.strictEqual(request!.modelId, MODEL)
      assert.strictEqual(request!.operation, "converse")
      // Telemetry: the GenAI attributes on @effect/ai's span.
      const span = spans.find((s) => s.name === "LanguageModel.generateText")!
      assert.strictEqual(span.attributes.get("gen_ai.system"), "aws.bedrock")
      assert.strictEqual(span.attributes.get("gen_ai.request.model"), MODEL)
      assert.strictEqual(span.attributes.get("gen_ai.request.max_tokens"), 512)
      assert.strictEqual(span.attributes.get("gen_ai.response.id"), request!.requestId)
      assert.deepStrictEqual(span.attributes.get("gen_ai.response.finish_reasons"), ["end_turn"])
      assert.strictEqual(span.attributes.get("gen_ai.usage.output_tokens"), response.usage.outputTokens)
    }))

  it.effect("streamText: deltas as they come, then response metadata and finish", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      // 30 ms between events: each delta is passed on alone, as soon as it arrives.
      yield* server.script(Script.stream(Script.textEvents(["The answer ", "is ", "42."]), { delayBetweenMs: 30 }))
      const [parts, spans] = yield* withSpans(
        LanguageModel.streamText({ prompt: "Answer?" }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      )
      const [request] = yield* requests
      assert.strictEqual(request!.operation, "converse-stream")
      const deltas = parts.flatMap((part) => part.type === "text-delta" ? [part.delta] : [])
      assert.deepStrictEqual(deltas, ["The answer ", "is ", "42."])
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
        assert.strictEqual(finish.metadata.effectBedrock?.requestId, request!.requestId)
      }
      const span = spans.find((s) => s.name === "LanguageModel.streamText")!
      assert.strictEqual(span.attributes.get("gen_ai.response.id"), request!.requestId)
      assert.deepStrictEqual(span.attributes.get("gen_ai.response.finish_reasons"), ["end_turn"])

      // Deltas read from the wire together are passed on as one: the same text in fewer parts.
      const pieces = Array.from({ length: 200 }, (_, i) => `${i} `)
      yield* server.script(Script.stream(Script.textEvents(pieces)))
      const burst = yield* LanguageModel.streamText({ prompt: "Count" }).pipe(
        Stream.filter((part) => part.type === "text-delta"),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      assert.strictEqual(burst.map((part) => part.type === "text-delta" ? part.delta : "").join(""), pieces.join(""))
      assert.isBelow(burst.length, pieces.length)
    }))

  it.effect("streamText: reasoning with its signature, tool params, then one complete tool call", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.stream([
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
      const toolkit = yield* Travel
      const parts = yield* LanguageModel.streamText({ prompt: "Weather in Rome?", toolkit }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      // @effect/ai runs the handlers as soon as a chunk with tool calls is through: the result may
      // come before or after the finish part.
      const types = parts.map((part) => part.type)
      assert.isAbove(types.indexOf("tool-result"), types.indexOf("tool-call"))
      // Deltas read together may come as one (see the test above): compare without repeats.
      const kinds = types.filter((type, i) => type !== "tool-result" && type !== types[i - 1])
      assert.deepStrictEqual(kinds, [
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "tool-params-start",
        "tool-params-delta",
        "tool-params-end",
        "tool-call",
        "response-metadata",
        "finish"
      ])
      const text = (type: string) =>
        parts.flatMap((part) => part.type === type && "delta" in part ? [part.delta] : []).join("")
      assert.strictEqual(text("reasoning-delta"), "Weather first.")
      assert.strictEqual(text("tool-params-delta"), "{\"city\":\"Rome\"}")
      const end = parts.find((part) => part.type === "reasoning-end")!
      assert.strictEqual(end.type === "reasoning-end" && end.metadata.effectBedrock?.signature, "sig-1")
      const call = parts.find((part) => part.type === "tool-call")!
      assert.deepStrictEqual(call.type === "tool-call" ? call.params : undefined, { city: "Rome" })
      const result = parts.find((part) => part.type === "tool-result")!
      assert.deepStrictEqual(result.type === "tool-result" ? result.result : undefined, { city: "Rome", celsius: 18 })
      const finish = parts.find((part) => part.type === "finish")!
      if (finish.type === "finish") {
        assert.strictEqual(finish.reason, "tool-calls")
        assert.strictEqual(finish.usage.inputTokens, 12)
        assert.strictEqual(finish.usage.cachedInputTokens, 2)
      }
    }).pipe(Effect.provide(TravelHandlers)))

  it.effect("generateObject with a Schema: a forced tool (the seed's default), native JSON schema one setting away", () =>
    Effect.gen(function*() {
      yield* reset
      const CityFacts = Schema.Struct({ city: Schema.String, population: Schema.Number }).annotations({
        identifier: "CityFacts",
        description: "Facts about a city"
      })
      const claude = yield* BedrockAiLanguageModel.make({ model: MODEL, profile: { defaultOutputMode: "native" } })
      const native = yield* claude.generateObject({ prompt: "Facts about Porto", schema: CityFacts })
      assert.isString(native.value.city)
      assert.isNumber(native.value.population)
      const viaTool = yield* LanguageModel.generateObject({ prompt: "Facts about Porto", schema: CityFacts })
      assert.isString(viaTool.value.city)
      assert.strictEqual(viaTool.finishReason, "stop")
      assert.strictEqual(viaTool.toolCalls.length, 0)
      const [first, second] = yield* bodies
      assert.strictEqual(first.outputConfig.textFormat.structure.jsonSchema.name, "CityFacts")
      assert.strictEqual(first.outputConfig.textFormat.structure.jsonSchema.description, "Facts about a city")
      assert.isUndefined(first.toolConfig)
      assert.isUndefined(second.outputConfig)
      assert.deepStrictEqual(second.toolConfig.tools.map((t: any) => t.toolSpec.name), ["CityFacts"])
      assert.deepStrictEqual(second.toolConfig.toolChoice, { any: {} })
    }))

  it.effect("a Chat over three turns, its history exported to JSON and imported again", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.converseText("Porto is in Portugal."),
        Script.converseText("About 230,000 people."),
        Script.converseText("Try the francesinha.")
      )
      const chat = yield* Chat.fromPrompt([{ role: "system", content: "You are a travel guide." }])
      const first = yield* chat.generateText({ prompt: "Where is Porto?" })
      const second = yield* chat.generateText({ prompt: "How many people live there?" })
      assert.strictEqual(first.text, "Porto is in Portugal.")
      assert.strictEqual(second.text, "About 230,000 people.")
      const saved = yield* chat.exportJson
      const restored = yield* Chat.fromJson(saved)
      const third = yield* restored.generateText({ prompt: "What should I eat?" })
      assert.strictEqual(third.text, "Try the francesinha.")
      const sent = yield* bodies
      assert.strictEqual(sent.length, 3)
      assert.deepStrictEqual(sent[2].system, [{ text: "You are a travel guide." }])
      assert.deepStrictEqual(sent[2].messages, [
        { role: "user", content: [{ text: "Where is Porto?" }] },
        { role: "assistant", content: [{ text: "Porto is in Portugal." }] },
        { role: "user", content: [{ text: "How many people live there?" }] },
        { role: "assistant", content: [{ text: "About 230,000 people." }] },
        { role: "user", content: [{ text: "What should I eat?" }] }
      ])
      const history = yield* restored.export
      assert.strictEqual((history as Prompt.PromptEncoded).content.length, 7)
    }))

  it.effect("a Toolkit round trip: handlers run through @effect/ai, a failing one goes back as an error result", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        toolUse([
          { id: "w", name: "get_weather", input: { city: "Oslo" } },
          { id: "h", name: "book_hotel", input: { city: "Oslo", nights: 2 } }
        ]),
        Script.converseText("18 degrees in Oslo, but the hotel is full.")
      )
      const chat = yield* Chat.empty
      const first = yield* chat.generateText({ prompt: "Weather in Oslo, and book me a hotel", toolkit: Travel })
      assert.strictEqual(first.finishReason, "tool-calls")
      assert.deepStrictEqual(first.toolResults.map((r) => [r.name, r.isFailure, r.result]), [
        ["get_weather", false, { city: "Oslo", celsius: 18 }],
        ["book_hotel", true, { reason: "No rooms left" }]
      ])
      const second = yield* chat.generateText({ prompt: "So?", toolkit: Travel })
      assert.strictEqual(second.text, "18 degrees in Oslo, but the hotel is full.")
      const [firstBody, secondBody] = yield* bodies
      assert.deepStrictEqual(firstBody.toolConfig.tools.map((t: any) => t.toolSpec.name), ["get_weather", "book_hotel"])
      assert.deepStrictEqual(firstBody.toolConfig.toolChoice, { auto: {} })
      assert.deepStrictEqual(firstBody.toolConfig.tools[0].toolSpec.inputSchema.json.required, ["city"])
      assert.deepStrictEqual(secondBody.messages[2], {
        role: "user",
        content: [
          {
            toolResult: {
              toolUseId: "w",
              content: [{ text: JSON.stringify({ city: "Oslo", celsius: 18 }) }],
              status: "success"
            }
          },
          {
            toolResult: {
              toolUseId: "h",
              content: [{ text: JSON.stringify({ reason: "No rooms left" }) }],
              status: "error"
            }
          },
          { text: "So?" }
        ]
      })
    }).pipe(Effect.provide(TravelHandlers)))

  it.effect("throttling reaches the caller as an AiError (429) whose cause is our ThrottlingError", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.failure("ThrottlingException", { message: "Too many requests, please wait" }),
        Script.failure("ValidationException", { message: "messages: bad turn order" }),
        Script.stream([
          ...Script.textEvents(["Part"]).slice(0, 2),
          Script.exception("throttlingException", "Slow down")
        ])
      )
      const throttled = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      const [first] = yield* requests
      assert.isTrue(AiError.isAiError(throttled))
      assert.strictEqual(throttled._tag, "HttpResponseError")
      if (throttled._tag === "HttpResponseError") {
        assert.strictEqual(throttled.reason, "StatusCode")
        assert.strictEqual(throttled.response.status, 429)
        assert.strictEqual(throttled.response.headers["x-amzn-requestid"], first!.requestId)
        assert.strictEqual(throttled.response.headers["x-amzn-errortype"], "ThrottlingException")
        assert.include(throttled.message, "Too many requests")
      }
      const cause = BedrockAiError.cause(throttled)
      assert.isTrue(Option.isSome(cause))
      const error = Option.getOrThrow(cause)
      assert.instanceOf(error, BedrockError.ThrottlingError)
      assert.strictEqual(error.requestId, first!.requestId)
      assert.isTrue(BedrockAiError.isRetryable(throttled))

      // Validation is a 400, not retryable, and its own tag once unwrapped.
      const invalid = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(invalid._tag === "HttpResponseError" && invalid.response.status, 400)
      assert.isFalse(BedrockAiError.isRetryable(invalid))
      assert.strictEqual(BedrockAiError.unwrapError(invalid)._tag, "ValidationError")

      // Mid-stream: the text before the exception arrives, then the typed error, caught by tag.
      const deltas: Array<string> = []
      const recovered = yield* LanguageModel.streamText({ prompt: "Hi" }).pipe(
        Stream.runForEach((part) => Effect.sync(() => part.type === "text-delta" && deltas.push(part.delta))),
        BedrockAiError.unwrap,
        Effect.as("done"),
        Effect.catchTag("ThrottlingError", (e) => Effect.succeed(`throttled in the ${e.position}`))
      )
      assert.deepStrictEqual(deltas, ["Part"])
      assert.strictEqual(recovered, "throttled in the stream")
    }))

  it.effect("an interrupted streamText leaves no open request on the server", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.ttft({ waitMs: 60_000, deltas: 10 }))
      const fiber = yield* LanguageModel.streamText({ prompt: "Go" }).pipe(Stream.runDrain, Effect.fork)
      while ((yield* server.openRequests) === 0) yield* Effect.sleep("5 millis")
      yield* Effect.sleep("20 millis")
      yield* fiber.interruptAsFork(fiber.id())
      yield* server.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* server.openRequests, 0)
      // Taking the first delta and stopping closes it too.
      yield* server.script(Script.ttft({ waitMs: 60_000, deltas: 10 }))
      const first = yield* LanguageModel.streamText({ prompt: "Go" }).pipe(
        Stream.filter((part) => part.type === "text-delta"),
        Stream.take(1),
        Stream.runCollect
      )
      assert.strictEqual(Chunk.size(first), 1)
      yield* server.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* server.openRequests, 0)
    }))
})
