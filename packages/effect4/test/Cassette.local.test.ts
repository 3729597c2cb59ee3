// Effect 4's BedrockClient records with its `record` option; the local Bedrock replays the file, directly or
// through the testing entry's LocalBedrockCassette layer (the engine's modes and verdicts).
import * as Format from "@effect-bedrock/converse/cassette/format"
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, vi } from "vitest"
import * as BedrockClient from "../src/BedrockClient.js"
import { LocalBedrockCassette } from "../src/testing.js"

const credentials = { accessKeyId: "AKIAEFFECTFOURTEST00", secretAccessKey: "effect-four-secret-key" }
const input = { modelId: "us.amazon.nova-micro-v1:0", messages: [{ role: "user" as const, content: [{ text: "Hi" }] }] }

const server = (options?: LocalBedrockServer.Options) =>
  Effect.acquireRelease(
    Effect.promise(() => LocalBedrockServer.start(options)),
    (server) => Effect.promise(() => server.close())
  )

/** A converse and a stream that fails mid-way, as the client sees them. */
const calls = (endpoint: string, record?: string) =>
  Effect.scoped(Effect.gen(function*() {
    const client = yield* BedrockClient.make({ region: "us-east-1", endpoint, credentials, maxAttempts: 1, record })
    const answer = yield* client.converse(input)
    const events: Array<unknown> = []
    const failure = yield* Effect.flip(Stream.runForEach(client.converseStream(input), (event) =>
      Effect.sync(() => {
        events.push(event)
      })))
    return {
      answer: { output: answer.output, usage: answer.usage, requestId: answer.$metadata.requestId },
      events,
      failure: { tag: failure._tag, message: failure.message }
    }
  }))

describe("cassettes (Effect 4)", () => {
  it.effect("recorded by BedrockClient's record option, replayed the same by the local Bedrock", () =>
    Effect.scoped(Effect.gen(function*() {
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cassette-e4-")), "e4.json")
      const live = yield* server()
      live.script(
        Script.converseText("Hello from Effect 4."),
        Script.stream([...Script.textEvents(["a", "b"]).slice(0, 3), Script.exception("throttlingException")])
      )
      const recorded = yield* calls(live.endpoint, file)
      assert.strictEqual(recorded.failure.tag, "ThrottlingError")
      const text = fs.readFileSync(file, "utf8")
      assert.notInclude(text, credentials.accessKeyId)
      assert.strictEqual(JSON.parse(text).interactions.length, 2)
      const replay = yield* server({ cassette: file })
      const replayed = yield* calls(replay.endpoint)
      assert.deepStrictEqual(replayed, recorded)
      assert.deepStrictEqual(replay.cassetteReport()?.unplayed, [])
    })))
})

const NOVA = "us.amazon.nova-micro-v1:0"
/** The hand cassette of `@effect-bedrock/local`'s tests, from the Bedrock API reference's example shapes. */
const fixture = fileURLToPath(new URL("../../local/test/fixtures/cassettes/api-reference.json", import.meta.url))
const sea = [{ role: "user" as const, content: [{ text: "Write a haiku about the sea." }] }]
/** What the cassette's requests carried (as core's BedrockLanguageModel sends them). */
const haiku = (text = "Write a haiku about the sea.") => ({
  modelId: NOVA,
  messages: [{ role: "user" as const, content: [{ text }] }],
  system: [],
  inferenceConfig: {}
})
const temporaryFile = (name: string) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cassette-e4-")), name)
const defectOf = (exit: Exit.Exit<unknown, unknown>): unknown =>
  Exit.isFailure(exit) ? Result.getOrUndefined(Cause.findDefect(exit.cause)) : undefined

