// The request check's fast guard must agree with the Schemas: every value at every path of a rich
// request is replaced by wrong ones, and the check must reject exactly what
// `LanguageModel.Request` rejects (plus empty prompts).
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { checkRequest } from "../src/internal/languageModel/requestValidation.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

const rich = (): Record<string, unknown> => ({
  prompt: {
    messages: [
      Prompt.system("Be brief."),
      Prompt.user(
        "Look",
        Prompt.file({ mediaType: "image/png", data: new Uint8Array([1, 2]), name: "a.png" }),
        Prompt.file({ data: "s3://b/k.pdf" }),
        Prompt.cachePoint("1h")
      ),
      Prompt.assistant(
        "Calling",
        { _tag: "Thinking", text: "t", signature: "s", provider: "bedrock", redacted: new Uint8Array([3]) },
        { _tag: "ToolCall", id: "c1", name: "get_weather", input: { city: "Porto" } },
        { _tag: "NativeToolCall", id: "n1", name: "codeExecution", input: { code: "1+1" }, provider: "bedrock" },
        { _tag: "NativeToolResult", id: "n1", name: "codeExecution", result: "2", status: "ok", provider: "bedrock" }
      ),
      Prompt.tool(
        {
          ...Prompt.toolResult({ id: "c1", name: "get_weather", result: { c: 18 } }),
          files: [Prompt.file({ data: "s3://b/x.png" })]
        },
        Prompt.retry({ message: "again", toolCallId: "c1", toolName: "get_weather" })
      )
    ]
  },
  instructions: ["Answer in one line.", { text: "Today is Monday.", dynamic: true }],
  tools: [{ name: "get_weather", description: "Weather", parameters: { type: "object" }, strict: true }],
  nativeTools: ["codeExecution"],
  toolChoice: { tools: ["get_weather"] },
  output: { name: "answer", description: "d", schema: { type: "object" }, mode: "tool" },
  settings: { temperature: 0 }
})

/** Every path to a value inside `value` (objects and arrays, not into Uint8Arrays or free-form JSON). */
const paths = (value: unknown, prefix: ReadonlyArray<string | number> = []): Array<Array<string | number>> => {
  const out: Array<Array<string | number>> = []
  if (value instanceof Uint8Array || typeof value !== "object" || value === null) return out
  const last = prefix[prefix.length - 1]
  if (last === "input" || last === "result" || last === "parameters" || last === "schema" || last === "settings") {
    return out
  }
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key]
    out.push(path)
    for (const inner of paths(child, path)) out.push(inner)
  }
  return out
}

const withValue = (root: Record<string, unknown>, path: ReadonlyArray<string | number>, replacement: unknown) => {
  const copy = structuredClone(root)
  let node: any = copy
  for (const key of path.slice(0, -1)) node = node[key]
  node[path[path.length - 1]!] = replacement
  return copy
}

const validate = Schema.validateEither(LanguageModel.Request)
const schemaAccepts = (request: unknown) => Either.isRight(validate(request))

describe("requestValidation", () => {
  it("accepts the rich request", () => {
    assert.isUndefined(checkRequest(rich()))
    assert.isTrue(schemaAccepts(rich()))
  })

  it("agrees with the LanguageModel.Request Schema on every wrong value at every path", () => {
    const wrong: ReadonlyArray<unknown> = [undefined, null, 42, "x", [], { _tag: "Nope" }]
    let cases = 0
    for (const path of paths(rich())) {
      for (const value of wrong) {
        const request = withValue(rich(), path, value)
        const accepted = checkRequest(request) === undefined
        const expected = schemaAccepts(request)
        // The check may reject more than the Schema (empty prompts), never less.
        if (accepted) assert.isTrue(expected, `accepted what the Schema rejects: ${path.join(".")} = ${String(value)}`)
        if (!accepted && expected) {
          assert.match(checkRequest(request)!.message, /empty/, `${path.join(".")} = ${String(value)}`)
        }
        cases++
      }
    }
    assert.isAbove(cases, 400)
  })
})
