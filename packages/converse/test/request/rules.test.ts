import * as Rules from "@effect-bedrock/converse/request/rules"
import { assert, describe, it } from "vitest"

describe("request/rules", () => {
  it("tool names: 1 to 64 letters, digits, _ or -", () => {
    assert.isTrue(Rules.isToolName("get_weather-2"))
    assert.isTrue(Rules.isToolName("a".repeat(Rules.maxToolNameLength)))
    assert.isFalse(Rules.isToolName(""))
    assert.isFalse(Rules.isToolName("a".repeat(Rules.maxToolNameLength + 1)))
    assert.isFalse(Rules.isToolName("get.weather"))
  })

  it("document names: no dot, no doubled whitespace, at most 200 characters", () => {
    assert.isTrue(Rules.isDocumentName("Report (final) [v2]"))
    assert.isFalse(Rules.isDocumentName("report.pdf"))
    assert.isFalse(Rules.isDocumentName("two  spaces"))
    assert.isFalse(Rules.isDocumentName(""))
    assert.isTrue(Rules.isDocumentName("a".repeat(200)))
    assert.isFalse(Rules.isDocumentName("a".repeat(201)))
  })

  it("every media type maps to a format its kind of block accepts", () => {
    for (const [mediaType, [kind, format]] of Rules.mediaFormats) {
      assert.include(Rules.formatsByKind[kind], format, mediaType)
    }
    const mapped = new Set([...Rules.mediaFormats.values()].map(([kind, format]) => `${kind}/${format}`))
    for (const [kind, formats] of Object.entries(Rules.formatsByKind)) {
      for (const format of formats) assert.isTrue(mapped.has(`${kind}/${format}`), `${kind}/${format}`)
    }
  })

  it("strict schema patterns: lookaround, backreferences and word boundaries are refused", () => {
    for (const pattern of ["(?=a)", "(?<!a)", "(a)\\1", "\\k<name>", "\\bword"]) {
      assert.isTrue(Rules.strictUnsupportedPattern.test(pattern), pattern)
    }
    assert.isFalse(Rules.strictUnsupportedPattern.test("^[a-z]+(?:-[a-z]+)*$"))
  })
})
