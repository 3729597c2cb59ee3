import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, describe, layer } from "@effect/vitest"
import { Chunk, ConfigProvider, Effect, Either, Layer, Schema, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import * as Response from "../src/Response.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockLanguageModel.layer({ model: MODEL, settings: { maxTokens: 512 } }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const local = LocalBedrock.LocalBedrock
const bodies = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests.map((r) => ({ path: r.path, operation: r.operation, body: r.body as any })))
)
const reset = Effect.flatMap(local, (server) => server.reset)

const withoutTiming = (response: Response.Response) => {
  const { latencyMs: _latency, requestId: _requestId, timestamp: _timestamp, ...rest } = response
  return rest
}

// The tools of a small travel assistant.
const received: Array<unknown> = []
const getWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({
    city: Schema.String,
    unit: Schema.Literal("celsius", "fahrenheit")
  }),
  handler: (params) =>
    Effect.sync(() => {
      received.push(params)
      return { city: params.city, temperature: 18, conditions: "light rain" }
    })
})
const getTime = Tool.make("get_time", {
  description: "Local time in a city",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed({ city, time: "14:05" })
})
const toolkit = Toolkit.make(getWeather, getTime)

const toolUseResponse = (uses: ReadonlyArray<{ id: string; name: string; input: unknown }>) =>
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

