import {
  AccessDeniedException,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InternalServerException,
  ModelErrorException,
  ModelNotReadyException,
  ModelTimeoutException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException
} from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockScript, LocalBedrockServer } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { decodeFrames } from "../src/internal/eventStream.js"
import { collect, post, readJson, sdkClient, send, sendError, textOf, user } from "./fixtures.js"

const MODEL = "us.amazon.nova-micro-v1:0"
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

layer(LocalBedrock.layer(), { excludeTestServices: true })("LocalBedrock", (it) => {
  it.effect("listens on 127.0.0.1 only, on an ephemeral port", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      assert.match(local.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.isAbove(local.port, 0)
      assert.strictEqual(local.endpoint, `http://127.0.0.1:${local.port}`)
    }))

  it.effect("converse over HTTP/2 with the real SDK: default model echoes the user", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const out: any = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("Hello local world")] }))
      assert.deepStrictEqual(out.output.message, {
        role: "assistant",
        content: [{ text: "You said: Hello local world" }]
      })
      assert.strictEqual(out.stopReason, "end_turn")
      assert.deepStrictEqual(out.usage, { inputTokens: 3, outputTokens: 5, totalTokens: 8 })
      assert.isAtLeast(out.metrics.latencyMs, 1)
      assert.strictEqual(out.$metadata.httpStatusCode, 200)
      assert.match(out.$metadata.requestId, UUID)
      const [request] = yield* local.requests
      assert.strictEqual(request!.httpVersion, "2.0")
      assert.strictEqual(request!.operation, "converse")
      assert.strictEqual(request!.modelId, MODEL)
      assert.strictEqual(request!.path, "/model/us.amazon.nova-micro-v1%3A0/converse")
      assert.strictEqual(request!.requestId, out.$metadata.requestId)
    }))

  it.effect("converse-stream: word-by-word deltas decoded by the SDK, padding ignored", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const { error, events } = yield* collect(
        new ConverseStreamCommand({ modelId: MODEL, messages: [user("one two three")] })
      )
      assert.isUndefined(error)
      assert.deepStrictEqual(events[0], { messageStart: { role: "assistant" } })
      const deltas = events.filter((e) => e.contentBlockDelta !== undefined)
      assert.deepStrictEqual(deltas.map((e) => e.contentBlockDelta!.delta!.text), [
        "You",
        " said:",
        " one",
        " two",
        " three"
      ])
      // Padding is an unknown member: the SDK drops it.
      assert.isFalse(JSON.stringify(events).includes("\"p\""))
      assert.deepStrictEqual(events.at(-2), { messageStop: { stopReason: "end_turn" } })
      const metadata = events.at(-1)!.metadata!
      assert.deepStrictEqual(metadata.usage, { inputTokens: 3, outputTokens: 5, totalTokens: 8 })
      assert.isAtLeast(metadata.metrics!.latencyMs!, 1)
    }))

  it.effect("converse-stream frames carry the event headers and a random padding field", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const response = yield* post(local.endpoint, `/model/${encodeURIComponent(MODEL)}/converse-stream`, {
        messages: [user("hi")]
      })
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.headers.get("content-type"), "application/vnd.amazon.eventstream")
      assert.match(response.headers.get("x-amzn-requestid")!, UUID)
      const bytes = new Uint8Array(yield* Effect.promise(() => response.arrayBuffer()))
      const frames = decodeFrames(bytes)
      assert.deepStrictEqual(frames.map((f) => f.headers[":event-type"]), [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata"
      ])
      for (const frame of frames) {
        assert.strictEqual(frame.headers[":message-type"], "event")
        assert.strictEqual(frame.headers[":content-type"], "application/json")
        assert.match(JSON.parse(frame.body).p, /^[a-zA-Z0-9]+$/)
      }
    }))

  it.effect("count-tokens: deterministic, equal to converse's input tokens", () =>
    Effect.gen(function*() {
      const messages = [user("count these five words please")]
      const system = [{ text: "be brief" }]
      const counted: any = yield* send(
        new CountTokensCommand({ modelId: "amazon.nova-micro-v1:0", input: { converse: { messages, system } } })
      )
      const again: any = yield* send(
        new CountTokensCommand({ modelId: "amazon.nova-micro-v1:0", input: { converse: { messages, system } } })
      )
      const conversed: any = yield* send(new ConverseCommand({ modelId: MODEL, messages, system }))
      assert.strictEqual(counted.inputTokens, 7)
      assert.strictEqual(again.inputTokens, counted.inputTokens)
      assert.strictEqual(conversed.usage.inputTokens, counted.inputTokens)
      assert.match(counted.$metadata.requestId, UUID)
    }))

  it.effect("count-tokens rejects an inference profile as model id", () =>
    Effect.gen(function*() {
      const error = yield* sendError(
        new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: [user("hi")] } } })
      )
      assert.instanceOf(error, ValidationException)
      assert.match(error.message, /model identifier is invalid/)
    }))

  it.effect("HTTP/1.1 with fetch on the same port", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const response = yield* post(local.endpoint, "/model/local.small/converse", { messages: [user("hi")] })
      assert.strictEqual(response.status, 200)
      assert.match(response.headers.get("x-amzn-requestid")!, UUID)
      const body = yield* readJson(response)
      assert.deepStrictEqual(body.output.message.content, [{ text: "Hello from local Bedrock." }])
      const counted = yield* readJson(
        yield* post(local.endpoint, "/model/amazon.nova-micro-v1%3A0/count-tokens", {
          input: { converse: { messages: [user("three words here")] } }
        })
      )
      assert.deepStrictEqual(counted, { inputTokens: 3 })
      const requests = yield* local.requests
      assert.deepStrictEqual(requests.map((r) => [r.httpVersion, r.auth, r.operation]), [
        ["1.1", "bearer", "converse"],
        ["1.1", "bearer", "count-tokens"]
      ])
    }))

  it.effect("inference-profile ARNs are URL-decoded", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-v1:0"
      yield* send(new ConverseCommand({ modelId: arn, messages: [user("hi")] }))
      const [request] = yield* local.requests
      assert.strictEqual(request!.modelId, arn)
      assert.isTrue(request!.path.includes("arn%3Aaws%3Abedrock"))
    }))

  it.effect("each modelled exception reaches the SDK as its class, with status and request id", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const cases = [
        [ThrottlingException, "ThrottlingException", 429],
        [ValidationException, "ValidationException", 400],
        [AccessDeniedException, "AccessDeniedException", 403],
        [ResourceNotFoundException, "ResourceNotFoundException", 404],
        [ModelTimeoutException, "ModelTimeoutException", 408],
        [ModelNotReadyException, "ModelNotReadyException", 429],
        [ModelErrorException, "ModelErrorException", 424],
        [ServiceQuotaExceededException, "ServiceQuotaExceededException", 400],
        [ServiceUnavailableException, "ServiceUnavailableException", 503],
        [InternalServerException, "InternalServerException", 500]
      ] as const
      for (const [Class, name, status] of cases) {
        yield* local.script(LocalBedrockScript.failure(name, { message: `scripted ${name}` }))
        const error = yield* sendError(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }))
        assert.strictEqual(error instanceof Class, true, name)
        assert.strictEqual(error.name, name)
        assert.strictEqual(error.message, `scripted ${name}`)
        assert.strictEqual(error.$metadata.httpStatusCode, status)
        assert.match(error.$metadata.requestId, UUID)
        assert.strictEqual(error.$fault, status >= 500 ? "server" : "client")
      }
      assert.strictEqual(yield* local.pendingScripts, 0)
    }))

  it.effect("a failure script with a custom status, restricted to one operation", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* local.script(
        LocalBedrockScript.failure("ThrottlingException", { status: 400, operation: "converse-stream" })
      )
      // converse does not match the script: default answer.
      const ok: any = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }))
      assert.strictEqual(ok.$metadata.httpStatusCode, 200)
      const error = yield* Effect.flip(send(new ConverseStreamCommand({ modelId: MODEL, messages: [user("hi")] })))
      assert.instanceOf(error, ThrottlingException)
      assert.strictEqual((error as any).$metadata.httpStatusCode, 400)
    }))

  it.effect("HTTP errors over fetch: errortype header, JSON message, request id", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.script(LocalBedrockScript.failure("ModelNotReadyException"))
      const response = yield* post(local.endpoint, "/model/m/converse", { messages: [user("hi")] })
      assert.strictEqual(response.status, 429)
      assert.strictEqual(
        response.headers.get("x-amzn-errortype"),
        "ModelNotReadyException:http://internal.amazon.com/coral/com.amazon.bedrock/"
      )
      assert.match(response.headers.get("x-amzn-requestid")!, UUID)
      assert.match((yield* readJson(response)).message, /not ready/)
    }))

  it.effect("403 AccessDeniedException without authorization; unknown path 404", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const denied = yield* post(local.endpoint, "/model/m/converse", { messages: [user("hi")] }, {})
      assert.strictEqual(denied.status, 403)
      assert.match(denied.headers.get("x-amzn-errortype")!, /^AccessDeniedException:/)
      assert.match(denied.headers.get("x-amzn-requestid")!, UUID)
      assert.isString((yield* readJson(denied)).message)
      const unknown = yield* post(local.endpoint, "/model/m/invoke-everything", {})
      assert.strictEqual(unknown.status, 404)
      assert.match(unknown.headers.get("x-amzn-errortype")!, /^UnknownOperationException:/)
      assert.match(unknown.headers.get("x-amzn-requestid")!, UUID)
    }))

  it.effect("bearer API key with the SDK (httpBearerAuth)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const bearer = sdkClient(local.endpoint, {
        token: { token: "bedrock-api-key-secret" },
        authSchemePreference: ["httpBearerAuth"]
      })
      const out: any = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }), bearer)
      assert.strictEqual(out.$metadata.httpStatusCode, 200)
      const [request] = yield* local.requests
      assert.strictEqual(request!.auth, "bearer")
      assert.strictEqual(request!.headers.authorization, "Bearer <redacted>")
    }))

  it.effect("request log keeps headers and body but no secrets", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const sdk = sdkClient(local.endpoint, {
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret", sessionToken: "session-secret" }
      })
      yield* send(
        new ConverseCommand({ modelId: MODEL, messages: [user("log me")], inferenceConfig: { maxTokens: 50 } }),
        sdk
      )
      yield* post(local.endpoint, "/model/m/converse", { messages: [user("x")] }, {
        authorization: "Bearer very-secret",
        cookie: "session=secret"
      })
      const [signed, fetched] = yield* local.requests
      assert.strictEqual(signed!.auth, "sigv4")
      assert.match(
        signed!.headers.authorization!,
        /^AWS4-HMAC-SHA256 Credential=<redacted>\/\d{8}\/us-east-1\/bedrock\/aws4_request/
      )
      assert.match(signed!.headers.authorization!, /Signature=<redacted>$/)
      assert.strictEqual(signed!.headers["x-amz-security-token"], "<redacted>")
      assert.strictEqual(signed!.headers["content-type"], "application/json")
      assert.deepStrictEqual(signed!.body, { messages: [user("log me")], inferenceConfig: { maxTokens: 50 } })
      assert.strictEqual(signed!.method, "POST")
      assert.isUndefined(fetched!.headers.cookie)
      const serialized = JSON.stringify(yield* local.requests)
      for (const secret of ["AKIDLOCAL", "local-secret", "session-secret", "very-secret", "session=secret"]) {
        assert.isFalse(serialized.includes(secret), secret)
      }
    }))

  it.effect("scripted JSON bodies are answered exactly, FIFO", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* local.script(
        LocalBedrockScript.converseText("first", { inputTokens: 11 }),
        LocalBedrockScript.json({
          output: { message: { role: "assistant", content: [{ text: "second" }] } },
          stopReason: "max_tokens",
          usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3, cacheReadInputTokens: 4, cacheWriteInputTokens: 5 },
          metrics: { latencyMs: 42 },
          additionalModelResponseFields: { stop_sequence: null }
        }, { operation: "converse" }),
        LocalBedrockScript.countTokens(1234)
      )
      const counted: any = yield* send(
        new CountTokensCommand({ modelId: "amazon.nova-micro-v1:0", input: { converse: { messages: [user("a")] } } })
      )
      assert.strictEqual(counted.inputTokens, 1234)
      const first: any = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }))
      assert.strictEqual(first.output.message.content[0].text, "first")
      assert.strictEqual(first.usage.inputTokens, 11)
      const second: any = yield* send(new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }))
      assert.strictEqual(second.output.message.content[0].text, "second")
      assert.strictEqual(second.stopReason, "max_tokens")
      assert.deepStrictEqual(second.usage, {
        inputTokens: 1,
        outputTokens: 2,
        totalTokens: 3,
        cacheReadInputTokens: 4,
        cacheWriteInputTokens: 5
      })
      assert.strictEqual(second.metrics.latencyMs, 42)
      assert.deepStrictEqual(second.additionalModelResponseFields, { stop_sequence: null })
    }))

  it.effect("scripted exact stream events, with a model-id filter", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      yield* local.script(
        LocalBedrockScript.stream([
          LocalBedrockScript.event("messageStart", { role: "assistant" }),
          LocalBedrockScript.event("contentBlockDelta", {
            contentBlockIndex: 0,
            delta: { reasoningContent: { text: "hmm" } }
          }),
          LocalBedrockScript.event("contentBlockDelta", {
            contentBlockIndex: 0,
            delta: { reasoningContent: { signature: "sig" } }
          }),
          LocalBedrockScript.event("contentBlockStop", { contentBlockIndex: 0 }),
          LocalBedrockScript.event("someFutureEvent", { whatever: 1 }),
          LocalBedrockScript.event("messageStop", { stopReason: "guardrail_intervened" }, { padding: false }),
          LocalBedrockScript.event("metadata", {
            usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
            metrics: { latencyMs: 9 }
          })
        ], { modelId: "scripted-model" })
      )
      const other = yield* collect(new ConverseStreamCommand({ modelId: MODEL, messages: [user("hi")] }))
      assert.strictEqual(textOf(other.events), "You said: hi")
      const { error, events } = yield* collect(
        new ConverseStreamCommand({ modelId: "scripted-model", messages: [user("hi")] })
      )
      assert.isUndefined(error)
      // The unknown event type is dropped by the SDK.
      assert.deepStrictEqual(events, [
        { messageStart: { role: "assistant" } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: "hmm" } } } },
        { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: "sig" } } } },
        { contentBlockStop: { contentBlockIndex: 0 } },
        { messageStop: { stopReason: "guardrail_intervened" } },
        { metadata: { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 9 } } }
      ])
    }))
})

