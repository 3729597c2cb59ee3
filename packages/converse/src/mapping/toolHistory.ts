/**
 * Tool calls and results in the history of a request that sends no `toolConfig` (no tools, or
 * `toolChoice: "none"`, which Bedrock can only express by sending no tools). Bedrock rejects such a
 * request ("The toolConfig field must be defined when using toolUse and toolResult content
 * blocks."), so their blocks are sent as text: a call as `[tool call NAME (id ID): INPUT]`, a result
 * as `[tool result for ID: CONTENT]` (`[tool error for ID: …]` when it failed), its images,
 * documents and videos kept as blocks of the same message. Nothing else of the request changes.
 *
 * @since 0.1.0
 * @internal
 */
import type { ContentBlock, Message, ToolResultContentBlock } from "@aws-sdk/client-bedrock-runtime"

const hasToolBlock = (content: ReadonlyArray<ContentBlock> | undefined): boolean => {
  if (content === undefined) return false
  for (const block of content) {
    if (block.toolUse !== undefined || block.toolResult !== undefined) return true
  }
  return false
}

const resultText = (content: ReadonlyArray<ToolResultContentBlock> | undefined, media: Array<ContentBlock>) => {
  const texts: Array<string> = []
  for (const block of content ?? []) {
    if (block.text !== undefined) texts.push(block.text)
    else if (block.json !== undefined) texts.push(JSON.stringify(block.json))
    else if (block.image !== undefined) media.push({ image: block.image })
    else if (block.document !== undefined) media.push({ document: block.document })
    else if (block.video !== undefined) media.push({ video: block.video })
    else texts.push(JSON.stringify(block))
  }
  return texts.join("\n")
}

const flatten = (content: ReadonlyArray<ContentBlock>): Array<ContentBlock> => {
  const out: Array<ContentBlock> = []
  for (const block of content) {
    const use = block.toolUse
    if (use !== undefined) {
      out.push({ text: `[tool call ${use.name} (id ${use.toolUseId}): ${JSON.stringify(use.input ?? {})}]` })
      continue
    }
    const result = block.toolResult
    if (result !== undefined) {
      const media: Array<ContentBlock> = []
      const text = resultText(result.content, media)
      const kind = result.status === "error" ? "tool error" : "tool result"
      out.push({ text: `[${kind} for ${result.toolUseId}: ${text}]` })
      for (const file of media) out.push(file)
      continue
    }
    out.push(block)
  }
  return out
}

/**
 * The messages with their tool blocks as text, in place (the arrays are the mapping's own); the
 * same array when there is none.
 *
 * @internal
 */
export const toolHistoryAsText = (messages: Array<Message>): Array<Message> => {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!
    if (hasToolBlock(message.content)) messages[i] = { ...message, content: flatten(message.content!) }
  }
  return messages
}
