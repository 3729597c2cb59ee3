import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Exit, Stream } from "effect"
import * as BedrockError from "../src/BedrockError.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import type * as Response from "../src/Response.js"
import * as TestLanguageModel from "../src/TestLanguageModel.js"

describe("TestLanguageModel", () => {
  it.effect("streams a scripted response word by word, ending with the same Response as generate", () =>
    Effect.gen(function*() {
      const parts = yield* LanguageModel.stream({ prompt: "hi" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      const generated = yield* LanguageModel.generate({ prompt: "hi again" })
      const text = parts.flatMap((p) => p._tag === "TextDelta" ? [p.delta] : []).join("")
      assert.strictEqual(text, "Hello there, friend.")
      assert.isAbove(parts.filter((p) => p._tag === "TextDelta").length, 1)
      const call = parts.find((p) => p._tag === "ToolCall")
      assert.deepStrictEqual(call && { name: call.name, input: call.input }, { name: "f", input: { a: [1, 2] } })
      const json = parts.flatMap((p) => p._tag === "ToolCallDelta" ? [p.delta] : []).join("")
      assert.deepStrictEqual(JSON.parse(json), { a: [1, 2] })
      const finish = parts.at(-1) as Response.Finish
      assert.strictEqual(finish._tag, "Finish")
      assert.strictEqual(finish.finishReason, "tool-calls")
      assert.deepStrictEqual(generated, finish.response)
    }).pipe(Effect.provide(TestLanguageModel.layerScripted(
      ...Array.from(
        { length: 2 },
        () =>
          TestLanguageModel.response([
            Prompt.text("Hello there, friend."),
            TestLanguageModel.toolCall("f", { a: [1, 2] }, "c1")
          ])
      )
    ))))

  it.effect("exact stream parts are replayed as given; running out of answers is a defect naming the request", () =>
    Effect.gen(function*() {
      const response = TestLanguageModel.response("ok")
      const scripted: ReadonlyArray<Response.StreamPart> = [
        { _tag: "TextStart", index: 0 },
        { _tag: "TextDelta", index: 0, delta: "ok" },
        { _tag: "TextEnd", index: 0 },
        { _tag: "Finish", finishReason: "stop", usage: response.usage, response }
      ]
      const parts = yield* LanguageModel.stream({ prompt: "x" }).pipe(Stream.runCollect)
      assert.deepStrictEqual(Chunk.toReadonlyArray(parts), scripted)
      const exit = yield* LanguageModel.generate({ prompt: "y" }).pipe(Effect.exit)
      assert.isTrue(exit._tag === "Failure")
      assert.include(String(exit), "request #2 has no scripted answer")
      const tokens = yield* LanguageModel.countTokens({ prompt: "three small words" })
      assert.strictEqual(tokens, 3)
      assert.strictEqual((yield* TestLanguageModel.requests).length, 3)
    }).pipe(Effect.provide(TestLanguageModel.layerScripted([
      { _tag: "TextStart", index: 0 },
      { _tag: "TextDelta", index: 0, delta: "ok" },
      { _tag: "TextEnd", index: 0 },
      {
        _tag: "Finish",
        finishReason: "stop",
        usage: TestLanguageModel.response("ok").usage,
        response: TestLanguageModel.response("ok")
      }
    ]))))

  it.effect("a function stub fails with the LanguageModelError it scripts", () =>
    Effect.gen(function*() {
      const first = yield* LanguageModel.generate({ prompt: "one" }).pipe(Effect.flip)
      assert.instanceOf(first, BedrockError.ThrottlingError)
      const second = yield* LanguageModel.stream({ prompt: "two" }).pipe(Stream.runDrain, Effect.flip)
      assert.instanceOf(second, LanguageModel.InvalidRequestError)
      assert.strictEqual((second as LanguageModel.InvalidRequestError).field, "settings.temperature")
      assert.strictEqual(yield* LanguageModel.generate({ prompt: "three" }).pipe(Effect.map((r) => r.parts.length)), 1)
    }).pipe(Effect.provide(TestLanguageModel.layerFunction((
      _request,
      index
    ): Effect.Effect<TestLanguageModel.Answer, LanguageModel.LanguageModelError> =>
      index === 0
        ? Effect.fail(new BedrockError.ThrottlingError({ message: "slow down" }))
        : index === 1
        ? Effect.fail(new LanguageModel.InvalidRequestError({ message: "too hot", field: "settings.temperature" }))
        : Effect.succeed("ok")
    ))))

  it("a function stub cannot fail with an error that is not a LanguageModelError", () => {
    // @ts-expect-error: the script's failures must be LanguageModelErrors
    TestLanguageModel.layerFunction(() => Effect.fail(new Error("not a model error")))
    assert.ok(TestLanguageModel.layerFunction(() => Effect.succeed("fine")))
  })

  it.effect("stream parts without Finish: stream replays them, generate fails with IncompleteResponseError", () =>
    Effect.gen(function*() {
      const parts = yield* LanguageModel.stream({ prompt: "x" }).pipe(Stream.runCollect)
      assert.deepStrictEqual(Chunk.toReadonlyArray(parts).map((p) => p._tag), ["TextStart", "TextDelta", "TextEnd"])
      const exit = yield* LanguageModel.generate({ prompt: "y" }).pipe(Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined
      assert.instanceOf(error, LanguageModel.IncompleteResponseError)
      assert.strictEqual((error as LanguageModel.IncompleteResponseError).operation, "generate")
      assert.match((error as LanguageModel.IncompleteResponseError).message, /no Finish part/)
    }).pipe(Effect.provide(TestLanguageModel.layerScripted(
      ...Array.from({ length: 2 }, (): ReadonlyArray<Response.StreamPart> => [
        { _tag: "TextStart", index: 0 },
        { _tag: "TextDelta", index: 0, delta: "cut" },
        { _tag: "TextEnd", index: 0 }
      ])
    ))))
})
