import {
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  ValidationException
} from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { validateConverse } from "../src/internal/validation.js"
import { post, readJson, send, sendError, user } from "./fixtures.js"

const MODEL = "us.amazon.nova-micro-v1:0"
const assistant = (text: string) => ({ role: "assistant" as const, content: [{ text }] })
const cachePoint = { cachePoint: { type: "default" as const } }

/** A valid conversation with one tool round trip. */
const toolTurns = (resultId: string) => [
  user("weather?"),
  {
    role: "assistant" as const,
    content: [{ toolUse: { toolUseId: "t1", name: "weather", input: { city: "Paris" } } }]
  },
  { role: "user" as const, content: [{ toolResult: { toolUseId: resultId, content: [{ text: "sunny" }] } }] }
]

const invalid: ReadonlyArray<readonly [string, any, RegExp]> = [
  [
    "empty messages",
    { messages: [] },
    /at 'messages' failed to satisfy constraint: Member must have length greater than or equal to 1/
  ],
  ["no messages", {}, /Value null at 'messages'/],
  [
    "an s3 location without a bucket",
    {
      messages: [{
        role: "user",
        content: [{ image: { format: "png", source: { s3Location: { uri: "s3:///a.png" } } } }]
      }]
    },
    /messages\.0\.content\.0\.image\.source\.s3Location\.uri' failed to satisfy constraint/
  ],
  [
    "tool parameters that are not an object schema",
    {
      messages: [user("x")],
      toolConfig: { tools: [{ toolSpec: { name: "t", inputSchema: { json: { type: "string" } } } }] }
    },
    /toolConfig\.tools\.0\.toolSpec\.inputSchema\.json\.type must be one of the following: object/
  ],
  ["first message not user", { messages: [assistant("hi"), user("x")] }, /must start with a user message/],
  ["not alternating", { messages: [user("a"), user("b")] }, /must alternate between user and assistant/],
  [
    "empty content",
    { messages: [{ role: "user", content: [] }] },
    /content field in the Message object at messages\.0 is empty/
  ],
  [
    "blank text",
    { messages: [user("   ")] },
    /text field in the ContentBlock object at messages\.0\.content\.0 is blank/
  ],
  ["empty text", { messages: [user("ok"), assistant("")] }, /messages\.1\.content\.0 is blank/],
  [
    "unknown block kind",
    { messages: [{ role: "user", content: [{ audio: { format: "mp3" } }] }] },
    /unknown type 'audio'/
  ],
  [
    "two members in one block",
    { messages: [{ role: "user", content: [{ text: "a", image: {} }] }] },
    /exactly one member/
  ],
  [
    "more than 4 cache points",
    {
      system: [{ text: "s" }, cachePoint],
      messages: [
        { role: "user", content: [{ text: "a" }, cachePoint] },
        { role: "assistant", content: [{ text: "b" }, cachePoint] },
        { role: "user", content: [{ text: "c" }, cachePoint] }
      ],
      toolConfig: { tools: [{ toolSpec: { name: "t", inputSchema: { json: {} } } }, cachePoint] }
    },
    /cachePoint blocks in the request \(5\) exceeds the maximum of 4/
  ],
  [
    "cache point right after a document",
    {
      messages: [{
        role: "user",
        content: [
          { text: "read" },
          { document: { name: "Document 1", format: "txt", source: { bytes: "aGk=" } } },
          cachePoint
        ]
      }]
    },
    /can't directly follow a document block/
  ],
  [
    "toolResult without matching toolUse",
    { messages: toolTurns("nope") },
    /toolUseId 'nope', which doesn't match any toolUse/
  ],
  [
    "toolUse left without a toolResult",
    { messages: [...toolTurns("t1").slice(0, 2), user("never mind")] },
    /Expected toolResult blocks at messages\.2\.content for the following Ids: t1/
  ],
  ...["{bad", [1], 42, null].map((input) =>
    [
      `toolUse.input ${JSON.stringify(input)}, not an object`,
      {
        messages: [
          user("weather?"),
          { role: "assistant", content: [{ toolUse: { toolUseId: "t1", name: "weather", input } }] },
          { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "sunny" }] } }] }
        ]
      },
      /^The format of the value at messages\.1\.content\.0\.toolUse\.input is invalid\. Provide a json object/
    ] as const
  ),
  ...[[{ temp: 20 }], "sunny", 3].map((json) =>
    [
      `toolResult json block ${JSON.stringify(json)}, not an object`,
      {
        messages: [
          ...toolTurns("t1").slice(0, 2),
          { role: "user", content: [{ toolResult: { toolUseId: "t1", content: [{ text: "ok" }, { json }] } }] }
        ]
      },
      /^The format of the value at messages\.2\.content\.0\.toolResult\.content\.1\.json is invalid\./
    ] as const
  ),
  [
    "temperature above 1",
    { messages: [user("a")], inferenceConfig: { temperature: 1.5 } },
    /'inferenceConfig\.temperature'.*less than or equal to 1/
  ],
  [
    "negative topP",
    { messages: [user("a")], inferenceConfig: { topP: -0.1 } },
    /'inferenceConfig\.topP'.*greater than or equal to 0/
  ],
  [
    "maxTokens 0",
    { messages: [user("a")], inferenceConfig: { maxTokens: 0 } },
    /'inferenceConfig\.maxTokens'.*greater than or equal to 1/
  ],
  [
    "toolChoice without tools",
    { messages: [user("a")], toolConfig: { toolChoice: { auto: {} } } },
    /'toolConfig\.tools' failed to satisfy constraint: Member must not be null/
  ],
  [
    "toolChoice naming an unknown tool",
    {
      messages: [user("a")],
      toolConfig: {
        tools: [{ toolSpec: { name: "a", inputSchema: { json: {} } } }],
        toolChoice: { tool: { name: "b" } }
      }
    },
    /tool 'b' named by toolConfig\.toolChoice\.tool isn't defined/
  ],
  [
    "thinking with a forced tool choice",
    {
      messages: [user("a")],
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } },
      toolConfig: { tools: [{ toolSpec: { name: "a", inputSchema: { json: {} } } }], toolChoice: { any: {} } }
    },
    /Thinking may not be enabled when tool_choice forces tool use/
  ],
  ["invalid tool name", {
    messages: [user("a")],
    toolConfig: { tools: [{ toolSpec: { name: "bad name!", inputSchema: { json: {} } } }] }
  }, /toolSpec\.name/],
  [
    "invalid document name",
    {
      messages: [{
        role: "user",
        content: [{ text: "x" }, { document: { name: "report.pdf", format: "pdf", source: { bytes: "aGk=" } } }]
      }]
    },
    /document file name .* can only contain alphanumeric characters/
  ],
  [
    "unsupported image format",
    { messages: [{ role: "user", content: [{ image: { format: "bmp", source: { bytes: "aGk=" } } }] }] },
    /image\.format/
  ]
]

