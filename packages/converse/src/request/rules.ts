/**
 * Bedrock's rules for a Converse request, as data: the shapes of tool and document names, the media
 * formats a file block may carry, what a strict JSON Schema may hold, and the size limits of some fields.
 * Written once here; the validator, the request mapping and the local Bedrock read them.
 *
 * @since 0.1.0
 */
import type { MediaKind } from "../models/profiles.js"

// =============================================================================
// Names
// =============================================================================

/**
 * A tool name Converse accepts: 1 to 64 letters, digits, `_` or `-`.
 *
 * @since 0.1.0
 * @category Names
 */
export const toolNamePattern: RegExp = /^[a-zA-Z0-9_-]{1,64}$/

/**
 * The longest tool name.
 *
 * @since 0.1.0
 * @category Names
 */
export const maxToolNameLength = 64

/**
 * The characters a document name may hold: letters, digits, whitespace, hyphens, parentheses and square
 * brackets (no dot, so no file extension).
 *
 * @since 0.1.0
 * @category Names
 */
export const documentNamePattern: RegExp = /^[a-zA-Z0-9\s\-()[\]]+$/

/**
 * What a document name may not hold: two whitespace characters in a row.
 *
 * @since 0.1.0
 * @category Names
 */
export const documentNameRepeatedWhitespace: RegExp = /\s\s/

/**
 * The longest document name.
 *
 * @since 0.1.0
 * @category Names
 */
export const maxDocumentNameLength = 200

/**
 * Whether Converse accepts `name` as a document name.
 *
 * @since 0.1.0
 * @category Names
 */
export const isDocumentName = (name: string): boolean =>
  name.length <= maxDocumentNameLength && documentNamePattern.test(name) && !documentNameRepeatedWhitespace.test(name)

/**
 * Whether Converse accepts `name` as a tool name.
 *
 * @since 0.1.0
 * @category Names
 */
export const isToolName = (name: string): boolean => toolNamePattern.test(name)

// =============================================================================
// Media
// =============================================================================

/**
 * The Converse `format` of each media type a file block may carry, with the kind of block it goes in.
 *
 * @since 0.1.0
 * @category Media
 */
export const mediaFormats: ReadonlyMap<string, readonly [kind: MediaKind, format: string]> = new Map<
  string,
  readonly [MediaKind, string]
>([
  ["image/jpeg", ["image", "jpeg"]],
  ["image/jpg", ["image", "jpeg"]],
  ["image/png", ["image", "png"]],
  ["image/gif", ["image", "gif"]],
  ["image/webp", ["image", "webp"]],
  ["video/x-matroska", ["video", "mkv"]],
  ["video/matroska", ["video", "mkv"]],
  ["video/quicktime", ["video", "mov"]],
  ["video/mp4", ["video", "mp4"]],
  ["video/webm", ["video", "webm"]],
  ["video/x-flv", ["video", "flv"]],
  ["video/mpeg", ["video", "mpeg"]],
  ["video/mpg", ["video", "mpg"]],
  ["video/x-ms-wmv", ["video", "wmv"]],
  ["video/3gpp", ["video", "three_gp"]],
  ["application/pdf", ["document", "pdf"]],
  ["text/plain", ["document", "txt"]],
  ["text/csv", ["document", "csv"]],
  ["application/msword", ["document", "doc"]],
  ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", ["document", "docx"]],
  ["application/vnd.ms-excel", ["document", "xls"]],
  ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ["document", "xlsx"]],
  ["text/html", ["document", "html"]],
  ["text/markdown", ["document", "md"]],
  ["text/x-markdown", ["document", "md"]]
])

/**
 * The Converse formats of each kind of block (what the wire's `format` field may say).
 *
 * @since 0.1.0
 * @category Media
 */
export const formatsByKind: { readonly [K in MediaKind]: ReadonlyArray<string> } = {
  image: ["png", "jpeg", "gif", "webp"],
  document: ["pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"],
  video: ["mkv", "mov", "mp4", "webm", "flv", "mpeg", "mpg", "wmv", "three_gp"]
}

// =============================================================================
// Strict JSON Schemas
// =============================================================================

/**
 * String formats a strict schema (native output, `strict` tools) may carry.
 *
 * @since 0.1.0
 * @category Strict Schemas
 */
export const strictFormats: ReadonlySet<string> = new Set([
  "date-time",
  "time",
  "date",
  "duration",
  "email",
  "hostname",
  "uri",
  "ipv4",
  "ipv6",
  "uuid"
])

/**
 * Numeric constraints a strict schema may not carry.
 *
 * @since 0.1.0
 * @category Strict Schemas
 */
export const strictNumericKeys: ReadonlyArray<string> = [
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf"
]

/**
 * Regex features a strict schema's `pattern` may not use: lookaround, backreferences, word boundaries.
 *
 * @since 0.1.0
 * @category Strict Schemas
 */
export const strictUnsupportedPattern: RegExp = /\(\?<?[=!]|\\[1-9]|\\k<|\\[bB]/

/**
 * The most tools with `strict: true` one request may hold.
 *
 * @since 0.1.0
 * @category Strict Schemas
 */
export const maxStrictTools = 20

// =============================================================================
// Limits
// =============================================================================

/**
 * The most `stopSequences` one request may hold.
 *
 * @since 0.1.0
 * @category Limits
 */
export const maxStopSequences = 2500

/**
 * The most `additionalModelResponseFieldPaths` one request may hold.
 *
 * @since 0.1.0
 * @category Limits
 */
export const maxResponseFieldPaths = 10
