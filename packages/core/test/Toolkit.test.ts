import { assert, describe, it } from "@effect/vitest"
import { Effect, Either, Schema, Stream } from "effect"
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
      )),
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
