// Cassettes, end to end through the real SDK: scripted traffic of one local Bedrock recorded by the
// client's `record` option, replayed by a second local Bedrock from the file; what `LanguageModel` sees
// must be the same, and the event-stream frames the same bytes.
import * as Format from "@effect-bedrock/converse/cassette/format"
import * as Frames from "@effect-bedrock/converse/cassette/frames"
import * as Match from "@effect-bedrock/converse/cassette/match"
import { BedrockClient, BedrockLanguageModel, LanguageModel, Tool, Toolkit } from "@effect-bedrock/core"
import {
  LocalBedrock,
  LocalBedrockCassette,
  LocalBedrockScript as Script,
  LocalBedrockServer
} from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Layer, Redacted, Schema, Stream } from "effect"
import * as fs from "node:fs"
import * as http2 from "node:http2"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, vi } from "vitest"

const SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
const ACCOUNT = "123456789012"
const PROFILE_ARN = `arn:aws:bedrock:us-east-1:${ACCOUNT}:application-inference-profile/abc123xyz`
const secrets = {
  accessKeyId: "AKIAZXCVBNMASDFGHJKL",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY",
  sessionToken: "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN+abc/def==",
  apiKey: "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlMTIzNDU2Nzg5MA=="
}

const temporaryFile = (name: string): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cassette-")), name)

const frame = (type: string, payload: Record<string, unknown>, padding = "abcdefgh"): Uint8Array =>
  Frames.encode({ kind: "event", type, payload: { ...payload, p: padding } })

const concat = (frames: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(frames)

/** The thinking stream, encoded here, so the bytes the live server sends are known exactly. */
const thinkingFrames = [
  frame("messageStart", { role: "assistant" }),
  frame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Porto is " } } }, "abc"),
  frame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "rainy." } } }),
  frame("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: "EqQBCkYIBhgCSig" } } }),
  frame("contentBlockStop", { contentBlockIndex: 0 }),
  frame("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Take an umbrella." } }, "xyz0123456789"),
  frame("contentBlockStop", { contentBlockIndex: 1 }),
  frame("messageStop", { stopReason: "end_turn" }),
  frame("metadata", {
    usage: { inputTokens: 30, outputTokens: 12, totalTokens: 42 },
    metrics: { latencyMs: 412 },
    trace: { promptRouter: { invokedModelId: `arn:aws:bedrock:us-east-1:${ACCOUNT}:inference-profile/${SONNET}` } }
  })
]

const throttledFrames = [
  frame("messageStart", { role: "assistant" }),
  frame("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Half an ans" } }),
  Frames.encode({ kind: "exception", type: "throttlingException", payload: { message: "Too many tokens, slow down" } })
]

const weather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  handler: ({ city }) => Effect.succeed({ city, celsius: 18 })
})

const scripts = [
  Script.converseText("Hello from the recording.", { modelId: SONNET, inputTokens: 9, outputTokens: 5 }),
  Script.json({
    output: {
      message: {
        role: "assistant",
        content: [{ text: "Checking." }, {
          toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Porto" } }
        }]
      }
    },
    stopReason: "tool_use",
    usage: { inputTokens: 50, outputTokens: 20, totalTokens: 70 },
    metrics: { latencyMs: 88 }
  }),
  Script.stream([Script.bytes(concat(thinkingFrames))]),
  Script.stream([Script.bytes(concat(throttledFrames))]),
  Script.failure("ThrottlingException", { message: "Too many requests, please wait before trying again." }),
  Script.countTokens(321),
  Script.converseText("The same question, answered again.", { modelId: SONNET })
]

/** Everything `LanguageModel` shows of one call, without the client's clock. */
const seen = <A extends { readonly timestamp?: unknown }>(response: A) => {
  const { timestamp: _timestamp, ...rest } = response
  return rest
}

const failureOf = (error: unknown) => {
  const e = error as Record<string, unknown>
  return { tag: e._tag, message: e.message, requestId: e.requestId, status: e.status, position: e.position }
}

