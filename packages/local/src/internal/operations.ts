/**
 * The answer to each operation (converse, converse-stream, count-tokens) when no script answers
 * the request: the deterministic default model, or `local.small`'s pre-encoded answer.
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import * as defaultModel from "./defaultModel.js"
import * as eventStream from "./eventStream.js"
import { type Exchange, replyJson } from "./exchange.js"
import { isObject, type Json } from "./json.js"
import * as reserved from "./reserved.js"
import * as streamPlan from "./streamPlan.js"
import * as tokenCount from "./tokenCount.js"

/**
 * A routed, authorized and validated request, with what answering it needs.
 *
 * @internal
 */
export interface Call {
  readonly ex: Exchange
  readonly requestId: string
  readonly operation: Script.Operation
  /** Decoded and not empty. */
  readonly modelId: string
  readonly body: Json
  /** Epoch milliseconds, for the reported latency. */
  readonly receivedAt: number
  readonly padding: boolean
  /** The prompt-cache prefixes seen so far. */
  readonly cache: Set<string>
  /** Told the answer's output tokens, when it knows them (for a quota's correction). */
  readonly onUsage?: ((outputTokens: number) => void) | undefined
}

const latencyOf = (call: Call): number => Math.max(1, Date.now() - call.receivedAt)

/**
 * The default model's ConverseStream events for the request, encoded.
 *
 * @internal
 */
export const defaultStreamFrames = (call: Call): Array<Buffer> => {
  const answer = defaultModel.answer(call.body, call.modelId, call.cache)
  call.onUsage?.(answer.usage.outputTokens)
  return defaultModel.streamEvents(answer, latencyOf(call))
    .map((e) => eventStream.encodeEvent(e.eventType, e.payload, call.padding))
}

const converse = (call: Call): void => {
  if (call.modelId === "local.small") return replyJson(call.ex, call.requestId, 200, reserved.smallResponse)
  const answer = defaultModel.answer(call.body, call.modelId, call.cache)
  call.onUsage?.(answer.usage.outputTokens)
  const latencyMs = latencyOf(call)
  return replyJson(call.ex, call.requestId, 200, JSON.stringify(defaultModel.converseResponse(answer, latencyMs)))
}

const converseStream = (call: Call): Promise<void> => {
  const frames = call.modelId === "local.small" ? reserved.smallStreamFrames(call.padding) : defaultStreamFrames(call)
  return streamPlan.run(call.ex, streamPlan.ofFrames(frames), call.requestId)
}

const countTokens = (call: Call): void => {
  const { body } = call
  const input = isObject(body.input) && isObject(body.input.converse) ? body.input.converse : body
  const inputTokens = tokenCount.countTokens(input, call.modelId)
  return replyJson(call.ex, call.requestId, 200, JSON.stringify({ inputTokens }))
}

/**
 * Answers the request by its operation.
 *
 * @internal
 */
export const answer = (call: Call): void | Promise<void> => {
  switch (call.operation) {
    case "converse":
      return converse(call)
    case "converse-stream":
      return converseStream(call)
    case "count-tokens":
      return countTokens(call)
  }
}
