// BedrockBatch for Effect 4 end to end, on the same engine as core's: the real @aws-sdk/client-bedrock and
// @aws-sdk/client-s3 against the local Bedrock's batch control plane and s3rver, both on 127.0.0.1.
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import * as Script from "@effect-bedrock/local/LocalBedrockScript"
import { assert, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { startS3Server } from "../../../scripts/s3-server.mjs"
import * as BedrockBatch from "../src/BedrockBatch.js"
import * as LocalBedrock from "../src/LocalBedrock.js"

const BUCKET = "batch-bucket"
const MODEL = "us.amazon.nova-micro-v1:0"
const poll = Schedule.spaced("10 millis")

class Stack extends Context.Service<Stack, {
  readonly local: LocalBedrock.Service
  readonly s3: S3Client
  readonly options: BedrockBatch.Options
}>()("test/Effect4BatchStack") {}

const StackLive = Layer.effect(
  Stack,
  Effect.gen(function*() {
    const s3Server = yield* Effect.acquireRelease(
      Effect.promise(() => startS3Server({ buckets: [BUCKET] })),
      (server) => Effect.promise(() => server.close())
    )
    const local = yield* LocalBedrock.make({ batch: { s3: { endpoint: s3Server.endpoint }, timing: { stepMs: 5 } } })
    const s3 = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new S3Client({
          endpoint: s3Server.endpoint,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: s3Server.credentials
        })
      ),
      (client) => Effect.sync(() => client.destroy())
    )
    const options: BedrockBatch.Options = {
      region: "us-east-1",
      endpoint: local.url,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
      s3: {
        endpoint: s3Server.endpoint,
        forcePathStyle: true,
        credentials: {
          accessKeyId: s3Server.credentials.accessKeyId,
          secretAccessKey: Redacted.make(s3Server.credentials.secretAccessKey)
        }
      }
    }
    return { local, s3, options }
  })
)

const TestLive = Layer.provideMerge(
  Layer.unwrap(Effect.map(Stack, ({ options }) => BedrockBatch.layer(options))),
  StackLive
)

const common = (jobName: string) => ({
  model: MODEL,
  inputUri: `s3://${BUCKET}/input/`,
  outputUri: `s3://${BUCKET}/output/`,
  roleArn: "arn:aws:iam::111122223333:role/BedrockBatch",
  jobName
})

const questions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ recordId: `q-${i}`, prompt: `Question ${i}?`, settings: { maxTokens: 16 } }))

// Real time (no TestClock): the job moves on the local server's timers, and the poll with it.
layer(TestLive, { excludeTestServices: true })("BedrockBatch (Effect 4)", (it) => {
  it.effect("submit, progress, results decoded by the engine with batch prices; a failed record", () =>
    Effect.gen(function*() {
      const { local } = yield* Stack
      yield* local.script(Script.failure("ModelErrorException", { message: "scripted model error" }))
      const batch = yield* BedrockBatch.BedrockBatch
      const job = yield* batch.submit({ ...common("effect4-job"), requests: questions(150) })
      assert.strictEqual(job.records, 150)
      const seen: Array<string> = []
      const error = yield* Effect.flip(
        job.await({ schedule: poll, onChange: (state) => Effect.sync(() => seen.push(state.status)) })
      )
      assert.strictEqual(error._tag, "BatchRecordsFailedError")
      if (error._tag === "BatchRecordsFailedError") assert.deepInclude(error, { failed: 1, succeeded: 149 })
      // The states as they changed (how many depends on the poll's timing): a start, then the end.
      assert.isAbove(seen.length, 1)
      assert.strictEqual(seen.at(-1), "Completed")
      const results = yield* Stream.runCollect(job.results)
      assert.strictEqual(results.length, 150)
      const failures = results.filter((result) => result._tag === "Failure")
      assert.deepStrictEqual(failures.map((result) => result._tag === "Failure" ? result.error : undefined), [
        { code: 424, message: "scripted model error" }
      ])
      for (const result of results) {
        if (result._tag !== "Success") continue
        assert.isAbove(result.response.usage.outputTokens, 0)
        assert.isDefined(result.response.cost)
        assert.isAbove(result.response.cost!.total, 0)
      }
    }))

  it.effect("tools and too few records are refused before anything is uploaded", () =>
    Effect.gen(function*() {
      const { s3 } = yield* Stack
      const batch = yield* BedrockBatch.BedrockBatch
      const tools = yield* Effect.flip(batch.submit({
        ...common("effect4-tools"),
        requests: [...questions(99), { prompt: "x", tools: [{ name: "search", parameters: { type: "object" } }] }]
      }))
      assert.strictEqual(tools._tag, "BatchInvalidRequestError")
      if (tools._tag === "BatchInvalidRequestError") assert.strictEqual(tools.field, "requests[99].tools")
      const few = yield* Effect.flip(batch.submit({ ...common("effect4-few"), requests: questions(10) }))
      assert.strictEqual(few._tag, "BatchLimitError")
      if (few._tag === "BatchLimitError") {
        assert.deepInclude(few, { limit: "minRecordsPerJob", minimum: 100, actual: 10 })
      }
      for (const prefix of ["input/effect4-tools/", "input/effect4-few/"]) {
        const listed = yield* Effect.promise(() =>
          s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
        )
        assert.deepStrictEqual((listed.Contents ?? []).map((object) => object.Key), [])
      }
    }))
})
