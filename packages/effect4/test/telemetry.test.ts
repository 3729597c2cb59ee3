// The span attributes are written directly (not through effect/ai's addGenAIAnnotations, which builds every key
// per call): the same keys and values as addGenAIAnnotations writes for the same call, absent values left out.
import type * as EngineResponse from "@effect-bedrock/converse/response/types"
import { assert, describe, it } from "@effect/vitest"
import { addGenAIAnnotations } from "effect/ai/Telemetry"
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as Telemetry from "../src/internal/telemetry.js"

const span = () =>
  new Tracer.NativeSpan({
    name: "call",
    parent: Option.none(),
    annotations: Context.empty(),
    links: [],
    startTime: 0n,
    kind: "internal",
    sampled: true
  } as any)

const gen = (s: Tracer.NativeSpan) =>
  Object.fromEntries([...s.attributes].filter(([key]) => key.startsWith("gen_ai.") && key !== "gen_ai.request.stream"))

const response = (usage: Partial<EngineResponse.Usage>, requestId?: string): EngineResponse.Response => ({
  parts: [],
  finishReason: "stop",
  rawFinishReason: "end_turn",
  usage: {
    inputTokens: 10,
    outputTokens: 4,
    totalTokens: 14,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    details: {},
    ...usage
  },
  modelId: "m",
  ...(requestId !== undefined ? { requestId } : {})
})

describe("BedrockLanguageModel telemetry", () => {
  it("writes what addGenAIAnnotations writes, with and without the optional values", () => {
    const settingsCases = [
      { maxTokens: 300, temperature: 0.5, topP: 0.9, topK: 40, stopSequences: ["END"] },
      { maxTokens: 10 },
      {}
    ]
    for (const settings of settingsCases) {
      for (const json of [true, false]) {
        const ours = span()
        Telemetry.annotateRequest(ours, {
          target: "us.m",
          settings,
          stream: false,
          json,
          where: { region: undefined, server: undefined }
        })
        const theirs = span()
        addGenAIAnnotations(theirs, {
          provider: { name: "aws.bedrock" },
          operation: { name: "chat" },
          output: { type: json ? "json" : "text" },
          request: {
            model: "us.m",
            maxTokens: settings.maxTokens,
            temperature: settings.temperature,
            topP: settings.topP,
            topK: settings.topK,
            stopSequences: settings.stopSequences
          }
        })
        assert.deepStrictEqual(gen(ours), gen(theirs))
      }
    }
    for (const [answer, known] of [[response({}, "r-1"), true], [response({ unknown: true }), false]] as const) {
      const ours = span()
      Telemetry.annotateResponse(ours, answer, undefined)
      const theirs = span()
      addGenAIAnnotations(theirs, {
        response: { id: answer.requestId, model: answer.modelId, finishReasons: [answer.rawFinishReason] },
        usage: known ? { inputTokens: answer.usage.inputTokens, outputTokens: answer.usage.outputTokens } : undefined
      })
      const cache = known
        ? { "gen_ai.usage.cache_read.input_tokens": 0, "gen_ai.usage.cache_creation.input_tokens": 0 }
        : {}
      assert.deepStrictEqual(gen(ours), { ...gen(theirs), ...cache })
    }
  })
})
