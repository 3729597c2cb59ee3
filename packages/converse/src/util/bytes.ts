/**
 * Byte helpers.
 *
 * @since 0.1.0
 */

/**
 * The pieces joined into one array (the piece itself when there is one).
 *
 * @since 0.1.0
 * @category Bytes
 */
export const concatBytes = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (pieces.length === 1) return pieces[0]!
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0))
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}
