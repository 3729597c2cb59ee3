/**
 * Cache points: where they go (AWS rejects one right after a document or
 * video), the ones the settings ask for (after the system prompt, the tool
 * definitions, the last user message), and the limit of `maxCachePoints` per
 * request (system and tools first, then the newest message cache points).
 *
 * @since 0.1.0
 * @internal
 */
import type { ContentBlock, Message, SystemContentBlock, Tool } from "@aws-sdk/client-bedrock-runtime"
import type * as Profiles from "../models/profiles.js"
import type * as Settings from "../settings/types.js"
import { fail } from "./issues.js"

/**
 * Bedrock accepts at most this many cache points per request.
 *
 * @since 0.1.0
 * @internal
 */
export const maxCachePoints = 4

/**
 * Whether a cache setting asks for a cache point.
 *
 * @since 0.1.0
 * @internal
 */
export const isOn = (setting: Settings.CacheSetting | undefined): boolean => setting !== undefined && setting !== false

/**
 * A cache point block; the `ttl` only when the setting is one.
 *
 * @since 0.1.0
 * @internal
 */
export const cachePointBlock = (setting: Settings.CacheSetting): ContentBlock =>
  (typeof setting === "string" ? { cachePoint: { type: "default", ttl: setting } } : {
    cachePoint: { type: "default" }
  }) as ContentBlock

/**
 * @since 0.1.0
 * @internal
 */
export const countCachePoints = (blocks: ReadonlyArray<{ readonly cachePoint?: unknown }>): number => {
  let count = 0
  for (let i = 0; i < blocks.length; i++) if (blocks[i]!.cachePoint !== undefined) count++
  return count
}

const isDocumentOrVideo = (block: ContentBlock): boolean => block.document !== undefined || block.video !== undefined

/**
 * What `placeCachePoint` did.
 *
 * @since 0.1.0
 * @internal
 */
export type Placement = "inserted" | "replaced" | "skipped"

/**
 * Puts a cache point at the end of `content`. AWS rejects a cache point right
 * after a document or video: the point goes before the trailing run of
 * documents and videos (after images is fine). When that run is all there is,
 * `onlyMedia` says whether to fail or skip; when a cache point already sits
 * there, `existing` says whether to replace or keep it.
 *
 * @since 0.1.0
 * @internal
 */
export const placeCachePoint = (
  content: Array<ContentBlock>,
  cachePoint: ContentBlock,
  onlyMedia: "fail" | "skip",
  existing: "replace" | "keep",
  path?: string
): Placement => {
  let start = content.length
  while (start > 0 && isDocumentOrVideo(content[start - 1]!)) start--
  if (start === content.length) {
    content.push(cachePoint)
    return "inserted"
  }
  if (start === 0) {
    if (onlyMedia === "fail") {
      fail(
        "A cache point cannot follow a message holding only a document or video (a Bedrock restriction): " +
          "add text before or after it",
        path
      )
    }
    return "skipped"
  }
  if (content[start - 1]!.cachePoint !== undefined) {
    if (existing === "keep") return "skipped"
    content[start - 1] = cachePoint
    return "replaced"
  }
  content.splice(start, 0, cachePoint)
  return "inserted"
}

// The cache point parts that went before a trailing document or video instead of where they were
// put, by the message list they are in: `addRequestCachePoints` reports them.
const movedCachePoints = new WeakMap<Array<Message>, Array<string>>()

const recordMoved = (messages: Array<Message>, path: string) => {
  const moved = movedCachePoints.get(messages)
  if (moved === undefined) movedCachePoints.set(messages, [path])
  else moved.push(path)
}

const endsWithDocumentOrVideo = (content: ReadonlyArray<ContentBlock>) =>
  content.length > 0 && isDocumentOrVideo(content[content.length - 1]!)

/**
 * A `CachePoint` part of a user message whose mapped blocks so far are
 * `content` (`messages` holds the turns before): the cache point ends that
 * content, or, first in the message, the previous user message (replacing a
 * cache point there). Returns how many cache points were added (0 or 1).
 *
 * @since 0.1.0
 * @internal
 */
