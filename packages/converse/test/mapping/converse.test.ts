// The request mapping entry point: the request-level settings, CountTokens, and the names other
// modules import from it. Each part is tested on its own in requestMapping/.
import type * as Cv from "@effect-bedrock/converse"
import * as CachePoints from "@effect-bedrock/converse/mapping/cachePoints"
import * as RequestMapping from "@effect-bedrock/converse/mapping/converse"
import * as Inference from "@effect-bedrock/converse/mapping/inference"
import * as Issues from "@effect-bedrock/converse/mapping/issues"
import * as Media from "@effect-bedrock/converse/mapping/media"
import * as Messages from "@effect-bedrock/converse/mapping/messages"
import * as Output from "@effect-bedrock/converse/mapping/output"
import * as Tools from "@effect-bedrock/converse/mapping/tools"
import { assert, describe, it } from "vitest"
import * as Prompt from "../utils/prompt.js"
import { CLAUDE, converse, hi, input, issue, map, NOVA, type Options, spec, thrownIssue, weather } from "./fixtures.js"

describe("requestMapping", () => {
  // ===========================================================================
  // Settings
  // ===========================================================================
  describe("settings", () => {
    it("always sends inferenceConfig, even empty", () => {
      assert.deepStrictEqual(converse({ prompt: "hi" }), {
        modelId: CLAUDE,
        messages: [{ role: "user", content: [{ text: "hi" }] }],
        system: [],
        inferenceConfig: {}
      })
    })

    it("maps maxTokens, temperature and topP (also 0), stopSequences to inferenceConfig", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { maxTokens: 5, temperature: 0, topP: 0, stopSequences: ["X"] } })
          .inferenceConfig,
        { maxTokens: 5, temperature: 0, topP: 0, stopSequences: ["X"] }
      )
    })

    it("maps guardrailConfig, without streamProcessingMode on Converse", () => {
      const guardrailConfig = {
        guardrailIdentifier: "g",
        guardrailVersion: "1",
        trace: "enabled" as const,
        streamProcessingMode: "async" as const
      }
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { guardrailConfig } }).guardrailConfig, {
        guardrailIdentifier: "g",
        guardrailVersion: "1",
        trace: "enabled"
      })
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { guardrailConfig }, stream: true }).guardrailConfig,
        guardrailConfig
      )
    })

    it("maps performanceConfig, requestMetadata, additionalModelResponseFieldPaths, promptVariables", () => {
      const result = converse({ prompt: "hi" }, {
        settings: {
          performanceConfig: { latency: "optimized" },
          requestMetadata: { team: "a" },
          additionalModelResponseFieldPaths: ["/stop_sequence"],
          promptVariables: { topic: { text: "cats" } }
        }
      })
      assert.deepStrictEqual(result.performanceConfig, { latency: "optimized" })
      assert.deepStrictEqual(result.requestMetadata, { team: "a" })
      assert.deepStrictEqual(result.additionalModelResponseFieldPaths, ["/stop_sequence"])
      assert.deepStrictEqual(result.promptVariables, { topic: { text: "cats" } })
    })

    it("passes additionalModelRequestFields through", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { additionalModelRequestFields: { foo: 1 } } })
          .additionalModelRequestFields,
        { foo: 1 }
      )
    })

    it("maps serviceTier: bedrockServiceTier as is and first, string as {type}, auto omitted", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { bedrockServiceTier: { type: "reserved" }, serviceTier: "flex" } })
          .serviceTier,
        { type: "reserved" }
      )
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { serviceTier: "flex" } }).serviceTier, {
        type: "flex"
      })
      assert.isFalse("serviceTier" in converse({ prompt: "hi" }, { settings: { serviceTier: "auto" } }))
    })

    it("inferenceProfile replaces modelId for converse, not for CountTokens", () => {
      const arn =
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
      assert.strictEqual(converse({ prompt: "hi" }, { settings: { inferenceProfile: arn } }).modelId, arn)
      const count = RequestMapping.toCountTokensInput(input({ prompt: "hi" }, { settings: { inferenceProfile: arn } }))
      assert.isTrue(count.ok)
      if (count.ok) assert.strictEqual(count.value.modelId, "anthropic.claude-sonnet-4-5-20250929-v1:0")
    })

    it("rejects models not on Converse", () => {
      assert.match(
        issue({ prompt: "hi" }, { modelId: "openai.gpt-5.4" }).message,
        /not served by the Bedrock Converse API/
      )
    })
  })

  // ===========================================================================
  // CountTokens
  // ===========================================================================
  describe("toCountTokensInput", () => {
    it("uses the same mapping and the model id without geo prefix", () => {
      const result = RequestMapping.toCountTokensInput(input({
        prompt: [Prompt.system("s"), hi],
        tools: [weather]
      }, { settings: { topK: 3, maxTokens: 9 } }))
      assert.deepStrictEqual<unknown>(result, {
        ok: true,
        value: {
          modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
          input: {
            converse: {
              messages: [{ role: "user", content: [{ text: "hi" }] }],
              system: [{ text: "s" }],
              toolConfig: { tools: [spec(weather)], toolChoice: { auto: {} } },
              additionalModelRequestFields: { top_k: 3 }
            }
          }
        }
      })
    })

    it("returns mapping issues", () => {
      const result = RequestMapping.toCountTokensInput(input({ prompt: [Prompt.user(Prompt.cachePoint())] }))
      assert.isFalse(result.ok)
    })
  })

  // ===========================================================================
  // The entry point
  // ===========================================================================
  describe("entry point", () => {
    it("re-exports the parts' names other modules use", () => {
      assert.strictEqual(RequestMapping.maxCachePoints, CachePoints.maxCachePoints)
      assert.strictEqual(RequestMapping.anthropicThinkingBudget, Inference.anthropicThinkingBudget)
      assert.strictEqual(RequestMapping.mediaFormat, Media.mediaFormat)
      assert.strictEqual(RequestMapping.providerName, Messages.providerName)
      assert.strictEqual(RequestMapping.defaultOutputName, Output.defaultOutputName)
      assert.strictEqual(RequestMapping.sanitizeToolName, Tools.sanitizeToolName)
    })

    it("an issue from any part is a failed Result, the same for CountTokens", () => {
      const audio = Prompt.file({ mediaType: "audio/wav", data: new Uint8Array() })
      const cases: Array<readonly [Cv.Request, Options, string]> = [
        [{ prompt: "hi" }, { modelId: "openai.gpt-5.4" }, ""],
        [{ prompt: "hi", tools: [weather], toolChoice: { tool: "nope" } }, {}, "toolChoice"],
        [{ prompt: [Prompt.user("x", audio)] }, {}, "prompt.messages[0].parts[1]"],
        [{ prompt: [Prompt.assistant("a"), Prompt.user(Prompt.cachePoint(), "b")] }, {}, "prompt.messages[1].parts[0]"]
      ]
      for (const [request, options, path] of cases) {
        const found = issue(request, options)
        assert.strictEqual(found.path, path)
        assert.deepStrictEqual(RequestMapping.toCountTokensInput(input(request, options)), {
          ok: false,
          issues: [found]
        })
      }
    })

    it("issues: fail throws, toIssue gives the path (\"\" for the request as a whole) and throws a bug again", () => {
      assert.deepStrictEqual(thrownIssue(() => Issues.fail("bad", "p")), { path: "p", message: "bad" })
      assert.deepStrictEqual(Issues.toIssue(new Issues.Issue("bad", "toolChoice")), {
        path: "toolChoice",
        message: "bad"
      })
      assert.deepStrictEqual(Issues.toIssue(new Issues.Issue("bad")), { path: "", message: "bad" })
      assert.throws(() => Issues.toIssue(new TypeError("a bug")), TypeError, "a bug")
      assert.isTrue(Issues.hasKeys({ a: undefined }))
      assert.isFalse(Issues.hasKeys({}))
    })

    it("the output mode and output tool of a forced output tool", () => {
      const result = map({ prompt: "hi", output: { schema: { type: "string" }, name: "answer" } }, { modelId: NOVA })
      assert.strictEqual(result.outputTool, "answer")
      assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "answer", unwrapKey: "response" })
    })
  })
})
