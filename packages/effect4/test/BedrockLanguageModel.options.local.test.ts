// BedrockLanguageModel's Bedrock-only inputs and outputs against the local Bedrock: the per-part provider
// options (cache points, document names, signed and redacted reasoning), media, Bedrock's own tools, the
// GenAI span annotations, and a guardrail's answer to generateObject.
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import type * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, layer } from "@effect/vitest"
import * as Chat from "effect/ai/Chat"
import * as LanguageModel from "effect/ai/LanguageModel"
import * as Prompt from "effect/ai/Prompt"
import * as Toolkit from "effect/ai/Toolkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as BedrockClientStub from "../src/BedrockClientStub.js"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as BedrockTool from "../src/BedrockTool.js"
import * as LocalBedrock from "../src/LocalBedrock.js"

const CLAUDE = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const NOVA = "us.amazon.nova-pro-v1:0"
const NOVA_2 = "us.amazon.nova-2-lite-v1:0"

const Env = LocalBedrock.layerWithClient()

const claude = BedrockLanguageModel.model(CLAUDE, { maxTokens: 256 })

const server = Effect.map(LocalBedrock.LocalBedrock, (local) => {
  local.server.reset()
  return local.server
})
const bodies = (local: LocalBedrockServer.LocalBedrockServer) => local.requests().map((r) => r.body as any)

const PDF = new TextEncoder().encode("%PDF-1.4 a tiny report")
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0])
const REDACTED = new Uint8Array([1, 2, 3, 250, 251])
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

const answer = (content: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) =>
  Script.json({
    output: { message: { role: "assistant", content } },
    stopReason: "end_turn",
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    metrics: { latencyMs: 3 },
    ...extra
  }, { operation: "converse" })

/** A tracer that keeps every span it makes. */
const recordingTracer = () => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

