import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Exit, Schema, Stream } from "effect"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import * as Response from "../src/Response.js"
import * as TestLanguageModel from "../src/TestLanguageModel.js"
import * as Tool from "../src/Tool.js"
import * as Toolkit from "../src/Toolkit.js"

// A small "application": a travel assistant that looks up the weather.
const lookups: Array<string> = []
const getWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("c", "f")) }),
  handler: ({ city }) =>
    city === "Atlantis"
      ? Effect.fail(new Tool.RetryRequest({ message: "Atlantis is not a real city" }))
      : Effect.sync(() => {
        lookups.push(city)
        return { city, celsius: 21 }
      })
})
const toolkit = Toolkit.make(getWeather)

const askTravelAssistant = (question: string) =>
  Toolkit.generate(toolkit, { prompt: question, instructions: "Be brief." }).pipe(
    Effect.map((result) => ({ answer: Response.text(result.response), result }))
  )

describe("Toolkit with the stub model (a user's app test)", () => {
  it.effect("runs the tool the model asked for and returns the final answer", () =>
    Effect.gen(function*() {
      lookups.length = 0
      const { answer, result } = yield* askTravelAssistant("Weather in Paris?")
      assert.strictEqual(answer, "It is 21°C in Paris.")
      assert.deepStrictEqual(lookups, ["Paris"])
      assert.strictEqual(result.steps.length, 2)
      // The conversation can be stored and resumed: system-less prompt, assistant tool call, tool result, answer.
      assert.deepStrictEqual(result.prompt.messages.map((m) => m._tag), ["User", "Assistant", "Tool", "Assistant"])
      const requests = yield* TestLanguageModel.requests
      assert.strictEqual(requests.length, 2)
      assert.deepStrictEqual(requests[0]!.tools?.map((t) => t.name), ["get_weather"])
      const toolMessage = Prompt.make(requests[1]!.prompt).messages[2] as Prompt.ToolMessage
      assert.deepStrictEqual(toolMessage.parts[0], {
        _tag: "ToolResult",
        id: "call-1",
        name: "get_weather",
        result: { city: "Paris", celsius: 21 },
        isError: false
      })
      assert.strictEqual(result.usage.outputTokens, result.steps.reduce((n, s) => n + s.usage.outputTokens, 0))
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "Paris" }, "call-1")]),
        "It is 21°C in Paris."
      ))
    ))

  it.effect("sends invalid arguments and handler retry requests back to the model, then succeeds", () =>
    Effect.gen(function*() {
      const { answer } = yield* askTravelAssistant("Weather?")
      assert.strictEqual(answer, "Rome is sunny.")
      const requests = yield* TestLanguageModel.requests
      const retry1 = (Prompt.make(requests[1]!.prompt).messages[2] as Prompt.ToolMessage).parts[0] as Prompt.RetryPart
      assert.strictEqual(retry1._tag, "Retry")
      assert.strictEqual(retry1.toolCallId, "bad-args")
      assert.match(retry1.message, /Invalid arguments for tool "get_weather"/)
      assert.match(retry1.message, /city/)
      const retry2 = (Prompt.make(requests[2]!.prompt).messages[4] as Prompt.ToolMessage).parts[0] as Prompt.RetryPart
      assert.strictEqual(retry2.message, "Atlantis is not a real city")
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { town: "Rome" }, "bad-args")]),
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "Atlantis" }, "atlantis")]),
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "Rome" }, "ok")]),
        "Rome is sunny."
      ))
    ))

  it.live("runs parallel tool calls concurrently and answers them in one tool message", () =>
    Effect.gen(function*() {
      let running = 0
      let maxRunning = 0
      const slow = Toolkit.make(Tool.make("slow", {
        parameters: Schema.Struct({ n: Schema.Number }),
        handler: ({ n }) =>
          Effect.gen(function*() {
            running++
            maxRunning = Math.max(maxRunning, running)
            yield* Effect.sleep("20 millis")
            running--
            return n * 2
          })
      }))
      const result = yield* Toolkit.generate(slow, { prompt: "go" })
      assert.strictEqual(maxRunning, 3)
      const tool = result.prompt.messages[2] as Prompt.ToolMessage
      assert.deepStrictEqual(tool.parts.map((p) => (p as Prompt.ToolResultPart).result), [2, 4, 6])
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([1, 2, 3].map((n) => TestLanguageModel.toolCall("slow", { n }, `c${n}`))),
        "done"
      ))
    ), { timeout: 10_000 })

  it.effect("stops with MaxStepsExceededError when the model never stops calling tools", () =>
    Effect.gen(function*() {
      const result = yield* Toolkit.generate(toolkit, { prompt: "loop", maxSteps: 2 }).pipe(Effect.either)
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.strictEqual(result.left._tag, "MaxStepsExceededError")
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "A" })]),
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "B" })])
      ))
    ))

  it.effect("streams every step, with tool results between them", () =>
    Effect.gen(function*() {
      const events = yield* Toolkit.stream(toolkit, { prompt: "Weather in Oslo?" }).pipe(Stream.runCollect)
      const tags = Array.from(events, (e) => e._tag)
      assert.deepStrictEqual(tags.filter((t) => t === "Finish" || t === "ToolResult" || t === "ToolCall"), [
        "ToolCall",
        "Finish",
        "ToolResult",
        "Finish"
      ])
      const text = Array.from(events).flatMap((e) => e._tag === "TextDelta" ? [e.delta] : []).join("")
      assert.strictEqual(text, "Oslo is cold.")
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("get_weather", { city: "Oslo" })]),
        "Oslo is cold."
      ))
    ))

  it.effect("a function stub answers from the request, and a stored conversation resumes from JSON", () =>
    Effect.gen(function*() {
      const first = yield* LanguageModel.generate({ prompt: "My name is Ada." })
      const conversation = Prompt.concat("My name is Ada.", Response.toMessage(first))
      const json = yield* Prompt.encodeJson(conversation)
      const restored = yield* Prompt.decodeJson(json)
      assert.deepStrictEqual(restored, conversation)
      const second = yield* LanguageModel.generate({ prompt: Prompt.concat(restored, "What is my name?") })
      assert.strictEqual(Response.text(second), "You said 3 things before: My name is Ada.")
    }).pipe(
      Effect.provide(TestLanguageModel.layerFunction((request) => {
        const messages = Prompt.make(request.prompt).messages
        const first = messages[0] as Prompt.UserMessage
        return Effect.succeed(
          `You said ${messages.length} things before: ${(first.parts[0] as Prompt.TextPart).text}`
        )
      }))
    ))
})