describe("LocalBedrockCassette (Effect 4 testing entry)", () => {
  // The modes given in code are what these tests are about: neither CI (which forces replay) nor a mode variable
  // of the machine that runs them applies.
  beforeEach(() => {
    vi.stubEnv("CI", "")
    vi.stubEnv("BEDROCK_CASSETTE_MODE", "")
  })
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it.effect("replay: the hand cassette answers converse, the stream, countTokens and an error, all played", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const answer = yield* client.converse(haiku())
      const text = answer.output?.message?.content?.[0]?.text ?? ""
      assert.strictEqual(text.split("\n")[0], "Waves fold into foam,")
      assert.strictEqual(answer.$metadata.requestId, "0e2a3b44-5f1c-4d2e-9a7b-1c2d3e4f5a6b")
      const events = yield* Stream.runCollect(client.converseStream(haiku()))
      const deltas = events.flatMap((e) => e.contentBlockDelta?.delta?.text ?? [])
      assert.deepStrictEqual(deltas, ["Waves fold into foam,", "\nthe tide keeps its time."])
      const count = yield* client.countTokens({
        modelId: "amazon.nova-micro-v1:0",
        input: { converse: { messages: sea, system: [] } }
      })
      assert.strictEqual(count.inputTokens, 14)
      const invalid = yield* Effect.flip(
        client.converse({ modelId: NOVA, messages: sea, inferenceConfig: { maxTokens: 100000 } })
      )
      assert.strictEqual(invalid._tag, "ValidationError")
      assert.strictEqual(invalid.requestId, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
      assert.include(invalid.message, "exceeds the model limit of 10000")
      const cassette = yield* LocalBedrockCassette.LocalBedrockCassette
      assert.strictEqual(cassette.mode, "replay")
      const report = yield* cassette.report
      assert.deepStrictEqual([report.played, report.unplayed.length, report.mismatches.length], [4, 0, 0])
    }).pipe(Effect.provide(LocalBedrockCassette.layer(fixture, { strict: true, client: { retry: false } }))))

  it.effect("a request with no match: a diff in the client's error, and the scope ends with CassetteMismatchError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Effect.scoped(Effect.gen(function*() {
        const context = yield* Layer.build(LocalBedrockCassette.layer(fixture, { client: { retry: false } }))
        const client = Effect.provide(Effect.service(BedrockClient.BedrockClient), context)
        const error = yield* Effect.flip(
          Effect.flatMap(client, (c) => c.converse(haiku("Write a haiku about the moon.")))
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
      assert.include((defect as Error).message, "1 request(s) matched no recorded interaction of")
    }))

  it.effect("strict: interactions never played fail the scope, by index; a missing cassette is a CassetteError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Effect.flatMap(Effect.service(BedrockClient.BedrockClient), (c) => c.converse(haiku())).pipe(
          Effect.provide(LocalBedrockCassette.layer(fixture, { strict: true }))
        )
      )
      const defect = defectOf(exit) as LocalBedrockCassette.CassetteUnplayedError
      assert.instanceOf(defect, LocalBedrockCassette.CassetteUnplayedError)
      assert.deepStrictEqual(defect.unplayed.map((u) => [u.index, u.operation]), [
        [1, "converse-stream"],
        [2, "count-tokens"],
        [3, "converse"]
      ])
      const missing = yield* Effect.flip(
        Effect.scoped(Layer.build(LocalBedrockCassette.layer(path.join(os.tmpdir(), "no-such-cassette.json"))))
      )
      assert.strictEqual(missing._tag, "CassetteError")
      assert.include(missing.message, "BEDROCK_CASSETTE_MODE=record")
    }))

  it.effect("once: what the cassette has is replayed, what it lacks goes to Bedrock and is added", () =>
    Effect.scoped(Effect.gen(function*() {
      const file = temporaryFile("once.json")
      fs.copyFileSync(fixture, file)
      const live = yield* server()
      live.script(Script.converseText("Fresh from Bedrock."))
      yield* Effect.gen(function*() {
        const client = yield* BedrockClient.BedrockClient
        const replayed = yield* client.converse(haiku())
        assert.strictEqual(replayed.$metadata.requestId, "0e2a3b44-5f1c-4d2e-9a7b-1c2d3e4f5a6b")
        const fresh = yield* client.converse(haiku("A new question"))
        assert.strictEqual(fresh.output?.message?.content?.[0]?.text, "Fresh from Bedrock.")
        const cassette = yield* LocalBedrockCassette.LocalBedrockCassette
        assert.strictEqual(cassette.mode, "once")
        assert.strictEqual(yield* cassette.recorded, 1)
      }).pipe(Effect.provide(LocalBedrockCassette.layer(file, {
        mode: "once",
        client: { region: "us-east-1", endpoint: live.endpoint, credentials, retry: false }
      })))
      // Only the missing request reached "Bedrock"; the file has the old four and the new one.
      assert.deepStrictEqual(live.requests().map((r) => r.operation), ["converse"])
      const read = Format.parse(fs.readFileSync(file, "utf8"))
      const interactions = read.ok ? read.cassette.interactions : []
      assert.strictEqual(interactions.length, 5)
      assert.include(JSON.stringify(interactions[4]!.request.body), "A new question")
      assert.notInclude(fs.readFileSync(file, "utf8"), credentials.accessKeyId)
    })))

  it.effect("record: every request goes to Bedrock and the file is rewritten; CI alone forces replay", () =>
    Effect.scoped(Effect.gen(function*() {
      const file = temporaryFile("record.json")
      fs.copyFileSync(fixture, file)
      const live = yield* server()
      live.script(Script.converseText("Recorded answer."))
      const client = { region: "us-east-1", endpoint: live.endpoint, credentials, retry: false as const }
      const recorded = yield* Effect.flatMap(Effect.service(BedrockClient.BedrockClient), (c) => c.converse(haiku()))
        .pipe(
          Effect.provide(LocalBedrockCassette.layer(file, { mode: "record", client }))
        )
      assert.strictEqual(recorded.output?.message?.content?.[0]?.text, "Recorded answer.")
      assert.strictEqual(live.requests().length, 1, "the cassette's own answer was not used")
      const read = Format.parse(fs.readFileSync(file, "utf8"))
      assert.strictEqual(read.ok ? read.cassette.interactions.length : -1, 1, "rewritten, not appended")
      // Replayed from the new file: the recorded answer and request id, nothing sent to the live server.
      const replayed = yield* Effect.flatMap(Effect.service(BedrockClient.BedrockClient), (c) => c.converse(haiku()))
        .pipe(
          Effect.provide(LocalBedrockCassette.layer(file, { strict: true }))
        )
      assert.deepStrictEqual(
        [replayed.output, replayed.$metadata.requestId],
        [recorded.output, recorded.$metadata.requestId]
      )
      // In CI the option says record, and still nothing reaches the live server: replay of the file.
      vi.stubEnv("CI", "true")
      const mode = yield* Effect.flatMap(
        Effect.service(LocalBedrockCassette.LocalBedrockCassette),
        (c) => Effect.succeed(c.mode)
      ).pipe(
        Effect.provide(LocalBedrockCassette.layer(file, { mode: "record", client }))
      )
      assert.strictEqual(mode, "replay")
      assert.strictEqual(live.requests().length, 1)
      assert.strictEqual(
        yield* LocalBedrockCassette.resolveMode("record", { CI: "true", BEDROCK_CASSETTE_MODE: "once" }),
        "once"
      )
      const bad = yield* Effect.flip(LocalBedrockCassette.resolveMode(undefined, { BEDROCK_CASSETTE_MODE: "rewind" }))
      assert.include(bad.message, "expected replay, record or once")
    })))
})