describe("validation rules", () => {
  for (const [name, body, message] of invalid) {
    it(name, () => {
      const result = validateConverse(body, MODEL)
      assert.isString(result, `${name} should be rejected`)
      assert.match(result!, message)
    })
  }

  it("accepts a well-formed conversation with tools, media, cache points and a leading assistant for Anthropic", () => {
    assert.isUndefined(validateConverse({
      system: [{ text: "be nice" }, cachePoint],
      messages: [
        ...toolTurns("t1"),
        {
          role: "assistant",
          content: [{ reasoningContent: { reasoningText: { text: "hmm", signature: "s" } } }, { text: "done" }]
        },
        {
          role: "user",
          content: [
            { image: { format: "png", source: { bytes: "aGk=" } } },
            cachePoint,
            { document: { name: "Document 1", format: "pdf", source: { s3Location: { uri: "s3://bucket/key" } } } }
          ]
        }
      ],
      inferenceConfig: { maxTokens: 10, temperature: 0, topP: 1, stopSequences: ["END"] },
      toolConfig: {
        tools: [{ toolSpec: { name: "weather", inputSchema: { json: { type: "object" } } } }, cachePoint],
        toolChoice: { auto: {} }
      }
    }, MODEL))
    assert.isUndefined(
      validateConverse({ messages: [assistant("prefill"), user("go")] }, "us.anthropic.claude-sonnet-4-20250514-v1:0")
    )
    assert.isString(validateConverse({ messages: [assistant("prefill"), user("go")] }, MODEL))
  })
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("validation on the wire", (it) => {
  it.effect("the SDK gets a 400 ValidationException, converse and converse-stream", () =>
    Effect.gen(function*() {
      const error = yield* sendError(new ConverseCommand({ modelId: MODEL, messages: [user("a"), user("b")] }))
      assert.strictEqual(error instanceof ValidationException, true)
      assert.strictEqual(error.$metadata.httpStatusCode, 400)
      assert.match(error.message, /alternate/)
      const streamError = yield* sendError(
        new ConverseStreamCommand({ modelId: MODEL, messages: [user("a")], inferenceConfig: { temperature: 2 } })
      )
      assert.strictEqual(streamError instanceof ValidationException, true)
      assert.match(streamError.message, /temperature/)
      const countError = yield* sendError(
        new CountTokensCommand({ modelId: "amazon.nova-micro-v1:0", input: { converse: { messages: [] } } })
      )
      assert.strictEqual(countError instanceof ValidationException, true)
    }))

  it.effect("fetch: unknown content block kinds and malformed JSON", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const unknown = yield* post(local.endpoint, `/model/${MODEL}/converse`, {
        messages: [{ role: "user", content: [{ text: "a" }, { audio: { format: "wav" } }] }]
      })
      assert.strictEqual(unknown.status, 400)
      assert.match(unknown.headers.get("x-amzn-errortype")!, /^ValidationException:/)
      assert.match((yield* readJson(unknown)).message, /messages\.0\.content\.1 has an unknown type 'audio'/)
      const malformed = yield* post(local.endpoint, `/model/${MODEL}/converse`, "{nope")
      assert.strictEqual(malformed.status, 400)
      assert.match((yield* readJson(malformed)).message, /Malformed input request/)
    }))

  it.effect("an invalid request does not consume a script", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* local.script(LocalBedrockScript.converseText("scripted"))
      yield* sendError(new ConverseCommand({ modelId: MODEL, messages: [] }))
      assert.strictEqual(yield* local.pendingScripts, 1)
      const out = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }))
      assert.strictEqual(out.output.message.content[0].text, "scripted")
    }))
})
