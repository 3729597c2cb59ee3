/**
 * Which recorded interaction answers a request: the first not yet played with the same operation, model id
 * and body (compared canonically, after the cassette's scrubbing, so key order and account ids do not
 * matter); repeats of one request are answered in the order they were recorded. A request with no match
 * gets a message with a diff against the closest recorded request.
 *
 * @since 0.1.0
 */
import { canonicalText, type Interaction, type Operation } from "./format.js"
import { scrubJson, scrubText } from "./scrub.js"

/**
 * A request to match.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Request {
  readonly operation: Operation
  readonly modelId: string
  /** The parsed JSON body (a string when it was not JSON). */
  readonly body: unknown
}

/**
 * What `Player.take` found.
 *
 * @since 0.1.0
 * @category Models
 */
export type Take =
  | { readonly _tag: "Hit"; readonly index: number; readonly interaction: Interaction }
  | {
    readonly _tag: "Miss"
    /** What was asked, what is closest and the diff, in words. */
    readonly message: string
    /** The index of the closest recorded interaction, when the cassette has any. */
    readonly closest: number | undefined
    /** The diff against the closest recorded request (`-` recorded, `+` received). */
    readonly diff: string
  }

/**
 * The canonical form a request is matched by.
 *
 * @since 0.1.0
 * @category Matching
 */
export const keyOf = (request: Request): string =>
  canonicalText([request.operation, scrubText(request.modelId), scrubJson(request.body)])

/** The request as lines for a diff: operation and model, then the body as pretty canonical JSON. */
const linesOf = (request: Request): Array<string> => [
  `operation: ${request.operation}`,
  `modelId: ${scrubText(request.modelId)}`,
  ...`body: ${canonicalText(scrubJson(request.body), 2)}`.split("\n")
]

const MAX_DIFF_LINES = 60
const MAX_LCS = 2_000

/**
 * A line diff, `-` for lines only in `before`, `+` for lines only in `after`, two lines of context around
 * each change, at most 60 lines.
 *
 * @since 0.1.0
 * @category Matching
 */
export const diffLines = (before: ReadonlyArray<string>, after: ReadonlyArray<string>): string => {
  // Common head and tail first: most mismatches are one changed region in a long body.
  let head = 0
  while (head < before.length && head < after.length && before[head] === after[head]) head++
  let tail = 0
  while (
    tail < before.length - head && tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) tail++
  const a = before.slice(head, before.length - tail)
  const b = after.slice(head, after.length - tail)
  const ops: Array<readonly [" " | "-" | "+", string]> = []
  for (let i = Math.max(0, head - 2); i < head; i++) ops.push([" ", before[i]!])
  if (a.length * b.length > MAX_LCS * MAX_LCS / 4) {
    for (const line of a) ops.push(["-", line])
    for (const line of b) ops.push(["+", line])
  } else {
    // Longest common subsequence, table from the end.
    const table: Array<Uint32Array> = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1))
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!)
      }
    }
    let i = 0
    let j = 0
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        ops.push([" ", a[i]!])
        i++
        j++
      } else if (i < a.length && (j === b.length || table[i + 1]![j]! >= table[i]![j + 1]!)) {
        ops.push(["-", a[i++]!])
      } else {
        ops.push(["+", b[j++]!])
      }
    }
  }
  for (let i = before.length - tail; i < Math.min(before.length, before.length - tail + 2); i++) {
    ops.push([" ", before[i]!])
  }
  // Keep changes and two lines of context around them.
  const keep = ops.map((op) => op[0] !== " ")
  const shown: Array<string> = []
  let skipped = false
  for (let k = 0; k < ops.length; k++) {
    const near = keep.slice(Math.max(0, k - 2), k + 3).some(Boolean)
    if (!near) {
      skipped = true
      continue
    }
    if (skipped && shown.length > 0) shown.push("  ...")
    skipped = false
    shown.push(`${ops[k]![0]} ${ops[k]![1]}`)
  }
  if (shown.length > MAX_DIFF_LINES) {
    return [...shown.slice(0, MAX_DIFF_LINES), `  ... (${shown.length - MAX_DIFF_LINES} more lines)`].join("\n")
  }
  return shown.join("\n")
}

