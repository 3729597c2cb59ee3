import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

describe("workspace", () => {
  it.effect("runs effect tests", () => Effect.gen(function*() {
    assert.strictEqual(yield* Effect.succeed(1), 1)
  }))
})
