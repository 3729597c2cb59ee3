/**
 * Loose JSON reading: request bodies are untrusted `unknown` until validation has looked at them.
 *
 * @internal
 */

/** @internal */
export type Json = Record<string, unknown>

/** @internal */
export const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

/** @internal */
export const asArray = (u: unknown): ReadonlyArray<unknown> => (Array.isArray(u) ? u : [])