/** The scripted traffic: text, tool use, thinking, a mid-stream throttling, a 429, CountTokens, a repeat. */
const scenario = Effect.gen(function*() {
  const text = seen(yield* LanguageModel.generate({ prompt: "Say hello" }))
  const tools = seen(
    yield* LanguageModel.generate({ prompt: "Weather in Porto?", tools: Toolkit.make(weather).definitions })
  )
  const thinking = Chunk.toArray(
    yield* Stream.runCollect(LanguageModel.stream({
      prompt: "Should I take an umbrella?",
      settings: { thinking: "low" }
    }))
  ).map((part) => part._tag === "Finish" ? { ...part, response: seen(part.response) } : part)
  const partial: Array<unknown> = []
  const midStream = yield* Effect.flip(
    Stream.runForEach(
      LanguageModel.stream({ prompt: "Tell me a long story" }),
      (part) => Effect.sync(() => partial.push(part))
    )
  )
  const throttled = yield* Effect.flip(LanguageModel.generate({ prompt: "Once more" }))
  const count = yield* LanguageModel.countTokens({ prompt: "How many tokens is this?" })
  const repeat = seen(yield* LanguageModel.generate({ prompt: "Say hello" }))
  const profile = yield* Effect.flatMap(
    BedrockClient.BedrockClient,
    (client) =>
      client.converse({ modelId: PROFILE_ARN, messages: [{ role: "user", content: [{ text: "via a profile" }] }] })
  )
  return {
    text,
    tools,
    thinking,
    midStream: { partial, error: failureOf(midStream) },
    throttled: failureOf(throttled),
    count,
    repeat,
    profile: { output: profile.output, requestId: profile.$metadata.requestId }
  }
})

const model = BedrockLanguageModel.layer({ model: SONNET })

/** A live run against a scripted local Bedrock, recorded into `file`. */
const recordLive = (file: string) =>
  Effect.gen(function*() {
    const live = yield* Effect.acquireRelease(
      Effect.promise(() => LocalBedrockServer.start()),
      (server) => Effect.promise(() => server.close())
    )
    live.script(...scripts, Script.converseText("Profile answer.", { modelId: PROFILE_ARN }))
    const result = yield* scenario.pipe(
      Effect.provide(model.pipe(Layer.provideMerge(BedrockClient.layer({
        region: "us-east-1",
        endpoint: live.endpoint,
        retry: false,
        credentials: {
          accessKeyId: secrets.accessKeyId,
          secretAccessKey: Redacted.make(secrets.secretAccessKey),
          sessionToken: Redacted.make(secrets.sessionToken)
        },
        record: file
      }))))
    )
    return { result, live }
  })

/** The raw body of a ConverseStream request, straight off HTTP/2 (no SDK in between). */
const rawStream = (endpoint: string, modelId: string, body: unknown) =>
  Effect.async<Buffer>((resume) => {
    const session = http2.connect(endpoint)
    const request = session.request({
      ":method": "POST",
      ":path": `/model/${encodeURIComponent(modelId)}/converse-stream`,
      "content-type": "application/json",
      authorization: "Bearer local"
    })
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      session.close()
      resume(Effect.succeed(Buffer.concat(chunks)))
    })
    request.end(JSON.stringify(body))
    return Effect.sync(() => session.destroy())
  })

