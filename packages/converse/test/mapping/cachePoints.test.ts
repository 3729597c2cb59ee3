// Cache points: the cache point part directly (placement, the cacheMessages point, the limit of
// four per request), then end to end through toConverseInput.
import type { ContentBlock, Message, SystemContentBlock, Tool } from "@aws-sdk/client-bedrock-runtime"
import * as CachePoints from "@effect-bedrock/converse/mapping/cachePoints"
import { assert, describe, it } from "vitest"
import * as Prompt from "../utils/prompt.js"
import {
  bytes,
  CLAUDE,
  converse,
  cp,
  cpTtl,
  hi,
  issue,
  LLAMA,
  map,
  mp4,
  NOVA,
  pdf,
  png,
  profileOf,
  spec,
  thrownIssue,
  time,
  TITAN,
  weather
} from "./fixtures.js"

const text = (value: string): ContentBlock => ({ text: value })
const doc: ContentBlock = { document: { name: "Document 1", format: "pdf", source: { bytes } } }
const video: ContentBlock = { video: { format: "mp4", source: { bytes } } }
const image: ContentBlock = { image: { format: "png", source: { bytes } } }
const user = (...content: Array<ContentBlock>): Message => ({ role: "user", content })
const assistant = (...content: Array<ContentBlock>): Message => ({ role: "assistant", content })
const point = cp as ContentBlock
const hourPoint = cpTtl("1h") as ContentBlock
const fiveMinutePoint = cpTtl("5m") as ContentBlock