layer(Env)("BedrockLanguageModel (Effect 4) provider options against the local Bedrock", (it) => {
  it.effect("cache points, document names and media go to Bedrock as the options say", () =>
    Effect.gen(function*() {
      const local = yield* server
      const prompt = Prompt.make([
        { role: "system", content: "You read reports.", options: { effectBedrock: { cachePoint: true } } },
        {
          role: "user",
          content: [
            // Text first: Bedrock takes no cache point after a message holding only documents (an engine rule).
            { type: "text", text: "Compare them." },
            { type: "file", mediaType: "application/pdf", data: PDF, fileName: "q3_report.final.pdf" },
            {
              type: "file",
              mediaType: "application/pdf",
              data: PDF,
              fileName: "x.pdf",
              options: { effectBedrock: { documentName: "Appendix (B)", cachePoint: "1h" } }
            },
            { type: "file", mediaType: "image/png", data: PNG },
            { type: "file", mediaType: "video/mp4", data: "s3://media-bucket/clip.mp4" },
            { type: "file", mediaType: "application/pdf", data: new URL("s3://docs-bucket/annual.pdf") }
          ],
          options: { effectBedrock: { cachePoint: "5m" } }
        }
      ])
      yield* LanguageModel.generateText({ prompt }).pipe(Effect.provide(BedrockLanguageModel.model(NOVA)))
      const [body] = bodies(local)
      // The leading system message's cache point caches the system prompt.
      assert.deepStrictEqual(body.system, [{ text: "You read reports." }, { cachePoint: { type: "default" } }])
      const content = body.messages[0].content
      // Bedrock takes no cache point right after a document or a video: the engine puts each before the run
      // of documents and videos it followed.
      assert.deepStrictEqual(content.map((block: object) => Object.keys(block)[0]), [
        "text",
        "cachePoint",
        "document",
        "document",
        "image",
        "cachePoint",
        "video",
        "document"
      ])
      assert.deepStrictEqual(content[1], { cachePoint: { type: "default", ttl: "1h" } })
      assert.deepStrictEqual(content[5], { cachePoint: { type: "default", ttl: "5m" } })
      // Named from the file name, then by the option.
      assert.deepStrictEqual(content[2].document, {
        name: "q3 report final",
        format: "pdf",
        source: { bytes: base64(PDF) }
      })
      assert.deepStrictEqual(content[3].document.name, "Appendix (B)")
      assert.deepStrictEqual(content[4].image, { format: "png", source: { bytes: base64(PNG) } })
      assert.deepStrictEqual(content[6].video, {
        format: "mp4",
        source: { s3Location: { uri: "s3://media-bucket/clip.mp4" } }
      })
      // The third document has neither a name option nor a file name: the engine's own name.
      assert.deepStrictEqual(content[7].document, {
        name: "Document 3",
        format: "pdf",
        source: { s3Location: { uri: "s3://docs-bucket/annual.pdf" } }
      })
      assert.strictEqual(content.length, 8)
    }))

  it.effect("an unknown or invalid option fails before the network with InvalidRequestError and a did-you-mean", () =>
    Effect.gen(function*() {
      const local = yield* server
      const misspelt = yield* LanguageModel.generateText({
        prompt: [{
          role: "user",
          // @ts-expect-error: the options are typed (effect/ai's Prompt options, augmented)
          content: [{ type: "text", text: "Hi", options: { effectBedrock: { cachePiont: true } } }]
        }]
      }).pipe(Effect.provide(claude), Effect.flip)
      assert.strictEqual(misspelt.reason._tag, "InvalidRequestError")
      const reason = misspelt.reason as any
      assert.include(reason.description, "did you mean \"cachePoint\"?")
      assert.strictEqual(reason.parameter, "prompt.content[0].content[0].options.effectBedrock.cachePiont")

      const badName = yield* LanguageModel.generateText({
        prompt: [{
          role: "user",
          content: [{
            type: "file",
            mediaType: "text/plain",
            data: "aGk=",
            options: { effectBedrock: { documentName: "notes_v2.txt" } }
          }, { type: "text", text: "Read it" }]
        }]
      }).pipe(Effect.provide(claude), Effect.flip)
      assert.strictEqual(badName.reason._tag, "InvalidRequestError")
      assert.include((badName.reason as any).description, "Invalid document name")

      const setting = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        // @ts-expect-error: settings are typed too
        BedrockLanguageModel.withConfigOverride({ temprature: 0.5 }),
        Effect.provide(claude),
        Effect.flip
      )
      assert.strictEqual(setting.reason._tag, "InvalidRequestError")
      assert.include((setting.reason as any).description, "did you mean \"temperature\"?")
      assert.strictEqual(local.requests().length, 0)
    }))

  it.effect("signed and redacted reasoning come back in the metadata and go back to Bedrock in a Chat", () =>
    Effect.gen(function*() {
      const local = yield* server
      local.script(answer([
        { reasoningContent: { reasoningText: { text: "Think first.", signature: "sig-A" } } },
        { reasoningContent: { redactedContent: base64(REDACTED) } },
        { text: "Done." }
      ]))
      const chat = yield* Chat.empty
      const first = yield* chat.generateText({ prompt: "Go" }).pipe(
        Effect.provide(BedrockLanguageModel.model(CLAUDE, { maxTokens: 2048, thinking: "low" }))
      )
      const reasoning = first.content.filter((part) => part.type === "reasoning")
      assert.deepStrictEqual(reasoning.map((part) => part.metadata.effectBedrock), [
        { signature: "sig-A" },
        { redactedData: base64(REDACTED) }
      ])
      yield* chat.generateText({ prompt: "Again" }).pipe(
        Effect.provide(BedrockLanguageModel.model(CLAUDE, { maxTokens: 2048, thinking: "low" }))
      )
      const [, second] = bodies(local)
      assert.deepStrictEqual(second.messages[1].content, [
        { reasoningContent: { reasoningText: { text: "Think first.", signature: "sig-A" } } },
        { reasoningContent: { redactedContent: base64(REDACTED) } },
        { text: "Done." }
      ])
    }))

  it.effect("Bedrock's code execution: provider-executed parts, no handler, sent back as they came", () =>
    Effect.gen(function*() {
      const local = yield* server
      const call = {
        toolUseId: "ci-1",
        name: "nova_code_interpreter",
        input: { snippet: "print(2**10)" },
        type: "server_tool_use"
      }
      const result = {
        toolUseId: "ci-1",
        content: [{ json: { stdOut: "1024\n", exitCode: 0 } }],
        type: "nova_code_interpreter_result",
        status: "success"
      }
      local.script(answer([{ toolUse: call }, { toolResult: result }, { text: "It is 1024." }]))
      const Nova2 = BedrockLanguageModel.model(NOVA_2)
      const toolkit = Toolkit.make(BedrockTool.CodeExecution())
      const chat = yield* Chat.empty
      const response = yield* chat.generateText({ prompt: "What is 2**10?", toolkit }).pipe(Effect.provide(Nova2))
      assert.deepStrictEqual(
        response.content.flatMap((part) =>
          part.type === "tool-call" || part.type === "tool-result"
            ? [[part.type, part.name, part.providerExecuted]]
            : []
        ),
        [["tool-call", "BedrockCodeExecution", true], ["tool-result", "BedrockCodeExecution", true]]
      )
      assert.strictEqual(response.text, "It is 1024.")
      yield* chat.generateText({ prompt: "And 2**11?", toolkit }).pipe(Effect.provide(Nova2))
      const [first, second] = bodies(local)
      assert.deepStrictEqual(first.toolConfig.tools, [{ systemTool: { name: "nova_code_interpreter" } }])
      assert.deepStrictEqual(second.messages[1], {
        role: "assistant",
        content: [{ toolUse: call }, { toolResult: result }, { text: "It is 1024." }]
      })
    }))

  it.effect("the span has effect/ai's GenAI annotations, the cache tokens, region, server and cost", () =>
    Effect.gen(function*() {
      const local = yield* server
      const usage = {
        inputTokens: 100,
        outputTokens: 20,
        totalTokens: 1420,
        cacheReadInputTokens: 1000,
        cacheWriteInputTokens: 300
      }
      local.script(
        answer([{ text: "Hello." }], { usage }),
        Script.stream([...Script.textEvents(["Hel", "lo."]).slice(0, -1), Script.event("metadata", { usage })])
      )
      const { spans, tracer } = recordingTracer()
      const Model = BedrockLanguageModel.model(CLAUDE, { maxTokens: 300, temperature: 0.5, topP: 0.9 })
      const response = yield* LanguageModel.generateText({ prompt: "Hi" }).pipe(
        Effect.provide(Model),
        Effect.withTracer(tracer)
      )
      yield* LanguageModel.streamText({ prompt: "Hi" }).pipe(
        Stream.runDrain,
        Effect.provide(Model),
        Effect.withTracer(tracer)
      )
      const [request, streamRequest] = local.requests()
      const finish = response.content.find((part) => part.type === "finish")!
      assert.deepStrictEqual(
        [response.usage.inputTokens.total, response.usage.inputTokens.cacheRead, response.usage.inputTokens.cacheWrite],
        [1400, 1000, 300]
      )
      const cost = finish.metadata.effectBedrock!.cost!
      assert.isAbove(cost.cacheRead, 0)
      assert.isAbove(cost.cacheWrite, 0)
      const [generate, stream] = ["LanguageModel.generateText", "LanguageModel.streamText"].map((name) =>
        spans.find((span) => span.name === name) as Tracer.NativeSpan
      )
      const attributes = Object.fromEntries(generate!.attributes)
      const port = (yield* LocalBedrock.LocalBedrock).port
      assert.deepInclude(attributes, {
        "gen_ai.provider.name": "aws.bedrock",
        "gen_ai.operation.name": "chat",
        "gen_ai.output.type": "text",
        "gen_ai.request.model": CLAUDE,
        "gen_ai.request.max_tokens": 300,
        "gen_ai.request.temperature": 0.5,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.stream": false,
        "gen_ai.response.id": request!.requestId,
        "gen_ai.response.model": CLAUDE,
        "gen_ai.response.finish_reasons": ["end_turn"],
        "gen_ai.usage.input_tokens": 1400,
        "gen_ai.usage.output_tokens": 20,
        "gen_ai.usage.cache_read.input_tokens": 1000,
        "gen_ai.usage.cache_creation.input_tokens": 300,
        "aws.request_id": request!.requestId,
        "cloud.region": "us-east-1",
        "server.address": "127.0.0.1",
        "server.port": port,
        "effect_bedrock.cost.total": cost.total,
        "effect_bedrock.cost.currency": "USD"
      })
      const streamed = Object.fromEntries(stream!.attributes)
      assert.deepInclude(streamed, {
        "gen_ai.request.stream": true,
        "gen_ai.response.finish_reasons": ["end_turn"],
        "gen_ai.usage.input_tokens": 1400,
        "gen_ai.usage.cache_read.input_tokens": 1000
      })
      assert.strictEqual(streamRequest!.operation, "converse-stream")
      assert.isNumber(streamed["effect_bedrock.cost.total"])
    }))

  it.effect("a guardrail's answer: generateText returns it (content-filter), generateObject fails with ContentPolicyError", () =>
    Effect.gen(function*() {
      const local = yield* server
      const blocked = () =>
        Script.json({
          output: { message: { role: "assistant", content: [{ text: "Blocked by policy." }] } },
          stopReason: "guardrail_intervened",
          usage: { inputTokens: 12, outputTokens: 4, totalTokens: 16 },
          metrics: { latencyMs: 2 }
        }, { operation: "converse" })
      local.script(blocked(), blocked())
      const Guarded = BedrockLanguageModel.model(CLAUDE, {
        guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" }
      })
      const text = yield* LanguageModel.generateText({ prompt: "Something" }).pipe(Effect.provide(Guarded))
      assert.strictEqual(text.finishReason, "content-filter")
      const error = yield* LanguageModel.generateObject({
        prompt: "Something",
        schema: Schema.Struct({ city: Schema.String })
      }).pipe(Effect.provide(Guarded), Effect.flip)
      assert.strictEqual(error.reason._tag, "ContentPolicyError")
      assert.include((error.reason as any).description, "guardrail_intervened")
      assert.deepStrictEqual((error.reason as any).metadata.effectBedrock.rawFinishReason, "guardrail_intervened")
      const [first] = bodies(local)
      assert.deepStrictEqual(first.guardrailConfig, { guardrailIdentifier: "gr-1", guardrailVersion: "1" })
    }))
})

