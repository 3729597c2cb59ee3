import { mergeSettings, resolveSettings, target } from "@effect-bedrock/converse/settings/resolve"
import type { Settings } from "@effect-bedrock/converse/settings/types"
import { validateSettings } from "@effect-bedrock/converse/settings/validate"
import { assert, describe, it } from "vitest"

const paths = (input: unknown) => {
  const result = validateSettings(input)
  return result.ok ? [] : result.issues.map((issue) => issue.path)
}

describe("settings/validate", () => {
  it("accepts valid settings as they are, and no settings as none", () => {
    const settings = { temperature: 0, maxTokens: 5, guardrailConfig: { guardrailIdentifier: "g", trace: "enabled" } }
    const result = validateSettings(settings)
    assert.isTrue(result.ok)
    if (result.ok) assert.strictEqual<unknown>(result.value, settings)
    for (const none of [undefined, null]) assert.deepStrictEqual(validateSettings(none), { ok: true, value: {} })
  })

  it("reports every problem: unknown keys first, then each setting", () => {
    assert.deepStrictEqual(
      paths({
        temperature: 2,
        temprature: 1,
        guardrailConfig: { guardrailId: "g", trace: "loud" },
        stopSequences: ["", "ok"],
        extraHeaders: { Authorization: "x", "x-ok": "a\r\nb" },
        additionalModelRequestFields: { deep: [10n] }
      }),
      [
        "temprature",
        "guardrailConfig.guardrailId",
        "temperature",
        "stopSequences.0",
        "guardrailConfig.trace",
        "additionalModelRequestFields.deep[0]",
        "extraHeaders.Authorization",
        "extraHeaders.x-ok"
      ]
    )
    const result = validateSettings({ guardrailConfig: { guardrailId: "g" } })
    assert.isFalse(result.ok)
    if (!result.ok) assert.strictEqual(result.issues[0]!.suggestion, "guardrailIdentifier")
  })

  it("drops unknown keys set to undefined (a copy), and refuses non-objects", () => {
    assert.deepStrictEqual(validateSettings({ temprature: undefined, topP: 0.5 }), { ok: true, value: { topP: 0.5 } })
    assert.deepStrictEqual(paths("hot"), [""])
    assert.deepStrictEqual(paths([1]), [""])
  })
})

describe("settings/resolve", () => {
  it("later layers win key by key; undefined never overrides; a missing side is not copied", () => {
    const model = { maxTokens: 10, temperature: 0.5 }
    assert.deepStrictEqual(resolveSettings<Settings>([model, { temperature: 0 }, { maxTokens: undefined, topK: 3 }]), {
      maxTokens: 10,
      temperature: 0,
      topK: 3
    })
    assert.strictEqual(mergeSettings(model, undefined), model)
    assert.deepStrictEqual(resolveSettings([]), {})
  })

  it("the target is the inference profile when set", () => {
    assert.strictEqual(target("m", {}), "m")
    assert.strictEqual(target("m", { inferenceProfile: "us.m" }), "us.m")
  })
})
