import { ConverseCommand, ConverseStreamCommand, CountTokensCommand } from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { valueFor } from "../src/internal/schemaValue.js"
import { collect, send, textOf, user } from "./fixtures.js"

const MODEL = "us.amazon.nova-micro-v1:0"

/** A small JSON-schema checker for what the generator claims to support. */
const satisfies = (schema: any, value: unknown, root: any = schema): boolean => {
  if (schema.$ref !== undefined) return satisfies(root.$defs[schema.$ref.split("/").at(-1)], value, root)
  if (schema.enum !== undefined) return schema.enum.includes(value)
  if (schema.anyOf !== undefined) return schema.anyOf.some((s: any) => satisfies(s, value, root))
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return false
      const v = value as Record<string, unknown>
      if (!(schema.required ?? []).every((k: string) => k in v)) return false
      return Object.entries(schema.properties ?? {}).every(([k, s]) => !(k in v) || satisfies(s, v[k], root))
    }
    case "array":
      return Array.isArray(value) &&
        value.length >= (schema.minItems ?? 0) &&
        value.length <= (schema.maxItems ?? Infinity) &&
        value.every((item) => satisfies(schema.items ?? {}, item, root))
    case "string":
      return typeof value === "string" &&
        value.length >= (schema.minLength ?? 0) &&
        value.length <= (schema.maxLength ?? Infinity)
    case "integer":
    case "number":
      return typeof value === "number" &&
        (schema.type === "number" || Number.isInteger(value)) &&
        value >= (schema.minimum ?? -Infinity) &&
        value <= (schema.maximum ?? Infinity) &&
        (schema.exclusiveMinimum === undefined || value > schema.exclusiveMinimum) &&
        (schema.exclusiveMaximum === undefined || value < schema.exclusiveMaximum)
    case "boolean":
      return typeof value === "boolean"
    case "null":
      return value === null
    default:
      return true
  }
}

const weatherSchema = {
  type: "object",
  properties: {
    city: { type: "string", minLength: 12 },
    days: { type: "integer", minimum: 3, maximum: 5 },
    ratio: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
    unit: { type: "string", enum: ["celsius", "fahrenheit"] },
    verbose: { type: "boolean" },
    tags: { type: "array", items: { type: "string", maxLength: 3 }, minItems: 2, maxItems: 4 },
    where: {
      type: "object",
      properties: {
        lat: { type: "number", minimum: -90, maximum: 90 },
        label: { anyOf: [{ type: "null" }, { type: "string" }] }
      },
      required: ["lat", "label"]
    },
    pet: { $ref: "#/$defs/Pet" }
  },
  required: ["city", "days", "ratio", "unit", "tags", "where", "pet"],
  $defs: {
    Pet: {
      type: "object",
      properties: { kind: { type: "string", enum: ["cat"] }, age: { type: "integer", minimum: 1 } },
      required: ["kind", "age"]
    }
  }
}

const tools = [
  { toolSpec: { name: "weather", description: "Get the weather", inputSchema: { json: weatherSchema } } },
  {
    toolSpec: {
      name: "clock",
      inputSchema: { json: { type: "object", properties: { zone: { type: "string" } }, required: ["zone"] } }
    }
  }
] as any