/** How alike two requests are: the same operation and model first, then the lines they share. */
const similarity = (a: Request, aLines: ReadonlyArray<string>, b: Request, bLines: ReadonlyArray<string>): number => {
  let score = (a.operation === b.operation ? 2 : 0) + (scrubText(a.modelId) === scrubText(b.modelId) ? 1 : 0)
  const counts = new Map<string, number>()
  for (const line of aLines) counts.set(line, (counts.get(line) ?? 0) + 1)
  let common = 0
  for (const line of bLines) {
    const n = counts.get(line)
    if (n !== undefined && n > 0) {
      common++
      counts.set(line, n - 1)
    }
  }
  score += common / Math.max(1, aLines.length, bLines.length)
  return score
}

/**
 * The recorded interactions of one cassette and which of them were played.
 *
 * @since 0.1.0
 * @category Matching
 */
export class Player {
  private readonly keys: ReadonlyArray<string>
  private readonly played: Array<boolean>

  constructor(readonly interactions: ReadonlyArray<Interaction>, private readonly source = "the cassette") {
    this.keys = interactions.map((interaction) =>
      keyOf({ operation: interaction.operation, modelId: interaction.modelId, body: interaction.request.body })
    )
    this.played = interactions.map(() => false)
  }

  /** The first unplayed interaction matching `request` (marked played), or a miss with its diff. */
  take(request: Request): Take {
    const key = keyOf(request)
    let playedAlready = 0
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== key) continue
      if (this.played[i]) {
        playedAlready++
        continue
      }
      this.played[i] = true
      return { _tag: "Hit", index: i, interaction: this.interactions[i]! }
    }
    return this.miss(request, playedAlready)
  }

  /** Whether an unplayed interaction matches `request`, without playing it. */
  has(request: Request): boolean {
    const key = keyOf(request)
    return this.keys.some((k, i) => k === key && !this.played[i])
  }

  /** The interactions never played, with their indexes. */
  unplayed(): Array<{ readonly index: number; readonly interaction: Interaction }> {
    return this.interactions.flatMap((interaction, index) => this.played[index] ? [] : [{ index, interaction }])
  }

  /** How many were played. */
  get playedCount(): number {
    return this.played.filter(Boolean).length
  }

  private miss(request: Request, playedAlready: number): Take {
    const asked = `${request.operation} ${request.modelId}`
    if (playedAlready > 0) {
      const message = `${asked}: every recording of this request in ${this.source} was played already ` +
        `(${playedAlready}); record it once more for each repeat`
      return { _tag: "Miss", message, closest: undefined, diff: "" }
    }
    if (this.interactions.length === 0) {
      const message = `${asked}: no recorded interaction matches (${this.source} is empty)`
      return { _tag: "Miss", message, closest: undefined, diff: "" }
    }
    const lines = linesOf(request)
    let best = -1
    let bestScore = -1
    let bestLines: Array<string> = []
    this.interactions.forEach((interaction, i) => {
      const recorded = {
        operation: interaction.operation,
        modelId: interaction.modelId,
        body: interaction.request.body
      }
      const recordedLines = linesOf(recorded)
      // Unplayed ones first among equals: they are what the request was most likely meant to match.
      const score = similarity(request, lines, recorded, recordedLines) + (this.played[i] ? 0 : 0.001)
      if (score > bestScore) {
        best = i
        bestScore = score
        bestLines = recordedLines
      }
    })
    const diff = diffLines(bestLines, lines)
    const message = `${asked}: no recorded interaction matches in ${this.source}. Closest: interaction #${best}` +
      `${this.played[best] ? " (played already)" : ""}; - recorded, + received:\n${diff}`
    return { _tag: "Miss", message, closest: best, diff }
  }
}
