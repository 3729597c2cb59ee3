/**
 * The closest string of a list by edit distance: "did you mean" suggestions.
 *
 * @since 0.1.0
 * @internal
 */

/**
 * Levenshtein distance, two rows.
 *
 * @internal
 */
export const editDistance = (a: string, b: string): number => {
  let previous = new Array<number>(b.length + 1)
  let current = new Array<number>(b.length + 1)
  for (let j = 0; j <= b.length; j++) previous[j] = j
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
    }
    const swap = previous
    previous = current
    current = swap
  }
  return previous[b.length]!
}

/**
 * The candidate nearest to `value` (case-insensitive) when it is within a
 * third of `value`'s length (at least 2 edits); ties go to the first.
 *
 * @internal
 */
export const closest = <A extends string>(value: string, candidates: ReadonlyArray<A>): A | undefined => {
  const lower = value.toLowerCase()
  let best: A | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      bestDistance = distance
      best = candidate
    }
  }
  return bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined
}
