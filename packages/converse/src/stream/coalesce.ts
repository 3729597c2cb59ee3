/**
 * Consecutive deltas of one content block, read from the wire together, as one delta.
 *
 * The event pump hands a stream's events over in batches (what it had read when its consumer
 * asked). A batch's deltas of one block are already here together, so passing them on as one
 * delta holds nothing back: the same text at the same moment, in fewer parts. That matters where
 * every part costs (`effect/ai` decodes each stream part with `Schema`); the providers on
 * `effect/ai` (`@effect-bedrock/ai`, `@effect-bedrock/effect4`) call this on each batch's parts.
 * Nothing waits for a next batch: a batch's last delta goes out with its batch.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Response from "../response/types.js"
import { TextDeltaPart, ThinkingDeltaPart, ToolCallDeltaPart } from "./deltaObjects.js"

/** A delta that can take the next one of its block: text, tool input, reasoning text (not a signature). */
type Joinable = Response.TextDelta | Response.ToolCallDelta | (Response.ThinkingDelta & { readonly delta: string })

const isJoinable = (part: { readonly _tag: string }): part is Joinable => {
  switch (part._tag) {
    case "TextDelta":
    case "ToolCallDelta":
      return true
    case "ThinkingDelta": {
      const thinking = part as Response.ThinkingDelta
      return thinking.delta !== undefined && thinking.signature === undefined && thinking.redacted === undefined
    }
    default:
      return false
  }
}

/**
 * Appends `parts` to `out`, each run of consecutive joinable deltas (text, tool input, reasoning
 * text) of one block as one delta of the run's text; every other part, and a run of one, as it is.
 * `parts` are one batch: what the stream had read together. Typed over any part union with the
 * engine's delta shapes (core's `StreamPart` included).
 *
 * @since 0.1.0
 * @internal
 */
export const coalesceDeltas = <P extends { readonly _tag: string }>(parts: Iterable<P>, out: Array<P>): void => {
  // The run being joined: its first part, its text so far, how many deltas it holds.
  let head: Joinable | undefined
  let text = ""
  let count = 0
  const flush = () => {
    if (head === undefined) return
    if (count === 1) out.push(head as unknown as P)
    else if (head._tag === "TextDelta") out.push(new TextDeltaPart(head.index, text) as unknown as P)
    else if (head._tag === "ToolCallDelta") out.push(new ToolCallDeltaPart(head.index, head.id, text) as unknown as P)
    else out.push(new ThinkingDeltaPart(head.index, text) as unknown as P)
    head = undefined
  }
  for (const part of parts) {
    if (!isJoinable(part)) {
      flush()
      out.push(part)
      continue
    }
    if (
      head !== undefined && head._tag === part._tag && head.index === part.index &&
      (head._tag !== "ToolCallDelta" || head.id === (part as Response.ToolCallDelta).id)
    ) {
      text += part.delta
      count++
      continue
    }
    flush()
    head = part
    text = part.delta
    count = 1
  }
  flush()
}
