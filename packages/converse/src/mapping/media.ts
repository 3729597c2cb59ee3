/**
 * Files in Converse: the block kind and format for a media type, where the
 * bytes come from (inline bytes, a base64 `data:` URL, or an `s3://`
 * location sent by reference), and the image / document / video block.
 *
 * @since 0.1.0
 * @internal
 */
import type { ContentBlock } from "@aws-sdk/client-bedrock-runtime"
import type * as Profiles from "../models/profiles.js"
import type * as Prompt from "../prompt/types.js"
import { mediaFormats } from "../request/rules.js"

/**
 * @since 0.1.0
 * @internal
 */
export type Kind = Profiles.MediaKind

/** The media types Converse takes, written once in `request/rules.ts`. */
const FORMATS = mediaFormats

/**
 * The Converse block kind and format for a media type, or `undefined` when
 * Bedrock cannot take it (audio, for example).
 *
 * @since 0.1.0
 * @internal
 */
export const mediaFormat = (mediaType: string): readonly [Kind, string] | undefined => {
  const found = FORMATS.get(mediaType)
  if (found !== undefined) return found
  const semicolon = mediaType.indexOf(";")
  return FORMATS.get((semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase())
}

const EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ["jpg", "image/jpeg"],
  ["jpeg", "image/jpeg"],
  ["png", "image/png"],
  ["gif", "image/gif"],
  ["webp", "image/webp"],
  ["mkv", "video/x-matroska"],
  ["mov", "video/quicktime"],
  ["mp4", "video/mp4"],
  ["webm", "video/webm"],
  ["flv", "video/x-flv"],
  ["mpeg", "video/mpeg"],
  ["mpg", "video/mpeg"],
  ["wmv", "video/x-ms-wmv"],
  ["3gp", "video/3gpp"],
  ["pdf", "application/pdf"],
  ["txt", "text/plain"],
  ["csv", "text/csv"],
  ["doc", "application/msword"],
  ["docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["xls", "application/vnd.ms-excel"],
  ["xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["html", "text/html"],
  ["htm", "text/html"],
  ["md", "text/markdown"],
  ["markdown", "text/markdown"]
])

/**
 * The media type a URL's file extension stands for (`https://x/a.PNG?v=1` → `image/png`), or
 * `undefined`.
 *
 * @since 0.1.0
 * @internal
 */
export const mediaTypeOfPath = (url: string): string | undefined => {
  let end = url.length
  for (const stop of ["?", "#"]) {
    const index = url.indexOf(stop)
    if (index !== -1 && index < end) end = index
  }
  const path = url.slice(0, end)
  const dot = path.lastIndexOf(".")
  if (dot === -1 || dot < path.lastIndexOf("/")) return undefined
  return EXTENSIONS.get(path.slice(dot + 1).toLowerCase())
}

/**
 * The media type to send a file as: its own, or, when it has none (`""`), the one its `data:` URL
 * states or its URL's extension stands for.
 *
 * @since 0.1.0
 * @internal
 */
export const effectiveMediaType = (file: Prompt.FilePart): string => {
  if (file.mediaType !== "" || file.source._tag !== "Url") return file.mediaType
  const url = file.source.url
  if (url.startsWith("data:")) {
    const end = url.search(/[;,]/)
    return end === -1 ? "" : url.slice(5, end).trim().toLowerCase()
  }
  return mediaTypeOfPath(url) ?? ""
}

/**
 * The message of the issue for a media type `mediaFormat` does not know.
 *
 * @since 0.1.0
 * @internal
 */
export const unsupportedMediaType = (mediaType: string): string =>
  (mediaType === ""
    ? "The file has no media type (give mediaType): "
    : `Unsupported media type "${mediaType}" for Bedrock: `) +
  `images (jpeg, png, gif, webp), ` +
  "videos (mkv, mov, mp4, webm, flv, mpeg, mpg, wmv, 3gp) and documents " +
  "(pdf, txt, csv, doc, docx, xls, xlsx, html, md) are supported"

/**
 * Where a file's content comes from in a Converse block.
 *
 * @since 0.1.0
 * @internal
 */
export type Source = { bytes: Uint8Array } | { s3Location: { uri: string; bucketOwner?: string } }

/**
 * The bytes of a `data:` URL (RFC 2397): base64, or percent-encoded octets. A string when it is
 * malformed (no comma, invalid base64, a bad `%` escape), saying why.
 *
 * @since 0.1.0
 * @internal
 */
export const dataUrlBytes = (url: string): Uint8Array | string => {
  const comma = url.indexOf(",")
  if (!url.startsWith("data:") || comma === -1) {
    return "Malformed data URL: expected data:[<media type>][;base64],<data>"
  }
  const header = url.slice(5, comma)
  const payload = url.slice(comma + 1)
  const raw = percentDecode(payload)
  if (raw === undefined) return "Malformed data URL: a \"%\" is not followed by two hex digits"
  if (!/;\s*base64\s*$/i.test(header)) return raw
  const text = Buffer.from(raw).toString("latin1").replace(/\s+/g, "")
  const valid = /^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 !== 1 &&
    (!text.endsWith("=") || text.length % 4 === 0)
  if (!valid) return "Malformed data URL: the data is not valid base64"
  return new Uint8Array(Buffer.from(text, "base64"))
}

/** The octets of a URL part, `%XX` escapes decoded; `undefined` for a bad escape. */
const percentDecode = (text: string): Uint8Array | undefined => {
  const encoded = new TextEncoder().encode(text)
  if (!text.includes("%")) return encoded
  const out = new Uint8Array(encoded.length)
  let length = 0
  for (let i = 0; i < encoded.length; i++) {
    const byte = encoded[i]!
    if (byte !== 37) {
      out[length++] = byte
      continue
    }
    const high = hexValue(encoded[i + 1])
    const low = hexValue(encoded[i + 2])
    if (high === undefined || low === undefined) return undefined
    out[length++] = high * 16 + low
    i += 2
  }
  return out.subarray(0, length)
}

const hexValue = (byte: number | undefined): number | undefined => {
  if (byte === undefined) return undefined
  if (byte >= 48 && byte <= 57) return byte - 48
  if (byte >= 65 && byte <= 70) return byte - 55
  if (byte >= 97 && byte <= 102) return byte - 87
  return undefined
}

// s3://, a bucket, then the key: Bedrock refuses a location without a bucket.
const s3Uri = /^s3:\/\/[^/?#\s]+/

/**
 * The source of a file: its bytes, a `data:` URL decoded, or an `s3://`
 * location (with `?bucketOwner=` read out); `undefined` for any other URL,
 * which must be downloaded first; a string saying why a `data:` URL is
 * malformed.
 *
 * @since 0.1.0
 * @internal
 */
export const fileSource = (file: Prompt.FilePart): Source | string | undefined => {
  const source = file.source
  if (source._tag === "Bytes") return { bytes: source.data }
  const url = source.url
  if (url.startsWith("s3://")) {
    const question = url.indexOf("?")
    const uri = question === -1 ? url : url.slice(0, question)
    if (!s3Uri.test(uri)) {
      return `Invalid s3:// location "${uri}": it has no bucket name (give s3://bucket/key)`
    }
    if (question === -1) return { s3Location: { uri } }
    const bucketOwner = new URLSearchParams(url.slice(question + 1)).get("bucketOwner")
    return { s3Location: bucketOwner ? { uri, bucketOwner } : { uri } }
  }
  if (url.startsWith("data:")) {
    const bytes = dataUrlBytes(url)
    return typeof bytes === "string" ? bytes : { bytes }
  }
  return undefined
}

/**
 * The message of the issue for a file whose source `fileSource` cannot send.
 *
 * @since 0.1.0
 * @internal
 */
export const mustDownload = (file: Prompt.FilePart): string =>
  `File URL "${(file.source as { readonly url: string }).url}" must be downloaded before it is sent to ` +
  "Bedrock (only s3:// locations are passed by reference)"

/**
 * The names of a request's documents, in prompt order: a file's own `documentName`, else
 * `Document <n>` (`n` counts the request's documents, as pydantic-ai does). Converse requires a
 * name unique in the request: a name given twice (or given as the default name of another
 * document) is an issue, not a rejected request.
 *
 * @since 0.1.0
 * @internal
 */
export class DocumentNames {
  count = 0
  used: Set<string> | undefined = undefined

  /** The next document's name; `undefined` when it is taken (see `duplicateDocumentName`). */
  next(file: Prompt.FilePart): string | undefined {
    const number = ++this.count
    const name = file.documentName ?? `Document ${number}`
    const used = this.used ??= new Set()
    if (used.has(name)) return undefined
    used.add(name)
    return name
  }
}

/**
 * The message of the issue for a document name used twice in a request.
 *
 * @since 0.1.0
 * @internal
 */
export const duplicateDocumentName = (file: Prompt.FilePart, names: DocumentNames): string =>
  `Document names must be unique in a request (Bedrock rejects duplicates): "${
    file.documentName ?? `Document ${names.count}`
  }" names two documents; give each its own documentName`

/**
 * The image, video or document block for a file; a document carries `documentName` (see
 * `DocumentNames`; Converse requires a name, unique in the request).
 *
 * @since 0.1.0
 * @internal
 */
export const mediaBlock = (
  format: readonly [Kind, string],
  source: Source,
  documentName: string
): ContentBlock => {
  const kind = format[0]
  if (kind === "document") {
    return { document: { name: documentName, format: format[1], source } } as ContentBlock
  }
  if (kind === "image") return { image: { format: format[1], source } } as ContentBlock
  return { video: { format: format[1], source } } as ContentBlock
}

/**
 * The kind of a content block, as far as where it may sit is concerned.
 *
 * @since 0.1.0
 * @internal
 */
export const blockKind = (block: ContentBlock): "text" | Kind =>
  block.image !== undefined ? "image" : block.document !== undefined ? "document" : block.video !== undefined ?
    "video" :
    "text"
