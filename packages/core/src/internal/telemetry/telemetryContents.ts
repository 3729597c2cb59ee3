/**
 * Message contents in the shapes of the GenAI conventions (`gen_ai.input.messages`,
 * `gen_ai.system_instructions`, `gen_ai.output.messages`), as JSON text: only ever computed when
 * the user opted in (`Telemetry.RecordContents`). File bytes are never copied: a file is its media
 * type (and its URL when it has one).
 *
 * @internal
 */
import type * as LanguageModel from "../../LanguageModel.js"
import * as Prompt from "../../Prompt.js"
import type * as Response from "../../Response.js"

type Part = Record<string, unknown>

const modality = (mediaType: string) =>
  mediaType.startsWith("image/")
    ? "image"
    : mediaType.startsWith("video/")
    ? "video"
    : mediaType.startsWith("audio/")
    ? "audio"
    : undefined

const filePart = (file: Prompt.FilePart): Part => {
  const kind = modality(file.mediaType)
  return file.source._tag === "Url"
    ? { type: "uri", mime_type: file.mediaType, ...(kind ? { modality: kind } : {}), uri: file.source.url }
    : { type: "blob", mime_type: file.mediaType, ...(kind ? { modality: kind } : {}) }
}

const partOf = (part: Prompt.UserPart | Prompt.AssistantPart | Prompt.ToolPart | Response.Part): Part | undefined => {
  switch (part._tag) {
    case "Text":
      return { type: "text", content: part.text }
    case "File":
      return filePart(part)
    case "Thinking":
      return { type: "reasoning", content: part.text }
    case "ToolCall":
      return { type: "tool_call", id: part.id, name: part.name, arguments: part.input }
    case "ToolResult":
      return { type: "tool_call_response", id: part.id, response: part.result }
    case "Retry":
      return { type: "tool_call_response", id: part.toolCallId ?? null, response: part.message }
    case "CachePoint":
      return undefined
    case "Unknown":
      return { type: part.kind }
  }
}

const parts = (
  items: ReadonlyArray<Prompt.UserPart | Prompt.AssistantPart | Prompt.ToolPart | Response.Part>
): Array<Part> => {
  const out: Array<Part> = []
  for (const item of items) {
    const part = partOf(item)
    if (part !== undefined) out.push(part)
  }
  return out
}

const roles = { System: "system", User: "user", Assistant: "assistant", Tool: "tool" } as const

/** @internal */
export const inputMessages = (request: LanguageModel.Request): string =>
  JSON.stringify(
    Prompt.make(request.prompt).messages.map((message) => ({
      role: roles[message._tag],
      parts: message._tag === "System" ? [{ type: "text", content: message.content }] : parts(message.parts)
    }))
  )

/** @internal */
export const systemInstructions = (request: LanguageModel.Request): string | undefined =>
  request.instructions === undefined ? undefined : JSON.stringify([{ type: "text", content: request.instructions }])

/** @internal */
export const outputMessages = (response: Response.Response): string =>
  JSON.stringify([{ role: "assistant", parts: parts(response.parts), finish_reason: response.finishReason }])

/**
 * A value as JSON text for an attribute (a string stays as it is).
 *
 * @internal
 */
export const json = (value: unknown): string => {
  if (typeof value === "string") return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
