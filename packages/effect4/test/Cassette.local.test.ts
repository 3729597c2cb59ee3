// Effect 4's BedrockClient records with its `record` option; the local Bedrock replays the file.
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import * as LocalBedrockServer from "@effect-bedrock/local/LocalBedrockServer"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as BedrockClient from "../src/BedrockClient.js"

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
