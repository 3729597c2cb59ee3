import * as Converse from "@effect-bedrock/converse"
import * as Issue from "@effect-bedrock/converse/request/issue"
import { assert, describe, it } from "vitest"

describe("@effect-bedrock/converse", () => {
  it("the index and the deep path are the same module", () => {
    assert.strictEqual(Converse.Issue.succeed, Issue.succeed)
  })

  it("a Result is a value or its issues", () => {
    assert.deepStrictEqual(Issue.succeed(1), { ok: true, value: 1 })
    const failed = Issue.fail([{ path: "toolChoice", message: "unknown" }])
    assert.isFalse(failed.ok)
    if (!failed.ok) assert.deepStrictEqual(failed.issues.map((i) => i.path), ["toolChoice"])
  })
})