export const addCachePointPart = (
  messages: Array<Message>,
  content: Array<ContentBlock>,
  ttl: Settings.CacheSetting | undefined,
  path: string
): number => {
  const cachePoint = cachePointBlock(ttl ?? true)
  if (content.length > 0) {
    if (content[content.length - 1]!.cachePoint !== undefined) {
      fail("Two cache points in a row: there must be content between cache points", path)
    }
    const moved = endsWithDocumentOrVideo(content)
    const placement = placeCachePoint(content, cachePoint, "fail", "keep", path)
    if (moved && placement === "inserted") recordMoved(messages, path)
    return placement === "inserted" ? 1 : 0
  }
  for (let m = messages.length - 1; m >= 0; m--) {
    const message = messages[m]!
    if (message.role !== "user" || message.content!.length === 0) continue
    const previous = message.content!
    if (previous[previous.length - 1]!.cachePoint !== undefined) {
      previous[previous.length - 1] = cachePoint
      return 0
    }
    const moved = endsWithDocumentOrVideo(previous)
    const placement = placeCachePoint(previous, cachePoint, "skip", "replace", path)
    if (moved && placement === "inserted") recordMoved(messages, path)
    return placement === "inserted" ? 1 : 0
  }
  return fail(
    "A cache point cannot come first in the conversation: there is nothing before it to cache " +
      "(use the cacheInstructions or cacheToolDefinitions settings to cache system instructions or tools)",
    path
  )
}

/**
 * `cacheMessages`: a cache point at the end of the last user message, unless
 * one is there already. Returns how many cache points were added (0 or 1).
 *
 * @since 0.1.0
 * @internal
 */
export const cacheLastUserMessage = (messages: Array<Message>, setting: Settings.CacheSetting): number => {
  for (let m = messages.length - 1; m >= 0; m--) {
    if (messages[m]!.role !== "user") continue
    const content = messages[m]!.content!
    if (content.length > 0 && content[content.length - 1]!.cachePoint === undefined) {
      return placeCachePoint(content, cachePointBlock(setting), "skip", "keep") === "inserted" ? 1 : 0
    }
    return 0
  }
  return 0
}

/**
 * Drops the oldest message cache points beyond the budget.
 *
 * @since 0.1.0
 * @internal
 */
export const limitCachePoints = (messages: Array<Message>, budget: number): number => {
  let remaining = budget
  let dropped = 0
  for (let m = messages.length - 1; m >= 0; m--) {
    const content = messages[m]!.content!
    for (let i = content.length - 1; i >= 0; i--) {
      if (content[i]!.cachePoint === undefined) continue
      if (remaining > 0) remaining--
      else {
        content.splice(i, 1)
        dropped++
      }
    }
  }
  return dropped
}

/**
 * The request-level cache points, once the messages are mapped: after the
 * system prompt (`cacheInstructions`; with dynamic instructions, after the
 * last static block, `staticSystemEnd`, so they do not invalidate the cached
 * prefix) and after the tool definitions (`cacheToolDefinitions`, where the
 * family caches tools); then the message cache points (`messageCachePoints`
 * of them) are cut down to what is left of `maxCachePoints`, oldest first.
 * Each dropped point, and each cache point part moved before a trailing
 * document or video, is reported to `warn` (the request is still sent).
 *
 * @since 0.1.0
 * @internal
 */
export const addRequestCachePoints = (
  profile: Profiles.Profile,
  settings: Settings.Settings,
  system: Array<SystemContentBlock>,
  staticSystemEnd: number | undefined,
  tools: Array<Tool> | undefined,
  messages: Array<Message>,
  messageCachePoints: number,
  warn?: (message: string) => void
): void => {
  const moved = movedCachePoints.get(messages)
  if (moved !== undefined && warn !== undefined) {
    for (const path of moved) {
      warn(
        `The cache point at ${path} follows a document or video, which Bedrock rejects: it was moved before ` +
          "the trailing documents and videos of its message"
      )
    }
  }
  if (profile.supportsPromptCaching && isOn(settings.cacheInstructions) && system.length > 0) {
    const cachePoint = cachePointBlock(settings.cacheInstructions!) as SystemContentBlock
    // Nothing static to cache (only dynamic instructions): no cache point.
    if (staticSystemEnd === undefined) system.push(cachePoint)
    else if (staticSystemEnd > 0) system.splice(staticSystemEnd, 0, cachePoint)
  }
  const toolCachePoint = tools !== undefined && profile.supportsToolCaching && isOn(settings.cacheToolDefinitions)
  if (toolCachePoint) tools.push(cachePointBlock(settings.cacheToolDefinitions!) as Tool)

  if (messageCachePoints > 0) {
    const used = (toolCachePoint ? 1 : 0) + countCachePoints(system)
    const budget = maxCachePoints - used
    if (budget < 0) {
      fail(`Too many cache points: system and tool definitions use ${used}, Bedrock allows ${maxCachePoints}`)
    }
    if (messageCachePoints > budget) {
      const dropped = limitCachePoints(messages, budget)
      if (dropped > 0 && warn !== undefined) {
        warn(
          `${dropped} message cache point${dropped === 1 ? " was" : "s were"} dropped, the oldest: Bedrock allows ` +
            `${maxCachePoints} cache points per request (${used} in the system prompt and tool definitions)`
        )
      }
    }
  }
}