describe("Toolkit results", () => {
  const assertInvalidResult = (
    exit: Exit.Exit<unknown, unknown>,
    expected: { readonly toolName: string; readonly toolCallId: string; readonly message: RegExp }
  ) => {
    assert.isTrue(Exit.isFailure(exit))
    const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
    assert.instanceOf(error, Tool.InvalidResultError)
    const invalid = error as Tool.InvalidResultError
    assert.strictEqual(invalid._tag, "InvalidResultError")
    assert.strictEqual(invalid.toolName, expected.toolName)
    assert.strictEqual(invalid.toolCallId, expected.toolCallId)
    assert.match(invalid.message, expected.message)
  }

  it.effect("a success Schema encodes the result before it reaches the model (Date and BigInt as strings)", () =>
    Effect.gen(function*() {
      const Seen = Schema.Struct({ at: Schema.Date, visits: Schema.BigInt })
      const lastSeen = Tool.make("last_seen", {
        parameters: Schema.Struct({ user: Schema.String }),
        success: Seen,
        handler: () => Effect.succeed({ at: new Date("2026-01-02T03:04:05.000Z"), visits: 12345678901234567890n })
      })
      assert.strictEqual(lastSeen.success, Seen)
      const result = yield* Toolkit.generate(Toolkit.make(lastSeen), { prompt: "When was Ada here?" })
      assert.strictEqual(Response.text(result.response), "Yesterday.")
      const requests = yield* TestLanguageModel.requests
      const toolMessage = Prompt.make(requests[1]!.prompt).messages[2] as Prompt.ToolMessage
      assert.deepStrictEqual(toolMessage.parts[0], {
        _tag: "ToolResult",
        id: "seen-1",
        name: "last_seen",
        result: { at: "2026-01-02T03:04:05.000Z", visits: "12345678901234567890" },
        isError: false
      })
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("last_seen", { user: "Ada" }, "seen-1")]),
        "Yesterday."
      ))
    ))

  it.effect("a bigint result without a success Schema fails generate with InvalidResultError", () =>
    Effect.gen(function*() {
      const count = Tool.make("count", { parameters: Schema.Struct({}), handler: () => Effect.succeed({ n: 1n }) })
      assert.strictEqual<unknown>(count.success, Schema.Unknown)
      const exit = yield* Toolkit.generate(Toolkit.make(count), { prompt: "count" }).pipe(Effect.exit)
      assertInvalidResult(exit, { toolName: "count", toolCallId: "count-1", message: /BigInt/ })
      assert.strictEqual((yield* TestLanguageModel.requests).length, 1)
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("count", {}, "count-1")])
      ))
    ))

  it.effect("a circular result fails Toolkit.handle with InvalidResultError", () =>
    Effect.gen(function*() {
      const graph = Tool.make("graph", {
        parameters: Schema.Struct({}),
        handler: () =>
          Effect.sync(() => {
            const node: { name: string; self?: unknown } = { name: "a" }
            node.self = node
            return node
          })
      })
      const exit = yield* Toolkit.handle(Toolkit.make(graph), [TestLanguageModel.toolCall("graph", {}, "g-1")]).pipe(
        Effect.exit
      )
      assertInvalidResult(exit, { toolName: "graph", toolCallId: "g-1", message: /circular/ })
    }))

  it.effect("a result failing its success Schema fails the stream with InvalidResultError", () =>
    Effect.gen(function*() {
      const half = Tool.make("half", {
        parameters: Schema.Struct({ n: Schema.Number }),
        success: Schema.Int,
        handler: ({ n }) => Effect.succeed(n / 2)
      })
      const exit = yield* Toolkit.stream(Toolkit.make(half), { prompt: "half of 3" }).pipe(Stream.runDrain, Effect.exit)
      assertInvalidResult(exit, { toolName: "half", toolCallId: "half-1", message: /success Schema cannot encode/ })
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted(
        TestLanguageModel.response([TestLanguageModel.toolCall("half", { n: 3 }, "half-1")])
      ))
    ))

  it.effect("a model stream that ends without Finish fails Toolkit.stream with IncompleteResponseError", () =>
    Effect.gen(function*() {
      const parts: Array<string> = []
      const exit = yield* Toolkit.stream(toolkit, { prompt: "Weather?" }).pipe(
        Stream.runForEach((part) => Effect.sync(() => parts.push(part._tag))),
        Effect.exit
      )
      assert.deepStrictEqual(parts, ["TextStart", "TextDelta", "TextEnd"])
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.instanceOf(error, LanguageModel.IncompleteResponseError)
      assert.match((error as LanguageModel.IncompleteResponseError).message, /step 1 ended without a Finish part/)
    }).pipe(
      Effect.provide(TestLanguageModel.layerScripted([
        { _tag: "TextStart", index: 0 },
        { _tag: "TextDelta", index: 0, delta: "Sunny" },
        { _tag: "TextEnd", index: 0 }
      ]))
    ))

  it("types the handler's result with the success Schema", () => {
    const stamp = Tool.make("stamp", {
      parameters: Schema.Struct({}),
      success: Schema.Date,
      handler: () => Effect.sync(() => new Date(0))
    })
    const at: Tool.Success<typeof stamp> = new Date(0)
    assert.instanceOf(at, Date)
    assert.strictEqual(stamp.success, Schema.Date)
    // @ts-expect-error: the handler must return the success Schema's Type
    Tool.make("wrong", { parameters: Schema.Struct({}), success: Schema.Number, handler: () => Effect.succeed("x") })
  })
})