// The kinds of credentials failure (they never reach the local Bedrock, which signs nothing: the SDK or IAM
// refuse them), from the stub client with the typed errors the client makes of them.
layer(Layer.empty)("BedrockLanguageModel (Effect 4) credentials failures", (it) => {
  it.effect("a credentials failure is an AuthenticationError whose kind says which", () =>
    Effect.gen(function*() {
      const credentials = (exceptionName: string | undefined, message: string) =>
        new BedrockError.CredentialsError({
          message,
          position: "request",
          retryable: false,
          ...(exceptionName !== undefined ? { exceptionName } : {})
        })
      const Stubbed = BedrockLanguageModel.layer({ model: CLAUDE }).pipe(
        Layer.provide(BedrockClientStub.layer({
          converse: [
            credentials("ExpiredTokenException", "The security token included in the request is expired"),
            credentials("UnrecognizedClientException", "The security token included in the request is invalid"),
            credentials("CredentialsProviderError", "Could not load credentials from any providers")
          ]
        })),
        Layer.orDie
      )
      const kinds = yield* Effect.forEach([1, 2, 3], () =>
        LanguageModel.generateText({ prompt: "Hi" }).pipe(
          Effect.flip,
          Effect.map((error) => [error.reason._tag, (error.reason as any).kind, (error.reason as any).cause._tag])
        )).pipe(Effect.provide(Stubbed))
      assert.deepStrictEqual(kinds, [
        ["AuthenticationError", "ExpiredKey", "CredentialsError"],
        ["AuthenticationError", "InvalidKey", "CredentialsError"],
        ["AuthenticationError", "MissingKey", "CredentialsError"]
      ])
    }))
})
