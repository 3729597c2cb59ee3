/**
 * Files in Converse: the block kind and format for a media type, where the
 * bytes come from (inline bytes, a base64 `data:` URL, or an `s3://`
 * location sent by reference), and the image / document / video block.
 *
 * @since 0.1.0
 * @internal
 */
import type { ContentBlock } from "@aws-sdk/client-bedrock-runtime"
import type * as BedrockModelProfile from "../../BedrockModelProfile.js"
import type * as Prompt from "../../Prompt.js"

/**
 * @since 0.1.0
 * @internal
 */
export type Kind = BedrockModelProfile.MediaKind

const FORMATS: ReadonlyMap<string, readonly [Kind, string]> = new Map<string, readonly [Kind, string]>([
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

/**
 * The message of the issue for a media type `mediaFormat` does not know.
 *
 * @since 0.1.0
 * @internal
 */
export const unsupportedMediaType = (mediaType: string): string =>
  `Unsupported media type "${mediaType}" for Bedrock: images (jpeg, png, gif, webp), ` +
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
 * The source of a file: its bytes, a base64 `data:` URL decoded, or an
 * `s3://` location (with `?bucketOwner=` read out); `undefined` for any other
 * URL, which must be downloaded first.
 *
 * @since 0.1.0
 * @internal
 */
export const fileSource = (file: Prompt.FilePart): Source | undefined => {
  const source = file.source
  if (source._tag === "Bytes") return { bytes: source.data }
  const url = source.url
  if (url.startsWith("s3://")) {
    const question = url.indexOf("?")
    if (question === -1) return { s3Location: { uri: url } }
    const bucketOwner = new URLSearchParams(url.slice(question + 1)).get("bucketOwner")
    const uri = url.slice(0, question)
    return { s3Location: bucketOwner ? { uri, bucketOwner } : { uri } }
  }
  if (url.startsWith("data:")) {
    const comma = url.indexOf(",")
    if (comma !== -1 && url.slice(0, comma).endsWith(";base64")) {
      return { bytes: Uint8Array.from(Buffer.from(url.slice(comma + 1), "base64")) }
    }
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
 * The image, video or document block for a file; a document is named
 * `Document <documentNumber>` (Converse requires a name, unique in the request).
 *
 * @since 0.1.0
 * @internal
 */
export const mediaBlock = (
  format: readonly [Kind, string],
  source: Source,
  documentNumber: number
): ContentBlock => {
  const kind = format[0]
  if (kind === "document") {
    return { document: { name: `Document ${documentNumber}`, format: format[1], source } } as ContentBlock
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
