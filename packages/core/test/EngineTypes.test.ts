// The engine (`@effect-bedrock/converse`) and core say the same things: the exception table core's error
// classes are built from, the name rules core's Schemas check, and (below) the plain types core's Schemas
// decode to.
import type * as Cv from "@effect-bedrock/converse"
import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import * as Rules from "@effect-bedrock/converse/request/rules"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { expectTypeOf } from "vitest"
import * as BedrockError from "../src/BedrockError.js"
import type * as BedrockModelSettings from "../src/BedrockModelSettings.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"
import type * as Response from "../src/Response.js"

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

// Each pair must be the same type (not merely assignable): a field added, removed, renamed or retyped on one
// side fails `tsc -b`. The runtime assertions are trivially true; the checks are in the types.
describe("core's Schemas decode to the engine's plain types", () => {
  it("Prompt", () => {
    expectTypeOf<Prompt.TextPart>().toEqualTypeOf<Cv.TextPart>()
    expectTypeOf<Prompt.FileSource>().toEqualTypeOf<Cv.FileSource>()
    expectTypeOf<Prompt.FilePart>().toEqualTypeOf<Cv.FilePart>()
    expectTypeOf<Prompt.CachePointPart>().toEqualTypeOf<Cv.CachePointPart>()
    expectTypeOf<Prompt.ThinkingPart>().toEqualTypeOf<Cv.ThinkingPart>()
    expectTypeOf<Prompt.ToolCallPart>().toEqualTypeOf<Cv.ToolCallPart>()
    expectTypeOf<Prompt.NativeToolCallPart>().toEqualTypeOf<Cv.NativeToolCallPart>()
    expectTypeOf<Prompt.NativeToolResultPart>().toEqualTypeOf<Cv.NativeToolResultPart>()
    expectTypeOf<Prompt.ToolResultPart>().toEqualTypeOf<Cv.ToolResultPart>()
    expectTypeOf<Prompt.RetryPart>().toEqualTypeOf<Cv.RetryPart>()
    expectTypeOf<Prompt.SystemMessage>().toEqualTypeOf<Cv.SystemMessage>()
    expectTypeOf<Prompt.UserPart>().toEqualTypeOf<Cv.UserPart>()
    expectTypeOf<Prompt.UserMessage>().toEqualTypeOf<Cv.UserMessage>()
    expectTypeOf<Prompt.AssistantPart>().toEqualTypeOf<Cv.AssistantPart>()
    expectTypeOf<Prompt.AssistantMessage>().toEqualTypeOf<Cv.AssistantMessage>()
    expectTypeOf<Prompt.ToolPart>().toEqualTypeOf<Cv.ToolPart>()
    expectTypeOf<Prompt.ToolMessage>().toEqualTypeOf<Cv.ToolMessage>()
    expectTypeOf<Prompt.Message>().toEqualTypeOf<Cv.Message>()
    expectTypeOf<Prompt.Prompt>().toEqualTypeOf<Cv.Prompt>()
    expectTypeOf<Prompt.Input>().toEqualTypeOf<Cv.Input>()
    expectTypeOf<typeof Prompt.Input.Type>().toEqualTypeOf<Cv.Input>()
  })

  it("Response", () => {
    expectTypeOf<Response.UnknownPart>().toEqualTypeOf<Cv.UnknownPart>()
    expectTypeOf<Response.Part>().toEqualTypeOf<Cv.Part>()
    expectTypeOf<Response.FinishReason>().toEqualTypeOf<Cv.FinishReason>()
    expectTypeOf<Response.Usage>().toEqualTypeOf<Cv.Usage>()
    expectTypeOf<Response.Cost>().toEqualTypeOf<Cv.Cost>()
    expectTypeOf<Response.Response>().toEqualTypeOf<Cv.Response>()
    expectTypeOf<Response.StreamPart>().toEqualTypeOf<Cv.StreamPart>()
    expectTypeOf<typeof Response.TextStart.Type>().toEqualTypeOf<Cv.TextStart>()
    expectTypeOf<Response.TextDelta>().toEqualTypeOf<Cv.TextDelta>()
    expectTypeOf<typeof Response.TextEnd.Type>().toEqualTypeOf<Cv.TextEnd>()
    expectTypeOf<typeof Response.ThinkingStart.Type>().toEqualTypeOf<Cv.ThinkingStart>()
    expectTypeOf<typeof Response.ThinkingDelta.Type>().toEqualTypeOf<Cv.ThinkingDelta>()
    expectTypeOf<typeof Response.ThinkingEnd.Type>().toEqualTypeOf<Cv.ThinkingEnd>()
    expectTypeOf<typeof Response.ToolCallStart.Type>().toEqualTypeOf<Cv.ToolCallStart>()
    expectTypeOf<typeof Response.ToolCallDelta.Type>().toEqualTypeOf<Cv.ToolCallDelta>()
    expectTypeOf<typeof Response.ToolCall.Type>().toEqualTypeOf<Cv.ToolCall>()
    expectTypeOf<typeof Response.NativeToolCall.Type>().toEqualTypeOf<Cv.NativeToolCall>()
    expectTypeOf<typeof Response.NativeToolResult.Type>().toEqualTypeOf<Cv.NativeToolResult>()
    expectTypeOf<Response.Finish>().toEqualTypeOf<Cv.Finish>()
  })

  it("LanguageModel", () => {
    type S = LanguageModel.JsonSchema
    expectTypeOf<LanguageModel.ToolDefinition>().toEqualTypeOf<Cv.ToolDefinition<S>>()
    expectTypeOf<LanguageModel.ToolChoice>().toEqualTypeOf<Cv.ToolChoice>()
    expectTypeOf<LanguageModel.OutputMode>().toEqualTypeOf<Cv.OutputMode>()
    expectTypeOf<LanguageModel.OutputSchema>().toEqualTypeOf<Cv.OutputSchema<S>>()
    expectTypeOf<LanguageModel.Instruction>().toEqualTypeOf<Cv.Instruction>()
    expectTypeOf<LanguageModel.Settings>().toEqualTypeOf<Cv.CommonSettings>()
    expectTypeOf<LanguageModel.NativeTool>().toEqualTypeOf<Cv.NativeTool>()
    expectTypeOf<LanguageModel.Request>().toEqualTypeOf<Cv.Request<S>>()
    // The Request Schema checks `settings` only as a record: the provider checks the keys (BedrockModelSettings).
    type Decoded = typeof LanguageModel.Request.Type
    expectTypeOf<Omit<Decoded, "settings">>().toEqualTypeOf<Omit<Cv.Request<S>, "settings">>()
    expectTypeOf<Decoded["settings"]>().toEqualTypeOf<{ readonly [key: string]: unknown } | undefined>()
    expectTypeOf<Cv.CommonSettings>().toExtend<NonNullable<Decoded["settings"]>>()
    // The engine's default schema type is a plain object, which core's JsonSchema includes.
    expectTypeOf<Cv.JsonSchema>().toExtend<S>()
  })

  it("BedrockModelSettings", () => {
    expectTypeOf<BedrockModelSettings.Settings>().toEqualTypeOf<Cv.Settings>()
    expectTypeOf<BedrockModelSettings.CacheSetting>().toEqualTypeOf<Cv.CacheSetting>()
    expectTypeOf<BedrockModelSettings.Thinking>().toEqualTypeOf<Cv.Thinking>()
    expectTypeOf<BedrockModelSettings.GuardrailConfig>().toEqualTypeOf<Cv.GuardrailConfig>()
    expectTypeOf<BedrockModelSettings.PerformanceConfig>().toEqualTypeOf<Cv.PerformanceConfig>()
    expectTypeOf<BedrockModelSettings.ServiceTier>().toEqualTypeOf<Cv.ServiceTier>()
    expectTypeOf<BedrockModelSettings.BedrockServiceTier>().toEqualTypeOf<Cv.BedrockServiceTier>()
    expectTypeOf<typeof BedrockModelSettings.PromptVariable.Type>().toEqualTypeOf<Cv.PromptVariable>()
  })
})
