// Typed structured output against the local Bedrock: generateObject / streamObject with an Effect
// Schema in the three output modes, retries of answers that do not decode, the modes chosen with
// thinking on, and strict schemas rewritten the way Bedrock accepts them (the local server
// rejects what Bedrock rejects, so a regression is a 400 here).
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Response from "../src/Response.js"
import * as Tool from "../src/Tool.js"

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const NOVA = "us.amazon.nova-pro-v1:0"
const CLAUDE_37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
const R1 = "us.deepseek.r1-v1:0"
const MAGISTRAL = "mistral.magistral-small-2509"

const Env = LocalBedrock.layerWithClient({ client: { retry: false } }).pipe(Layer.orDie)

const local = LocalBedrock.LocalBedrock
const bodies = Effect.flatMap(local, (server) => server.requests).pipe(
  Effect.map((requests) => requests.map((r) => r.body as any))
)
const reset = Effect.flatMap(local, (server) => server.reset)

/** Runs `effect` with the Bedrock model `model` as the LanguageModel. */
const using = (model: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(
    BedrockLanguageModel.make({ model, settings: { maxTokens: 256 } }),
    (service) => Effect.provideService(effect, LanguageModel.LanguageModel, service)
  )

const City = Schema.Struct({
  name: Schema.String,
  population: Schema.Number.pipe(Schema.positive()),
  districts: Schema.Array(Schema.String).pipe(Schema.maxItems(30))
})

layer(Env, { excludeTestServices: true })("structured output against the local Bedrock", (it) => {
  it.effect("generateObject decodes the answer; native output sends the schema strict, rewritten", () =>
    Effect.gen(function*() {
      yield* reset
      const city = yield* LanguageModel.generateObject({
        prompt: "The largest city of Portugal",
        schema: City,
        mode: "native"
      }).pipe(using(SONNET))
      assert.isString(city.name)
      assert.isAbove(city.population, 0)
      const [body] = yield* bodies
      const sent = JSON.parse(body.outputConfig.textFormat.structure.jsonSchema.schema)
      // Schema.positive() and maxItems would cost a 400 under strict: they travel as hints.
      assert.deepStrictEqual(sent.properties.population, {
        type: "number",
        description: "a positive number (exclusiveMinimum=0)"
      })
      assert.match(sent.properties.districts.description, /maxItems=30/)
      assert.isFalse(sent.additionalProperties)
      assert.isUndefined(sent.$schema)
    }))

  it.effect("tool mode (Nova) and prompted mode, chosen by the request", () =>
    Effect.gen(function*() {
      yield* reset
      const viaTool = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, name: "city" }).pipe(
        using(NOVA)
      )
      const prompted = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, mode: "prompted" }).pipe(
        using(NOVA)
      )
      assert.isString(viaTool.name)
      assert.isString(prompted.name)
      const [tool, text] = yield* bodies
      assert.deepStrictEqual(tool.toolConfig.tools.map((t: any) => t.toolSpec.name), ["city"])
      assert.deepStrictEqual(tool.toolConfig.toolChoice, { any: {} })
      assert.isUndefined(text.toolConfig)
      assert.isUndefined(text.outputConfig)
      assert.match(text.system.at(-1).text, /^Always respond with a JSON object that's compatible with this schema:/)
      // Native output where the model lacks it is a user error before any request.
      const native = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, mode: "native" }).pipe(
        using(NOVA),
        Effect.flip
      )
      assert.strictEqual(native._tag, "InvalidRequestError")
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("auto is a forced output tool for every family, Claude Sonnet 4.5 included; native one setting away", () =>
    Effect.gen(function*() {
      yield* reset
      const city = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City }).pipe(using(SONNET))
      assert.isString(city.name)
      const native = yield* BedrockLanguageModel.make({ model: SONNET, profile: { defaultOutputMode: "native" } })
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City }).pipe(
        Effect.provideService(LanguageModel.LanguageModel, native)
      )
      const [auto, profiled] = yield* bodies
      assert.deepStrictEqual(auto.toolConfig.tools.map((t: any) => t.toolSpec.name), ["final_result"])
      assert.deepStrictEqual(auto.toolConfig.toolChoice, { any: {} })
      assert.isUndefined(auto.outputConfig)
      assert.isDefined(profiled.outputConfig)
      assert.isUndefined(profiled.toolConfig)
    }))

  it.effect("a non-object schema is wrapped as { response } in every mode, and the answer unwrapped", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const Names = Schema.Array(Schema.String)
      const wrapped = (schema: unknown) => ({
        type: "object",
        properties: { response: schema },
        required: ["response"],
        additionalProperties: false
      })
      const tool = yield* LanguageModel.generateObject({ prompt: "Cities", schema: Names, mode: "tool" }).pipe(
        using(NOVA)
      )
      const native = yield* LanguageModel.generateObject({ prompt: "Cities", schema: Names, mode: "native" }).pipe(
        using(SONNET)
      )
      yield* server.script(Script.converseText("{\"response\": \"Porto\"}"))
      const prompted = yield* LanguageModel.generateObject({
        prompt: "A city",
        schema: Schema.String,
        mode: "prompted"
      }).pipe(using(NOVA))
      // Streamed, the text is the wrapped JSON; the decoded value is unwrapped.
      yield* server.script(Script.stream(Script.textEvents(["{\"response\":", " [\"Faro\"]}"])))
      const streamed = yield* LanguageModel.streamObject({ prompt: "Cities", schema: Names, mode: "native" }).pipe(
        Stream.runLast,
        using(SONNET)
      )
      // generate's text is the unwrapped value in native mode, as in tool mode.
      yield* server.script(Script.converseText("{\"response\": [\"Braga\"]}"))
      const generated = yield* LanguageModel.generate({
        prompt: "Cities",
        output: { schema: { type: "array", items: { type: "string" } }, mode: "native" }
      }).pipe(using(SONNET))
      assert.isArray(tool)
      assert.isArray(native)
      assert.strictEqual(prompted, "Porto")
      assert.deepStrictEqual(
        streamed._tag === "Some" && streamed.value._tag === "Object" ? streamed.value.value : undefined,
        ["Faro"]
      )
      assert.deepStrictEqual(generated.parts, [{ _tag: "Text", text: "[\"Braga\"]" }])
      const [toolBody, nativeBody, promptedBody, streamBody] = yield* bodies
      const strings = { type: "array", items: { type: "string" } }
      assert.deepStrictEqual(toolBody.toolConfig.tools[0].toolSpec.inputSchema.json, wrapped(strings))
      assert.deepStrictEqual(
        JSON.parse(nativeBody.outputConfig.textFormat.structure.jsonSchema.schema),
        wrapped(strings)
      )
      assert.deepStrictEqual(
        JSON.parse(streamBody.outputConfig.textFormat.structure.jsonSchema.schema),
        wrapped(strings)
      )
      assert.include(promptedBody.system.at(-1).text, JSON.stringify(wrapped({ type: "string" })))
    }))

  it.effect("the output name is any string in native and prompted modes (a tool name only in tool mode)", () =>
    Effect.gen(function*() {
      yield* reset
      const name = "City report (Portugal)"
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, name, mode: "native" }).pipe(using(SONNET))
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, name, mode: "prompted" }).pipe(
        using(NOVA),
        Effect.ignore
      )
      const [native, prompted] = yield* bodies
      assert.strictEqual(native.outputConfig.textFormat.structure.jsonSchema.name, name)
      assert.include(prompted.system.at(-1).text, `"title":"${name}"`)
      const tool = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, name }).pipe(
        using(NOVA),
        Effect.flip
      )
      assert.strictEqual(tool._tag, "InvalidRequestError")
      if (tool._tag === "InvalidRequestError") assert.strictEqual(tool.field, "output.name")
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("generateObjectResponse: the value with its response (usage, finish) and every attempt's", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      const once = yield* LanguageModel.generateObjectResponse({ prompt: "Porto", schema: City }).pipe(using(NOVA))
      assert.isString(once.value.name)
      assert.strictEqual(once.response.finishReason, "stop")
      assert.isAbove(once.response.usage.outputTokens, 0)
      assert.isString(once.response.requestId)
      assert.deepStrictEqual(once.responses, [once.response])
      yield* server.script(
        Script.converseText("not JSON"),
        Script.converseText("{\"name\":\"Faro\",\"population\":60000,\"districts\":[]}")
      )
      const retried = yield* BedrockLanguageModel.generateObjectResponse({
        prompt: "Faro",
        schema: City,
        mode: "prompted"
      }).pipe(using(NOVA))
      assert.strictEqual(retried.value.name, "Faro")
      assert.strictEqual(retried.responses.length, 2)
      assert.strictEqual(retried.responses[1], retried.response)
      assert.strictEqual(Response.text(retried.responses[0]!), "not JSON")
    }))

  it.effect("an answer that does not decode goes back as a retry; past the limit a typed error with the text", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.converseText("Sure! Lisbon has about half a million people."),
        Script.converseText("{\"name\":\"Lisbon\",\"population\":-5,\"districts\":[]}"),
        Script.converseText("```json\n{\"name\":\"Lisbon\",\"population\":545000,\"districts\":[\"Belém\"]}\n```")
      )
      const city = yield* LanguageModel.generateObject({ prompt: "Lisbon", schema: City, maxRetries: 2 }).pipe(
        using(SONNET)
      )
      assert.deepStrictEqual(city, { name: "Lisbon", population: 545000, districts: ["Belém"] })
      const requests = yield* bodies
      assert.strictEqual(requests.length, 3)
      const second = requests[1]!.messages
      assert.deepStrictEqual(second[1], {
        role: "assistant",
        content: [{ text: "Sure! Lisbon has about half a million people." }]
      })
      assert.match(second[2].content[0].text, /not valid JSON/)
      assert.match(requests[2]!.messages[4].content[0].text, /does not match the schema[\s\S]*positive/)

      yield* server.script(Script.converseText("no JSON here"))
      const error = yield* LanguageModel.generateObject({ prompt: "Lisbon", schema: City, maxRetries: 0 }).pipe(
        using(SONNET),
        Effect.flip
      )
      assert.strictEqual(error._tag, "StructuredOutputError")
      if (error._tag === "StructuredOutputError") {
        assert.strictEqual(error.text, "no JSON here")
        assert.strictEqual(error.attempts, 1)
        assert.isFalse(error.retryable)
      }
    }))

  it.effect("streamObject streams each attempt, a Retry part between them, and ends with the decoded value", () =>
    Effect.gen(function*() {
      yield* reset
      const server = yield* local
      yield* server.script(
        Script.stream(Script.textEvents(["{\"name\":", " 3}"])),
        Script.stream(Script.textEvents(["{\"name\":\"Faro\",", "\"population\":60000,", "\"districts\":[]}"]))
      )
      const parts = yield* LanguageModel.streamObject({ prompt: "Faro", schema: City }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray),
        using(SONNET)
      )
      const tags = parts.map((part) => part._tag).filter((tag) =>
        tag === "Finish" || tag === "Retry" || tag === "Object"
      )
      assert.deepStrictEqual(tags, ["Finish", "Retry", "Finish", "Object"])
      const last = parts.at(-1)!
      assert.deepStrictEqual(last._tag === "Object" ? last.value : undefined, {
        name: "Faro",
        population: 60000,
        districts: []
      })
      assert.strictEqual((yield* bodies).length, 2)
    }))

  it.effect("with thinking: native where the model has it, prompted elsewhere, a forced output tool is an error", () =>
    Effect.gen(function*() {
      yield* reset
      const thinking = { settings: { thinking: "low" as const } }
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, ...thinking }).pipe(using(CLAUDE_37))
      // DeepSeek R1 and Magistral always think, whatever the settings say.
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City }).pipe(using(R1))
      yield* LanguageModel.generateObject({ prompt: "Porto", schema: City }).pipe(using(MAGISTRAL))
      const [claude, r1, magistral] = yield* bodies
      assert.isUndefined(claude.toolConfig)
      assert.deepStrictEqual(claude.additionalModelRequestFields, {
        thinking: { type: "enabled", budget_tokens: 2048 }
      })
      assert.match(claude.system.at(-1).text, /compatible with this schema/)
      assert.isUndefined(r1.toolConfig)
      assert.match(r1.system.at(-1).text, /compatible with this schema/)
      assert.isDefined(magistral.outputConfig)
      for (const [model, settings] of [[CLAUDE_37, thinking.settings], [R1, {}]] as const) {
        const forced = yield* LanguageModel.generateObject({ prompt: "Porto", schema: City, mode: "tool", settings })
          .pipe(using(model), Effect.flip)
        assert.strictEqual(forced._tag, "InvalidRequestError")
        assert.match(forced.message, /use output mode "prompted"/)
      }
      assert.strictEqual((yield* bodies).length, 3)
    }))

  it.effect("strict tools: Schema.positive() does not cost a 400; Nova gets $defs inlined", () =>
    Effect.gen(function*() {
      yield* reset
      const Item = Schema.Struct({ sku: Schema.String, quantity: Schema.Number.pipe(Schema.positive()) })
        .annotations({ identifier: "Item" })
      const order = Tool.make("place_order", {
        parameters: Schema.Struct({ first: Item, second: Item }),
        strict: true,
        handler: () => Effect.void
      })
      yield* LanguageModel.generate({ prompt: "Order", tools: [order.definition] }).pipe(using(SONNET))
      const defs = {
        type: "object",
        properties: { item: { $ref: "#/$defs/Item" } },
        $defs: { Item: { type: "string" } }
      }
      yield* LanguageModel.generate({ prompt: "x", tools: [{ name: "t", parameters: defs }] }).pipe(using(NOVA))
      const [sonnet, nova] = yield* bodies
      const spec = sonnet.toolConfig.tools[0].toolSpec
      assert.isTrue(spec.strict)
      assert.deepStrictEqual(spec.inputSchema.json.properties.first.properties.quantity, {
        type: "number",
        description: "a positive number (exclusiveMinimum=0)"
      })
      assert.deepStrictEqual(nova.toolConfig.tools[0].toolSpec.inputSchema.json, {
        type: "object",
        properties: { item: { type: "string" } }
      })
    }))
})
