// BedrockBatch end to end with the real @aws-sdk/client-bedrock and @aws-sdk/client-s3 against the local
// Bedrock's batch control plane and a real S3 wire-protocol server (s3rver), both on 127.0.0.1: a 1,000-record
// job (multipart upload, files split, progress, results decoded, cost at batch prices), a partially failed
// job, a stopped job, the concurrent-jobs quota, S3 access errors, limits and batch refusals before upload.
import { BedrockClient, GetModelInvocationJobCommand } from "@aws-sdk/client-bedrock"
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3"
import { BedrockBatch, BedrockPricing, Response } from "@effect-bedrock/core"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"
import { assert, describe, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { type S3Server, startS3Server } from "../../../scripts/s3-server.mjs"

const BUCKET = "batch-bucket"
const ROLE_ARN = "arn:aws:iam::111122223333:role/BedrockBatch"
const MODEL = "us.amazon.nova-micro-v1:0"
const poll = Schedule.spaced("10 millis")

class Stack extends Context.Tag("test/BatchStack")<Stack, {
  readonly s3Server: S3Server
  readonly s3: S3Client
  readonly local: LocalBedrock.Service
  readonly options: BedrockBatch.Options
}>() {}

const StackLive = Layer.scoped(
  Stack,
  Effect.gen(function*() {
    const s3Server = yield* Effect.acquireRelease(
      Effect.promise(() => startS3Server({ buckets: [BUCKET] })),
      (server) => Effect.promise(() => server.close())
    )
    const local = yield* LocalBedrock.make({
      batch: { s3: { endpoint: s3Server.endpoint }, timing: { stepMs: 5 }, quotas: { maxConcurrentJobs: 1 } }
    })
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
      endpoint: local.endpoint,
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
    return { s3Server, s3, local, options }
  })
)

const BatchLive = Layer.unwrapEffect(Effect.map(Stack, ({ options }) => BedrockBatch.layer(options)))

const TestLive = Layer.provideMerge(BatchLive, StackLive)

const keys = (prefix: string) =>
  Effect.flatMap(Stack, ({ s3 }) =>
    Effect.promise(async (signal) => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }), { abortSignal: signal })
      return (page.Contents ?? []).map((object) => object.Key ?? "").sort()
    }))

/** How many CreateModelInvocationJob calls reached the local Bedrock. */
const creates = Effect.flatMap(Stack, ({ local }) =>
  Effect.map(
    local.requests,
    (requests) => requests.filter((request) => request.batchOperation === "CreateModelInvocationJob").length
  ))

const common = (jobName: string) => ({
  model: MODEL,
  inputUri: `s3://${BUCKET}/input/`,
  outputUri: `s3://${BUCKET}/output/`,
  roleArn: ROLE_ARN,
  jobName
})

const questions = (n: number, padding = "") =>
  Array.from({ length: n }, (_, i) => ({ prompt: `Question ${i}?${padding}`, settings: { maxTokens: 16 } }))