layer(LocalBedrock.layer({ requireAuth: false, padding: false }), { excludeTestServices: true })("options", (it) => {
  it.effect("requireAuth: false accepts anonymous requests; padding: false leaves payloads bare", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const response = yield* post(local.endpoint, "/model/m/converse-stream", { messages: [user("hi")] }, {})
      assert.strictEqual(response.status, 200)
      const frames = decodeFrames(new Uint8Array(yield* Effect.promise(() => response.arrayBuffer())))
      assert.isAbove(frames.length, 3)
      for (const frame of frames) assert.isUndefined(JSON.parse(frame.body).p)
      const [request] = yield* local.requests
      assert.strictEqual(request!.auth, "none")
    }))
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("lifecycle", (it) => {
  it.effect("the scope closes the server", () =>
    Effect.gen(function*() {
      const endpoint = yield* Effect.scoped(
        Effect.gen(function*() {
          const local = yield* LocalBedrock.make()
          const response = yield* post(local.endpoint, "/model/local.small/converse", { messages: [user("hi")] })
          assert.strictEqual(response.status, 200)
          yield* Effect.promise(() => response.text())
          return local.endpoint
        })
      )
      const error = yield* Effect.flip(post(endpoint, "/model/local.small/converse", { messages: [user("hi")] }))
      assert.match(String((error as any).cause?.code ?? (error as any).cause), /ECONNREFUSED/)
    }))

  it.effect("promise API: start, script, requests, close", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => LocalBedrockServer.start())
      server.script(LocalBedrockScript.converseText("from the promise API"))
      const out: any = yield* send(
        new ConverseCommand({ modelId: MODEL, messages: [user("hi")] }),
        sdkClient(server.endpoint)
      )
      assert.strictEqual(out.output.message.content[0].text, "from the promise API")
      assert.strictEqual(server.requests().length, 1)
      assert.strictEqual(server.openRequests(), 0)
      yield* Effect.promise(() => server.close())
      const error = yield* Effect.flip(post(server.endpoint, "/model/m/converse", {}))
      assert.match(String((error as any).cause?.code ?? (error as any).cause), /ECONNREFUSED/)
    }))
})
