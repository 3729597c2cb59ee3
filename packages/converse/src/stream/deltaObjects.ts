/**
 * The objects a stream makes for each delta, made by constructors rather than object literals.
 *
 * V8 "pretenures" an object-literal allocation site: when enough of the objects from one site
 * outlive a young-generation GC, it allocates everything that site makes from then on straight in
 * the old generation, where only a full GC frees it. A stream holds a batch of events (read ahead
 * by the event pump) and a batch of parts (waiting for the consumer) across young GCs, so the SDK's
 * struct reader (one site for every struct the SDK decodes) and our part literals were tenured:
 * over a long stream every delta's objects went to the old generation as garbage, 45 B per part and
 * about 700 B per event, and the peak heap grew with it. Constructor allocations get no such
 * feedback, so the held objects are made here:
 *
 * - `holdEvent` copies a delta event (text, tool input, reasoning text) into instances of small
 *   classes with the same fields, as the pump stores it: the SDK's own objects die young;
 * - the `…Part` classes are the stream parts made for each delta.
 *
 * Measured in `docs/benchmarks` (memory-1m).
 *
 * @since 0.1.0
 * @internal
 */
import type { ConverseStreamOutput } from "@aws-sdk/client-bedrock-runtime"
import type * as Response from "../response/types.js"

// =============================================================================
// Events
// =============================================================================

class TextDeltaBody {
  constructor(readonly text: string) {}
}

class ToolUseInput {
  constructor(readonly input: string) {}
}

class ToolUseDeltaBody {
  readonly toolUse: ToolUseInput
  constructor(input: string) {
    this.toolUse = new ToolUseInput(input)
  }
}

class ReasoningText {
  constructor(readonly text: string) {}
}

class ReasoningDeltaBody {
  readonly reasoningContent: ReasoningText
  constructor(text: string) {
    this.reasoningContent = new ReasoningText(text)
  }
}

type DeltaBody = TextDeltaBody | ToolUseDeltaBody | ReasoningDeltaBody

class ContentBlockDelta {
  constructor(readonly delta: DeltaBody, readonly contentBlockIndex: number | undefined) {}
}

class ContentBlockDeltaEvent {
  readonly contentBlockDelta: ContentBlockDelta
  constructor(delta: DeltaBody, contentBlockIndex: number | undefined) {
    this.contentBlockDelta = new ContentBlockDelta(delta, contentBlockIndex)
  }
}

/**
 * The event as a stream holds it until its consumer takes it: a text, tool-input or reasoning-text
 * delta copied into class instances with the same fields (the delta and the reasoning delta are
 * unions with one member set, so nothing is lost); any other event as it is.
 *
 * @internal
 */
export const holdEvent = (event: ConverseStreamOutput): ConverseStreamOutput => {
  const block = event.contentBlockDelta
  // Anything but an object (a `null` payload, a number) is left as it came, for the decoder to refuse.
  if (typeof block !== "object" || block === null) return event
  const delta = block.delta
  if (typeof delta !== "object" || delta === null) return event
  if (typeof delta.text === "string") {
    return new ContentBlockDeltaEvent(new TextDeltaBody(delta.text), block.contentBlockIndex) as ConverseStreamOutput
  }
  const toolUse = delta.toolUse
  const input = typeof toolUse === "object" && toolUse !== null ? toolUse.input : undefined
  if (typeof input === "string") {
    return new ContentBlockDeltaEvent(new ToolUseDeltaBody(input), block.contentBlockIndex) as ConverseStreamOutput
  }
  const reasoning = delta.reasoningContent
  if (typeof reasoning === "object" && reasoning !== null && typeof reasoning.text === "string") {
    return new ContentBlockDeltaEvent(
      new ReasoningDeltaBody(reasoning.text),
      block.contentBlockIndex
    ) as ConverseStreamOutput
  }
  return event
}

// =============================================================================
// Parts
// =============================================================================

/** @internal */
export class TextDeltaPart implements Response.TextDelta {
  readonly _tag = "TextDelta"
  constructor(readonly index: number, readonly delta: string) {}
}

/** @internal */
export class ToolCallDeltaPart implements Response.ToolCallDelta {
  readonly _tag = "ToolCallDelta"
  constructor(readonly index: number, readonly id: string, readonly delta: string) {}
}

/** @internal */
export class ThinkingDeltaPart implements Response.ThinkingDelta {
  readonly _tag = "ThinkingDelta"
  constructor(readonly index: number, readonly delta: string) {}
}
