/**
 * The Bedrock options a prompt's messages and parts carry in the `effect/ai` providers (`@effect-bedrock/ai` on
 * Effect 3, `@effect-bedrock/effect4`'s `BedrockLanguageModel` on Effect 4), under their `effectBedrock` key: a
 * cache point after a message or part, a document's name, a reasoning block's signature or redacted data. Their
 * keys and checks, and the name a document gets from its file name, are written here once for both lines.
 *
 * @since 0.1.0
 */
import { mediaFormat } from "../mapping/media.js"
import type { Issue } from "../request/issue.js"
import { isDocumentName, maxDocumentNameLength } from "../request/rules.js"
import { describe } from "../request/validate.js"
import type { CacheSetting } from "../settings/types.js"
import { literals } from "../settings/validate.js"
import { closest } from "../util/closest.js"

/**
 * What holds the options: a system, user or tool message or a text part (a cache point), a file part (a cache
 * point and a document name), a reasoning part (its signature or redacted data).
 *
 * @since 0.1.0
 * @category Models
 */
export type Holder = "message" | "text" | "file" | "reasoning"

/**
 * The option keys each holder takes.
 *
 * @since 0.1.0
 * @category Models
 */
export const optionKeys: { readonly [K in Holder]: ReadonlyArray<string> } = {
  message: ["cachePoint"],
  text: ["cachePoint"],
  file: ["cachePoint", "documentName"],
  reasoning: ["signature", "redactedData"]
}

/**
 * The options, once checked (see `optionsIssue`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface PartOptions {
  readonly cachePoint?: CacheSetting | undefined
  readonly documentName?: string | undefined
  readonly signature?: string | undefined
  readonly redactedData?: string | undefined
}

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * Whether Bedrock takes `name` as a document's name as given: the rules' characters and length, and no
 * leading or trailing whitespace.
 *
 * @since 0.1.0
 * @category Checks
 */
export const isExplicitDocumentName = (name: string): boolean => isDocumentName(name) && name.trim() === name

/**
 * The first problem with the options of a `holder` found at `path` (its `effectBedrock` value, `undefined` or
 * `null` for none): a value that is not an object, an unknown key (with the key probably meant), a cache point
 * that is not `true`, `false`, `"5m"` or `"1h"`, a document name Bedrock refuses, a signature or redacted data
 * that is not a string.
 *
 * @since 0.1.0
 * @category Checks
 */
export const optionsIssue = (holder: Holder, value: unknown, path: string): Issue | undefined => {
  if (value === undefined || value === null) return undefined
  if (!isObject(value)) return { path, message: `Expected an object of options, got ${describe(value)}` }
  const known = optionKeys[holder]
  for (const key of Object.keys(value)) {
    const option = value[key]
    if (option === undefined || option === null) continue
    const here = `${path}.${key}`
    if (!known.includes(key)) {
      const suggestion = closest(key, known)
      return suggestion === undefined
        ? { path: here, message: `Unknown option "${key}" (known here: ${known.join(", ")})` }
        : { path: here, message: `Unknown option "${key}" (did you mean "${suggestion}"?)`, suggestion }
    }
    switch (key) {
      case "cachePoint": {
        if (!(literals.cache as ReadonlyArray<unknown>).includes(option)) {
          return { path: here, message: `Expected true, false, "5m" or "1h", got ${describe(option)}` }
        }
        break
      }
      case "documentName": {
        if (typeof option !== "string") return { path: here, message: `Expected a string, got ${describe(option)}` }
        if (!isExplicitDocumentName(option)) {
          return {
            path: here,
            message: `Invalid document name ${describe(option)}: Bedrock accepts at most ${maxDocumentNameLength} ` +
              "alphanumeric characters, single spaces, hyphens, parentheses and square brackets"
          }
        }
        break
      }
      default: {
        if (typeof option !== "string") return { path: here, message: `Expected a string, got ${describe(option)}` }
      }
    }
  }
  return undefined
}

/**
 * The cache point the options ask for, `undefined` for none (`false` is none).
 *
 * @since 0.1.0
 * @category Reading
 */
export const cachePointOf = (options: PartOptions | null | undefined): "5m" | "1h" | true | undefined => {
  const setting = options?.cachePoint
  return setting === undefined || setting === null || setting === false ? undefined : setting
}

// =============================================================================
// Document names
// =============================================================================

/**
 * A document name from a file name: a short extension dropped, other characters Bedrock refuses turned into
 * spaces, whitespace collapsed, cut to the maximum length; `undefined` when nothing is left.
 *
 * @since 0.1.0
 * @category Document Names
 */
export const documentNameFromFileName = (fileName: string): string | undefined => {
  const dot = fileName.lastIndexOf(".")
  const stem = dot > 0 && fileName.length - dot <= 6 ? fileName.slice(0, dot) : fileName
  const name = stem.replace(/[^a-zA-Z0-9\-()[\]]+/g, " ").replace(/\s+/g, " ").trim().slice(0, maxDocumentNameLength)
    .trim()
  return name === "" ? undefined : name
}

/**
 * Whether a file of this media type is sent as a document (not an image or a video), so it is named.
 *
 * @since 0.1.0
 * @category Document Names
 */
export const isDocumentMediaType = (mediaType: string): boolean => mediaFormat(mediaType)?.[0] === "document"

/**
 * The names of a prompt's documents, in prompt order, as the providers give them: the option's name, else one
 * from the file name, else the engine's own `Document N` (left to the mapping: `undefined`); a name taken already
 * gets ` (2)`, ` (3)`, ... (Converse needs them unique in a request).
 *
 * @since 0.1.0
 * @category Document Names
 */
export class DocumentNamer {
  private count = 0
  private readonly used = new Set<string>()

  /** The name of the next document, `undefined` for the mapping's `Document N`. */
  next(option: string | undefined, fileName: string | undefined): string | undefined {
    const number = ++this.count
    const wanted = option ?? (fileName === undefined ? undefined : documentNameFromFileName(fileName))
    const base = wanted ?? `Document ${number}`
    let name = base
    for (let n = 2; this.used.has(name); n++) name = `${base} (${n})`
    this.used.add(name)
    return name === `Document ${number}` ? undefined : name
  }
}
