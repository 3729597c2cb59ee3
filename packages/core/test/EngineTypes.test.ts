// The engine (`@effect-bedrock/converse`) and core say the same things: the exception table core's error
// classes are built from, the name rules core's Schemas check, and (below) the plain types core's Schemas
// decode to.
import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import * as Rules from "@effect-bedrock/converse/request/rules"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as BedrockError from "../src/BedrockError.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

describe("engine data agrees with core", () => {
  it("the exception table is BedrockError.exceptions, row by row", () => {
    assert.deepStrictEqual(
      BedrockError.exceptions.map((Class) => ({ ...Class.exception })),
      Exceptions.exceptions.map((e) => ({ ...e }))
    )
  })

  const names = [
    "",
    "a",
    "get_weather",
    "get-weather-2",
    "get.weather",
    "get weather",
    "Report (final) [v2]",
    "two  spaces",
    "tab\there",
    "ünïcode",
    "a".repeat(64),
    "a".repeat(65),
    "a".repeat(200),
    "a".repeat(201)
  ]

  it("tool names: LanguageModel.ToolName accepts exactly what Rules.isToolName does", () => {
    const decode = Schema.decodeUnknownEither(LanguageModel.ToolName)
    for (const name of names) assert.strictEqual(Either.isRight(decode(name)), Rules.isToolName(name), name)
  })

  it("document names: Prompt.DocumentName accepts exactly what Rules.isDocumentName does", () => {
    const decode = Schema.decodeUnknownEither(Prompt.DocumentName)
    for (const name of names) assert.strictEqual(Either.isRight(decode(name)), Rules.isDocumentName(name), name)
  })
})
