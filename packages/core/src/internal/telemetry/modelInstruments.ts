/**
 * The metric instruments of one model's calls (`BedrockLanguageModel` telemetry): the label arrays
 * and metric keys for `chat` and `count_tokens`, made once per model (telemetry.ts `recorder`), so
 * a call only updates them. Owned by `modelTelemetry.make`; holds no state that changes after it is
 * made: the calls' `finish` paths record through it.
 *
 * @internal
 */
import type * as BedrockClient from "../../BedrockClient.js"
import { attr, labels, providerName } from "./telemetry.js"
import * as Metrics from "./telemetry.js"

/** @internal */
export type Operation = "chat" | "count_tokens"

const metricLabels = (operation: Operation, modelId: string, server: BedrockClient.ServerInfo | undefined) =>
  labels({
    [attr.operationName]: operation,
    [attr.providerName]: providerName,
    [attr.requestModel]: modelId,
    [attr.responseModel]: modelId,
    [attr.serverAddress]: server?.address,
    [attr.serverPort]: server?.port
  })

/** @internal */
export class ModelInstruments {
  private readonly chatLabels: ReturnType<typeof labels>
  private readonly countLabels: ReturnType<typeof labels>
  readonly inputTokens: (value: number) => void
  readonly outputTokens: (value: number) => void
  readonly timeToFirstChunk: (value: number) => void
  private readonly chatDuration: (value: number) => void
  private readonly countDuration: (value: number) => void

  constructor(modelId: string, server: BedrockClient.ServerInfo | undefined) {
    const chatLabels = metricLabels("chat", modelId, server)
    this.chatLabels = chatLabels
    this.inputTokens = Metrics.recorder(Metrics.tokenUsage, [...chatLabels, ...labels({ [attr.tokenType]: "input" })])
    this.outputTokens = Metrics.recorder(
      Metrics.tokenUsage,
      [...chatLabels, ...labels({ [attr.tokenType]: "output" })]
    )
    this.chatDuration = Metrics.recorder(Metrics.operationDuration, chatLabels)
    this.timeToFirstChunk = Metrics.recorder(Metrics.timeToFirstChunk, chatLabels)
    const countLabels = metricLabels("count_tokens", modelId, server)
    this.countLabels = countLabels
    this.countDuration = Metrics.recorder(Metrics.operationDuration, countLabels)
  }

  /** A call's duration; a failed call's gets its `error.type` label (labels made then: failures only). */
  recordDuration(operation: Operation, seconds: number, errorType: string | undefined): void {
    if (errorType === undefined) {
      ;(operation === "chat" ? this.chatDuration : this.countDuration)(seconds)
    } else {
      Metrics.record(Metrics.operationDuration, seconds, [
        ...(operation === "chat" ? this.chatLabels : this.countLabels),
        ...labels({ [attr.errorType]: errorType })
      ])
    }
  }
}
