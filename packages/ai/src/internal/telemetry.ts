/**
 * GenAI span attributes (`@effect/ai`'s `Telemetry.addGenAIAnnotations`) for
 * a request, and for its answer (whole, or at the end of a stream).
 *
 * @internal
 */
import { target } from "@effect-bedrock/converse/settings/resolve"
import type * as BedrockModelSettings from "@effect-bedrock/core/BedrockModelSettings"
import type * as Response from "@effect-bedrock/core/Response"
import { addGenAIAnnotations } from "@effect/ai/Telemetry"
import type { Span } from "effect/Tracer"

/** @internal */
export const annotateRequest = (span: Span, modelId: string, settings: BedrockModelSettings.Settings): void =>
  addGenAIAnnotations(span, {
    system: "aws.bedrock",
    operation: { name: "chat" },
    request: {
      model: target(modelId, settings),
      temperature: settings.temperature,
      topP: settings.topP,
      topK: settings.topK,
      maxTokens: settings.maxTokens,
      stopSequences: settings.stopSequences
    }
  })

/** @internal */
export const annotateResponse = (span: Span, response: Response.Response): void =>
  addGenAIAnnotations(span, {
    response: {
      id: response.requestId,
      model: response.modelId,
      finishReasons: [response.rawFinishReason]
    },
    usage: {
      inputTokens: response.usage.inputTokens,
      outputTokens: response.usage.outputTokens
    }
  })
