/**
 * The interpretation of scripts: how the server answers a request with the script it took from
 * the queue (or that its reserved model id stands for).
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"
import * as eventStream from "./eventStream.js"
import { replyError, replyJson, sleep, untilAborted } from "./exchange.js"
import * as operations from "./operations.js"
import * as streamPlan from "./streamPlan.js"
import * as tokenCount from "./tokenCount.js"

const entrySegments = (
  entries: ReadonlyArray<Script.StreamEntry>,
  padding: boolean
): Array<streamPlan.Segment> => {
  const segments: Array<streamPlan.Segment> = []
  let frames: Array<Buffer> = []
  const flush = () => {
    if (frames.length > 0) segments.push({ _tag: "Frames", frames })
    frames = []
  }
  for (const entry of entries) {
    switch (entry._tag) {
      case "Event":
        frames.push(eventStream.encodeEvent(entry.eventType, entry.payload, padding && entry.padding !== false))
        break
      case "Raw":
        frames.push(eventStream.encodeRaw(entry.headers, entry.body))
        break
      case "Bytes": {
        const bytes = Buffer.from(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength)
        const repeat = entry.repeat ?? 1
        if (repeat === 1) {
          frames.push(bytes)
        } else if (repeat > 1) {
          flush()
          segments.push({ _tag: "Repeat", bytes, count: repeat })
        }
        break
      }
      case "Exception":
        frames.push(eventStream.encodeException(entry.exceptionType, entry.message))
        // Bedrock ends the stream after an exception.
        flush()
        return segments
    }
  }
  flush()
  return segments
}

const generatedPlan = (call: operations.Call, script: Script.Generated): streamPlan.Plan => {
  const { padding } = call
  const batch = eventStream.deltaBatch(script.text, padding)
  const inputTokens = tokenCount.countTokens(call.body, call.modelId)
  const head = [eventStream.encodeEvent("messageStart", { role: "assistant" }, padding)]
  const tail = [
    eventStream.encodeEvent("contentBlockStop", { contentBlockIndex: 0 }, padding),
    eventStream.encodeEvent("messageStop", { stopReason: "end_turn" }, padding),
    eventStream.encodeEvent("metadata", {
      usage: { inputTokens, outputTokens: script.deltas, totalTokens: inputTokens + script.deltas },
      metrics: { latencyMs: Math.max(1, Date.now() - call.receivedAt) }
    }, padding)
  ]
  const segments: Array<streamPlan.Segment> = [{ _tag: "Frames", frames: head }]
  if (script.pauseAfterFirstMs !== undefined && script.deltas > 0) {
    segments.push(
      { _tag: "Deltas", count: 1, batch },
      { _tag: "Pause", ms: script.pauseAfterFirstMs },
      { _tag: "Deltas", count: script.deltas - 1, batch }
    )
  } else {
    segments.push({ _tag: "Deltas", count: script.deltas, batch })
  }
  segments.push({ _tag: "Frames", frames: tail })
  return {
    segments,
    delayFirstMs: script.delayFirstMs,
    delayBetweenMs: script.delayBetweenMs,
    fault: script.fault
  }
}

/**
 * Answers the request as the script says.
 *
 * @internal
 */
export const answer = async (call: operations.Call, script: Script.Script): Promise<void> => {
  const { ex, requestId } = call
  switch (script._tag) {
    case "Json":
      if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
      return replyJson(ex, requestId, script.status ?? 200, JSON.stringify(script.body))
    case "Failure":
      if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
      return replyError(ex, requestId, script.status, script.name, script.message)
    case "Hang":
      return untilAborted(ex.signal)
    case "Reset":
      if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
      return ex.reset()
    case "Delayed":
      await sleep(script.delayMs, ex.signal)
      if (ex.signal.aborted) return
      return operations.answer(call)
    case "Stream": {
      const segments: Array<streamPlan.Segment> = script.events !== undefined
        ? entrySegments(script.events, call.padding)
        : [{ _tag: "Frames", frames: operations.defaultStreamFrames(call) }]
      return streamPlan.run(ex, {
        segments,
        delayFirstMs: script.delayFirstMs,
        delayBetweenMs: script.delayBetweenMs,
        fault: script.fault
      }, requestId)
    }
    case "Generated":
      call.onUsage?.(script.deltas)
      return streamPlan.run(ex, generatedPlan(call, script), requestId)
  }
}