describe("requestMapping/cachePoints", () => {
  describe("blocks", () => {
    it("cachePointBlock: ttl only when the setting is one; isOn; countCachePoints", () => {
      assert.deepStrictEqual<unknown>(CachePoints.cachePointBlock(true), point)
      assert.deepStrictEqual<unknown>(CachePoints.cachePointBlock("1h"), cpTtl("1h"))
      assert.isFalse(CachePoints.isOn(undefined))
      assert.isFalse(CachePoints.isOn(false))
      assert.isTrue(CachePoints.isOn(true))
      assert.isTrue(CachePoints.isOn("5m"))
      assert.strictEqual(CachePoints.countCachePoints([text("a"), point, text("b"), hourPoint]), 2)
      assert.strictEqual(CachePoints.countCachePoints([]), 0)
      assert.strictEqual(CachePoints.maxCachePoints, 4)
    })
  })

  describe("placeCachePoint", () => {
    it("appends after text and images; goes before a trailing run of documents and videos", () => {
      const afterImage = [text("a"), image]
      assert.strictEqual(CachePoints.placeCachePoint(afterImage, point, "fail", "keep"), "inserted")
      assert.deepStrictEqual<unknown>(afterImage, [text("a"), image, point])
      const beforeMedia = [text("a"), doc, video]
      assert.strictEqual(CachePoints.placeCachePoint(beforeMedia, point, "fail", "keep"), "inserted")
      assert.deepStrictEqual<unknown>(beforeMedia, [text("a"), point, doc, video])
    })

    it("a cache point already before the media run is kept or replaced", () => {
      const kept = [text("a"), point, doc]
      assert.strictEqual(CachePoints.placeCachePoint(kept, hourPoint, "skip", "keep"), "skipped")
      assert.deepStrictEqual<unknown>(kept, [text("a"), point, doc])
      const replaced = [text("a"), point, doc]
      assert.strictEqual(CachePoints.placeCachePoint(replaced, hourPoint, "skip", "replace"), "replaced")
      assert.deepStrictEqual<unknown>(replaced, [text("a"), hourPoint, doc])
    })

    it("only documents and videos: skipped, or an issue at the given path", () => {
      const only = [doc, video]
      assert.strictEqual(CachePoints.placeCachePoint(only, point, "skip", "keep"), "skipped")
      assert.deepStrictEqual<unknown>(only, [doc, video])
      const result = thrownIssue(() => CachePoints.placeCachePoint([doc], point, "fail", "keep", "here"))
      assert.strictEqual(result.path, "here")
      assert.match(result.message, /only a document or video/)
    })
  })

  describe("addCachePointPart", () => {
    it("ends the content so far (ttl when given), counting one", () => {
      const content = [text("a")]
      assert.strictEqual(CachePoints.addCachePointPart([], content, "5m", "p"), 1)
      assert.deepStrictEqual<unknown>(content, [text("a"), fiveMinutePoint])
      assert.strictEqual(thrownIssue(() => CachePoints.addCachePointPart([], content, undefined, "p")).path, "p")
    })

    it("first in a message: ends the previous user message, replacing a cache point there", () => {
      const messages = [user(text("a")), assistant(text("b"))]
      assert.strictEqual(CachePoints.addCachePointPart(messages, [], undefined, "p"), 1)
      assert.deepStrictEqual<unknown>(messages[0]!.content, [text("a"), point])
      assert.strictEqual(CachePoints.addCachePointPart(messages, [], "1h", "p"), 0)
      assert.deepStrictEqual<unknown>(messages[0]!.content, [text("a"), hourPoint])
    })

    it("first in the conversation: an issue at the part", () => {
      const result = thrownIssue(() => CachePoints.addCachePointPart([assistant(text("b"))], [], undefined, "at"))
      assert.strictEqual(result.path, "at")
      assert.match(result.message, /nothing before it to cache/)
    })
  })

  describe("cacheLastUserMessage and limitCachePoints", () => {
    it("cacheLastUserMessage marks the last user message once", () => {
      const messages = [user(text("a")), user(text("b"), doc), assistant(text("c"))]
      assert.strictEqual(CachePoints.cacheLastUserMessage(messages, "1h"), 1)
      assert.deepStrictEqual<unknown>(messages[1]!.content, [text("b"), hourPoint, doc])
      assert.deepStrictEqual<unknown>(messages[0]!.content, [text("a")])
      const marked = [user(text("a"), point)]
      assert.strictEqual(CachePoints.cacheLastUserMessage(marked, true), 0)
      assert.deepStrictEqual<unknown>(marked[0]!.content, [text("a"), point])
      assert.strictEqual(CachePoints.cacheLastUserMessage([assistant(text("x"))], true), 0)
    })

    it("limitCachePoints keeps the newest within the budget", () => {
      const messages = [user(text("1"), point), assistant(text("x")), user(text("2"), point, text("3"), point)]
      CachePoints.limitCachePoints(messages, 2)
      assert.deepStrictEqual<unknown>(messages.map((m) => m.content), [
        [text("1")],
        [text("x")],
        [text("2"), point, text("3"), point]
      ])
      CachePoints.limitCachePoints(messages, 0)
      assert.deepStrictEqual<unknown>(messages[2]!.content, [text("2"), text("3")])
    })
  })

  describe("addRequestCachePoints", () => {
    const toolList = (): Array<Tool> => [{ toolSpec: { name: "t", inputSchema: { json: {} } } }]

    it("system and tool cache points, then message cache points cut to the rest of the four", () => {
      const system: Array<SystemContentBlock> = [{ text: "s" }]
      const tools = toolList()
      const messages = [user(text("1"), point), user(text("2"), point), user(text("3"), point)]
      CachePoints.addRequestCachePoints(
        profileOf(CLAUDE),
        { cacheInstructions: true, cacheToolDefinitions: "5m" },
        system,
        undefined,
        tools,
        messages,
        3
      )
      assert.deepStrictEqual<unknown>(system, [{ text: "s" }, point])
      assert.deepStrictEqual<unknown>(tools[1], fiveMinutePoint)
      assert.deepStrictEqual<unknown>(messages.map((m) => m.content), [
        [text("1")],
        [text("2"), point],
        [text("3"), point]
      ])
    })

    it("no system cache point without system blocks; no tool cache point where tools are not cached", () => {
      const system: Array<SystemContentBlock> = []
      const tools = toolList()
      CachePoints.addRequestCachePoints(
        profileOf(NOVA),
        { cacheInstructions: true, cacheToolDefinitions: true },
        system,
        undefined,
        tools,
        [],
        0
      )
      assert.deepStrictEqual(system, [])
      assert.strictEqual(tools.length, 1)
    })

    it("families without prompt caching get none", () => {
      const system: Array<SystemContentBlock> = [{ text: "s" }]
      CachePoints.addRequestCachePoints(
        profileOf(LLAMA),
        { cacheInstructions: true },
        system,
        undefined,
        undefined,
        [],
        0
      )
      assert.deepStrictEqual(system, [{ text: "s" }])
    })
  })

  // ===========================================================================
  // Cache points
  // ===========================================================================
  describe("cache points", () => {
    it("cacheInstructions: a cache point at the end of system; ttl only when a string", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.system("s"), hi] }, { settings: { cacheInstructions: true } }).system,
        [{ text: "s" }, cp]
      )
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.system("s"), hi] }, { settings: { cacheInstructions: "1h" } }).system,
        [{ text: "s" }, cpTtl("1h")]
      )
      assert.deepStrictEqual(converse({ prompt: [hi] }, { settings: { cacheInstructions: true } }).system, [])
    })

    it("cacheToolDefinitions: a cache point after the last tool, Anthropic only", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather] }, { settings: { cacheToolDefinitions: "5m" } }).toolConfig.tools,
        [spec(weather), cpTtl("5m")]
      )
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather] }, { modelId: NOVA, settings: { cacheToolDefinitions: true } })
          .toolConfig.tools,
        [spec(weather)]
      )
    })

    it("a named tool choice keeps the full list and the tool cache point", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather, time], toolChoice: { tool: "time" } }, {
          settings: { cacheToolDefinitions: true }
        }).toolConfig,
        { tools: [spec(weather), spec(time), cp], toolChoice: { tool: { name: "time" } } }
      )
    })

    it("cacheMessages: a cache point at the end of the last user message", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a"), Prompt.assistant("b"), Prompt.user("c")] }, {
          settings: { cacheMessages: true }
        }).messages,
        [
          { role: "user", content: [{ text: "a" }] },
          { role: "assistant", content: [{ text: "b" }] },
          { role: "user", content: [{ text: "c" }, cp] }
        ]
      )
    })

    it("cacheMessages goes before trailing documents, after images", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", pdf)] }, { settings: { cacheMessages: true } }).messages[0].content,
        [{ text: "a" }, cp, { document: { name: "Document 1", format: "pdf", source: { bytes } } }]
      )
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", png)] }, { settings: { cacheMessages: true } }).messages[0].content,
        [{ text: "a" }, { image: { format: "png", source: { bytes } } }, cp]
      )
    })

    it("CachePoint parts; ttl only when given", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", Prompt.cachePoint(), "b", Prompt.cachePoint("1h"))] }).messages[0].content,
        [{ text: "a" }, cp, { text: "b" }, cpTtl("1h")]
      )
    })

    it("a CachePoint part goes before trailing documents/videos", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a", pdf, mp4, Prompt.cachePoint())] }).messages[0].content,
        [
          { text: "a" },
          cp,
          { document: { name: "Document 1", format: "pdf", source: { bytes } } },
          { video: { format: "mp4", source: { bytes } } }
        ]
      )
    })

    it("a dropped or moved cache point is sent as before, with a warning saying so", () => {
      const moved = map({ prompt: [Prompt.user("a", pdf, Prompt.cachePoint())] })
      assert.deepStrictEqual<unknown>(moved.input.messages![0]!.content![1], cp)
      assert.deepStrictEqual(moved.warnings, [
        "The cache point at prompt.messages[0].parts[2] follows a document or video, which Bedrock rejects: " +
        "it was moved before the trailing documents and videos of its message"
      ])
      // Five message cache points and one for the system prompt: the two oldest go.
      const dropped = map({
        prompt: [
          Prompt.system("s"),
          ...["1", "2", "3", "4", "5"].flatMap((n) => [Prompt.user(n, Prompt.cachePoint()), Prompt.assistant("ok")])
        ]
      }, { settings: { cacheInstructions: true } })
      const blocks = dropped.input.messages!.flatMap((m) => m.content ?? [])
      assert.strictEqual(blocks.filter((block) => block.cachePoint !== undefined).length, 3)
      assert.deepStrictEqual(dropped.warnings, [
        "2 message cache points were dropped, the oldest: Bedrock allows 4 cache points per request " +
        "(1 in the system prompt and tool definitions)"
      ])
      // Nothing moved or dropped: no warning.
      assert.isUndefined(map({ prompt: [Prompt.user("a", Prompt.cachePoint(), pdf)] }).warnings)
    })

    it("a CachePoint after only a document/video is a user error", () => {
      assert.match(issue({ prompt: [Prompt.user(pdf, Prompt.cachePoint())] }).message, /only a document or video/)
    })

    it("two CachePoints back to back are a user error", () => {
      assert.match(
        issue({ prompt: [Prompt.user("a", Prompt.cachePoint(), Prompt.cachePoint())] }).message,
        /Two cache points in a row/
      )
    })

    it("a CachePoint first in a user message attaches to the previous user message, replacing one there", () => {
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user("a"), Prompt.assistant("b"), Prompt.user(Prompt.cachePoint("1h"), "c")] })
          .messages,
        [
          { role: "user", content: [{ text: "a" }, cpTtl("1h")] },
          { role: "assistant", content: [{ text: "b" }] },
          { role: "user", content: [{ text: "c" }] }
        ]
      )
      assert.deepStrictEqual(
        converse({
          prompt: [
            Prompt.user("a", Prompt.cachePoint()),
            Prompt.assistant("b"),
            Prompt.user(Prompt.cachePoint("1h"), "c")
          ]
        }).messages[0].content,
        [{ text: "a" }, cpTtl("1h")]
      )
    })

    it("a CachePoint with no user content before it is a user error", () => {
      const result = issue({ prompt: [Prompt.user(Prompt.cachePoint(), "a")] })
      assert.strictEqual(result.path, "prompt.messages[0].parts[0]")
      assert.match(result.message, /nothing before it to cache/)
    })

    it("at most 4: system and tools first, older message cache points dropped", () => {
      const result = converse({
        prompt: [
          Prompt.system("s"),
          Prompt.user("1", Prompt.cachePoint()),
          Prompt.assistant("x"),
          Prompt.user("2", Prompt.cachePoint()),
          Prompt.assistant("y"),
          Prompt.user("3", Prompt.cachePoint())
        ],
        tools: [weather]
      }, { settings: { cacheInstructions: true, cacheToolDefinitions: true } })
      assert.deepStrictEqual(result.system, [{ text: "s" }, cp])
      assert.deepStrictEqual(result.toolConfig.tools, [spec(weather), cp])
      assert.deepStrictEqual(result.messages.map((m: any) => m.content), [
        [{ text: "1" }],
        [{ text: "x" }],
        [{ text: "2" }, cp],
        [{ text: "y" }],
        [{ text: "3" }, cp]
      ])
    })

    it("the limit also counts cacheMessages", () => {
      const result = converse({
        prompt: [
          Prompt.user("1", Prompt.cachePoint()),
          Prompt.assistant("x"),
          Prompt.user("2", Prompt.cachePoint(), "3")
        ]
      }, { settings: { cacheMessages: true, cacheInstructions: true }, modelId: CLAUDE })
      // No system prompt: the instructions cache point is not added; 3 message cache points fit.
      assert.deepStrictEqual(result.messages[2].content, [{ text: "2" }, cp, { text: "3" }, cp])
      assert.deepStrictEqual(result.messages[0].content, [{ text: "1" }, cp])
    })

    it("unsupported families silently drop all cache settings", () => {
      const result = converse({
        prompt: [Prompt.system("s"), Prompt.user("a", Prompt.cachePoint(), "b")],
        tools: [weather]
      }, {
        modelId: LLAMA,
        settings: { cacheInstructions: true, cacheToolDefinitions: true, cacheMessages: true }
      })
      assert.deepStrictEqual(result.system, [{ text: "s" }])
      assert.deepStrictEqual(result.toolConfig.tools, [spec(weather)])
      assert.deepStrictEqual(result.messages[0].content, [{ text: "a" }, { text: "b" }])
      assert.deepStrictEqual(
        converse({ prompt: [Prompt.user(Prompt.cachePoint(), "a")] }, { modelId: TITAN }).messages,
        [
          { role: "user", content: [{ text: "a" }] }
        ]
      )
    })
  })
})