layer(TestLive, { excludeTestServices: true })("BedrockBatch", (it) => {
  describe("a 1,000-record job", () => {
    it.scoped("submit (multipart, split files), progress, results decoded as on-demand, cost at batch prices", () =>
      Effect.gen(function*() {
        // The service over SDK clients built here, the S3 one counting its commands.
        const { local, s3Server } = yield* Stack
        const s3Commands: Array<string> = []
        const s3 = new S3Client({
          endpoint: s3Server.endpoint,
          region: "us-east-1",
          forcePathStyle: true,
          credentials: s3Server.credentials
        })
        s3.middlewareStack.add((next, context) => (args) => {
          s3Commands.push(String(context.commandName))
          return next(args)
        }, { step: "initialize" })
        const bedrock = new BedrockClient({
          endpoint: local.endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" }
        })
        yield* Effect.addFinalizer(() => Effect.sync(() => (s3.destroy(), bedrock.destroy())))
        const batch = yield* BedrockBatch.makeFromClients({ bedrock, s3 }, { partSize: 5 * 1024 * 1024 })
        // About 6 KB per record: the first file (900 records) passes one 5 MiB part, so it goes as a
        // multipart upload; the rest (100) is a second file.
        const padding = " " + "lorem ipsum ".repeat(500)
        const requests = questions(1000, padding).map((request, i) =>
          i % 2 === 0 ? { ...request, recordId: `doc-${i}` } : request
        )
        const job = yield* batch.submit({
          ...common("thousand"),
          requests,
          limits: { maxRecordsPerFile: 900 },
          tags: { team: "search" },
          timeoutHours: 48,
          kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        })
        assert.strictEqual(job.records, 1000)
        // The job as Bedrock holds it: Converse records, the input folder, the options given.
        const described = yield* Effect.promise(() =>
          bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: job.jobArn }))
        )
        assert.deepInclude(described, {
          jobName: "thousand",
          modelId: MODEL,
          modelInvocationType: "Converse",
          roleArn: ROLE_ARN,
          timeoutDurationInHours: 48
        })
        assert.strictEqual(described.inputDataConfig?.s3InputDataConfig?.s3Uri, `s3://${BUCKET}/input/thousand/`)
        assert.deepStrictEqual(described.outputDataConfig?.s3OutputDataConfig, {
          s3Uri: `s3://${BUCKET}/output/`,
          s3EncryptionKeyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        })
        assert.deepStrictEqual(yield* keys("input/thousand/"), [
          "input/thousand/records-00001.jsonl",
          "input/thousand/records-00002.jsonl"
        ])
        // The input folder checked to be new; the first file went as a multipart upload (two parts), the
        // second with one PutObject.
        assert.deepStrictEqual(s3Commands, [
          "ListObjectsV2Command",
          "CreateMultipartUploadCommand",
          "UploadPartCommand",
          "UploadPartCommand",
          "CompleteMultipartUploadCommand",
          "PutObjectCommand"
        ])
        const seen: Array<BedrockBatch.JobState> = []
        const final = yield* job.await({ schedule: poll, onChange: (state) => Effect.sync(() => seen.push(state)) })
        assert.strictEqual(final.status, "Completed")
        assert.deepStrictEqual(final.progress, { total: 1000, processed: 1000, succeeded: 1000, failed: 0 })
        // The states as they changed (how many depends on the poll's timing), ending Completed.
        assert.isAbove(seen.length, 1)
        assert.strictEqual(seen.at(-1)?.status, "Completed")
        assert.deepStrictEqual(yield* job.progress, final.progress)

        s3Commands.length = 0
        const results = Array.from(yield* Stream.runCollect(job.results))
        assert.strictEqual(results.length, 1000)
        // Both output files, each read once.
        assert.deepStrictEqual(s3Commands, ["ListObjectsV2Command", "GetObjectCommand", "GetObjectCommand"])
        const ids = new Set(results.map((result) => result.recordId))
        assert.strictEqual(ids.size, 1000)
        assert.isTrue(ids.has("doc-0") && ids.has("doc-998") && ids.has("r0000000001"))
        const onDemand = yield* BedrockPricing.bundled
        let total = 0
        for (const result of results) {
          if (result._tag !== "Success") return assert.fail(`${result.recordId} failed: ${result.error.message}`)
          const { response } = result
          assert.isAbove(Response.text(response).length, 0)
          assert.strictEqual(response.modelId, MODEL)
          assert.isAbove(response.usage.inputTokens, 1000)
          const full = onDemand.cost({ modelId: MODEL, region: "us-east-1", usage: response.usage })!
          assert.isDefined(response.cost)
          assert.closeTo(response.cost!.total, full.total / 2, 1e-9)
          total += response.cost!.total
        }
        assert.isAbove(total, 0)
        const manifest = yield* job.manifest
        assert.strictEqual(manifest.successRecordCount, 1000)
      }))
  })

  it.scoped("a partially failed job: await fails with BatchRecordsFailedError, results hold each error; your batch price; attach", () =>
    Effect.gen(function*() {
      const { local } = yield* Stack
      yield* local.script(
        LocalBedrockScript.failure("ModelErrorException", { message: "scripted model error" }),
        LocalBedrockScript.failure("ValidationException", { message: "bad record" })
      )
      // Your batch price (a BedrockPricing entry of the "batch" tier) wins over the documented discount.
      const { options } = yield* Stack
      const batch = yield* BedrockBatch.make(options).pipe(
        Effect.provide(
          BedrockPricing.layer([{ model: MODEL, serviceTier: "batch", input: 1, output: 2 }], { fallback: "none" })
        )
      )
      const job = yield* batch.submit({ ...common("partial"), requests: questions(100) })
      const error = yield* Effect.flip(job.await({ schedule: poll }))
      assert.strictEqual(error._tag, "BatchRecordsFailedError")
      if (error._tag !== "BatchRecordsFailedError") return
      assert.deepInclude(error, { failed: 2, succeeded: 98, total: 100 })
      const results = Array.from(yield* Stream.runCollect(job.results))
      const failures = results.flatMap((result) => result._tag === "Failure" ? [result.error] : [])
      assert.deepStrictEqual(failures.map((failure) => failure.code).sort(), [400, 424])
      assert.include(failures.map((failure) => failure.message), "scripted model error")
      // A handle from the job's ARN alone (another process, later) reads the same job.
      const attached = yield* batch.attach(job.jobArn)
      assert.strictEqual(attached.modelId, MODEL)
      assert.strictEqual((yield* attached.status).status, "Completed")
      assert.strictEqual((yield* Stream.runCollect(attached.results)).length, 100)
      const successes = results.flatMap((result) => result._tag === "Success" ? [result.response] : [])
      assert.strictEqual(successes.length, 98)
      for (const response of successes) {
        assert.deepStrictEqual(response.cost, BedrockPricing.costOf({ input: 1, output: 2 }, response.usage))
      }
    }))

  it.effect("a stopped job: Stopping then Stopped, await fails with BatchJobError; the concurrent-jobs quota", () =>
    Effect.gen(function*() {
      const batch = yield* BedrockBatch.BedrockBatch
      const before = yield* creates
      // Every record of local.hang hangs until the job is stopped.
      const job = yield* batch.submit({ ...common("hanging"), model: "local.hang", requests: questions(100) })
      // The server allows one job of a model at a time: a second is refused with Bedrock's quota error.
      const quota = yield* Effect.flip(
        batch.submit({ ...common("second"), model: "local.hang", requests: questions(100) })
      )
      assert.strictEqual(quota._tag, "BatchQuotaError")
      // Both reached the control plane (the count the refusals below stay at).
      assert.strictEqual(yield* creates, before + 2)
      const states = yield* job.changes(poll).pipe(
        Stream.takeUntil((state) => state.status === "InProgress"),
        Stream.runCollect
      )
      assert.strictEqual(Array.from(states).at(-1)?.status, "InProgress")
      yield* job.stop
      assert.strictEqual((yield* job.status).status, "Stopping")
      const error = yield* Effect.flip(job.await({ schedule: poll }))
      assert.strictEqual(error._tag, "BatchJobError")
      if (error._tag === "BatchJobError") assert.strictEqual(error.status, "Stopped")
      assert.strictEqual((yield* Stream.runCollect(job.results)).length, 0)
    }))

  it.effect("S3 access errors are BatchS3Error, and no job is created", () =>
    Effect.gen(function*() {
      const { options } = yield* Stack
      const before = yield* creates
      const wrongKeys = yield* Effect.flip(
        Effect.flatMap(
          BedrockBatch.BedrockBatch,
          (batch) => batch.submit({ ...common("denied"), requests: questions(100) })
        ).pipe(Effect.provide(BedrockBatch.layer({
          ...options,
          s3: {
            ...options.s3,
            credentials: { accessKeyId: "NOTS3RVER", secretAccessKey: Redacted.make("s3-secret-xyz") }
          }
        })))
      )
      assert.strictEqual(wrongKeys._tag, "BatchS3Error")
      if (wrongKeys._tag === "BatchS3Error") {
        // The first S3 call: the check that the job's input folder is new.
        assert.strictEqual(wrongKeys.operation, "ListObjectsV2")
        assert.strictEqual(wrongKeys.bucket, BUCKET)
        assert.strictEqual(wrongKeys.status, 403)
      }
      assert.notInclude(JSON.stringify(wrongKeys) + String(wrongKeys), "s3-secret-xyz")

      const batch = yield* BedrockBatch.BedrockBatch
      const missing = yield* Effect.flip(
        batch.submit({ ...common("missing"), inputUri: "s3://no-such-bucket/in/", requests: questions(100) })
      )
      assert.strictEqual(missing._tag, "BatchS3Error")
      if (missing._tag === "BatchS3Error") assert.strictEqual(missing.reason, "NoSuchBucket")
      assert.strictEqual(yield* creates, before)
    }))

  it.effect("Bedrock's and our validation of the job: a name in use, an unknown job", () =>
    Effect.gen(function*() {
      const batch = yield* BedrockBatch.BedrockBatch
      // The input folder of the earlier "partial" job holds its files: refused before anything is written.
      const reused = yield* Effect.flip(batch.submit({ ...common("partial"), requests: questions(100) }))
      assert.strictEqual(reused._tag, "BatchValidationError")
      if (reused._tag === "BatchValidationError") assert.deepInclude(reused, { source: "client", field: "jobName" })
      assert.deepStrictEqual(yield* keys("input/partial/"), ["input/partial/records-00001.jsonl"])
      // In a new folder, Bedrock refuses the name (ConflictException); what was uploaded is removed.
      const conflict = yield* Effect.flip(
        batch.submit({ ...common("partial"), inputUri: `s3://${BUCKET}/again/`, requests: questions(100) })
      )
      assert.strictEqual(conflict._tag, "BatchValidationError")
      if (conflict._tag === "BatchValidationError") {
        assert.deepInclude(conflict, { source: "bedrock", operation: "CreateModelInvocationJob" })
      }
      assert.deepStrictEqual(yield* keys("again/"), [])
      const unknown = yield* Effect.flip(
        batch.attach("arn:aws:bedrock:us-east-1:111122223333:model-invocation-job/abcdefabcdef")
      )
      assert.strictEqual(unknown._tag, "BatchValidationError")
      if (unknown._tag === "BatchValidationError") assert.deepInclude(unknown, { source: "bedrock", status: 404 })
    }))

  it.effect("limits and batch refusals fail before anything is uploaded, with the numbers", () =>
    Effect.gen(function*() {
      const before = yield* creates
      const batch = yield* BedrockBatch.BedrockBatch
      const few = yield* Effect.flip(batch.submit({ ...common("few"), requests: questions(50) }))
      assert.strictEqual(few._tag, "BatchLimitError")
      if (few._tag === "BatchLimitError") {
        assert.deepInclude(few, { limit: "minRecordsPerJob", minimum: 100, actual: 50 })
        assert.match(few.message, /50, and a batch job needs at least 100/)
      }
      const tools = yield* Effect.flip(batch.submit({
        ...common("tools"),
        requests: [...questions(99), { prompt: "x", tools: [{ name: "search", parameters: { type: "object" } }] }]
      }))
      assert.strictEqual(tools._tag, "InvalidRequestError")
      if (tools._tag === "InvalidRequestError") assert.strictEqual(tools.field, "requests[99].tools")
      const role = yield* Effect.flip(batch.submit({ ...common("role"), roleArn: "", requests: questions(100) }))
      assert.strictEqual(role._tag, "BatchValidationError")
      assert.deepStrictEqual(yield* keys("input/few/"), [])
      assert.deepStrictEqual(yield* keys("input/tools/"), [])

      // A Stream: uploading starts once the minimum is in; passing the maximum later removes the files.
      const many = yield* Effect.flip(batch.submit({
        ...common("many"),
        requests: Stream.fromIterable(questions(150)),
        limits: { maxRecordsPerJob: 120, maxRecordsPerFile: 50 }
      }))
      assert.strictEqual(many._tag, "BatchLimitError")
      if (many._tag === "BatchLimitError") {
        assert.deepInclude(many, { limit: "maxRecordsPerJob", maximum: 120, actual: 121 })
      }
      assert.deepStrictEqual(yield* keys("input/many/"), [])
      assert.strictEqual(yield* creates, before)
    }))
})