describe("cassettes", () => {
  it.scoped(
    "round trip: recorded through the real SDK, replayed by a second local Bedrock, seen the same",
    () =>
      Effect.gen(function*() {
        const file = temporaryFile("round-trip.json")
        const { result: live } = yield* recordLive(file)
        // The live run saw what was scripted.
        assert.strictEqual(live.text.parts[0]?._tag, "Text")
        assert.strictEqual(live.midStream.error.tag, "ThrottlingError")
        assert.strictEqual(live.midStream.error.position, "stream")
        assert.strictEqual(live.throttled.tag, "ThrottlingError")
        assert.strictEqual(live.count, 321)
        assert.isTrue(live.thinking.some((part) => part._tag === "ThinkingDelta"))

        const text = fs.readFileSync(file, "utf8")
        const parsed = Format.parse(text, file)
        assert.isTrue(parsed.ok, parsed.ok ? "" : parsed.message)
        const interactions = parsed.ok ? parsed.cassette.interactions : []
        assert.deepStrictEqual(interactions.map((i) => [i.operation, i.response.status]), [
          ["converse", 200],
          ["converse", 200],
          ["converse-stream", 200],
          ["converse-stream", 200],
          ["converse", 429],
          ["count-tokens", 200],
          ["converse", 200],
          ["converse", 200]
        ])
        // The account id is out of the profile ARN, in the path and in a frame (re-encoded, marked).
        assert.strictEqual(interactions[7]!.modelId, PROFILE_ARN.replace(ACCOUNT, "000000000000"))
        const thinkingRecorded = interactions[2]!.response.frames!
        assert.isTrue(thinkingRecorded[8]!.scrubbed)
        // Every other frame is the exact bytes the live server sent.
        for (let i = 0; i < 8; i++) {
          assert.deepStrictEqual(Buffer.from(thinkingRecorded[i]!.bytes!, "base64"), Buffer.from(thinkingFrames[i]!))
          assert.isUndefined(thinkingRecorded[i]!.scrubbed)
        }
        assert.deepStrictEqual(
          interactions[3]!.response.frames!.map((f) => Buffer.from(f.bytes!, "base64")),
          throttledFrames.map((f) => Buffer.from(f))
        )
        assert.isUndefined(interactions[3]!.response.end, "a stream that ended on an exception is whole")
        assert.deepStrictEqual(interactions[3]!.response.frames![2], {
          exception: "throttlingException",
          payload: { message: "Too many tokens, slow down" },
          bytes: Buffer.from(throttledFrames[2]!).toString("base64")
        })
        assert.notInclude(text, ACCOUNT)

        // Replayed by a second local Bedrock, through the same SDK and LanguageModel.
        const replayed = yield* scenario.pipe(
          Effect.provide(model.pipe(Layer.provideMerge(
            LocalBedrock.cassette(file, { mode: "replay", strict: true, client: { retry: false } })
          )))
        )
        // The profile ARN's account differs from the recording's, and still matches.
        assert.deepStrictEqual(
          { ...replayed, thinking: replayed.thinking.map(scrubbedArn) },
          { ...live, thinking: live.thinking.map(scrubbedArn) }
        )
        assert.strictEqual(replayed.text.requestId, interactions[0]!.response.headers["x-amzn-requestid"])
        assert.notStrictEqual(replayed.text.parts, replayed.repeat.parts)
        assert.notDeepEqual(replayed.text.parts, replayed.repeat.parts)

        // The bytes a replay sends are the recorded frames, byte for byte.
        const server = yield* Effect.acquireRelease(
          Effect.promise(() => LocalBedrockServer.start({ cassette: file })),
          (server) => Effect.promise(() => server.close())
        )
        const raw = yield* rawStream(server.endpoint, interactions[3]!.modelId, interactions[3]!.request.body)
        assert.deepStrictEqual(raw, Buffer.from(concat(throttledFrames)))
      }),
    30_000
  )
})

/** The one difference a replay may show: the account id of an ARN inside a frame, scrubbed when recorded. */
const scrubbedArn = (part: unknown): unknown => JSON.parse(JSON.stringify(part).split(ACCOUNT).join("000000000000"))

const NOVA = "us.amazon.nova-micro-v1:0"
const fixture = fileURLToPath(new URL("fixtures/cassettes/api-reference.json", import.meta.url))
const haiku = { prompt: "Write a haiku about the sea." }
const nova = BedrockLanguageModel.layer({ model: NOVA })

/** A scoped local Bedrock standing in for the real one. */
const liveServer = Effect.acquireRelease(
  Effect.promise(() => LocalBedrockServer.start()),
  (server) => Effect.promise(() => server.close())
)

/** The defect a layer's scope ended with, if any. */
const defectOf = <E>(exit: Exit.Exit<unknown, E>): unknown =>
  Exit.isFailure(exit) ? Cause.dieOption(exit.cause).pipe((o) => o._tag === "Some" ? o.value : undefined) : undefined

