import { assert, describe, it } from "@effect/vitest"
import * as BedrockModelProfile from "../src/BedrockModelProfile.js"

const { baseModelId, family, forModel, parseModelId, withOverrides } = BedrockModelProfile

describe("BedrockModelProfile", () => {
  describe("model ids", () => {
    it("strips every geo prefix", () => {
      for (const geo of ["us", "eu", "apac", "jp", "au", "ca", "global", "us-gov"]) {
        assert.strictEqual(baseModelId(`${geo}.anthropic.claude-sonnet-4-6`), "anthropic.claude-sonnet-4-6")
        assert.strictEqual(family(`${geo}.anthropic.claude-sonnet-4-6`), "anthropic")
      }
      assert.strictEqual(baseModelId("anthropic.claude-sonnet-4-6"), "anthropic.claude-sonnet-4-6")
    })

    it("strips the version suffix", () => {
      assert.deepStrictEqual(parseModelId("us.anthropic.claude-haiku-4-5-20251001-v1:0"), {
        provider: "anthropic",
        name: "claude-haiku-4-5-20251001"
      })
      assert.deepStrictEqual(parseModelId("anthropic.claude-opus-4-6-v1"), {
        provider: "anthropic",
        name: "claude-opus-4-6"
      })
      assert.deepStrictEqual(parseModelId("mistral.mistral-7b-instruct-v0:2"), {
        provider: "mistral",
        name: "mistral-7b-instruct"
      })
      assert.strictEqual(parseModelId("claude-haiku"), undefined)
    })

    it("looks through inference-profile and foundation-model ARNs", () => {
      const arn =
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
      assert.strictEqual(family(arn), "anthropic")
      assert.strictEqual(baseModelId(arn), "anthropic.claude-sonnet-4-5-20250929-v1:0")
      assert.strictEqual(forModel(arn).supportsToolCaching, true)
      const foundation = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
      assert.strictEqual(family(foundation), "amazon")
      assert.strictEqual(forModel(foundation).topKVariant, "nova")
      assert.strictEqual(
        family("arn:aws-us-gov:bedrock:us-gov-west-1:1:inference-profile/us-gov.meta.llama3-8b"),
        "meta"
      )
    })

    it("falls back to the conservative default for application inference profiles", () => {
      const arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
      assert.strictEqual(family(arn), "unknown")
      assert.strictEqual(baseModelId(arn), arn)
      assert.deepStrictEqual(forModel(arn), BedrockModelProfile.defaultProfile)
      assert.deepStrictEqual(forModel("nonsense"), BedrockModelProfile.defaultProfile)
      assert.deepStrictEqual(forModel("acme.model-1"), BedrockModelProfile.defaultProfile)
    })

    it("knows moonshot under both prefixes", () => {
      assert.strictEqual(family("moonshot.kimi-k2-thinking"), "moonshot")
      assert.strictEqual(family("moonshotai.kimi-k2.5"), "moonshot")
    })
  })

  describe("families", () => {
    it("anthropic", () => {
      const p = forModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
      assert.strictEqual(p.supportsToolChoice, true)
      assert.strictEqual(p.sendsBackThinking, true)
      assert.strictEqual(p.supportsPromptCaching, true)
      assert.strictEqual(p.supportsToolCaching, true)
      assert.strictEqual(p.allowsLeadingAssistant, true)
      assert.strictEqual(p.topKVariant, "anthropic")
      assert.strictEqual(p.thinkingVariant, "anthropic")
      assert.deepStrictEqual(p.mediaInToolResults, ["image", "document"])
      assert.deepStrictEqual(p.besideToolResult, ["text", "image"])
      assert.strictEqual(p.supportsJsonSchemaOutput, true)
      assert.strictEqual(p.supportsStrictTools, true)
      assert.strictEqual(p.thinkingTagName, "thinking")
    })

    it("anthropic adaptive models (Sonnet/Opus 4.6 and later)", () => {
      for (
        const id of [
          "us.anthropic.claude-sonnet-4-6",
          "global.anthropic.claude-opus-4-6-v1",
          "us.anthropic.claude-opus-5"
        ]
      ) {
        const p = forModel(id)
        assert.strictEqual(p.thinkingVariant, "anthropic-adaptive", id)
        assert.strictEqual(p.supportsEffort, true, id)
      }
      const old = forModel("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
      assert.strictEqual(old.thinkingVariant, "anthropic")
      assert.strictEqual(old.supportsJsonSchemaOutput, false)
      assert.strictEqual(forModel("us.anthropic.claude-opus-4-1-20250805-v1:0").supportsJsonSchemaOutput, false)
    })

    it("amazon nova, nova 2 and titan", () => {
      const nova = forModel("us.amazon.nova-pro-v1:0")
      assert.strictEqual(nova.supportsToolChoice, true)
      assert.strictEqual(nova.supportsPromptCaching, true)
      assert.strictEqual(nova.supportsToolCaching, false)
      assert.strictEqual(nova.topKVariant, "nova")
      assert.strictEqual(nova.supportsCodeExecution, false)
      assert.strictEqual(forModel("us.amazon.nova-2-lite-v1:0").supportsCodeExecution, true)
      const titan = forModel("amazon.titan-text-express-v1")
      assert.strictEqual(titan.family, "amazon")
      assert.strictEqual(titan.supportsToolChoice, false)
      assert.strictEqual(titan.supportsPromptCaching, false)
      assert.strictEqual(titan.topKVariant, "none")
    })

    it("meta, mistral, writer: toolResult rules", () => {
      assert.deepStrictEqual(forModel("us.meta.llama3-3-70b-instruct-v1:0").besideToolResult, [])
      const mistral = forModel("mistral.mistral-large-2407-v1:0")
      assert.strictEqual(mistral.toolResultFormat, "json")
      assert.deepStrictEqual(mistral.besideToolResult, [])
      assert.strictEqual(mistral.supportsJsonSchemaOutput, false)
      assert.strictEqual(forModel("mistral.mistral-large-3-675b-instruct").supportsJsonSchemaOutput, true)
      const writer = forModel("us.writer.palmyra-x5-v1:0")
      assert.deepStrictEqual(writer.besideToolResult, [])
      assert.strictEqual(writer.supportsToolResultStatus, false)
    })

    it("deepseek r1, qwen, gpt-oss, other GPT models", () => {
      const r1 = forModel("us.deepseek.r1-v1:0")
      assert.strictEqual(r1.sendsBackThinking, true)
      assert.strictEqual(r1.ignoresLeadingWhitespaceInStream, true)
      assert.strictEqual(forModel("deepseek.v3.2").sendsBackThinking, false)
      const qwen = forModel("qwen.qwen3-32b-v1:0")
      assert.strictEqual(qwen.allowsLeadingAssistant, true)
      assert.strictEqual(qwen.thinkingVariant, "qwen")
      const oss = forModel("openai.gpt-oss-120b-1:0")
      assert.strictEqual(oss.thinkingVariant, "openai")
      assert.strictEqual(oss.supportsConverse, true)
      assert.strictEqual(forModel("openai.gpt-5.4").supportsConverse, false)
    })

    it("other known families", () => {
      for (
        const [id, f] of [
          ["cohere.command-r-plus-v1:0", "cohere"],
          ["google.gemma-3-27b-it", "google"],
          ["zai.glm-4.7", "zai"],
          ["minimax.minimax-m2", "minimax"],
          ["nvidia.nemotron-nano-9b-v2", "nvidia"]
        ] as const
      ) {
        assert.strictEqual(forModel(id).family, f)
        assert.strictEqual(forModel(id).supportsConverse, true)
      }
      assert.strictEqual(forModel("google.gemma-3-27b-it").supportsJsonSchemaOutput, true)
      assert.strictEqual(forModel("zai.glm-4.7").supportsToolChoice, true)
    })
  })

  describe("withOverrides", () => {
    it("replaces only the given flags", () => {
      const base = forModel("arn:aws:bedrock:us-east-1:1:application-inference-profile/x")
      const p = withOverrides(base, { supportsToolChoice: true, thinkingVariant: "anthropic" })
      assert.strictEqual(p.supportsToolChoice, true)
      assert.strictEqual(p.thinkingVariant, "anthropic")
      assert.strictEqual(p.topKVariant, "none")
      assert.strictEqual(base.supportsToolChoice, false)
    })
  })
})