layer(Env, { excludeTestServices: true })("BedrockLanguageModel against the local Bedrock", (it) => {
  it.effect("generates text, with the request id, usage and latency of the real response", () =>
    Effect.gen(function*() {
      yield* reset
      const response = yield* LanguageModel.generate({ prompt: "Tell me about Lisbon" })
      const [request] = yield* Effect.flatMap(local, (server) => server.requests)
      assert.isAbove(Response.text(response).length, 0)
      assert.strictEqual(response.finishReason, "stop")
      assert.strictEqual(response.modelId, MODEL)
      assert.strictEqual(response.requestId, request!.requestId)
      assert.isAbove(response.usage.inputTokens, 0)
      assert.isAbove(response.usage.outputTokens, 0)
      assert.isNumber(response.latencyMs)
      assert.strictEqual(request!.httpVersion, "2.0")
      assert.strictEqual(request!.modelId, MODEL)
    }))

  it.effect("maps a whole conversation to Converse, checked field by field on the server", () =>
    Effect.gen(function*() {
      yield* reset
      const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])
      const pdf = new TextEncoder().encode("%PDF-1.4 tiny")
      const prompt = Prompt.make([
        Prompt.system("You are a travel assistant."),
        Prompt.user("What is in this photo?", Prompt.file({ mediaType: "image/png", data: png })),
        Prompt.assistant("Let me check the weather.", {
          _tag: "ToolCall",
          id: "tu-1",
          name: "get_weather",
          input: { city: "Porto", unit: "celsius" }
        }),
        Prompt.tool(Prompt.toolResult({ id: "tu-1", name: "get_weather", result: { temperature: 18 } })),
        Prompt.user(Prompt.file({ mediaType: "application/pdf", data: pdf }))
      ])
      yield* LanguageModel.generate({
        prompt,
        instructions: "Answer in one sentence.",
        tools: toolkit.definitions,
        toolChoice: "auto",
        settings: {
          temperature: 0,
          topP: 0.5,
          stopSequences: ["END"],
          requestMetadata: { tenant: "acme" },
          topK: 40
        }
      })
      const [sent] = yield* bodies
      assert.strictEqual(sent!.path, `/model/${encodeURIComponent(MODEL)}/converse`)
      const body = sent!.body
      assert.deepStrictEqual(body.system, [
        { text: "You are a travel assistant." },
        { text: "Answer in one sentence." }
      ])
      assert.deepStrictEqual(body.inferenceConfig, {
        maxTokens: 512,
        temperature: 0,
        topP: 0.5,
        stopSequences: ["END"]
      })
      assert.deepStrictEqual(body.additionalModelRequestFields, { top_k: 40 })
      assert.deepStrictEqual(body.requestMetadata, { tenant: "acme" })
      assert.deepStrictEqual(body.messages, [
        {
          role: "user",
          content: [
            { text: "What is in this photo?" },
            { image: { format: "png", source: { bytes: Buffer.from(png).toString("base64") } } }
          ]
        },
        {
          role: "assistant",
          content: [
            { text: "Let me check the weather." },
            { toolUse: { toolUseId: "tu-1", name: "get_weather", input: { city: "Porto", unit: "celsius" } } }
          ]
        },
        {
          role: "user",
          content: [
            { toolResult: { toolUseId: "tu-1", content: [{ text: "{\"temperature\":18}" }], status: "success" } }
          ]
        },
        // Anthropic rejects a document beside a toolResult: the document moves to its own turn.
        { role: "assistant", content: [{ text: "." }] },
        {
          role: "user",
          content: [
            { text: "See attached document(s)." },
            {
              document: {
                name: "Document 1",
                format: "pdf",
                source: { bytes: Buffer.from(pdf).toString("base64") }
              }
            }
          ]
        }
      ])
      assert.deepStrictEqual(body.toolConfig.toolChoice, { auto: {} })
      assert.deepStrictEqual(body.toolConfig.tools.map((t: any) => t.toolSpec.name), ["get_weather", "get_time"])
      assert.deepStrictEqual(body.toolConfig.tools[0].toolSpec.inputSchema.json, getWeather.definition.parameters)
      assert.strictEqual(body.toolConfig.tools[0].toolSpec.description, "Current weather for a city")
    }))

  it.effect("runs a tool round trip: the model calls the tool, gets the result, answers in text", () =>
    Effect.gen(function*() {
      yield* reset
      received.length = 0
      const result = yield* Toolkit.generate(toolkit, {
        prompt: "Should I take an umbrella in Porto?",
        toolChoice: { tool: "get_weather" }
      })
      // The local model made up schema-valid arguments; our handler got them decoded.
      assert.strictEqual(received.length, 1)
      const args = received[0] as { city: string; unit: string }
      assert.isString(args.city)
      assert.include(["celsius", "fahrenheit"], args.unit)
      assert.strictEqual(result.steps.length, 2)
      assert.strictEqual(result.steps[0]!.finishReason, "tool-calls")
      assert.strictEqual(result.response.finishReason, "stop")
      assert.include(Response.text(result.response), "light rain")
      const [first, second] = yield* bodies
      assert.deepStrictEqual(first!.body.toolConfig.toolChoice, { tool: { name: "get_weather" } })
      assert.deepStrictEqual(second!.body.toolConfig.toolChoice, { auto: {} })
      const call = Response.toolCalls(result.steps[0]!)[0]!
      const toolTurn = second!.body.messages[2]
      assert.deepStrictEqual(toolTurn, {
        role: "user",
        content: [{
          toolResult: {
            toolUseId: call.id,
            content: [{ text: JSON.stringify({ city: args.city, temperature: 18, conditions: "light rain" }) }],
            status: "success"
          }
        }]
      })
    }))

  it.effect("answers parallel tool calls together in one user turn", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(toolUseResponse([
        { id: "w", name: "get_weather", input: { city: "Oslo", unit: "celsius" } },
        { id: "t", name: "get_time", input: { city: "Oslo" } }
      ]))
      const result = yield* Toolkit.generate(toolkit, { prompt: "Weather and time in Oslo?" })
      assert.strictEqual(result.steps.length, 2)
      const [, second] = yield* bodies
      const turn = second!.body.messages[2]
      assert.strictEqual(turn.role, "user")
      assert.deepStrictEqual(turn.content.map((c: any) => c.toolResult.toolUseId), ["w", "t"])
      assert.deepStrictEqual(JSON.parse(turn.content[1].toolResult.content[0].text), { city: "Oslo", time: "14:05" })
    }))

  it.effect("sends invalid tool arguments back as a retry request, then succeeds", () =>
    Effect.gen(function*() {
      yield* reset
      received.length = 0
      const server = yield* local
      yield* server.script(
        toolUseResponse([{ id: "bad", name: "get_weather", input: { town: "Oslo" } }]),
        toolUseResponse([{ id: "good", name: "get_weather", input: { city: "Oslo", unit: "celsius" } }])
      )
      const result = yield* Toolkit.generate(toolkit, { prompt: "Weather in Oslo?" })
      assert.deepStrictEqual(received, [{ city: "Oslo", unit: "celsius" }])
      assert.strictEqual(result.steps.length, 3)
      const requests = yield* bodies
      const retry = requests[1]!.body.messages[2].content[0].toolResult
      assert.strictEqual(retry.toolUseId, "bad")
      assert.strictEqual(retry.status, "error")
      assert.match(retry.content[0].text, /Invalid arguments for tool "get_weather"/)
      assert.match(retry.content[0].text, /city/)
      assert.strictEqual(requests[2]!.body.messages[4].content[0].toolResult.status, "success")
    }))

  it.effect("maps required, named and none tool choices", () =>
    Effect.gen(function*() {
      yield* reset
      yield* LanguageModel.generate({ prompt: "a", tools: toolkit.definitions, toolChoice: "required" })
      yield* LanguageModel.generate({ prompt: "b", tools: toolkit.definitions, toolChoice: { tool: "get_time" } })
      const none = yield* LanguageModel.generate({ prompt: "c", tools: toolkit.definitions, toolChoice: "none" })
      const [required, named, noTools] = yield* bodies
      assert.deepStrictEqual(required!.body.toolConfig.toolChoice, { any: {} })
      assert.deepStrictEqual(named!.body.toolConfig.toolChoice, { tool: { name: "get_time" } })
      assert.strictEqual(named!.body.toolConfig.tools.length, 2)
      assert.isUndefined(noTools!.body.toolConfig)
      assert.strictEqual(Response.toolCalls(none).length, 0)
    }))

  it.effect("keeps every stop reason, raw and normalised", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const cases = [
        ["max_tokens", "length"],
        ["stop_sequence", "stop"],
        ["guardrail_intervened", "content-filter"],
        ["model_context_window_exceeded", "length"],
        ["a_reason_from_the_future", "unknown"]
      ] as const
      for (const [raw, normalised] of cases) {
        yield* server.script(Script.converseText("cut", { stopReason: raw }))
        const response = yield* LanguageModel.generate({ prompt: "go" })
        assert.strictEqual(response.rawFinishReason, raw)
        assert.strictEqual(response.finishReason, normalised)
      }
    }))

  it.effect("reports cache reads and writes: the second identical request reads what the first wrote", () =>
    Effect.gen(function*() {
      yield* reset
      const request: LanguageModel.Request = {
        prompt: "A long shared context about Porto's history and food. ".repeat(20),
        instructions: "You are a guide.",
        settings: { cacheInstructions: true, cacheMessages: "5m" }
      }
      const first = yield* LanguageModel.generate(request)
      const second = yield* LanguageModel.generate(request)
      assert.isAbove(first.usage.cacheWriteTokens, 0)
      assert.strictEqual(first.usage.cacheReadTokens, 0)
      assert.strictEqual(second.usage.cacheReadTokens, first.usage.cacheWriteTokens)
      assert.strictEqual(second.usage.inputTokens, first.usage.inputTokens)
      const [sent] = yield* bodies
      assert.deepStrictEqual(sent!.body.system.at(-1), { cachePoint: { type: "default" } })
      assert.deepStrictEqual(sent!.body.messages.at(-1).content.at(-1), { cachePoint: { type: "default", ttl: "5m" } })
    }))

  it.effect("a streamed answer and a non-streamed one decode to the same Response", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const usage = {
        inputTokens: 12,
        outputTokens: 9,
        totalTokens: 31,
        cacheReadInputTokens: 6,
        cacheWriteInputTokens: 4
      }
      yield* server.script(
        Script.json({
          output: {
            message: {
              role: "assistant",
              content: [
                { reasoningContent: { reasoningText: { text: "Thinking it over.", signature: "sig-1" } } },
                { text: "Here you go." },
                { toolUse: { toolUseId: "tu-9", name: "get_time", input: { city: "Rome" } } }
              ]
            }
          },
          stopReason: "tool_use",
          usage,
          metrics: { latencyMs: 7 }
        }, { operation: "converse" }),
        Script.stream([
          Script.event("messageStart", { role: "assistant" }),
          Script.event("contentBlockDelta", {
            contentBlockIndex: 0,
            delta: { reasoningContent: { text: "Thinking " } }
          }),
          Script.event("contentBlockDelta", {
            contentBlockIndex: 0,
            delta: { reasoningContent: { text: "it over." } }
          }),
          Script.event("contentBlockDelta", {
            contentBlockIndex: 0,
            delta: { reasoningContent: { signature: "sig-1" } }
          }),
          Script.event("contentBlockStop", { contentBlockIndex: 0 }),
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Here " } }),
          Script.event("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "you go." } }),
          Script.event("contentBlockStop", { contentBlockIndex: 1 }),
          Script.event("contentBlockStart", {
            contentBlockIndex: 2,
            start: { toolUse: { toolUseId: "tu-9", name: "get_time" } }
          }),
          Script.event("contentBlockDelta", { contentBlockIndex: 2, delta: { toolUse: { input: "{\"city\"" } } }),
          Script.event("contentBlockDelta", { contentBlockIndex: 2, delta: { toolUse: { input: ":\"Rome\"}" } } }),
          Script.event("contentBlockStop", { contentBlockIndex: 2 }),
          Script.event("messageStop", { stopReason: "tool_use" }),
          Script.event("metadata", { usage, metrics: { latencyMs: 7 } })
        ])
      )
      const generated = yield* LanguageModel.generate({ prompt: "Time in Rome?" })
      const parts = yield* LanguageModel.stream({ prompt: "Time in Rome?" }).pipe(Stream.runCollect)
      const finish = Chunk.last(parts).pipe((o) => o._tag === "Some" ? o.value : undefined) as Response.Finish
      assert.strictEqual(finish._tag, "Finish")
      assert.deepStrictEqual(withoutTiming(finish.response), withoutTiming(generated))
      assert.deepStrictEqual(generated.usage, {
        inputTokens: 22,
        outputTokens: 9,
        totalTokens: 31,
        cacheReadTokens: 6,
        cacheWriteTokens: 4,
        details: {}
      })
      const requests = yield* Effect.flatMap(local, (s) => s.requests)
      assert.strictEqual(finish.response.requestId, requests[1]!.requestId)
      assert.strictEqual(requests[1]!.path, `/model/${encodeURIComponent(MODEL)}/converse-stream`)
    }))

  it.effect("an exception event mid-stream: the text before it is delivered, then the typed error", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.stream([
        Script.event("messageStart", { role: "assistant" }),
        Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "The answer " } }),
        Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "is " } }),
        Script.exception("throttlingException", "Too many tokens, please wait")
      ]))
      const deltas: Array<string> = []
      const result = yield* LanguageModel.stream({ prompt: "Go" }).pipe(
        Stream.runForEach((part) => Effect.sync(() => part._tag === "TextDelta" && deltas.push(part.delta))),
        Effect.either
      )
      assert.deepStrictEqual(deltas, ["The answer ", "is "])
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        const error = result.left
        assert.strictEqual(error._tag, "ThrottlingError")
        assert.strictEqual(error.position, "stream")
        // Text was delivered: sending the request again would repeat it.
        assert.isFalse(error.retryable)
        assert.strictEqual(error.message.includes("Too many tokens"), true)
        const [request] = yield* server.requests
        assert.strictEqual("requestId" in error ? error.requestId : undefined, request!.requestId)
      }
    }))

  it.effect("stopping the consumer early aborts the HTTP request", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.ttft({ waitMs: 60_000, deltas: 10 }))
      const first = yield* LanguageModel.stream({ prompt: "Go" }).pipe(
        Stream.filter((part) => part._tag === "TextDelta"),
        Stream.take(1),
        Stream.runCollect
      )
      assert.strictEqual(Chunk.size(first), 1)
      yield* server.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* server.openRequests, 0)
    }))

  it.effect("interrupting a streaming fiber aborts the HTTP request", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(Script.ttft({ waitMs: 60_000, deltas: 10 }))
      const fiber = yield* LanguageModel.stream({ prompt: "Go" }).pipe(Stream.runDrain, Effect.fork)
      // Wait until the request is on the server, then interrupt the consumer.
      while ((yield* server.openRequests) === 0) yield* Effect.sleep("5 millis")
      yield* Effect.sleep("20 millis")
      yield* fiber.interruptAsFork(fiber.id())
      yield* server.awaitIdle.pipe(Effect.timeout("5 seconds"))
      assert.strictEqual(yield* server.openRequests, 0)
    }))

  it.effect("resumes a conversation stored as JSON", () =>
    Effect.gen(function*() {
      yield* reset
      const first = yield* Toolkit.generate(toolkit, { prompt: "Weather in Porto?", toolChoice: "required" })
      const stored = yield* Prompt.encodeJson(first.prompt)
      const restored = yield* Prompt.decodeJson(stored)
      assert.deepStrictEqual(restored, first.prompt)
      const next = yield* LanguageModel.generate({ prompt: Prompt.concat(restored, "And tomorrow?") })
      assert.strictEqual(next.finishReason, "stop")
      const requests = yield* bodies
      const last = requests.at(-1)!.body
      // user, assistant(toolUse), user(toolResult), assistant(text), user
      assert.deepStrictEqual(last.messages.map((m: any) => m.role), ["user", "assistant", "user", "assistant", "user"])
      assert.deepStrictEqual(last.messages[4], { role: "user", content: [{ text: "And tomorrow?" }] })
      // This request has no tools: Bedrock rejects toolUse / toolResult blocks without a toolConfig
      // (the local Bedrock checks it as Bedrock does), so the history's call and result go as text.
      assert.isUndefined(last.toolConfig)
      const [user, assistant, results] = requests[1]!.body.messages
      assert.deepStrictEqual(last.messages[0], user)
      const use = assistant.content.find((block: any) => block.toolUse !== undefined).toolUse
      assert.deepStrictEqual(
        last.messages[1].content.at(-1),
        { text: `[tool call ${use.name} (id ${use.toolUseId}): ${JSON.stringify(use.input)}]` }
      )
      const result = results.content[0].toolResult
      assert.deepStrictEqual(last.messages[2].content, [
        { text: `[tool result for ${result.toolUseId}: ${result.content.map((c: any) => c.text).join("\n")}]` }
      ])
      // With the tools again, the same history goes as blocks.
      const withTools = yield* Toolkit.generate(toolkit, { prompt: Prompt.concat(restored, "And tomorrow?") })
      assert.isDefined(withTools.response)
      const again = (yield* bodies).at(-1)!.body
      assert.deepStrictEqual(again.messages.slice(0, 3), requests[1]!.body.messages)
    }))

  it.effect("streams the tool loop: tool call, tool result, then the final answer", () =>
    Effect.gen(function*() {
      yield* reset
      const events = yield* Toolkit.stream(toolkit, { prompt: "Time in Lima?", toolChoice: { tool: "get_time" } }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      const milestones = events.filter((e) => ["ToolCall", "ToolResult", "Finish"].includes(e._tag)).map((e) => e._tag)
      assert.deepStrictEqual(milestones, ["ToolCall", "Finish", "ToolResult", "Finish"])
      const result = events.find((e): e is Prompt.ToolResultPart => e._tag === "ToolResult")!
      assert.deepStrictEqual((result.result as { time: string }).time, "14:05")
      const text = events.flatMap((e) => e._tag === "TextDelta" ? [e.delta] : []).join("")
      assert.include(text, "14:05")
    }))

  it.effect("counts tokens with the same mapping, the base model id and never the inference profile", () =>
    Effect.gen(function*() {
      yield* reset
      const arn =
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
      const request: LanguageModel.Request = {
        prompt: "How many tokens is this?",
        tools: toolkit.definitions,
        settings: { inferenceProfile: arn }
      }
      const counted = yield* LanguageModel.countTokens(request)
      const generated = yield* LanguageModel.generate(request)
      assert.strictEqual(counted, generated.usage.inputTokens)
      const [count, converse] = yield* Effect.flatMap(local, (s) => s.requests)
      assert.strictEqual(count!.operation, "count-tokens")
      assert.strictEqual(count!.modelId, "anthropic.claude-sonnet-4-5-20250929-v1:0")
      assert.deepStrictEqual(
        (count!.body as any).input.converse.messages,
        (converse!.body as any).messages
      )
      assert.strictEqual(converse!.modelId, arn)
      assert.strictEqual(generated.modelId, MODEL)
    }))

  it.effect("structured output: native JSON schema when asked (where supported), a forced output tool by default", () =>
    Effect.gen(function*() {
      yield* reset
      const Answer = Schema.Struct({ city: Schema.String, population: Schema.Number })
      const output = { name: "city_facts", schema: Tool.jsonSchema(Answer) }
      const native = yield* LanguageModel.generate({
        prompt: "Facts about Porto as JSON",
        output: { ...output, mode: "native" }
      })
      const decoded = yield* Schema.decodeUnknown(Schema.parseJson(Answer))(Response.text(native))
      assert.isString(decoded.city)
      assert.strictEqual(native.finishReason, "stop")
      const nova = yield* BedrockLanguageModel.make({ model: "us.amazon.nova-pro-v1:0" })
      const viaTool = yield* nova.generate({ prompt: "Facts about Porto as JSON", output })
      assert.isString((yield* Schema.decodeUnknown(Schema.parseJson(Answer))(Response.text(viaTool))).city)
      assert.strictEqual(viaTool.finishReason, "stop")
      assert.strictEqual(Response.toolCalls(viaTool).length, 0)
      const [first, second] = yield* bodies
      // Claude Sonnet 4.5 takes a native JSON schema...
      assert.strictEqual(first!.body.outputConfig.textFormat.type, "json_schema")
      assert.strictEqual(first!.body.outputConfig.textFormat.structure.jsonSchema.name, "city_facts")
      assert.deepStrictEqual(JSON.parse(first!.body.outputConfig.textFormat.structure.jsonSchema.schema), output.schema)
      assert.isUndefined(first!.body.toolConfig)
      // ...Nova gets a forced output tool, whose call comes back as the JSON text.
      assert.isUndefined(second!.body.outputConfig)
      assert.deepStrictEqual(second!.body.toolConfig.tools.map((t: any) => t.toolSpec.name), ["city_facts"])
      assert.deepStrictEqual(second!.body.toolConfig.toolChoice, { any: {} })
    }))

  it.effect("thinking: budget per family, signed thinking streamed, then sent back as reasoningContent", () =>
    Effect.gen(function*() {
      yield* reset
      const claude37 = yield* BedrockLanguageModel.make({ model: "us.anthropic.claude-3-7-sonnet-20250219-v1:0" })
      const parts = yield* claude37.stream({ prompt: "Think, then answer: 2+2?", settings: { thinking: "low" } }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      assert.isTrue(parts.some((p) => p._tag === "ThinkingDelta" && p.signature !== undefined))
      const first = (parts.at(-1) as Response.Finish).response
      const [thought] = Response.thinking(first)
      assert.isString(thought!.signature)
      assert.strictEqual(thought!.provider, "bedrock")
      const history = Prompt.concat("Think, then answer: 2+2?", Response.toMessage(first))
      yield* claude37.generate({ prompt: Prompt.concat(history, "And 3+3?"), settings: { thinking: "low" } })
      const [streamed, followUp] = yield* bodies
      assert.deepStrictEqual(streamed!.body.additionalModelRequestFields, {
        thinking: { type: "enabled", budget_tokens: 2048 }
      })
      assert.deepStrictEqual(followUp!.body.messages[1].content[0], {
        reasoningContent: { reasoningText: { text: thought!.text, signature: thought!.signature } }
      })
    }))

  it.effect("native code execution on Nova 2; a clear error on models without it", () =>
    Effect.gen(function*() {
      yield* reset
      const nova2 = yield* BedrockLanguageModel.make({ model: "us.amazon.nova-2-lite-v1:0" })
      yield* nova2.generate({ prompt: "Compute 2**10", nativeTools: ["codeExecution"] })
      const [sent] = yield* bodies
      assert.deepStrictEqual(sent!.body.toolConfig.tools, [{ systemTool: { name: "nova_code_interpreter" } }])
      const unsupported = yield* LanguageModel.generate({ prompt: "Compute", nativeTools: ["codeExecution"] }).pipe(
        Effect.flip
      )
      assert.strictEqual(unsupported._tag, "InvalidRequestError")
      assert.match(unsupported.message, /not supported/)
      assert.strictEqual((yield* bodies).length, 1)
    }))

  it.effect("withConfigOverride sets settings for every call inside it; request settings still win", () =>
    Effect.gen(function*() {
      yield* reset
      yield* Toolkit.generate(toolkit, { prompt: "Weather in Porto?", toolChoice: "required" }).pipe(
        BedrockLanguageModel.withConfigOverride({ temperature: 0, topP: 0.9 }),
        BedrockLanguageModel.withConfigOverride({ temperature: 0.7, stopSequences: ["STOP"] })
      )
      yield* LanguageModel.generate({ prompt: "x", settings: { temperature: 0.2 } }).pipe(
        BedrockLanguageModel.withConfigOverride({ temperature: 0, maxTokens: 64 })
      )
      yield* LanguageModel.stream({ prompt: "y" }).pipe(
        Stream.runDrain,
        Effect.provideService(BedrockLanguageModel.ScopedSettings, { maxTokens: 32 })
      )
      const requests = yield* bodies
      assert.strictEqual(requests.length, 4)
      for (const loopCall of requests.slice(0, 2)) {
        assert.deepStrictEqual(loopCall.body.inferenceConfig, {
          maxTokens: 512,
          temperature: 0,
          topP: 0.9,
          stopSequences: ["STOP"]
        })
      }
      assert.deepStrictEqual(requests[2]!.body.inferenceConfig, { maxTokens: 64, temperature: 0.2 })
      assert.deepStrictEqual(requests[3]!.body.inferenceConfig, { maxTokens: 32 })
      const invalid = yield* LanguageModel.generate({ prompt: "z" }).pipe(
        BedrockLanguageModel.withConfigOverride({ temperature: 5 }),
        Effect.flip
      )
      assert.strictEqual(invalid._tag, "InvalidRequestError")
      assert.strictEqual((yield* bodies).length, 4)
    }))

  it.effect("rejects bad input with InvalidRequestError before any request", () =>
    Effect.gen(function*() {
      yield* reset
      const typo = yield* LanguageModel.generate({ prompt: "x", settings: { temprature: 0.2 } }).pipe(Effect.flip)
      assert.strictEqual(typo._tag, "InvalidRequestError")
      assert.match(typo.message, /did you mean "temperature"/)
      const range = yield* LanguageModel.generate({ prompt: "x", settings: { temperature: 3 } }).pipe(Effect.flip)
      assert.strictEqual(range._tag, "InvalidRequestError")
      const audio = yield* LanguageModel.stream({
        prompt: Prompt.make([Prompt.user(Prompt.file({ mediaType: "audio/mpeg", data: new Uint8Array([1]) }))])
      }).pipe(Stream.runDrain, Effect.flip)
      assert.strictEqual(audio._tag, "InvalidRequestError")
      assert.include(audio.message, "audio/mpeg")
      assert.deepStrictEqual(yield* bodies, [])
    }))
})

