// Shared by the telemetry tests: the model under test against the local Bedrock, with
// OpenTelemetry in memory, and the answers and attributes they expect.
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as BedrockLanguageModel from "../../src/BedrockLanguageModel.js"
import type * as Response from "../../src/Response.js"
import { makeOtel } from "./otel.js"

export const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
// The bundled price of MODEL (a regional profile): US dollars per million tokens.
export const PRICE = { input: 3.3, output: 16.5, cacheRead: 0.33, cacheWrite: 4.125 }

export const otel = makeOtel()
export const local = LocalBedrock.LocalBedrock
export const Env = Layer.mergeAll(
  BedrockLanguageModel.layer({
    model: MODEL,
    settings: { maxTokens: 512, temperature: 0.2, topP: 0.9, topK: 40, stopSequences: ["END"] }
  }),
  otel.layer
).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: { maxAttempts: 3, baseDelay: "5 millis" } } })),
  Layer.orDie
)

export const usage = {
  inputTokens: 1000,
  outputTokens: 200,
  totalTokens: 1800,
  cacheReadInputTokens: 500,
  cacheWriteInputTokens: 100
}
export const expectedCost = {
  input: 1000 * PRICE.input / 1e6,
  output: 200 * PRICE.output / 1e6,
  cacheRead: 500 * PRICE.cacheRead / 1e6,
  cacheWrite: 100 * PRICE.cacheWrite / 1e6
}
export const expectedTotal = expectedCost.input + expectedCost.output + expectedCost.cacheRead + expectedCost.cacheWrite

export const assertCost = (cost: Response.Cost | undefined) => {
  assert.isDefined(cost)
  assert.strictEqual(cost!.currency, "USD")
  assert.closeTo(cost!.input, expectedCost.input, 1e-12)
  assert.closeTo(cost!.output, expectedCost.output, 1e-12)
  assert.closeTo(cost!.cacheRead, expectedCost.cacheRead, 1e-12)
  assert.closeTo(cost!.cacheWrite, expectedCost.cacheWrite, 1e-12)
  assert.closeTo(cost!.total, expectedTotal, 1e-12)
}

export const answer = (text: string, stopReason = "end_turn") =>
  Script.json({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason,
    usage,
    metrics: { latencyMs: 7 }
  }, { operation: "converse" })

export const streamed = (pieces: ReadonlyArray<string>, delayBetweenMs: number) =>
  Script.stream([
    Script.event("messageStart", { role: "assistant" }),
    ...pieces.map((text) => Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } })),
    Script.event("contentBlockStop", { contentBlockIndex: 0 }),
    Script.event("messageStop", { stopReason: "end_turn" }),
    Script.event("metadata", { usage, metrics: { latencyMs: 7 } })
  ], { delayBetweenMs })

export const lastRequestId = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests[requests.length - 1]!.requestId)
)

export const reset = Effect.zipRight(Effect.flatMap(local, (server) => server.reset), otel.reset)

/** The attributes every chat span starts with (request settings from the layer). */
export const chatRequest = (port: number) => ({
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "aws.bedrock",
  "gen_ai.request.model": MODEL,
  "server.address": "127.0.0.1",
  "server.port": port,
  "cloud.region": "us-east-1",
  "gen_ai.request.max_tokens": 512,
  "gen_ai.request.temperature": 0.2,
  "gen_ai.request.top_p": 0.9,
  "gen_ai.request.top_k": 40,
  // Arrays are recorded as JSON text (@effect/opentelemetry 0.64 exports no array attributes).
  "gen_ai.request.stop_sequences": "[\"END\"]"
})

export const chatResponse = (requestId: string) => ({
  "gen_ai.response.id": requestId,
  "gen_ai.response.model": MODEL,
  "gen_ai.response.finish_reasons": "[\"end_turn\"]",
  "gen_ai.usage.input_tokens": 1600,
  "gen_ai.usage.output_tokens": 200,
  "gen_ai.usage.cache_read.input_tokens": 500,
  "gen_ai.usage.cache_creation.input_tokens": 100,
  "effect_bedrock.cost.total": expectedTotal,
  "effect_bedrock.cost.currency": "USD"
})

export const withoutCost = (attributes: Record<string, unknown>) => {
  const { "effect_bedrock.cost.total": total, ...rest } = attributes
  return { rest, total: total as number }
}
