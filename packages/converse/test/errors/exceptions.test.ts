import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import { assert, describe, it } from "vitest"

describe("errors/exceptions", () => {
  it("names each exception once, with a status", () => {
    const names = Exceptions.exceptions.map((e) => e.name)
    assert.strictEqual(new Set(names).size, names.length)
    for (const e of Exceptions.exceptions) assert.isTrue(e.status >= 400 && e.status < 600, e.name)
  })

  it("looks an exception up by name, and nothing else", () => {
    assert.strictEqual(Exceptions.exceptionInfo("ThrottlingException")?.status, 429)
    assert.isUndefined(Exceptions.exceptionInfo("throttlingException"))
    assert.isUndefined(Exceptions.exceptionInfo("toString"))
  })

  it("keys the in-stream exceptions by their event name", () => {
    assert.deepStrictEqual(Exceptions.streamExceptions.map(([key]) => key), [
      "throttlingException",
      "validationException",
      "modelStreamErrorException",
      "serviceUnavailableException",
      "internalServerException"
    ])
    for (const [key, e] of Exceptions.streamExceptions) assert.strictEqual(Exceptions.eventKey(e.name), key)
  })
})
