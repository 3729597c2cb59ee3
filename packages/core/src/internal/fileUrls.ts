/**
 * Which files of a prompt must be fetched before mapping: Converse takes bytes
 * or an S3 location, nothing else.
 *
 * @internal
 */
import type * as Prompt from "../Prompt.js"

/** @internal */
export const needsDownload = (file: Prompt.FilePart) =>
  file.source._tag === "Url" && !file.source.url.startsWith("s3://")

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
