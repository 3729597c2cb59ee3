// Tools and structured output: tool specs, schema wrapping, tool names and mapTools directly,
// then end to end through toConverseInput (tool choice, native tools, output modes).
import type * as Cv from "@effect-bedrock/converse"
import * as Output from "@effect-bedrock/converse/mapping/output"
import * as Tools from "@effect-bedrock/converse/mapping/tools"
import { assert, describe, it } from "vitest"
import {
  CLAUDE,
  CLAUDE_37,
  converse,
  input,
  issue,
  LLAMA,
  map,
  NOVA,
  NOVA_2,
  profileOf,
  QWEN,
  spec,
  thrownIssue,
  time,
  weather
} from "./fixtures.js"

describe("requestMapping/tools", () => {
  describe("toolSpec", () => {
    it("the schema by reference; description only when given and not empty", () => {
      const tool = Tools.toolSpec(weather, profileOf(NOVA))
      assert.deepStrictEqual<unknown>(tool, spec(weather))
      assert.strictEqual<unknown>(tool.toolSpec!.inputSchema!.json, weather.parameters)
      assert.deepStrictEqual<unknown>(Tools.toolSpec({ ...time, description: "" }, profileOf(NOVA)), spec(time))
    })

    it("strict only where the profile supports it", () => {
      const strict = { ...time, strict: true }
      assert.deepStrictEqual<unknown>(Tools.toolSpec(strict, profileOf(CLAUDE_37)), spec(time))
      // Sent as strict: every object gets additionalProperties false (jsonSchema.forBedrock).
      assert.deepStrictEqual<unknown>(Tools.toolSpec(strict, profileOf(CLAUDE)), {
        toolSpec: {
          name: "time",
          inputSchema: { json: { ...time.parameters, additionalProperties: false } },
          strict: true
        }
      })
    })
  })

  describe("wrapSchema and sanitizeToolName", () => {
    it("wrapSchema puts the schema under response and keeps $defs at the top", () => {
      const defs = { Item: { type: "string" } }
      assert.deepStrictEqual(Output.wrapSchema({ type: "array", items: { $ref: "#/$defs/Item" }, $defs: defs }), {
        type: "object",
        properties: { response: { type: "array", items: { $ref: "#/$defs/Item" } } },
        required: ["response"],
        additionalProperties: false,
        $defs: defs
      })
    })

    it("sanitizeToolName replaces every character outside [a-zA-Z0-9_-]", () => {
      assert.strictEqual(Tools.sanitizeToolName("get_weather-2"), "get_weather-2")
      assert.strictEqual(Tools.sanitizeToolName("ns.tool name/v1"), "ns_tool_name_v1")
      assert.strictEqual(Tools.sanitizeToolName("café"), "caf_")
      assert.strictEqual(Tools.sanitizeToolName(""), "")
    })
  })

  describe("mapTools", () => {
    const tools = (request: Cv.Request, modelId?: string, thinkingOn = false) =>
      Tools.mapTools(input(request, modelId === undefined ? {} : { modelId }), thinkingOn, () => {})

    it("nothing without tools or output", () => {
      const nothing = { outputConfig: undefined, output: undefined, instructions: undefined }
      assert.deepStrictEqual(tools({ prompt: "hi" }), nothing)
      assert.deepStrictEqual(tools({ prompt: "hi", tools: [weather], toolChoice: "none" }), nothing)
    })

    it("an output tool named after defaultOutputName, forced (the answer must come through a tool)", () => {
      const schema = { type: "object" }
      assert.strictEqual(Output.defaultOutputName, "final_result")
      const forced = tools({ prompt: "hi", tools: [time], output: { schema } }, NOVA)
      assert.deepStrictEqual(forced.output, { _tag: "Tool", toolName: "final_result" })
      const names = forced.toolConfig!.tools!.map((tool) => tool.toolSpec!.name)
      assert.deepStrictEqual(names, ["time", "final_result"])
      assert.deepStrictEqual<unknown>(forced.toolConfig!.toolChoice, { any: {} })
      const auto = tools({ prompt: "hi", output: { schema }, toolChoice: "auto" }, NOVA)
      assert.deepStrictEqual<unknown>(auto.toolConfig!.toolChoice, { any: {} })
    })

    it("with thinking, auto output is prompted where the model has no native output", () => {
      const thinking = tools({ prompt: "hi", output: { schema: { type: "object" } } }, CLAUDE_37, true)
      assert.isUndefined(thinking.toolConfig)
      assert.deepStrictEqual(thinking.output, { _tag: "Prompted", name: "final_result" })
      assert.match(thinking.instructions!, /^Always respond with a JSON object/)
    })

    it("native output: outputConfig with the strict schema as JSON text, no tool", () => {
      const result = tools({
        prompt: "hi",
        output: { schema: { type: "object" }, name: "city", description: "", mode: "native" }
      })
      const jsonSchema = { name: "city", schema: "{\"type\":\"object\",\"additionalProperties\":false}" }
      assert.deepStrictEqual<unknown>(result, {
        outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema } } },
        output: { _tag: "Native", name: "city" },
        instructions: undefined
      })
    })

    it("issues name the request field", () => {
      assert.deepStrictEqual(thrownIssue(() => tools({ prompt: "hi", toolChoice: { tool: "x" } })), {
        message: "Tool choice names a tool the request does not offer: \"x\" (offered: none)",
        path: "toolChoice"
      })
      assert.strictEqual(thrownIssue(() => tools({ prompt: "hi", toolChoice: "required" }, LLAMA)).path, "toolChoice")
      const codeExecution = input({ prompt: "hi" }, { nativeTools: ["codeExecution"] })
      assert.deepStrictEqual(thrownIssue(() => Tools.mapTools(codeExecution, false, () => {})), {
        message: `Native tool "codeExecution" is not supported by model "${CLAUDE}"`,
        path: "nativeTools"
      })
    })
  })

  // ===========================================================================
  // Tools
  // ===========================================================================
  describe("tools", () => {
    it("maps tool definitions; description only when given; auto choice by default", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather, time] }).toolConfig, {
        tools: [spec(weather), spec(time)],
        toolChoice: { auto: {} }
      })
    })

    it("strict only where the profile supports it", () => {
      const strict = { ...weather, strict: true }
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [strict] }).toolConfig.tools, [
        {
          toolSpec: {
            ...spec(weather).toolSpec,
            inputSchema: { json: { ...weather.parameters, additionalProperties: false } },
            strict: true
          }
        }
      ])
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [strict] }, { modelId: CLAUDE_37 }).toolConfig.tools, [
        spec(weather)
      ])
    })

    it("maps auto, required, none and a named tool", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather], toolChoice: "auto" }).toolConfig.toolChoice, {
        auto: {}
      })
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather], toolChoice: "required" }).toolConfig.toolChoice,
        { any: {} }
      )
      assert.isFalse("toolConfig" in converse({ prompt: "hi", tools: [weather], toolChoice: "none" }))
      assert.deepStrictEqual(
        converse({ prompt: "hi", tools: [weather, time], toolChoice: { tool: "time" } }).toolConfig,
        { tools: [spec(weather), spec(time)], toolChoice: { tool: { name: "time" } } }
      )
    })

    it("a choice naming no offered tool is a user error, as in pydantic-ai", () => {
      assert.deepStrictEqual(issue({ prompt: "hi", tools: [weather], toolChoice: { tool: "nope" } }), {
        message: "Tool choice names a tool the request does not offer: \"nope\" (offered: weather)",
        path: "toolChoice"
      })
      assert.strictEqual(
        issue({ prompt: "hi", tools: [weather], toolChoice: { toolOrOutput: ["a", "b"] } }).path,
        "toolChoice"
      )
    })

    it("names of tools not offered are dropped with a warning; the request goes on", () => {
      const some = map({ prompt: "hi", tools: [weather, time], toolChoice: { tools: ["time", "nope", "gone"] } })
      assert.deepStrictEqual((some.input as any).toolConfig, {
        tools: [spec(weather), spec(time)],
        toolChoice: { tool: { name: "time" } }
      })
      assert.deepStrictEqual(some.warnings, [
        "Tool choice names tools the request does not offer, left out: \"nope\", \"gone\" (offered: weather, time)"
      ])
      const orOutput = map({
        prompt: "hi",
        tools: [weather, time],
        toolChoice: { toolOrOutput: ["time", "nope"] },
        output: { schema: { type: "object" } }
      }, { modelId: NOVA })
      assert.deepStrictEqual((orOutput.input as any).toolConfig.tools.map((t: any) => t.toolSpec.name), [
        "time",
        "final_result"
      ])
      assert.strictEqual(orOutput.warnings?.length, 1)
    })

    it("{ tools: [] } means none (pydantic-ai's tool_choice=[])", () => {
      const none = map({ prompt: "hi", tools: [weather], toolChoice: { tools: [] } })
      assert.isFalse("toolConfig" in none.input)
      // With an output tool, as "none": the output tool forced (the list kept whole, for the cache).
      const output = map({ prompt: "hi", tools: [weather], toolChoice: { tools: [] }, output: { schema: {} } }, {
        modelId: NOVA
      })
      assert.deepStrictEqual((output.input as any).toolConfig.toolChoice, { tool: { name: "final_result" } })
      // Not an explicit forced choice: fine on a family that cannot be forced, and with thinking.
      assert.isFalse(
        "toolConfig" in map({ prompt: "hi", tools: [weather], toolChoice: { tools: [] } }, {
          modelId: LLAMA
        }).input
      )
    })

    it("no toolChoice for families without it; a forced choice there is a user error", () => {
      assert.deepStrictEqual(converse({ prompt: "hi", tools: [weather] }, { modelId: LLAMA }).toolConfig, {
        tools: [spec(weather)]
      })
      const result = issue({ prompt: "hi", tools: [weather], toolChoice: "required" }, { modelId: LLAMA })
      assert.strictEqual(result.path, "toolChoice")
      assert.match(result.message, /not supported by model/)
    })

    it("tool specs are made once per definition: shared and frozen, in a new list each request", () => {
      const tools: Array<Cv.ToolDefinition> = [weather, time]
      const first = converse({ prompt: "hi", tools }, { settings: { cacheToolDefinitions: true } }).toolConfig.tools
      const second = converse({ prompt: "hi", tools }).toolConfig.tools
      assert.deepStrictEqual(second, [spec(weather), spec(time)])
      assert.notStrictEqual(first, second)
      assert.strictEqual(first[0], second[0])
      assert.isTrue(Object.isFrozen(second[0]) && Object.isFrozen(second[0].toolSpec))
      assert.isTrue(Object.isFrozen(second[0].toolSpec.inputSchema))
      // A changed list is seen.
      tools[1] = { ...time, name: "clock" }
      assert.deepStrictEqual(converse({ prompt: "hi", tools }).toolConfig.tools, [spec(weather), spec(tools[1])])
    })

    it("a shared spec follows the profile, and its warnings come with every request", () => {
      const tools = [{ ...weather, strict: true }]
      const json = { ...weather.parameters, additionalProperties: false }
      const strict = { toolSpec: { ...spec(weather).toolSpec, inputSchema: { json }, strict: true } }
      assert.deepStrictEqual(converse({ prompt: "hi", tools }).toolConfig.tools, [strict])
      assert.deepStrictEqual(converse({ prompt: "hi", tools }, { modelId: CLAUDE_37 }).toolConfig.tools, [
        spec(weather)
      ])
      assert.deepStrictEqual(converse({ prompt: "hi", tools }).toolConfig.tools, [strict])
      const tags = {
        name: "tags",
        strict: true,
        parameters: { type: "object", additionalProperties: { type: "string" } }
      }
      for (let i = 0; i < 2; i++) {
        assert.strictEqual(map({ prompt: "hi", tools: [tags] }).warnings?.length, 1)
        // A subset of the tools (sent alone): the same spec and warning.
        const subset = map({ prompt: "hi", tools: [tags, weather], toolChoice: { toolOrOutput: ["tags"] } })
        assert.strictEqual(subset.input.toolConfig!.tools!.length, 1)
        assert.strictEqual(subset.warnings?.length, 1)
      }
    })

    it("no toolConfig without tools", () => {
      assert.isFalse("toolConfig" in converse({ prompt: "hi", tools: [] }))
    })

    it("code execution on Nova 2 is a system tool; elsewhere a clear error", () => {
      assert.deepStrictEqual(
        converse({ prompt: "hi" }, { modelId: NOVA_2, nativeTools: ["codeExecution"] }).toolConfig.tools,
        [{ systemTool: { name: "nova_code_interpreter" } }]
      )
      assert.match(issue({ prompt: "hi" }, { nativeTools: ["codeExecution"] }).message, /not supported/)
    })
  })

  describe("structured output", () => {
    const schema = { type: "object", properties: { city: { type: "string" } } }

    it("auto is a forced output tool for every family, Claude 4.5 included (pydantic-ai's default)", () => {
      for (const modelId of [CLAUDE, NOVA, LLAMA, "mistral.ministral-3-8b-instruct", QWEN]) {
        const result = map({ prompt: "hi", output: { schema } }, { modelId })
        assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "final_result" }, modelId)
        assert.isFalse("outputConfig" in result.input, modelId)
      }
      // Native stays one setting away: the request's mode, or the profile's default.
      assert.strictEqual(map({ prompt: "hi", output: { schema, mode: "native" } }).output?._tag, "Native")
      const profile = { ...profileOf(CLAUDE), defaultOutputMode: "native" as const }
      assert.strictEqual(map({ prompt: "hi", output: { schema } }, { profile }).output?._tag, "Native")
    })

    it("native outputConfig.textFormat where supported", () => {
      const result = map({ prompt: "hi", output: { schema, description: "A city", mode: "native" } })
      assert.deepStrictEqual(result.input.outputConfig, {
        textFormat: {
          type: "json_schema",
          structure: {
            jsonSchema: {
              name: "final_result",
              schema: JSON.stringify({ ...schema, additionalProperties: false }),
              description: "A city"
            }
          }
        }
      })
      assert.deepStrictEqual(result.output, { _tag: "Native", name: "final_result" })
      assert.strictEqual(result.outputTool, undefined)
      assert.isFalse("toolConfig" in result.input)
    })

    it("a forced output tool elsewhere", () => {
      const result = map({ prompt: "hi", output: { schema, name: "answer" } }, { modelId: NOVA })
      assert.deepStrictEqual(result.input.toolConfig, {
        tools: [{
          toolSpec: {
            name: "answer",
            description: "The final response which ends this conversation",
            inputSchema: { json: schema }
          }
        }],
        toolChoice: { any: {} }
      })
      assert.strictEqual(result.outputTool, "answer")
      assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "answer" })
      assert.isFalse("outputConfig" in result.input)
    })

    it("the output tool goes after the user tools, and cannot share a name", () => {
      const result = map({ prompt: "hi", tools: [weather], output: { schema } }, { modelId: NOVA })
      assert.deepStrictEqual((result.input as any).toolConfig.tools.map((t: any) => t.toolSpec.name), [
        "weather",
        "final_result"
      ])
      assert.strictEqual(
        issue({ prompt: "hi", tools: [{ ...weather, name: "final_result" }], output: { schema } }, { modelId: NOVA })
          .path,
        "output.name"
      )
    })

    it("a non-object output schema is wrapped", () => {
      const result = map({ prompt: "hi", output: { schema: { type: "array", items: { type: "string" } } } }, {
        modelId: NOVA
      })
      assert.deepStrictEqual((result.input as any).toolConfig.tools[0].toolSpec.inputSchema.json, {
        type: "object",
        properties: { response: { type: "array", items: { type: "string" } } },
        required: ["response"],
        additionalProperties: false
      })
      assert.deepStrictEqual(result.output, { _tag: "Tool", toolName: "final_result", unwrapKey: "response" })
    })

    it("a non-object output schema is wrapped in native and prompted modes too", () => {
      const strings = { type: "array", items: { type: "string" } }
      const wrapped = {
        type: "object",
        properties: { response: strings },
        required: ["response"],
        additionalProperties: false
      }
      const native = map({ prompt: "hi", output: { schema: strings, mode: "native" } })
      assert.deepStrictEqual(
        JSON.parse((native.input as any).outputConfig.textFormat.structure.jsonSchema.schema),
        wrapped
      )
      assert.deepStrictEqual(native.output, { _tag: "Native", name: "final_result", unwrapKey: "response" })
      const prompted = map({ prompt: "hi", output: { schema: { type: "string" }, mode: "prompted" } })
      assert.include(
        (prompted.input as any).system.at(-1).text,
        JSON.stringify({
          type: "object",
          properties: { response: { type: "string" } },
          required: ["response"],
          additionalProperties: false
        })
      )
      assert.deepStrictEqual(prompted.output, { _tag: "Prompted", name: "final_result", unwrapKey: "response" })
    })

    it("the output name is any string in native and prompted modes, a tool name only in tool mode", () => {
      const name = "City report (v2)"
      const native = map({ prompt: "hi", output: { schema, name, mode: "native" } })
      assert.strictEqual((native.input as any).outputConfig.textFormat.structure.jsonSchema.name, name)
      const prompted = map({ prompt: "hi", output: { schema, name, mode: "prompted" } })
      assert.include((prompted.input as any).system.at(-1).text, `"title":"${name}"`)
      const tool = issue({ prompt: "hi", output: { schema, name } })
      assert.strictEqual(tool.path, "output.name")
      assert.match(tool.message, /sent as a tool name in output mode "tool"/)
    })

    it("the prompted instructions are pydantic-ai's template", () => {
      const prompted = map({ prompt: "hi", output: { schema, mode: "prompted" } })
      assert.strictEqual(
        (prompted.input as any).system.at(-1).text,
        "Always respond with a JSON object that's compatible with this schema:\n\n" + JSON.stringify(schema) +
          "\n\nDon't include any text or Markdown fencing before or after."
      )
    })
  })

  describe("tool choice with thinking", () => {
    it("an explicit forced tool choice with thinking is a user error", () => {
      const result = issue({ prompt: "hi", tools: [weather], toolChoice: "required" }, { settings: { thinking: true } })
      assert.strictEqual(result.path, "toolChoice")
      assert.match(result.message, /cannot be combined with thinking/)
      assert.strictEqual(
        issue({ prompt: "hi", tools: [weather], toolChoice: { tool: "weather" } }, {
          settings: { additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } } }
        }).path,
        "toolChoice"
      )
    })

    it("an implied forced tool choice with thinking falls back to auto", () => {
      const result = converse({ prompt: "hi", tools: [weather, time], toolChoice: { toolOrOutput: ["time"] } }, {
        modelId: NOVA,
        settings: { thinking: true },
        profile: { ...profileOf(NOVA), supportsThinking: true, thinkingVariant: "anthropic" }
      })
      assert.deepStrictEqual(result.toolConfig, { tools: [spec(time)], toolChoice: { auto: {} } })
    })
  })
})
