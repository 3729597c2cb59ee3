/**
 * Model ids that select a scenario, for clients that cannot script the server (other libraries,
 * other processes). Documented in `LocalBedrockServer` and the package README.
 *
 * @internal
 */
import * as Script from "../LocalBedrockScript.js"
import * as defaultModel from "./defaultModel.js"
import * as errors from "./errors.js"
import * as eventStream from "./eventStream.js"

const STREAM_EXCEPTIONS: ReadonlyArray<string> = [
  "throttlingException",
  "validationException",
  "modelStreamErrorException",
  "internalServerException",
  "serviceUnavailableException"
]

const SMALL_TEXT = "Hello from local Bedrock."

const int = (s: string | undefined, fallback: number): number => {
  if (s === undefined || s.length === 0) return fallback
  const n = Number(s)
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback
}

/**
 * The script a reserved model id stands for, or undefined (then the default model answers).
 * `local.small` is no script: its answer is pre-encoded (`smallResponse`, `smallStreamFrames`).
 *
 * @internal
 */
export const scriptFor = (modelId: string, operation: Script.Operation): Script.Script | undefined => {
  if (!modelId.startsWith("local.")) return undefined
  const name = modelId.slice("local.".length)
  let m: RegExpExecArray | null
  if ((m = /^error-([A-Za-z]+)$/.exec(name)) !== null) {
    const exception = m[1]!
    return errors.isExceptionName(exception)
      ? Script.failure(exception)
      : { _tag: "Failure", name: exception, message: `Local Bedrock ${exception}`, status: 400 }
  }
  if (name === "hang") return Script.hang()
  if ((m = /^delay-(\d+)$/.exec(name)) !== null) return Script.delayed(int(m[1], 0))
  if (operation === "count-tokens") return undefined
  if ((m = /^stream-(\d+)$/.exec(name)) !== null) {
    const deltas = int(m[1], 1)
    return operation === "converse-stream"
      ? Script.generated({ deltas })
      : Script.converseText(Array.from({ length: Math.max(deltas, 1) }, () => "x").join(" "))
  }
  if ((m = /^ttft-(\d+)(?:-(\d+))?$/.exec(name)) !== null) {
    const waitMs = int(m[1], 0)
    const deltas = int(m[2], 16)
    return operation === "converse-stream"
      ? Script.ttft({ waitMs, deltas })
      : Script.delayed(waitMs)
  }
  if ((m = /^(reset|truncate|badcrc|hang)-(\d+)$/.exec(name)) !== null) {
    const after = int(m[2], 0)
    if (operation !== "converse-stream") return m[1] === "hang" ? Script.hang() : Script.reset()
    const fault = m[1] === "reset"
      ? Script.resetAfter(after)
      : m[1] === "truncate"
      ? Script.truncateAfter(after)
      : m[1] === "badcrc"
      ? Script.badCrcAfter(after)
      : Script.hangAfter(after)
    return Script.stream(undefined, { fault })
  }
  if ((m = /^exception-([A-Za-z]+)(?:-(\d+))?$/.exec(name)) !== null && STREAM_EXCEPTIONS.includes(m[1]!)) {
    const type = m[1]!
    if (operation === "converse-stream") {
      return Script.stream(undefined, { fault: Script.exceptionAfter(int(m[2], 2), type) })
    }
    const httpName = type.charAt(0).toUpperCase() + type.slice(1)
    return errors.isExceptionName(httpName)
      ? Script.failure(httpName)
      : {
        _tag: "Failure",
        name: "ModelStreamErrorException",
        message: "Local Bedrock modelStreamErrorException",
        status: 424
      }
  }
  return undefined
}

// =============================================================================
// local.small: a fixed answer, encoded once
// =============================================================================

/** @internal */
export const smallResponse = JSON.stringify({
  output: { message: { role: "assistant", content: [{ text: SMALL_TEXT }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 },
  metrics: { latencyMs: 1 }
})

const smallStreamCache = new Map<boolean, ReadonlyArray<Buffer>>()

/** @internal */
export const smallStreamFrames = (padding: boolean): ReadonlyArray<Buffer> => {
  const cached = smallStreamCache.get(padding)
  if (cached !== undefined) return cached
  const pieces = defaultModel.wordPieces(SMALL_TEXT)
  const frames = [
    eventStream.encodeEvent("messageStart", { role: "assistant" }, padding),
    ...pieces.map((text) =>
      eventStream.encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }, padding)
    ),
    eventStream.encodeEvent("contentBlockStop", { contentBlockIndex: 0 }, padding),
    eventStream.encodeEvent("messageStop", { stopReason: "end_turn" }, padding),
    eventStream.encodeEvent("metadata", {
      usage: { inputTokens: 5, outputTokens: pieces.length, totalTokens: 5 + pieces.length },
      metrics: { latencyMs: 1 }
    }, padding)
  ]
  smallStreamCache.set(padding, frames)
  return frames
}
