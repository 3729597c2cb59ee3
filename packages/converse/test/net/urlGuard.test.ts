import { defaultMaxTokens, maxTokens } from "@effect-bedrock/converse/limits/tokenEstimate"
import { addressProblem, checkUrl, Refusal } from "@effect-bedrock/converse/net/urlGuard"
import { assert, describe, it } from "vitest"

const options = { allowLocalAddresses: false, timeoutMs: undefined, maxBytes: 1, maxRedirects: 0 }

const refusal = (raw: string): string | undefined => {
  try {
    checkUrl(raw, options)
    return undefined
  } catch (error) {
    assert.instanceOf(error, Refusal)
    return (error as Refusal).reason
  }
}

describe("net/urlGuard", () => {
  it("public unicast only; never metadata, whatever the options", () => {
    assert.isUndefined(addressProblem("8.8.8.8", false))
    assert.strictEqual(addressProblem("127.0.0.1", false), "a loopback address")
    assert.isUndefined(addressProblem("127.0.0.1", true))
    assert.strictEqual(addressProblem("169.254.169.254", true), "a cloud metadata address")
    assert.strictEqual(addressProblem("::ffff:169.254.169.254", true), "a cloud metadata address")
    assert.include(addressProblem("::7f00:1", true), "deprecated")
  })

  it("refuses a URL before any connection, with its reason", () => {
    assert.strictEqual(refusal("not a url"), "InvalidUrl")
    assert.strictEqual(refusal("ftp://example.com/a"), "UnsupportedScheme")
    assert.strictEqual(refusal("https://www.youtube.com/watch?v=x"), "YouTube")
    assert.strictEqual(refusal("http://2130706433/"), "ForbiddenAddress")
    assert.isUndefined(refusal("https://example.com/a.png"))
  })
})

describe("limits/tokenEstimate", () => {
  it("a request without maxTokens reserves the shared default", () => {
    assert.strictEqual(defaultMaxTokens, 4096)
    assert.strictEqual(maxTokens({ modelId: "m" }, defaultMaxTokens), 4096)
  })
})