describe("cassettes, replay", () => {
  // The modes given in code are what these tests are about: neither CI (which forces replay) nor a mode variable
  // of the machine that runs them applies.
  beforeEach(() => {
    vi.stubEnv("CI", "")
    vi.stubEnv("BEDROCK_CASSETTE_MODE", "")
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })
  it.effect("a cassette written by hand from the API reference's example shapes replays (frames from words)", () =>
    Effect.gen(function*() {
      const answer = yield* LanguageModel.generate(haiku)
      assert.strictEqual(
        answer.parts[0]?._tag === "Text" && answer.parts[0].text.split("\n")[0],
        "Waves fold into foam,"
      )
      assert.strictEqual(answer.requestId, "0e2a3b44-5f1c-4d2e-9a7b-1c2d3e4f5a6b")
      assert.deepStrictEqual([answer.usage.inputTokens, answer.usage.outputTokens], [14, 22])
      const parts = Chunk.toArray(yield* Stream.runCollect(LanguageModel.stream(haiku)))
      const deltas = parts.flatMap((part) => part._tag === "TextDelta" ? [part.delta] : [])
      assert.deepStrictEqual(deltas, ["Waves fold into foam,", "\nthe tide keeps its time."])
      const finish = parts.at(-1)
      assert.strictEqual(finish?._tag === "Finish" && finish.response.usage.outputTokens, 12)
      assert.strictEqual(yield* LanguageModel.countTokens(haiku), 14)
      const client = yield* BedrockClient.BedrockClient
      const invalid = yield* Effect.flip(client.converse({
        modelId: NOVA,
        messages: [{ role: "user", content: [{ text: haiku.prompt }] }],
        inferenceConfig: { maxTokens: 100000 }
      }))
      assert.strictEqual(invalid._tag, "ValidationError")
      assert.strictEqual(invalid.requestId, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
      assert.include(invalid.message, "exceeds the model limit of 10000")
      const report = yield* Effect.flatMap(LocalBedrockCassette.LocalBedrockCassette, (c) => c.report)
      assert.deepStrictEqual([report.played, report.unplayed.length, report.mismatches.length], [4, 0, 0])
    }).pipe(Effect.provide(nova.pipe(Layer.provideMerge(LocalBedrock.cassette(fixture, { strict: true }))))))

  it.effect("a request with no match: a diff against the closest recorded one, and the scope ends with the typed error", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(nova.pipe(Layer.provideMerge(LocalBedrock.cassette(fixture))))
        const error = yield* Effect.flip(
          LanguageModel.generate({ prompt: "Write a haiku about the moon." }).pipe(Effect.provide(context))
        )
        assert.strictEqual(error._tag, "UnknownBedrockError")
        assert.include(error.message, "no recorded interaction matches")
        assert.match(
          error.message,
          /\n- +"text": "Write a haiku about the sea."\n\+ +"text": "Write a haiku about the moon."/
        )
      })))
      const defect = defectOf(exit)
      assert.instanceOf(defect, LocalBedrockCassette.CassetteMismatchError)
      const mismatch = (defect as LocalBedrockCassette.CassetteMismatchError).mismatches[0]!
      assert.strictEqual(mismatch.closest, 0)
      assert.match(mismatch.diff, /\n\+ +"text": "Write a haiku about the moon."/)
    }))

  it.effect("strict: interactions never played fail the scope at its end, by index", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        LanguageModel.generate(haiku).pipe(
          Effect.provide(nova.pipe(Layer.provideMerge(LocalBedrock.cassette(fixture, { strict: true }))))
        )
      )
      const defect = defectOf(exit) as LocalBedrockCassette.CassetteUnplayedError
      assert.instanceOf(defect, LocalBedrockCassette.CassetteUnplayedError)
      assert.deepStrictEqual(defect.unplayed.map((u) => [u.index, u.operation]), [
        [1, "converse-stream"],
        [2, "count-tokens"],
        [3, "converse"]
      ])
    }))

  it.effect("modes: the environment variable wins, CI means replay, anything else is refused", () =>
    Effect.gen(function*() {
      const resolve = LocalBedrockCassette.resolveMode
      assert.strictEqual(yield* resolve("record", { BEDROCK_CASSETTE_MODE: "once" }), "once")
      assert.strictEqual(yield* resolve("record", { CI: "true" }), "replay")
      assert.strictEqual(yield* resolve("record", { CI: "true", BEDROCK_CASSETTE_MODE: "record" }), "record")
      assert.strictEqual(yield* resolve(undefined, {}), "replay")
      const error = yield* Effect.flip(resolve(undefined, { BEDROCK_CASSETTE_MODE: "rewind" }))
      assert.include(error.message, "expected replay, record or once")
      const badOption = yield* Effect.flip(Effect.scoped(BedrockClient.make({ region: "us-east-1", record: " " })))
      assert.include(String(badOption), "Invalid option \"record\": expected the path of the cassette file")
      const missing = yield* Effect.flip(
        Layer.build(LocalBedrock.cassette("/nonexistent/cassette.json")).pipe(Effect.scoped)
      )
      assert.strictEqual(missing._tag, "CassetteError")
      assert.include(missing.message, "BEDROCK_CASSETTE_MODE=record")
    }))

  it.scoped("once: what the cassette has is replayed, what it lacks goes to Bedrock and is added", () =>
    Effect.gen(function*() {
      const file = temporaryFile("once.json")
      fs.copyFileSync(fixture, file)
      const live = yield* liveServer
      yield* Effect.gen(function*() {
        const sea = yield* LanguageModel.generate(haiku)
        assert.strictEqual(sea.requestId, "0e2a3b44-5f1c-4d2e-9a7b-1c2d3e4f5a6b")
        const fresh = yield* LanguageModel.generate({ prompt: "A new question" })
        assert.include(JSON.stringify(fresh.parts), "A new question")
        const cassette = yield* LocalBedrockCassette.LocalBedrockCassette
        assert.strictEqual(yield* cassette.recorded, 1)
      }).pipe(Effect.provide(nova.pipe(Layer.provideMerge(LocalBedrock.cassette(file, {
        mode: "once",
        client: { region: "us-east-1", endpoint: live.endpoint, credentials: LocalBedrock.localCredentials }
      })))))
      // Only the missing request reached "Bedrock"; the file has the old four and the new one.
      assert.deepStrictEqual(live.requests().map((r) => r.operation), ["converse"])
      const read = Format.parse(fs.readFileSync(file, "utf8"))
      assert.isTrue(read.ok)
      const interactions = read.ok ? read.cassette.interactions : []
      assert.strictEqual(interactions.length, 5)
      assert.include(JSON.stringify(interactions[4]!.request.body), "A new question")
    }))
})

