import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as BedrockModelSettings from "../src/BedrockModelSettings.js"

const ok = (input: unknown) => {
  const result = BedrockModelSettings.decode(input)
  if (Either.isLeft(result)) assert.fail(result.left.message)
  return result.right
}

const issue = (input: unknown) => {
  const result = BedrockModelSettings.decode(input)
  if (Either.isRight(result)) return assert.fail("expected an issue")
  return result.left
}

describe("BedrockModelSettings", () => {
  describe("decode", () => {
    it("accepts every setting", () => {
      const settings = {
        maxTokens: 100,
        temperature: 0,
        topP: 1,
        topK: 5,
        stopSequences: ["END"],
        thinking: "high",
        guardrailConfig: { guardrailIdentifier: "g", guardrailVersion: "1", trace: "enabled" },
        performanceConfig: { latency: "optimized" },
        requestMetadata: { team: "a" },
        additionalModelRequestFields: { foo: { bar: 1 } },
        additionalModelResponseFieldPaths: ["/stop_sequence"],
        promptVariables: { topic: { text: "cats" } },
        serviceTier: "flex",
        bedrockServiceTier: { type: "reserved" },
        inferenceProfile: "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude",
        cacheToolDefinitions: true,
        cacheInstructions: "1h",
        cacheMessages: "5m",
        extraHeaders: { "x-trace": "1" }
      }
      assert.deepStrictEqual<unknown>(ok(settings), settings)
    })

    it("accepts nothing", () => {
      assert.deepStrictEqual<unknown>(ok(undefined), {})
      assert.deepStrictEqual<unknown>(ok({}), {})
    })

    it("accepts the thinking levels and booleans", () => {
      for (const thinking of [true, false, "minimal", "low", "medium", "high", "xhigh"]) {
        assert.deepStrictEqual<unknown>(ok({ thinking }), { thinking })
      }
      assert.strictEqual(issue({ thinking: "max" }).path, "thinking")
    })

    it("the unified service tier is a string, the Bedrock one an object (the only way to reserved)", () => {
      for (const serviceTier of ["auto", "default", "flex", "priority"]) {
        assert.deepStrictEqual<unknown>(ok({ serviceTier }), { serviceTier })
      }
      for (const type of ["default", "flex", "priority", "reserved"]) {
        assert.deepStrictEqual<unknown>(ok({ bedrockServiceTier: { type } }), { bedrockServiceTier: { type } })
      }
      assert.strictEqual(issue({ serviceTier: "reserved" }).path, "serviceTier")
      assert.strictEqual(issue({ serviceTier: { type: "flex" } }).path, "serviceTier")
      assert.strictEqual(issue({ bedrockServiceTier: { type: "cheap" } }).path, "bedrockServiceTier.type")
    })

    it("accepts cache settings true, false, 5m, 1h", () => {
      for (const value of [true, false, "5m", "1h"]) {
        assert.deepStrictEqual<unknown>(ok({ cacheMessages: value }), { cacheMessages: value })
      }
      assert.strictEqual(issue({ cacheMessages: "10m" }).path, "cacheMessages")
    })

    it("rejects out-of-range values, naming the setting", () => {
      assert.strictEqual(issue({ temperature: 1.5 }).path, "temperature")
      assert.strictEqual(issue({ temperature: -0.1 }).path, "temperature")
      assert.strictEqual(issue({ topP: 2 }).path, "topP")
      assert.strictEqual(issue({ maxTokens: 0 }).path, "maxTokens")
      assert.strictEqual(issue({ maxTokens: 1.5 }).path, "maxTokens")
      assert.strictEqual(issue({ topK: -1 }).path, "topK")
      assert.strictEqual(issue({ stopSequences: [""] }).path, "stopSequences.0")
      assert.strictEqual(
        issue({ additionalModelResponseFieldPaths: Array(11).fill("/a") }).path,
        "additionalModelResponseFieldPaths"
      )
      assert.strictEqual(issue({ requestMetadata: { a: 1 } }).path, "requestMetadata.a")
      assert.strictEqual(issue({ performanceConfig: { latency: "fast" } }).path, "performanceConfig.latency")
      assert.strictEqual(issue({ inferenceProfile: "" }).path, "inferenceProfile")
      assert.match(issue({ temperature: 2 }).message, /^Invalid setting "temperature": /)
    })

    it("rejects unknown keys with a suggestion", () => {
      assert.deepStrictEqual(issue({ temprature: 0.2 }), {
        path: "temprature",
        message: "Unknown setting \"temprature\" (did you mean \"temperature\"?)"
      })
      assert.deepStrictEqual(issue({ max_tokens: 3 }), {
        path: "max_tokens",
        message: "Unknown setting \"max_tokens\" (did you mean \"maxTokens\"?)"
      })
      assert.deepStrictEqual(issue({ somethingElseEntirely: 1 }), {
        path: "somethingElseEntirely",
        message: "Unknown setting \"somethingElseEntirely\""
      })
    })

    it("ignores unknown keys set to undefined", () => {
      assert.deepStrictEqual<unknown>(ok({ temprature: undefined, topP: 0.5 }), { topP: 0.5 })
    })

    it("rejects non-objects", () => {
      assert.deepStrictEqual(issue("hot"), { message: "Settings must be an object" })
      assert.deepStrictEqual(issue([1]), { message: "Settings must be an object" })
    })
  })

  describe("merge", () => {
    it("lets the request win, key by key, shallowly", () => {
      assert.deepStrictEqual(
        BedrockModelSettings.merge(
          { maxTokens: 10, temperature: 0.5, additionalModelRequestFields: { a: 1, b: 2 } },
          { temperature: 0, additionalModelRequestFields: { b: 3 } }
        ),
        { maxTokens: 10, temperature: 0, additionalModelRequestFields: { b: 3 } }
      )
    })

    it("does not override with undefined", () => {
      assert.deepStrictEqual(BedrockModelSettings.merge({ maxTokens: 10 }, { maxTokens: undefined }), {
        maxTokens: 10
      })
    })

    it("handles missing sides", () => {
      assert.deepStrictEqual(BedrockModelSettings.merge(undefined, { topK: 1 }), { topK: 1 })
      assert.deepStrictEqual(BedrockModelSettings.merge({ topK: 1 }, undefined), { topK: 1 })
      assert.deepStrictEqual(BedrockModelSettings.merge(undefined, undefined), {})
    })
  })
})
