// The schema rules Bedrock enforces on strict tools and native structured output, and the
// history of a native (server) tool: a server_tool_use call answered in the same assistant turn.
import { assert, describe, it } from "@effect/vitest"
import { validateConverse, validateCountTokens } from "../src/internal/validation.js"
import { user } from "./fixtures.js"

const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const strictTool = (json: unknown, name = "t") => ({ toolSpec: { name, inputSchema: { json }, strict: true } })
const withTool = (json: unknown) => ({ messages: [user("a")], toolConfig: { tools: [strictTool(json)] } })
const withOutput = (schema: unknown) => ({
  messages: [user("a")],
  outputConfig: {
    textFormat: { type: "json_schema", structure: { jsonSchema: { name: "x", schema: JSON.stringify(schema) } } }
  }
})
const object = (properties: Record<string, unknown>) => ({ type: "object", properties, additionalProperties: false })

describe("strict schemas", () => {
  const rejected: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ["an object without additionalProperties false", { type: "object", properties: {} }, /additionalProperties/],
    [
      "exclusiveMinimum (Schema.positive())",
      object({ n: { type: "number", exclusiveMinimum: 0 } }),
      /exclusiveMinimum/
    ],
    ["minimum on an integer", object({ n: { type: "integer", minimum: 1 } }), /'minimum'/],
    ["maxItems", object({ a: { type: "array", items: {}, maxItems: 3 } }), /maxItems/],
    ["minItems above 1", object({ a: { type: "array", items: {}, minItems: 2 } }), /minItems/],
    ["an unknown format", object({ s: { type: "string", format: "iso-4217" } }), /format 'iso-4217'/],
    ["a lookahead pattern", object({ s: { type: "string", pattern: "^(?!x)" } }), /lookaround/],
    ["a nested object", object({ o: { type: "object", properties: {} } }), /\$\.properties\.o/]
  ]
  for (const [name, schema, message] of rejected) {
    it(`a strict tool with ${name} is rejected`, () => {
      assert.match(validateConverse(withTool(schema), MODEL) ?? "", message)
    })
    it(`native output with ${name} is rejected`, () => {
      assert.match(validateConverse(withOutput(schema), MODEL) ?? "", message)
    })
  }

  it("accepts what the strict rewrite produces, and anything in a tool that is not strict", () => {
    const ok = object({
      n: { type: "number", description: "a positive number (exclusiveMinimum=0)" },
      a: { type: "array", items: { type: "string" }, minItems: 1 },
      s: { type: "string", format: "uuid", pattern: "^[0-9a-f-]+$", minLength: 3 }
    })
    assert.isUndefined(validateConverse(withTool(ok), MODEL))
    assert.isUndefined(validateConverse(withOutput(ok), MODEL))
    const loose = {
      messages: [user("a")],
      toolConfig: {
        tools: [{
          toolSpec: {
            name: "t",
            inputSchema: { json: { type: "object", properties: { n: { type: "number", exclusiveMinimum: 0 } } } }
          }
        }]
      }
    }
    assert.isUndefined(validateConverse(loose, MODEL))
  })

  it("at most 20 strict tools", () => {
    const tools = Array.from({ length: 21 }, (_, i) => strictTool(object({}), `t${i}`))
    assert.match(validateConverse({ messages: [user("a")], toolConfig: { tools } }, MODEL) ?? "", /more than 20/)
    assert.isUndefined(validateConverse({ messages: [user("a")], toolConfig: { tools: tools.slice(1) } }, MODEL))
  })

  it("native output needs a json_schema text format whose schema is JSON", () => {
    const bad = {
      messages: [user("a")],
      outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema: { schema: "{" } } } }
    }
    assert.match(validateConverse(bad, MODEL) ?? "", /not valid JSON/)
  })
})

describe("native tool history", () => {
  it("a server_tool_use call and its result sit in the assistant turn, with no toolResult after", () => {
    const turns = [
      user("compute"),
      {
        role: "assistant",
        content: [
          {
            toolUse: {
              toolUseId: "c1",
              name: "nova_code_interpreter",
              input: { snippet: "2**10" },
              type: "server_tool_use"
            }
          },
          {
            toolResult: {
              toolUseId: "c1",
              content: [{ json: { stdout: "1024" } }],
              type: "nova_code_interpreter_result",
              status: "success"
            }
          },
          { text: "1024" }
        ]
      },
      user("thanks")
    ]
    const toolConfig = { tools: [{ systemTool: { name: "nova_code_interpreter" } }] }
    assert.isUndefined(validateConverse({ messages: turns, toolConfig }, "us.amazon.nova-2-lite-v1:0"))
    // An ordinary toolResult is still only for user turns.
    const wrong = structuredClone(turns) as any
    delete wrong[1].content[1].toolResult.type
    assert.match(
      validateConverse({ messages: wrong, toolConfig }, "us.amazon.nova-2-lite-v1:0") ?? "",
      /only allowed in a user message/
    )
  })

  it("toolUse and toolResult blocks need a toolConfig, as on Bedrock (Converse and CountTokens)", () => {
    const turns = [
      user("weather?"),
      { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "weather", input: {} } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "sunny" }] } }] }
    ]
    const message = "The toolConfig field must be defined when using toolUse and toolResult content blocks."
    assert.strictEqual(validateConverse({ messages: turns }, "us.amazon.nova-micro-v1:0"), message)
    assert.strictEqual(validateConverse({ messages: turns.slice(0, 2) }, "us.amazon.nova-micro-v1:0"), message)
    assert.strictEqual(
      validateCountTokens({ input: { converse: { messages: turns } } }, "amazon.nova-micro-v1:0"),
      message
    )
    const toolConfig = { tools: [{ toolSpec: { name: "weather", inputSchema: { json: { type: "object" } } } }] }
    assert.isUndefined(validateConverse({ messages: turns, toolConfig }, "us.amazon.nova-micro-v1:0"))
    assert.isUndefined(validateConverse({ messages: [user("hi")] }, "us.amazon.nova-micro-v1:0"))
  })
})
