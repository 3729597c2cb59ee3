// What the local Bedrock's batch control plane refuses, the way Bedrock does, through the real
// @aws-sdk/client-bedrock: bad members (ValidationException with Bedrock's constraint wording), an
// unknown model, a duplicate name (ConflictException), too many jobs of a model
// (ServiceQuotaExceededException), an unknown job (ResourceNotFoundException), a stop of an ended job
// (ConflictException), unsigned calls (AccessDeniedException); and jobs that fail after they were
// accepted: an S3 location that cannot be read, too few records, a malformed line. Also the timeout:
// Expired before the job starts, PartiallyCompleted once it has.
import {
  AccessDeniedException,
  BedrockClient,
  ConflictException,
  CreateModelInvocationJobCommand,
  ListModelInvocationJobsCommand,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  StopModelInvocationJobCommand,
  ValidationException
} from "@aws-sdk/client-bedrock"
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  awaitJob,
  bedrock,
  converseLines,
  converseRecord,
  createJob,
  getJob,
  getText,
  INPUT_BUCKET,
  jobIdOf,
  layer as batchLayer,
  OUTPUT_BUCKET,
  put,
  ROLE_ARN
} from "./batchFixtures.js"
import { credentials } from "./fixtures.js"

const jsonl = (lines: ReadonlyArray<string>): string => `${lines.join("\n")}\n`

const refused = (input: Parameters<typeof createJob>[0]) => Effect.flip(createJob(input))

