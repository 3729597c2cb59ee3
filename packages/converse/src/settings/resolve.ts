/**
 * The settings layers of one call merged in the documented precedence: the model's < a scoped override
 * (`withConfigOverride`) < the request's. Key by key and shallow (a later layer's
 * `additionalModelRequestFields` replaces an earlier one's whole object); `undefined` never overrides.
 *
 * @since 0.1.0
 */
import type { Settings } from "./types.js"

/**
 * Two layers merged: `override` wins, key by key; `undefined` values do not override. A missing side gives
 * the other unchanged (no copy).
 *
 * @since 0.1.0
 * @category Resolving
 */
export const mergeSettings = <A extends Settings>(base: A | undefined, override: A | undefined): A => {
  if (override === undefined) return base ?? ({} as A)
  if (base === undefined) return override
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const key in override) {
    const value = (override as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = value
  }
  return out as A
}

/**
 * Every layer merged, the first lowest (`[model, scoped, request]`).
 *
 * @since 0.1.0
 * @category Resolving
 */
export const resolveSettings = <A extends Settings>(layers: ReadonlyArray<A | undefined>): A => {
  let out: A | undefined
  for (const layer of layers) out = mergeSettings(out, layer)
  return out ?? ({} as A)
}

/**
 * What Converse and ConverseStream address: the inference profile when one is set, else the model id.
 *
 * @since 0.1.0
 * @category Resolving
 */
export const target = (modelId: string, settings: Settings): string => settings.inferenceProfile ?? modelId
