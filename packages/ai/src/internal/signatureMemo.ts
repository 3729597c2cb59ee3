/**
 * The signatures of the latest reasoning blocks a model returned, by text.
 *
 * `@effect/ai`'s `Chat` stores an answer in its history through
 * `Prompt.fromResponseParts`, which keeps a reasoning part's text and drops
 * its metadata, so the signature Bedrock needs back (Anthropic: with thinking
 * on, a tool loop's assistant turn must start with its signed thinking) would
 * be lost. The model remembers the last few signatures it saw and gives them
 * back to reasoning parts with the same text and no signature of their own.
 *
 * @internal
 */

/** @internal */
export class SignatureMemo {
  private readonly entries = new Map<string, string>()

  constructor(readonly capacity: number) {}

  remember(text: string, signature: string): void {
    if (text === "" || signature === "") return
    // Re-inserting moves the entry to the end: the map's order is the recency order.
    this.entries.delete(text)
    this.entries.set(text, signature)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  lookup(text: string): string | undefined {
    return text === "" ? undefined : this.entries.get(text)
  }

  get size(): number {
    return this.entries.size
  }
}