layer(batchLayer({ timing: { stepMs: 5 }, quotas: { maxConcurrentJobs: 2 } }), { excludeTestServices: true })(
  "batch validation",
  (it) => {
    it.effect("CreateModelInvocationJob: each bad member is a ValidationException in Bedrock's wording", () =>
      Effect.gen(function*() {
        const name = yield* refused({ jobName: "bad name!" })
        assert.instanceOf(name, ValidationException)
        assert.strictEqual(name.$metadata.httpStatusCode, 400)
        assert.strictEqual(
          name.message,
          "1 validation error detected: Value 'bad name!' at 'jobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\\+\\-\\.]){0,63}"
        )
        const long = yield* refused({ jobName: "a".repeat(64) })
        assert.include(long.message, "Member must have length less than or equal to 63")
        const role = yield* refused({ roleArn: "arn:aws:iam::123:user/me" })
        assert.include(role.message, "at 'roleArn' failed to satisfy constraint")
        const uri = yield* refused({ inputDataConfig: { s3InputDataConfig: { s3Uri: "https://bucket/x.jsonl" } } })
        assert.include(uri.message, "at 'inputDataConfig.s3InputDataConfig.s3Uri'")
        const bucket = yield* refused({ outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://Upper_Case/out/" } } })
        assert.include(bucket.message, "at 'outputDataConfig.s3OutputDataConfig.s3Uri'")
        const short = yield* refused({ timeoutDurationInHours: 23 })
        assert.include(short.message, "Member must have value greater than or equal to 24")
        const longTimeout = yield* refused({ timeoutDurationInHours: 169 })
        assert.include(longTimeout.message, "Member must have value less than or equal to 168")
        const type = yield* refused({ modelInvocationType: "Chat" as any })
        assert.include(type.message, "Member must satisfy enum value set: [InvokeModel, Converse]")
        const two = yield* refused({ jobName: "bad name!", roleArn: "nope" })
        assert.match(two.message, /^2 validation errors detected: /)
        const model = yield* refused({ modelId: "gpt-4o" })
        assert.instanceOf(model, ValidationException)
        assert.strictEqual(model.message, "The provided model identifier is invalid.")
        const typo = yield* refused({ modelId: "us.amazon.nova-mikro-v1:0" })
        assert.match(typo.message, /^The provided model identifier is invalid\./)
      }))

    it.effect("a job name is unique (ConflictException); a client request token makes Create idempotent", () =>
      Effect.gen(function*() {
        yield* put("dup/a.jsonl", jsonl(converseLines(100)))
        const first = yield* createJob({
          inputKey: "dup/a.jsonl",
          jobName: "unique-name",
          clientRequestToken: "token-1"
        })
        const again = yield* createJob({
          inputKey: "dup/a.jsonl",
          jobName: "unique-name",
          clientRequestToken: "token-1"
        })
        assert.strictEqual(again, first)
        const conflict = yield* refused({ inputKey: "dup/a.jsonl", jobName: "unique-name" })
        assert.instanceOf(conflict, ConflictException)
        yield* awaitJob(first)
      }))

    it.effect("more jobs of one model than the quota: ServiceQuotaExceededException; other models unaffected", () =>
      Effect.gen(function*() {
        yield* put("quota/a.jsonl", jsonl(converseLines(100)))
        const a = yield* createJob({ inputKey: "quota/a.jsonl", modelId: "local.hang" })
        const b = yield* createJob({ inputKey: "quota/a.jsonl", modelId: "local.hang" })
        const third = yield* refused({ inputKey: "quota/a.jsonl", modelId: "local.hang" })
        assert.instanceOf(third, ServiceQuotaExceededException)
        assert.strictEqual(third.$metadata.httpStatusCode, 400)
        assert.include(third.message, "(2)")
        const other = yield* createJob({ inputKey: "quota/a.jsonl", modelId: "local.small" })
        for (const arn of [a, b]) {
          yield* bedrock((c, signal) =>
            c.send(new StopModelInvocationJobCommand({ jobIdentifier: arn }), { abortSignal: signal })
          )
        }
        assert.strictEqual((yield* awaitJob(a)).job.status, "Stopped")
        assert.strictEqual((yield* awaitJob(other)).job.status, "Completed")
        // Stopped jobs no longer count.
        const d = yield* createJob({ inputKey: "quota/a.jsonl", modelId: "local.hang" })
        yield* bedrock((c, signal) =>
          c.send(new StopModelInvocationJobCommand({ jobIdentifier: d }), { abortSignal: signal })
        )
        yield* awaitJob(d)
      }))

    it.effect("Get / Stop: unknown job -> ResourceNotFoundException, bad identifier -> ValidationException, ended job -> ConflictException", () =>
      Effect.gen(function*() {
        const missing = yield* Effect.flip(getJob("abcdefghijkl"))
        assert.instanceOf(missing, ResourceNotFoundException)
        assert.strictEqual(missing.$metadata.httpStatusCode, 404)
        const missingArn = yield* Effect.flip(
          getJob("arn:aws:bedrock:us-east-1:111122223333:model-invocation-job/abcdefghijkl")
        )
        assert.instanceOf(missingArn, ResourceNotFoundException)
        const bad = yield* Effect.flip(getJob("not-a-job"))
        assert.instanceOf(bad, ValidationException)
        assert.include(bad.message, "at 'jobIdentifier'")
        yield* put("ended/a.jsonl", jsonl(converseLines(100)))
        const arn = yield* createJob({ inputKey: "ended/a.jsonl" })
        // By id as well as by ARN.
        assert.strictEqual((yield* getJob(jobIdOf(arn))).jobArn, arn)
        yield* awaitJob(arn)
        const stop = yield* Effect.flip(
          bedrock((c, signal) =>
            c.send(new StopModelInvocationJobCommand({ jobIdentifier: arn }), { abortSignal: signal })
          )
        )
        assert.instanceOf(stop, ConflictException)
        assert.include(stop.message, "Completed")
      }))

    it.effect("List: bad parameters are ValidationExceptions", () =>
      Effect.gen(function*() {
        const status = yield* Effect.flip(
          bedrock((c, signal) =>
            c.send(new ListModelInvocationJobsCommand({ statusEquals: "Done" as any }), { abortSignal: signal })
          )
        )
        assert.instanceOf(status, ValidationException)
        const token = yield* Effect.flip(
          bedrock((c, signal) =>
            c.send(new ListModelInvocationJobsCommand({ nextToken: "garbage" }), { abortSignal: signal })
          )
        )
        assert.instanceOf(token, ValidationException)
        const max = yield* Effect.flip(
          bedrock((c, signal) =>
            c.send(new ListModelInvocationJobsCommand({ maxResults: 1001 }), { abortSignal: signal })
          )
        )
        assert.instanceOf(max, ValidationException)
      }))

    describe("accepted, then Failed with Bedrock's kind of message", () => {
      it.effect("input bucket missing / input key missing / output bucket missing", () =>
        Effect.gen(function*() {
          const noBucket = yield* createJob({
            inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://no-such-bucket/in/a.jsonl" } }
          })
          const a = (yield* awaitJob(noBucket)).job
          assert.strictEqual(a.status, "Failed")
          assert.strictEqual(a.totalRecordCount, 0)
          assert.include(
            a.message,
            "Unable to access the input S3 location s3://no-such-bucket/in/a.jsonl: NoSuchBucket"
          )
          const noKey = yield* createJob({ inputKey: "nothing/here.jsonl" })
          const b = (yield* awaitJob(noKey)).job
          assert.strictEqual(b.status, "Failed")
          assert.include(b.message, `Unable to access the input S3 location s3://${INPUT_BUCKET}/nothing/here.jsonl`)
          yield* put("fine/a.jsonl", jsonl(converseLines(100)))
          const noOutput = yield* createJob({
            inputKey: "fine/a.jsonl",
            outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://no-output-bucket/out/" } }
          })
          const c = (yield* awaitJob(noOutput)).job
          assert.strictEqual(c.status, "Failed")
          assert.include(c.message, "Unable to access the output S3 location s3://no-output-bucket/out/")
        }))

      it.effect("fewer records than the minimum; a malformed line; a folder of .jsonl files is read whole", () =>
        Effect.gen(function*() {
          yield* put("few/a.jsonl", jsonl(converseLines(99)))
          const few = (yield* awaitJob(yield* createJob({ inputKey: "few/a.jsonl" }))).job
          assert.strictEqual(few.status, "Failed")
          assert.strictEqual(
            few.message,
            "The job has 99 records, fewer than the minimum of 100 records per batch inference job."
          )
          yield* put("bad/a.jsonl", jsonl([...converseLines(100), "{not json"]))
          const bad = (yield* awaitJob(yield* createJob({ inputKey: "bad/a.jsonl" }))).job
          assert.strictEqual(bad.status, "Failed")
          assert.strictEqual(bad.message, `Line 101 of s3://${INPUT_BUCKET}/bad/a.jsonl is not valid JSON.`)
          // Two files of 60 records: 120 in all, each answered in its own .out file.
          yield* put("folder/part-1.jsonl", jsonl(converseLines(60)))
          yield* put("folder/part-2.jsonl", jsonl(converseLines(60, 61)))
          yield* put("folder/readme.txt", "not a record file")
          const arn = yield* createJob({ inputKey: "folder/" })
          const folder = (yield* awaitJob(arn)).job
          assert.strictEqual(folder.status, "Completed")
          assert.strictEqual(folder.totalRecordCount, 120)
          const second = (yield* getText(`out/${jobIdOf(arn)}/part-2.jsonl.out`, OUTPUT_BUCKET)).trim().split("\n")
          assert.strictEqual(second.length, 60)
          assert.strictEqual(JSON.parse(second[0]!).recordId, "R000061")
        }))

      it.effect("a record with toolConfig is an error line (Converse batch jobs do not run tools)", () =>
        Effect.gen(function*() {
          const tool = { tools: [{ toolSpec: { name: "f", inputSchema: { json: { type: "object" } } } }] }
          yield* put(
            "tools/a.jsonl",
            jsonl([...converseLines(99), converseRecord("TOOL", "call f", { toolConfig: tool })])
          )
          const arn = yield* createJob({ inputKey: "tools/a.jsonl" })
          const job = (yield* awaitJob(arn)).job
          assert.strictEqual(job.status, "Completed")
          assert.strictEqual(job.errorRecordCount, 1)
          const lines = (yield* getText(`out/${jobIdOf(arn)}/a.jsonl.out`, OUTPUT_BUCKET)).trim().split("\n").map((l) =>
            JSON.parse(l)
          )
          const line = lines.find((l) => l.recordId === "TOOL")
          assert.strictEqual(line.error.errorCode, 400)
        }))
    })
  }
)

layer(batchLayer({ timing: { stepMs: 5, recordMs: 20, hourMs: 25 }, concurrency: 1 }), { excludeTestServices: true })(
  "batch timeout (an hour lasts 25 ms)",
  (it) => {
    it.effect("a job still running at its timeout ends PartiallyCompleted with the records it processed", () =>
      Effect.gen(function*() {
        // 24 hours = 600 ms: validation and 3 steps of 5 ms pass first, then 20 ms a record (2 s for all).
        yield* put("slow/a.jsonl", jsonl(converseLines(100)))
        const arn = yield* createJob({ inputKey: "slow/a.jsonl", timeoutDurationInHours: 24 })
        // Progress shows while it runs: InProgress with some records processed, all of them counted.
        let running = yield* getJob(arn)
        while (
          running.status !== "PartiallyCompleted" &&
          !(running.status === "InProgress" && running.processedRecordCount! > 0)
        ) {
          yield* Effect.sleep("5 millis")
          running = yield* getJob(arn)
        }
        assert.strictEqual(running.status, "InProgress")
        assert.strictEqual(running.totalRecordCount, 100)
        assert.strictEqual(running.successRecordCount, running.processedRecordCount)
        const { job } = yield* awaitJob(arn)
        assert.strictEqual(job.status, "PartiallyCompleted")
        assert.isBelow(job.processedRecordCount!, 100)
        assert.strictEqual(job.totalRecordCount, 100)
        const manifest = JSON.parse(yield* getText(`out/${jobIdOf(arn)}/manifest.json.out`, OUTPUT_BUCKET))
        assert.strictEqual(manifest.processedRecordCount, job.processedRecordCount)
        const lines = (yield* getText(`out/${jobIdOf(arn)}/a.jsonl.out`, OUTPUT_BUCKET)).trim().split("\n")
        assert.strictEqual(lines.filter((l) => l.length > 0).length, job.processedRecordCount)
      }))
  }
)

layer(batchLayer({ timing: { stepMs: 40, hourMs: 1 } }), { excludeTestServices: true })(
  "batch expiry (an hour lasts 1 ms)",
  (it) => {
    it.effect("a job not started at its timeout ends Expired", () =>
      Effect.gen(function*() {
        yield* put("expire/a.jsonl", jsonl(converseLines(100)))
        const arn = yield* createJob({ inputKey: "expire/a.jsonl", timeoutDurationInHours: 24 })
        const { job } = yield* awaitJob(arn)
        assert.strictEqual(job.status, "Expired")
        assert.strictEqual(job.processedRecordCount, 0)
      }))
  }
)

describe("without an S3 endpoint, or without a signature", () => {
  it.scoped("CreateModelInvocationJob says how to give the local Bedrock an S3; unsigned calls get 403", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.make()
      const client = new BedrockClient({ endpoint: local.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      const error = yield* Effect.flip(Effect.tryPromise(() =>
        client.send(
          new CreateModelInvocationJobCommand({
            jobName: "no-s3",
            roleArn: ROLE_ARN,
            modelId: "local.small",
            inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://bucket-a/in.jsonl" } },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://bucket-b/out/" } }
          })
        )
      ))
      assert.instanceOf((error as any).error, ValidationException)
      assert.include((error as any).error.message, "--s3-endpoint")
      const unsigned = yield* Effect.promise(() =>
        fetch(`${local.endpoint}/model-invocation-jobs`).then(async (r) => ({
          status: r.status,
          type: r.headers.get("x-amzn-errortype")
        }))
      )
      assert.strictEqual(unsigned.status, 403)
      assert.match(unsigned.type ?? "", /^AccessDeniedException:/)
      assert.isDefined(AccessDeniedException)
    }))
})