describe("schema-satisfying arguments", () => {
  it("covers objects, required props, bounds, enums, arrays, nested objects, $ref, anyOf", () => {
    const value = valueFor(weatherSchema) as any
    assert.isTrue(satisfies(weatherSchema, value), JSON.stringify(value))
    assert.strictEqual(value.unit, "celsius")
    assert.strictEqual(value.where.label === null || typeof value.where.label === "string", true)
    assert.isAtLeast(value.city.length, 12)
  })

  it("is deterministic", () => {
    assert.deepStrictEqual(valueFor(weatherSchema), valueFor(weatherSchema))
  })

  it("handles scalars, const and multipleOf", () => {
    assert.strictEqual(valueFor({ const: 7 }), 7)
    assert.strictEqual(valueFor({ type: "integer", minimum: 10, maximum: 20, multipleOf: 4 }), 16)
    assert.strictEqual(valueFor({ type: "string", format: "date" }), "2026-01-01")
    assert.deepStrictEqual(valueFor({ type: "array", items: { type: "integer" }, maxItems: 0 }), [])
  })

  it("plausible values: strings from the prompt or a small vocabulary, never the field's own name", () => {
    // The README's structured-output schema (Schema.positive() as exclusiveMinimum, as Bedrock gets it).
    const city = {
      type: "object",
      required: ["name", "population"],
      properties: {
        name: { type: "string" },
        population: { type: "number", exclusiveMinimum: 0 },
        founded: { type: "number" }
      }
    }
    assert.deepStrictEqual(valueFor(city, "The largest city of Portugal"), {
      name: "Portugal",
      population: 500000,
      founded: 1990
    })
    const weather = { type: "object", required: ["city"], properties: { city: { type: "string" } } }
    assert.deepStrictEqual(valueFor(weather, "Weather in Porto?"), { city: "Porto" })
    assert.deepStrictEqual(valueFor(weather, "Is it raining in New York today?"), { city: "New York" })
    // No name in the prompt: the vocabulary's city.
    assert.deepStrictEqual(valueFor(weather, "What's the weather?"), { city: "Lisbon" })
    assert.deepStrictEqual(valueFor(weather), { city: "Lisbon" })
    const search = {
      type: "object",
      properties: {
        query: { type: "string" },
        cities: { type: "array", items: { type: "string" }, minItems: 3 },
        unit: { type: "string" },
        days: { type: "integer" },
        ratio: { type: "number", minimum: 0, maximum: 1 },
        topic: { type: "string" },
        summary: { type: "string" }
      }
    }
    assert.deepStrictEqual(valueFor(search, "Flights to Madrid, \"under 100 euros\""), {
      query: "Flights to Madrid, \"under 100 euros\"",
      cities: ["Madrid", "Lisbon", "Porto"],
      unit: "celsius",
      days: 3,
      ratio: 0.5,
      topic: "Flights to Madrid, \"under 100 euros\"",
      summary: "A short answer about under 100 euros."
    })
    // A field of no known kind: a word of the prompt.
    assert.deepStrictEqual(valueFor({ type: "object", required: ["thing"], properties: {} }, "pack an umbrella"), {
      thing: "pack"
    })
  })

  it("integers for integer fields, whole numbers where the bounds allow, within every bound", () => {
    for (const schema of [{ type: "integer" }, { type: "number" }, { type: "number", exclusiveMinimum: 0 }]) {
      const value = valueFor({ type: "object", required: ["n"], properties: { n: schema } }) as { n: number }
      assert.isTrue(Number.isInteger(value.n), JSON.stringify(schema))
    }
    assert.strictEqual(valueFor({ type: "integer", minimum: 100, maximum: 200 }), 150)
    assert.strictEqual(valueFor({ type: "integer", exclusiveMaximum: 0 }), -1)
    const ages = { type: "array", minItems: 3, items: { type: "integer", minimum: 0, maximum: 120 } }
    assert.deepStrictEqual(valueFor({ type: "object", required: ["ages"], properties: { ages } }), {
      ages: [30, 31, 32]
    })
  })

  it("prefers the schema's own examples, then its default", () => {
    assert.deepStrictEqual(
      valueFor({
        type: "object",
        required: ["city", "unit"],
        properties: { city: { type: "string", examples: ["Lisbon"] }, unit: { type: "string", default: "celsius" } }
      }),
      { city: "Lisbon", unit: "celsius" }
    )
  })
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("default model", (it) => {
  it.effect("offers of tools get a toolUse of the first tool, with schema-satisfying input", () =>
    Effect.gen(function*() {
      const out = yield* send(
        new ConverseCommand({ modelId: MODEL, messages: [user("What's the weather?")], toolConfig: { tools } })
      )
      assert.strictEqual(out.stopReason, "tool_use")
      const toolUse = out.output.message.content[0].toolUse
      assert.strictEqual(toolUse.name, "weather")
      assert.match(toolUse.toolUseId, /^tooluse_[0-9a-f]{16}$/)
      assert.isTrue(satisfies(weatherSchema, toolUse.input), JSON.stringify(toolUse.input))
    }))

  it.effect("toolChoice.tool selects the tool; streamed input arrives in several pieces", () =>
    Effect.gen(function*() {
      const { error, events } = yield* collect(
        new ConverseStreamCommand({
          modelId: MODEL,
          messages: [user("time?")],
          toolConfig: { tools, toolChoice: { tool: { name: "clock" } } }
        })
      )
      assert.isUndefined(error)
      const start = events.find((e) => e.contentBlockStart !== undefined)!.contentBlockStart!
      assert.strictEqual(start.start!.toolUse!.name, "clock")
      const pieces = events.flatMap((e) => e.contentBlockDelta?.delta?.toolUse?.input ?? [])
      assert.isAbove(pieces.length, 1)
      assert.deepStrictEqual(JSON.parse(pieces.join("")), { zone: "Europe/Lisbon" })
      assert.deepStrictEqual(events.at(-2), { messageStop: { stopReason: "tool_use" } })
    }))

  it.effect("tool input and structured output take their strings from the prompt", () =>
    Effect.gen(function*() {
      const getWeather = {
        toolSpec: {
          name: "get_weather",
          inputSchema: {
            json: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
          }
        }
      }
      const called = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user("Weather in Porto?")],
          toolConfig: { tools: [getWeather] }
        })
      )
      assert.deepStrictEqual(called.output.message.content[0].toolUse.input, { city: "Porto" })
      const schema = {
        type: "object",
        properties: { name: { type: "string" }, population: { type: "integer" } },
        required: ["name", "population"],
        additionalProperties: false
      }
      const out = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user("The largest city of Portugal")],
          outputConfig: {
            textFormat: {
              type: "json_schema",
              structure: { jsonSchema: { name: "final_result", schema: JSON.stringify(schema) } }
            }
          }
        } as any)
      )
      assert.deepStrictEqual(JSON.parse(out.output.message.content[0].text), { name: "Portugal", population: 500000 })
    }))

  it.effect("after tool results it answers with text mentioning them", () =>
    Effect.gen(function*() {
      const first = yield* send(
        new ConverseCommand({ modelId: MODEL, messages: [user("weather?")], toolConfig: { tools } })
      )
      const call = first.output.message
      const out = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          toolConfig: { tools },
          messages: [
            user("weather?"),
            call,
            {
              role: "user",
              content: [{
                toolResult: {
                  toolUseId: call.content[0].toolUse.toolUseId,
                  content: [{ text: "sunny and 21 degrees" }, { json: { wind: "calm" } }],
                  status: "success"
                }
              }]
            }
          ]
        })
      )
      assert.strictEqual(out.stopReason, "end_turn")
      const text: string = out.output.message.content[0].text
      assert.strictEqual(text, "Based on weather: sunny and 21 degrees; wind calm.")
    }))

  it.effect("maxTokens truncates (max_tokens); stop sequences cut (stop_sequence)", () =>
    Effect.gen(function*() {
      const truncated = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user("one two three four")],
          inferenceConfig: { maxTokens: 3 }
        })
      )
      assert.strictEqual(truncated.output.message.content[0].text, "You said: one")
      assert.strictEqual(truncated.stopReason, "max_tokens")
      assert.strictEqual(truncated.usage.outputTokens, 3)
      const stopped = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user("alpha STOP beta")],
          inferenceConfig: { stopSequences: ["STOP"] },
          additionalModelResponseFieldPaths: ["/stop_sequence"]
        })
      )
      assert.strictEqual(stopped.output.message.content[0].text, "You said: alpha ")
      assert.strictEqual(stopped.stopReason, "stop_sequence")
      assert.deepStrictEqual(stopped.additionalModelResponseFields, { stop_sequence: "STOP" })
    }))

  it.effect("native structured output: the text is JSON satisfying the schema", () =>
    Effect.gen(function*() {
      // As Bedrock takes it: strict (no numeric bounds, additionalProperties false).
      const schema = {
        type: "object",
        properties: { answer: { type: "integer", enum: [42] } },
        required: ["answer"],
        additionalProperties: false
      }
      const out = yield* send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [user("meaning of life?")],
          outputConfig: {
            textFormat: {
              type: "json_schema",
              structure: { jsonSchema: { name: "final_result", schema: JSON.stringify(schema) } }
            }
          }
        } as any)
      )
      assert.deepStrictEqual(JSON.parse(out.output.message.content[0].text), { answer: 42 })
    }))

  it.effect("thinking requested: a signed reasoning block first (streamed as reasoning deltas + signature)", () =>
    Effect.gen(function*() {
      const { events } = yield* collect(
        new ConverseStreamCommand({
          modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0",
          messages: [user("think")],
          additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } }
        })
      )
      const reasoning = events.flatMap((e) => e.contentBlockDelta?.delta?.reasoningContent ?? [])
      assert.strictEqual(reasoning.map((r) => r.text ?? "").join(""), "Thinking about the request.")
      assert.match(reasoning.at(-1)!.signature!, /^local-signature-/)
      assert.strictEqual(textOf(events), "You said: think")
    }))

  it.effect("prompt caching: the first request writes the prefix, the next reads it; count-tokens agrees", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const system = [{ text: "a long and stable system prompt" }, { cachePoint: { type: "default" } }] as any
      const messages = [user("question one")]
      const first = yield* send(new ConverseCommand({ modelId: MODEL, system, messages }))
      const second = yield* send(new ConverseCommand({ modelId: MODEL, system, messages }))
      assert.deepStrictEqual(first.usage, {
        inputTokens: 2,
        outputTokens: 4,
        totalTokens: 12,
        cacheReadInputTokens: 0,
        cacheWriteInputTokens: 6
      })
      assert.deepStrictEqual(second.usage, {
        inputTokens: 2,
        outputTokens: 4,
        totalTokens: 12,
        cacheReadInputTokens: 6,
        cacheWriteInputTokens: 0
      })
      const counted = yield* send(
        new CountTokensCommand({ modelId: "amazon.nova-micro-v1:0", input: { converse: { system, messages } } })
      )
      assert.strictEqual(counted.inputTokens, 8)
    }))

  it.effect("the same request always gets the same answer", () =>
    Effect.gen(function*() {
      const command = () => new ConverseCommand({ modelId: MODEL, messages: [user("repeat")], toolConfig: { tools } })
      const a = yield* send(command())
      const b = yield* send(command())
      assert.deepStrictEqual(a.output, b.output)
      assert.deepStrictEqual(a.usage, b.usage)
    }))
})
