// The local Bedrock's batch control plane with the real @aws-sdk/client-bedrock and a real S3
// (s3rver on loopback, read and written with @aws-sdk/client-s3): jobs created, listed, described
// and stopped; their states moving over time; their records run through the runtime's converse path
// (scripts included) and written to S3 as Bedrock writes them.
import { ListModelInvocationJobsCommand, StopModelInvocationJobCommand } from "@aws-sdk/client-bedrock"
import { LocalBedrockScript } from "@effect-bedrock/local"
import { assert, describe, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  awaitJob,
  BatchStack,
  bedrock,
  converseLines,
  createJob,
  getJob,
  getText,
  INPUT_BUCKET,
  jobIdOf,
  layer as batchLayer,
  listKeys,
  MODEL,
  OUTPUT_BUCKET,
  put,
  ROLE_ARN
} from "./batchFixtures.js"

const jsonl = (lines: ReadonlyArray<string>): string => `${lines.join("\n")}\n`

layer(batchLayer({ timing: { stepMs: 5 } }), { excludeTestServices: true })("batch jobs", (it) => {
  describe("a 1,000-record Converse job", () => {
    it.effect("moves Submitted -> ... -> Completed and writes {input}.out and manifest.json.out like Bedrock", () =>
      Effect.gen(function*() {
        yield* put("thousand/records.jsonl", jsonl(converseLines(1000)))
        const started = Date.now()
        const jobArn = yield* createJob({ inputKey: "thousand/records.jsonl", jobName: "thousand-records" })
        assert.match(jobArn, /^arn:aws:bedrock:us-east-1:111122223333:model-invocation-job\/[a-z0-9]{12}$/)
        const { job, seen } = yield* awaitJob(jobArn, 10_000)
        const elapsed = Date.now() - started
        assert.strictEqual(job.status, "Completed")
        assert.strictEqual(seen[seen.length - 1], "Completed")
        assert.include(seen.join(","), "InProgress")
        assert.isBelow(elapsed, 4000)
        assert.strictEqual(job.jobName, "thousand-records")
        assert.strictEqual(job.modelId, MODEL)
        assert.strictEqual(job.roleArn, ROLE_ARN)
        assert.strictEqual(job.modelInvocationType, "Converse")
        assert.strictEqual(job.totalRecordCount, 1000)
        assert.strictEqual(job.processedRecordCount, 1000)
        assert.strictEqual(job.successRecordCount, 1000)
        assert.strictEqual(job.errorRecordCount, 0)
        assert.instanceOf(job.submitTime, Date)
        assert.instanceOf(job.endTime, Date)
        assert.isAtLeast(job.endTime!.getTime(), job.submitTime!.getTime())
        assert.strictEqual(job.timeoutDurationInHours, 168)
        assert.deepStrictEqual(job.inputDataConfig, {
          s3InputDataConfig: { s3Uri: `s3://${INPUT_BUCKET}/thousand/records.jsonl`, s3InputFormat: "JSONL" }
        })

        const jobId = jobIdOf(jobArn)
        const keys = yield* listKeys(`out/${jobId}/`)
        assert.deepStrictEqual(keys, [`out/${jobId}/manifest.json.out`, `out/${jobId}/records.jsonl.out`])
        const lines = (yield* getText(`out/${jobId}/records.jsonl.out`)).trim().split("\n").map((l) => JSON.parse(l))
        assert.strictEqual(lines.length, 1000)
        assert.strictEqual(lines[0].recordId, "R000001")
        assert.deepStrictEqual(lines[0].modelInput.messages[0].content, [{ text: "question 1" }])
        assert.strictEqual(lines[0].modelOutput.output.message.role, "assistant")
        assert.isString(lines[0].modelOutput.output.message.content[0].text)
        assert.strictEqual(lines[0].modelOutput.stopReason, "end_turn")
        const manifest = JSON.parse(yield* getText(`out/${jobId}/manifest.json.out`))
        const inputTokens = lines.reduce((n, l) => n + l.modelOutput.usage.inputTokens, 0)
        const outputTokens = lines.reduce((n, l) => n + l.modelOutput.usage.outputTokens, 0)
        assert.isAbove(inputTokens, 0)
        assert.deepStrictEqual(manifest, {
          totalRecordCount: 1000,
          processedRecordCount: 1000,
          successRecordCount: 1000,
          errorRecordCount: 0,
          inputTokenCount: inputTokens,
          outputTokenCount: outputTokens
        })
      }))
  })

  it.effect("scripted failures are error lines ({ errorCode, errorMessage }) and counted; the job still completes", () =>
    Effect.gen(function*() {
      const { local } = yield* BatchStack
      yield* local.script(
        LocalBedrockScript.failure("ModelErrorException", { message: "scripted model error" }),
        LocalBedrockScript.failure("ThrottlingException"),
        LocalBedrockScript.converseText("scripted answer")
      )
      yield* put("partial/a.jsonl", jsonl(converseLines(100)))
      const jobArn = yield* createJob({ inputKey: "partial/a.jsonl" })
      const { job } = yield* awaitJob(jobArn)
      assert.strictEqual(job.status, "Completed")
      assert.strictEqual(job.processedRecordCount, 100)
      assert.strictEqual(job.errorRecordCount, 2)
      assert.strictEqual(job.successRecordCount, 98)
      const lines = (yield* getText(`out/${jobIdOf(jobArn)}/a.jsonl.out`)).trim().split("\n").map((l) => JSON.parse(l))
      const errors = lines.filter((l) => l.error !== undefined)
      assert.deepStrictEqual(errors.map((l) => l.error).sort((a, b) => a.errorCode - b.errorCode), [
        { errorCode: 424, errorMessage: "scripted model error" },
        { errorCode: 429, errorMessage: "Too many requests, please wait before trying again." }
      ])
      assert.isTrue(errors.every((l) => l.modelOutput === undefined && typeof l.modelInput === "object"))
      assert.isTrue(lines.some((l) => l.modelOutput?.output?.message?.content?.[0]?.text === "scripted answer"))
      const manifest = JSON.parse(yield* getText(`out/${jobIdOf(jobArn)}/manifest.json.out`))
      assert.strictEqual(manifest.errorRecordCount, 2)
      assert.strictEqual(manifest.successRecordCount, 98)
    }))

  it.effect("InvokeModel jobs (the default type): Anthropic and Nova native bodies answered in their native shape", () =>
    Effect.gen(function*() {
      const anthropicLine = (i: number) =>
        JSON.stringify({
          recordId: `A${i}`,
          modelInput: {
            anthropic_version: "bedrock-2023-05-31",
            max_tokens: 64,
            system: "Be brief.",
            messages: [{ role: "user", content: [{ type: "text", text: `hello ${i}` }] }]
          }
        })
      yield* put(
        "native/claude.jsonl",
        jsonl([...Array.from({ length: 99 }, (_, i) => anthropicLine(i)), "{\"modelInput\":{\"prompt\":\"x\"}}"])
      )
      const claude = yield* createJob({
        inputKey: "native/claude.jsonl",
        modelId: "anthropic.claude-3-haiku-20240307-v1:0",
        modelInvocationType: undefined
      })
      const claudeJob = (yield* awaitJob(claude)).job
      assert.strictEqual(claudeJob.modelInvocationType, "InvokeModel")
      assert.strictEqual(claudeJob.successRecordCount, 99)
      assert.strictEqual(claudeJob.errorRecordCount, 1)
      const lines = (yield* getText(`out/${jobIdOf(claude)}/claude.jsonl.out`)).trim().split("\n").map((l) =>
        JSON.parse(l)
      )
      const first = lines[0].modelOutput
      assert.strictEqual(first.type, "message")
      assert.strictEqual(first.role, "assistant")
      assert.strictEqual(first.content[0].type, "text")
      assert.include(first.content[0].text, "hello 0")
      assert.isAbove(first.usage.input_tokens, 0)
      // A record without a recordId gets one (11 characters), and a body in no known format is an error line.
      assert.match(lines[99].recordId, /^[A-Z0-9]{11}$/)
      assert.strictEqual(lines[99].error.errorCode, 400)

      const novaLine = (i: number) =>
        JSON.stringify({
          recordId: `N${i}`,
          modelInput: {
            schemaVersion: "messages-v1",
            messages: [{ role: "user", content: [{ text: `hi ${i}` }] }],
            inferenceConfig: { max_new_tokens: 32 }
          }
        })
      yield* put("native/nova.jsonl", jsonl(Array.from({ length: 100 }, (_, i) => novaLine(i))))
      const nova = yield* createJob({ inputKey: "native/nova.jsonl", modelInvocationType: "InvokeModel" })
      assert.strictEqual((yield* awaitJob(nova)).job.successRecordCount, 100)
      const novaOut = JSON.parse((yield* getText(`out/${jobIdOf(nova)}/nova.jsonl.out`)).split("\n")[0]!).modelOutput
      assert.strictEqual(novaOut.output.message.role, "assistant")
      assert.strictEqual(novaOut.usage.totalTokens, novaOut.usage.inputTokens + novaOut.usage.outputTokens)
    }))

  it.effect("list: filters by status and name, pages with nextToken; stop: Stopping -> Stopped", () =>
    Effect.gen(function*() {
      // Every record of these jobs (reserved model id local.hang) hangs until the job is stopped.
      yield* put("list/a.jsonl", jsonl(converseLines(100)))
      const arns: Array<string> = []
      for (const name of ["listed-one", "listed-two", "listed-three"]) {
        arns.push(yield* createJob({ inputKey: "list/a.jsonl", jobName: name, modelId: "local.hang" }))
      }
      const page1 = yield* bedrock((c, signal) =>
        c.send(new ListModelInvocationJobsCommand({ nameContains: "listed-", maxResults: 2 }), { abortSignal: signal })
      )
      assert.deepStrictEqual(page1.invocationJobSummaries!.map((s) => s.jobName), ["listed-three", "listed-two"])
      assert.isString(page1.nextToken)
      const page2 = yield* bedrock((c, signal) =>
        c.send(
          new ListModelInvocationJobsCommand({ nameContains: "listed-", maxResults: 2, nextToken: page1.nextToken }),
          { abortSignal: signal }
        )
      )
      assert.deepStrictEqual(page2.invocationJobSummaries!.map((s) => s.jobName), ["listed-one"])
      assert.isUndefined(page2.nextToken)
      const ascending = yield* bedrock((c, signal) =>
        c.send(new ListModelInvocationJobsCommand({ nameContains: "listed-", sortOrder: "Ascending" }), {
          abortSignal: signal
        })
      )
      assert.deepStrictEqual(ascending.invocationJobSummaries!.map((s) => s.jobArn), arns)

      // Wait until the first is in progress, then stop it.
      while ((yield* getJob(arns[0]!)).status !== "InProgress") yield* Effect.sleep("5 millis")
      const inProgress = yield* bedrock((c, signal) =>
        c.send(new ListModelInvocationJobsCommand({ statusEquals: "InProgress", nameContains: "listed-one" }), {
          abortSignal: signal
        })
      )
      assert.deepStrictEqual(inProgress.invocationJobSummaries!.map((s) => s.jobName), ["listed-one"])
      for (const arn of arns) {
        yield* bedrock((c, signal) =>
          c.send(new StopModelInvocationJobCommand({ jobIdentifier: arn }), { abortSignal: signal })
        )
      }
      const log = (yield* (yield* BatchStack).local.requests).filter((r) =>
        r.batchOperation === "StopModelInvocationJob"
      )
      assert.strictEqual(log.length, 3)
      assert.isTrue(log.every((r) => r.operation === undefined && r.method === "POST" && r.auth === "sigv4"))
      const stopping = yield* getJob(arns[0]!)
      assert.strictEqual(stopping.status, "Stopping")
      const { job, seen } = yield* awaitJob(arns[0]!)
      assert.deepStrictEqual(seen.slice(-2), ["Stopping", "Stopped"])
      assert.strictEqual(job.status, "Stopped")
      assert.strictEqual(job.processedRecordCount, 0)
      // A stopped job writes what it processed (nothing here) and its manifest.
      const manifest = JSON.parse(yield* getText(`out/${jobIdOf(arns[0]!)}/manifest.json.out`, OUTPUT_BUCKET))
      assert.strictEqual(manifest.processedRecordCount, 0)
      assert.strictEqual(manifest.totalRecordCount, 100)
      for (const arn of arns.slice(1)) assert.strictEqual((yield* awaitJob(arn)).job.status, "Stopped")
    }))
})