describe("cassettes, recording", () => {
  it.scoped("a recorded file holds none of the credentials it was given (keys, token, bearer key, account id)", () =>
    Effect.gen(function*() {
      const live = yield* liveServer
      live.script(
        Script.failure("AccessDeniedException", {
          message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/dev/me is not authorized to perform: bedrock:Converse`
        })
      )
      const file = temporaryFile("secrets.json")
      // Each client's prompts quote its own credentials (what a client cannot know it cannot scrub).
      const run = (leaky: string, options: Partial<BedrockClient.Options>) =>
        Effect.gen(function*() {
          const client = yield* BedrockClient.make({
            region: "us-east-1",
            endpoint: live.endpoint,
            retry: false,
            record: { file, existing: "append", accountIds: [ACCOUNT] },
            ...options
          })
          const ask = (modelId: string) =>
            client.converse({ modelId, messages: [{ role: "user", content: [{ text: leaky }] }] })
          yield* Effect.flip(ask(NOVA))
          yield* ask(NOVA)
          yield* ask(PROFILE_ARN)
          yield* Stream.runDrain(
            client.converseStream({ modelId: NOVA, messages: [{ role: "user", content: [{ text: leaky }] }] })
          )
        }).pipe(Effect.scoped)
      yield* run(
        `key ${secrets.accessKeyId} secret ${secrets.secretAccessKey} token ${secrets.sessionToken} ${ACCOUNT}`,
        {
          credentials: {
            accessKeyId: secrets.accessKeyId,
            secretAccessKey: Redacted.make(secrets.secretAccessKey),
            sessionToken: Redacted.make(secrets.sessionToken)
          }
        }
      )
      live.script(Script.failure("AccessDeniedException", { message: `arn:aws:iam::${ACCOUNT}:root` }))
      yield* run(`bearer ${secrets.apiKey} account ${ACCOUNT}`, { apiKey: Redacted.make(secrets.apiKey) })
      // The echoing default model answered with them: the live traffic held every secret.
      assert.include(JSON.stringify(live.requests().map((r) => r.body)), secrets.secretAccessKey)
      const text = fs.readFileSync(file, "utf8")
      assert.strictEqual(JSON.parse(text).interactions.length, 8)
      for (const secret of [...Object.values(secrets), ACCOUNT]) {
        for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString("base64")]) {
          assert.notInclude(text, form)
        }
        // Nor inside a frame's bytes.
        for (const interaction of JSON.parse(text).interactions) {
          for (const f of interaction.response.frames ?? []) {
            assert.notInclude(Buffer.from(f.bytes, "base64").toString("utf8"), secret)
          }
        }
      }
      assert.include(text, "000000000000")
      assert.include(text, "<redacted>")
    }))

  it.scoped("the stream is teed, not buffered: events reach a reader of a stream that never ends; cut, then replayed", () =>
    Effect.gen(function*() {
      const live = yield* liveServer
      live.script(Script.stream(undefined, { fault: Script.hangAfter(3) }))
      const file = temporaryFile("hang.json")
      const request = { modelId: NOVA, messages: [{ role: "user" as const, content: [{ text: "Hello there" }] }] }
      const first = yield* Effect.scoped(Effect.gen(function*() {
        const client = yield* BedrockClient.make({
          region: "us-east-1",
          endpoint: live.endpoint,
          credentials: LocalBedrock.localCredentials,
          record: file
        })
        return Chunk.toArray(yield* Stream.runCollect(Stream.take(client.converseStream(request), 3)))
      }))
      assert.strictEqual(first.length, 3)
      const read = Format.parse(fs.readFileSync(file, "utf8"))
      const interaction = read.ok ? read.cassette.interactions[0]! : undefined
      assert.strictEqual(interaction?.response.end, "reset")
      assert.isAtLeast(interaction!.response.frames!.length, 2)
      // Replayed: the same first events, then the stream is reset.
      const replayed = yield* Effect.gen(function*() {
        const client = yield* BedrockClient.BedrockClient
        return yield* Effect.either(Stream.runCollect(client.converseStream(request)))
      }).pipe(Effect.provide(LocalBedrock.cassette(file, { client: { retry: false } })))
      assert.isTrue(replayed._tag === "Left" && replayed.left._tag === "TransportError")
    }))

  it.scopedLive("concurrent requests: each exchange written as it completes, in the order the requests started", () =>
    Effect.gen(function*() {
      const live = yield* liveServer
      // The first request answers last.
      live.script(Script.delayed(150), Script.delayed(80), Script.delayed(10))
      const file = temporaryFile("concurrent.json")
      const client = yield* BedrockClient.make({
        region: "us-east-1",
        endpoint: live.endpoint,
        credentials: LocalBedrock.localCredentials,
        record: file
      })
      const ask = (text: string) =>
        client.converse({ modelId: NOVA, messages: [{ role: "user", content: [{ text }] }] })
      const firstDone = yield* Effect.fork(ask("one"))
      yield* Effect.sleep("20 millis")
      const second = yield* Effect.fork(ask("two"))
      yield* Effect.sleep("20 millis")
      yield* ask("three")
      yield* Effect.yieldNow()
      yield* Effect.sleep("5 millis")
      // Written before the others completed.
      const early = JSON.parse(fs.readFileSync(file, "utf8"))
      assert.deepStrictEqual(early.interactions.map((i: any) => i.request.body.messages[0].content[0].text), ["three"])
      yield* second.await
      yield* firstDone.await
      yield* Effect.sleep("5 millis")
      const all = JSON.parse(fs.readFileSync(file, "utf8"))
      assert.deepStrictEqual(all.interactions.map((i: any) => i.request.body.messages[0].content[0].text), [
        "one",
        "two",
        "three"
      ])
      assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ["concurrent.json"], "no temporary file left")
    }))
})

describe("cassette format", () => {
  it("key order does not matter; a hand-edited payload with stale bytes is refused", () => {
    const interaction = (body: unknown, frames?: ReadonlyArray<Format.Frame>) => ({
      operation: "converse-stream" as const,
      modelId: NOVA,
      request: { body },
      response: { status: 200, headers: {}, frames: frames ?? [] }
    })
    const player = new Match.Player([interaction({ a: 1, b: { c: [1, 2], d: "x" } })])
    assert.strictEqual(
      player.take({ operation: "converse-stream", modelId: NOVA, body: { b: { d: "x", c: [1, 2] }, a: 1 } })._tag,
      "Hit"
    )
    const bytes = Buffer.from(Frames.encode({ kind: "event", type: "messageStart", payload: { role: "assistant" } }))
    const good = Format.parse(JSON.stringify({
      version: 1,
      interactions: [
        interaction({}, [{ event: "messageStart", payload: { role: "assistant" }, bytes: bytes.toString("base64") }])
      ]
    }))
    assert.isTrue(good.ok)
    const stale = Format.parse(
      JSON.stringify({
        version: 1,
        interactions: [
          interaction({}, [{ event: "messageStart", payload: { role: "user" }, bytes: bytes.toString("base64") }])
        ]
      }),
      "x.json"
    )
    assert.isFalse(stale.ok)
    assert.include(stale.ok ? "" : stale.message, "x.json: $.interactions[0].response.frames[0]: its event/exception")
    const future = Format.parse(JSON.stringify({ version: 2, interactions: [] }))
    assert.include(future.ok ? "" : future.message, "this reader knows version 1")
  })
})

describe("docs/testing.md", () => {
  it("its examples are the test files that run (packages/local/test/docs), as pasted", () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url))
    const fences = [...fs.readFileSync(path.join(root, "docs/testing.md"), "utf8").matchAll(/```ts\n([^]*?)```/g)]
      .map((m) => m[1])
    const files = ["stubLayers", "localScripted", "cassette"].map((name) =>
      fs.readFileSync(path.join(root, `packages/local/test/docs/${name}.test.ts`), "utf8")
    )
    assert.deepStrictEqual(fences, files)
  })
})
