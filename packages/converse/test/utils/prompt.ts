// Prompt builders for the engine's tests: the engine's own `prompt/make.ts` (the bodies of core's `Prompt`
// constructors), plus `system` and `tool`, which core builds with its Schemas.
import type * as P from "@effect-bedrock/converse/prompt/types"

export {
  assistant,
  cachePoint,
  file,
  retry,
  thinking,
  toolCall,
  toolResult,
  user
} from "@effect-bedrock/converse/prompt/make"

export type * from "@effect-bedrock/converse/prompt/types"

export const system = (content: string): P.SystemMessage => ({ _tag: "System", content })

export const tool = (...parts: ReadonlyArray<P.ToolPart>): P.ToolMessage => ({ _tag: "Tool", parts })