describe("Toolkit and tool definitions", () => {
  it("two tools with the same name: the error says which, and why", () => {
    const other = Tool.make("get_weather", { parameters: Schema.Struct({}), handler: () => Effect.succeed("x") })
    assert.throws(
      () => Toolkit.make(getWeather, other),
      /^Toolkit\.make: tools 1 and 2 are both named "get_weather"; the model calls a tool by its name/
    )
    assert.throws(
      () => Toolkit.make(getWeather, undefined as never),
      /argument 2 is not a tool \(make tools with Tool\.make\)/
    )
  })

  it("a parameters Schema with no JSON Schema: the error names the tool and says how to fix it", () => {
    class Point {
      constructor(readonly x: number) {}
    }
    assert.throws(
      () =>
        Tool.make("plot", {
          parameters: Schema.Struct({ at: Schema.instanceOf(Point) }),
          handler: () => Effect.succeed("ok")
        }),
      /^Tool\.make\("plot"\): the parameters Schema has no JSON Schema to send to the model \(.+\); give it a jsonSchema annotation/
    )
    // With an annotation it has one.
    const plot = Tool.make("plot", {
      parameters: Schema.Struct({ at: Schema.instanceOf(Point, { jsonSchema: { type: "object" } }) }),
      handler: () => Effect.succeed("ok")
    })
    assert.deepStrictEqual((plot.definition.parameters as Record<string, unknown>).type, "object")
  })
})
