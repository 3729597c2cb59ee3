// Inference fields: inferenceConfig, thinking detection and additionalModelRequestFields directly,
// then end to end through toConverseInput (topK and thinking per family).
import type * as Cv from "@effect-bedrock/converse"
import * as Inference from "@effect-bedrock/converse/mapping/inference"
import { assert, describe, it } from "vitest"
import { CLAUDE, CLAUDE_37, CLAUDE_ADAPTIVE, converse, GPT_OSS, LLAMA, NOVA, profileOf, QWEN } from "./fixtures.js"

describe("requestMapping/inference", () => {
  describe("inferenceConfig", () => {
    it("only the settings given; an empty stopSequences is left out", () => {
      assert.deepStrictEqual(Inference.inferenceConfig({}), {})
      assert.deepStrictEqual(Inference.inferenceConfig({ maxTokens: 100, topP: 0.5, stopSequences: [] }), {
        maxTokens: 100,
        topP: 0.5
      })
      assert.deepStrictEqual(Inference.inferenceConfig({ temperature: 0, stopSequences: ["END"] }), {
        temperature: 0,
        stopSequences: ["END"]
      })
    })
  })

  describe("isThinkingEnabled", () => {
    it("the thinking setting on a family that thinks; false or a family without thinking is off", () => {
      assert.isTrue(Inference.isThinkingEnabled(profileOf(CLAUDE), { thinking: true }))
      assert.isTrue(Inference.isThinkingEnabled(profileOf(QWEN), { thinking: "low" }))
      assert.isFalse(Inference.isThinkingEnabled(profileOf(CLAUDE), { thinking: false }))
      assert.isFalse(Inference.isThinkingEnabled(profileOf(LLAMA), { thinking: "high" }))
      assert.isFalse(Inference.isThinkingEnabled(profileOf(CLAUDE), {}))
    })

    it("thinking turned on through additionalModelRequestFields", () => {
      const on = (type: unknown) =>
        Inference.isThinkingEnabled(profileOf(CLAUDE_37), { additionalModelRequestFields: { thinking: { type } } })
      assert.isTrue(on("enabled"))
      assert.isTrue(on("adaptive"))
      assert.isFalse(on("disabled"))
      assert.isFalse(Inference.isThinkingEnabled(profileOf(CLAUDE), { additionalModelRequestFields: { thinking: 1 } }))
    })
  })

  describe("additionalModelRequestFields", () => {
    const fields = (modelId: string, settings: Cv.Settings) =>
      Inference.additionalModelRequestFields(profileOf(modelId), settings)

    it("the user's object itself when nothing is added; undefined when empty", () => {
      const user = { foo: 1 }
      assert.strictEqual(fields(LLAMA, { additionalModelRequestFields: user, topK: 3, thinking: true }), user)
      assert.strictEqual(fields(CLAUDE, { additionalModelRequestFields: {} }), undefined)
      assert.strictEqual(fields(CLAUDE, {}), undefined)
    })

    it("a copy with the added keys: the user's object is not changed", () => {
      const user = { foo: 1 }
      assert.deepStrictEqual(fields(CLAUDE, { additionalModelRequestFields: user, topK: 4, thinking: "low" }), {
        foo: 1,
        top_k: 4,
        thinking: { type: "enabled", budget_tokens: 2048 }
      })
      assert.deepStrictEqual(user, { foo: 1 })
    })

    it("budgets per level for Anthropic models without adaptive thinking", () => {
      assert.deepStrictEqual(Inference.anthropicThinkingBudget, {
        true: 10000,
        minimal: 1024,
        low: 2048,
        medium: 10000,
        high: 16384,
        xhigh: 32768
      })
      for (const thinking of [true, "minimal", "low", "medium", "high", "xhigh"] as const) {
        const budget = Inference.anthropicThinkingBudget[thinking === true ? "true" : thinking]
        assert.deepStrictEqual(fields(CLAUDE_37, { thinking }), {
          thinking: { type: "enabled", budget_tokens: budget }
        })
      }
    })

    it("a user inferenceConfig that is not an object is left alone (Nova topK)", () => {
      const nova = (inferenceConfig: unknown) =>
        fields(NOVA, { topK: 5, additionalModelRequestFields: { inferenceConfig } })
      assert.deepStrictEqual(nova(1), { inferenceConfig: 1 })
      assert.deepStrictEqual(nova(null), { inferenceConfig: { topK: 5 } })
    })

    it("effort only where the model supports it; gpt-oss and qwen per level", () => {
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, { thinking: "medium" }), {
        thinking: { type: "adaptive" },
        output_config: { effort: "medium" }
      })
      assert.deepStrictEqual(fields(GPT_OSS, { thinking: "high" }), { reasoning_effort: "high" })
      assert.deepStrictEqual(fields(QWEN, { thinking: "xhigh" }), { reasoning_config: "high" })
    })
  })

  // ===========================================================================
  // topK and thinking
  // ===========================================================================
  describe("topK", () => {
    it("anthropic: top_k", () => {
      assert.deepStrictEqual(converse({ prompt: "hi" }, { settings: { topK: 5 } }).additionalModelRequestFields, {
        top_k: 5
      })
    })

    it("nova: inferenceConfig.topK merged into the user's inferenceConfig", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA, settings: { topK: 5 } }).additionalModelRequestFields,
        { inferenceConfig: { topK: 5 } }
      )
      const user = { inferenceConfig: { maxNewTokens: 3 } }
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA, settings: { topK: 5, additionalModelRequestFields: user } })
          .additionalModelRequestFields,
        { inferenceConfig: { maxNewTokens: 3, topK: 5 } }
      )
      assert.deepStrictEqual(user, { inferenceConfig: { maxNewTokens: 3 } })
    })

    it("other families drop it", () => {
      assert.isFalse(
        "additionalModelRequestFields" in converse({ prompt: "hi" }, { modelId: LLAMA, settings: { topK: 5 } })
      )
    })

    it("never overwrites a user value", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { settings: { topK: 5, additionalModelRequestFields: { top_k: 9 } } })
          .additionalModelRequestFields,
        { top_k: 9 }
      )
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, {
          modelId: NOVA,
          settings: { topK: 5, additionalModelRequestFields: { inferenceConfig: { topK: 9 } } }
        }).additionalModelRequestFields,
        { inferenceConfig: { topK: 9 } }
      )
    })
  })

  describe("thinking", () => {
    const fields = (modelId: string, thinking: Cv.Thinking) =>
      converse({ prompt: "hi" }, { modelId, settings: { thinking } }).additionalModelRequestFields

    it("anthropic adaptive: {type: adaptive} plus effort for levels; nothing for false", () => {
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, true), { thinking: { type: "adaptive" } })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "high"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "high" }
      })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "minimal"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "low" }
      })
      assert.deepStrictEqual(fields(CLAUDE_ADAPTIVE, "xhigh"), {
        thinking: { type: "adaptive" },
        output_config: { effort: "max" }
      })
      assert.strictEqual(fields(CLAUDE_ADAPTIVE, false), undefined)
    })

    it("anthropic older: disabled or enabled with a budget", () => {
      assert.deepStrictEqual(fields(CLAUDE, false), { thinking: { type: "disabled" } })
      const budgets = { minimal: 1024, low: 2048, medium: 10000, high: 16384, xhigh: 32768 } as const
      assert.deepStrictEqual(fields(CLAUDE, true), { thinking: { type: "enabled", budget_tokens: 10000 } })
      for (const level of ["minimal", "low", "medium", "high", "xhigh"] as const) {
        assert.deepStrictEqual(fields(CLAUDE, level), { thinking: { type: "enabled", budget_tokens: budgets[level] } })
      }
    })

    it("gpt-oss: reasoning_effort, true is medium, false dropped", () => {
      assert.deepStrictEqual(fields(GPT_OSS, true), { reasoning_effort: "medium" })
      assert.deepStrictEqual(fields(GPT_OSS, "low"), { reasoning_effort: "low" })
      assert.strictEqual(fields(GPT_OSS, false), undefined)
    })

    it("qwen: reasoning_config low or high, false dropped", () => {
      assert.deepStrictEqual(fields(QWEN, "minimal"), { reasoning_config: "low" })
      assert.deepStrictEqual(fields(QWEN, "low"), { reasoning_config: "low" })
      assert.deepStrictEqual(fields(QWEN, "medium"), { reasoning_config: "high" })
      assert.deepStrictEqual(fields(QWEN, true), { reasoning_config: "high" })
      assert.strictEqual(fields(QWEN, false), undefined)
    })

    it("other families: nothing", () => {
      assert.strictEqual(fields(NOVA, "high"), undefined)
    })

    it("user keys win", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, {
          modelId: CLAUDE_ADAPTIVE,
          settings: {
            thinking: "high",
            topK: 3,
            additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1 }, output_config: {} }
          }
        }).additionalModelRequestFields,
        { thinking: { type: "enabled", budget_tokens: 1 }, output_config: {}, top_k: 3 }
      )
    })
  })
})