describe("BedrockLanguageModel construction", () => {
  layer(LocalBedrock.layerWithClient(), { excludeTestServices: true })("model settings", (it) => {
    it.effect("layerConfig reads the model and the inference profile from Config", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0"
        const response = yield* LanguageModel.generate({ prompt: "hello" }).pipe(
          Effect.provide(BedrockLanguageModel.layerConfig()),
          Effect.withConfigProvider(ConfigProvider.fromMap(
            new Map([
              ["BEDROCK_MODEL_ID", "us.amazon.nova-lite-v1:0"],
              ["BEDROCK_INFERENCE_PROFILE", arn]
            ])
          ))
        )
        assert.strictEqual(response.modelId, "us.amazon.nova-lite-v1:0")
        const [request] = yield* local.requests
        assert.strictEqual(request!.modelId, arn)
        const missing = yield* LanguageModel.generate({ prompt: "hello" }).pipe(
          Effect.provide(BedrockLanguageModel.layerConfig()),
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map())),
          Effect.flip
        )
        assert.strictEqual(missing._tag, "ConfigError")
      }))

    it.effect("fails to build with invalid model settings or a model not on Converse", () =>
      Effect.gen(function*() {
        const bad = yield* BedrockLanguageModel.make({ model: MODEL, settings: { topP: 2 } }).pipe(Effect.flip)
        assert.strictEqual(bad._tag, "InvalidRequestError")
        const gpt = yield* BedrockLanguageModel.make({ model: "openai.gpt-4o" }).pipe(Effect.flip)
        assert.strictEqual(gpt._tag, "InvalidRequestError")
      }))
  })
})
