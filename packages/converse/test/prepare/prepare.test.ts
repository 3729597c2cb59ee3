import { makeModel, prepare } from "@effect-bedrock/converse/prepare/prepare"
import { assert, describe, it } from "vitest"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const model = () => {
  const result = makeModel({ model: MODEL, settings: { maxTokens: 100, temperature: 0.5 } })
  if (!result.ok) throw new Error(result.issues[0]!.message)
  return result.value
}

describe("prepare", () => {
  it("makeModel checks the id, the settings and Converse support", () => {
    const bad = makeModel({ model: ".." })
    assert.isFalse(bad.ok)
    if (!bad.ok) assert.strictEqual(bad.issues[0]!.path, "model")
    const settings = makeModel({ model: MODEL, settings: { temprature: 1 } })
    assert.isFalse(settings.ok)
    if (!settings.ok) assert.strictEqual(settings.issues[0]!.path, "temprature")
    const off = makeModel({ model: MODEL, profile: { supportsConverse: false } })
    assert.isFalse(off.ok)
    if (!off.ok) assert.include(off.issues[0]!.message, "not available on the Converse API")
  })

  it("merges model < scoped < request, normalises the prompt, and works out the target", () => {
    const result = prepare(model(), { prompt: "hi", settings: { temperature: 0 } }, {
      temperature: 1,
      topK: 5,
      inferenceProfile: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x"
    })
    assert.isTrue(result.ok)
    if (!result.ok) return
    assert.deepStrictEqual(result.value.settings, {
      maxTokens: 100,
      temperature: 0,
      topK: 5,
      inferenceProfile: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x"
    })
    assert.deepStrictEqual<unknown>(result.value.request.prompt, {
      messages: [{ _tag: "User", parts: [{ _tag: "Text", text: "hi" }] }]
    })
    assert.strictEqual(result.value.target, result.value.settings.inferenceProfile)
    assert.isFalse(result.value.hasDownloads)
  })

  it("a blank prompt (with instructions) is no message; files by http(s) URL are downloads", () => {
    const blank = prepare(model(), { prompt: " ", instructions: "Answer." })
    assert.isTrue(blank.ok && blank.value.request.prompt !== " ")
    if (blank.ok) assert.deepStrictEqual<unknown>(blank.value.request.prompt, { messages: [] })
    const file = prepare(model(), {
      prompt: [{
        _tag: "User",
        parts: [{ _tag: "File", mediaType: "", source: { _tag: "Url", url: "https://example.com/a.png" } }]
      }]
    })
    assert.isTrue(file.ok && file.value.hasDownloads)
  })

  it("invalid call settings are issues naming the setting", () => {
    const result = prepare(model(), { prompt: "x", settings: { temperature: 3 } })
    assert.isFalse(result.ok)
    if (!result.ok) assert.strictEqual(result.issues[0]!.path, "temperature")
  })
})
