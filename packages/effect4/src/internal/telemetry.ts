/**
 * `BedrockLanguageModel`'s span attributes: `effect/ai`'s GenAI annotations (those `Telemetry.addGenAIAnnotations`
 * writes, under the same keys) on the span `LanguageModel` opens for a call, plus what core's telemetry adds and
 * the GenAI conventions have no `effect/ai` field for (the usage's cache tokens, region, server, request id, service
 * tier, cost). The names are core's (`packages/core/src/internal/telemetry/telemetry.ts`), so both lines export the
 * same.
 *
 * @internal
 */
import { effectiveServiceTier } from "@effect-bedrock/converse/mapping/converse"
import type { ServerInfo } from "@effect-bedrock/converse/net/clientServer"
import type * as EngineResponse from "@effect-bedrock/converse/response/types"
import type { Settings } from "@effect-bedrock/converse/settings/types"
import type { Span } from "effect/Tracer"

/** @internal */
export interface Where {
  readonly region: string | undefined
  readonly server: ServerInfo | undefined
}

/** An attribute whose value may be absent (`null` or `undefined`: not written, as effect/ai's rule). */
const optional = (span: Span, key: string, value: unknown): void => {
  if (value !== undefined && value !== null) span.attribute(key, value)
}

/**
 * The request's attributes, before it is sent: what is asked of which model, where.
 *
 * @internal
 */
export const annotateRequest = (span: Span, options: {
  readonly target: string
  readonly settings: Settings
  readonly stream: boolean
  readonly json: boolean
  readonly where: Where
}): void => {
  const settings = options.settings
  // The attributes `addGenAIAnnotations` writes (its keys, its rule: nullish values are left out), written
  // directly: it builds each key per call (camelCase to snake_case through a regular expression).
  span.attribute("gen_ai.provider.name", "aws.bedrock")
  span.attribute("gen_ai.operation.name", "chat")
  span.attribute("gen_ai.output.type", options.json ? "json" : "text")
  span.attribute("gen_ai.request.model", options.target)
  optional(span, "gen_ai.request.max_tokens", settings.maxTokens)
  optional(span, "gen_ai.request.temperature", settings.temperature)
  optional(span, "gen_ai.request.top_p", settings.topP)
  optional(span, "gen_ai.request.top_k", settings.topK)
  optional(span, "gen_ai.request.stop_sequences", settings.stopSequences)
  span.attribute("gen_ai.request.stream", options.stream)
  const { region, server } = options.where
  if (region !== undefined) span.attribute("cloud.region", region)
  if (server !== undefined) {
    span.attribute("server.address", server.address)
    span.attribute("server.port", server.port)
  }
  const tier = effectiveServiceTier(settings)
  if (tier !== undefined) span.attribute("aws.bedrock.service_tier", tier)
}

/**
 * The answer's attributes, once it is complete (a stream's at its end): id, model, Bedrock's stop reason,
 * usage with cache tokens, and the cost when its price is known.
 *
 * @internal
 */
export const annotateResponse = (
  span: Span,
  response: EngineResponse.Response,
  cost: EngineResponse.Cost | undefined
): void => {
  const usage = response.usage
  optional(span, "gen_ai.response.id", response.requestId)
  span.attribute("gen_ai.response.model", response.modelId)
  span.attribute("gen_ai.response.finish_reasons", [response.rawFinishReason])
  if (usage.unknown !== true) {
    span.attribute("gen_ai.usage.input_tokens", usage.inputTokens)
    span.attribute("gen_ai.usage.output_tokens", usage.outputTokens)
    span.attribute("gen_ai.usage.cache_read.input_tokens", usage.cacheReadTokens)
    span.attribute("gen_ai.usage.cache_creation.input_tokens", usage.cacheWriteTokens)
  }
  if (response.requestId !== undefined) span.attribute("aws.request_id", response.requestId)
  if (cost !== undefined) {
    span.attribute("effect_bedrock.cost.total", cost.total)
    span.attribute("effect_bedrock.cost.currency", cost.currency)
  }
}
