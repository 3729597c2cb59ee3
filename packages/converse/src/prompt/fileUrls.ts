/**
 * Which files of a prompt must be fetched before mapping: Converse takes bytes
 * or an S3 location, nothing else (`data:` URLs are decoded by the mapping).
 *
 * @since 0.1.0
 * @internal
 */
import type * as Prompt from "./types.js"

/** @internal */
export const needsDownload = (file: Prompt.FilePart) =>
  file.source._tag === "Url" && !file.source.url.startsWith("s3://") && !file.source.url.startsWith("data:")

/**
 * Whether the prompt has files given by a URL that must be fetched before mapping.
 *
 * @internal
 */
export const hasDownloads = (prompt: Prompt.Prompt): boolean => {
  for (const message of prompt.messages) {
    if (message._tag === "User") {
      for (const part of message.parts) if (part._tag === "File" && needsDownload(part)) return true
    } else if (message._tag === "Tool") {
      for (const part of message.parts) {
        if (part._tag === "ToolResult" && part.files?.some(needsDownload)) return true
      }
    }
  }
  return false
}
