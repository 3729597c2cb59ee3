import type { S3Client } from "@aws-sdk/client-s3"
import { classifyBedrock, classifyS3, failureOf } from "@effect-bedrock/converse/batch/failure"
import { decodeState, isTerminal, outcome, OutputDecoder, sameState } from "@effect-bedrock/converse/batch/job"
import { type Clients, loadModules, makeClients, s3Config, secretsOf } from "@effect-bedrock/converse/batch/sdk"
import { Submission } from "@effect-bedrock/converse/batch/submit"
import { FileWriter, remove } from "@effect-bedrock/converse/batch/upload"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type S3Server, startS3Server } from "../../../../scripts/s3-server.mjs"

const arn = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123"

describe("batch failures", () => {
  it("Bedrock exceptions by name: access, validation, quota, the rest retryable by name or 5xx; secrets scrubbed", () => {
    const classify = classifyBedrock("CreateModelInvocationJob", ["s3cr3t-value"])
    const error = (name: string, status: number, message = "no") =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, requestId: "req-1" } })
    assert.strictEqual(classify(error("AccessDeniedException", 403)).kind, "accessDenied")
    assert.deepStrictEqual(classify(error("ConflictException", 400)), {
      kind: "validation",
      message: "CreateModelInvocationJob: no",
      operation: "CreateModelInvocationJob",
      source: "bedrock",
      status: 400,
      requestId: "req-1"
    })
    assert.strictEqual(classify(error("ServiceQuotaExceededException", 400)).kind, "quota")
    const throttled = classify(error("ThrottlingException", 429))
    assert.isTrue(throttled.kind === "service" && throttled.retryable)
    const teapot = classify(error("Teapot", 418, "key s3cr3t-value leaked"))
    assert.isTrue(teapot.kind === "service" && !teapot.retryable && !teapot.message.includes("s3cr3t-value"))
    const s3 = classifyS3("GetObject", "bucket", "a/b", [])(error("NoSuchKey", 404, "gone"))
    assert.strictEqual(s3.message, "S3 GetObject s3://bucket/a/b: NoSuchKey: gone")
    assert.isFalse(s3.retryable)
    assert.strictEqual(failureOf(new TypeError("boom"), "submit").kind, "service")
  })
})

describe("batch job state", () => {
  it("GetModelInvocationJob's answer checked; the end decided by status and failed records", () => {
    assert.strictEqual(decodeState({ status: "Running" }), "unknown job status \"Running\"")
    assert.strictEqual(decodeState({ status: "InProgress", errorRecordCount: -1 }), "errorRecordCount is not a count")
    const done = decodeState({
      status: "Completed",
      totalRecordCount: 3,
      processedRecordCount: 3,
      successRecordCount: 2,
      errorRecordCount: 1
    })
    assert.isTrue(typeof done === "object" && isTerminal(done))
    if (typeof done !== "object") return
    const failed = outcome(arn, done)
    assert.strictEqual(failed?.kind, "recordsFailed")
    assert.strictEqual(
      failed?.message,
      "The batch job abc123 ended Completed with 1 failed record(s) of 3; the results hold each one's error"
    )
    assert.isUndefined(outcome(arn, { ...done, progress: { ...done.progress, failed: 0 } }))
    assert.deepStrictEqual(outcome(arn, { status: "Stopped", progress: done.progress }), {
      kind: "job",
      jobArn: arn,
      status: "Stopped",
      message: "The batch job abc123 ended Stopped"
    })
    assert.isTrue(sameState(done, { ...done, submitTime: new Date() }))
    assert.isFalse(sameState(done, { ...done, progress: { ...done.progress, processed: 2 } }))
  })

  it("an output file decoded across chunks that split a line; a bad line names its number", () => {
    const info = {
      jobArn: arn,
      jobName: "j",
      modelId: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      outputUri: "s3://b/o/",
      trimLeadingWhitespace: false,
      unwrap: new Set<string>()
    }
    const line = JSON.stringify({ recordId: "r1", modelInput: {}, error: { errorCode: 400, errorMessage: "bad" } })
    const decoder = new OutputDecoder(info, "o/abc123/records-00001.jsonl.out", (r) => r)
    const bytes = new TextEncoder().encode(`${line}\nnot json\n`)
    assert.deepStrictEqual(decoder.push(bytes.slice(0, 10)), [])
    const rest = decoder.push(bytes.slice(10))
    assert.isFalse(Array.isArray(rest))
    assert.deepStrictEqual(!Array.isArray(rest) && rest.kind === "output" ? [rest.line, rest.source] : [], [
      2,
      "o/abc123/records-00001.jsonl.out"
    ])
    const chunked = new OutputDecoder(info, "k", (r) => r)
    assert.deepStrictEqual(chunked.push(line), [])
    assert.deepStrictEqual(chunked.end(), [{ _tag: "Failure", recordId: "r1", error: { code: 400, message: "bad" } }])
    assert.strictEqual((chunked.push(42) as { kind: string }).kind, "output")
  })
})

describe("batch clients and submission", () => {
  let server: S3Server
  let clients: Clients
  beforeAll(async () => {
    server = await startS3Server({ buckets: ["engine-bucket"] })
    const modules = await loadModules()
    const options = {
      region: "us-east-1",
      s3: { endpoint: server.endpoint, forcePathStyle: true, credentials: server.credentials }
    }
    const s3 = new modules.s3.S3Client(s3Config(options))
    clients = makeClients(modules, new modules.bedrock.BedrockClient({ region: "us-east-1" }), s3, {
      secrets: secretsOf([server.credentials]),
      limits: { minRecordsPerJob: 2 },
      partSize: 1
    })
  })
  afterAll(async () => {
    clients.s3.destroy()
    clients.bedrock.destroy()
    await server.close()
  })

  const list = async (prefix: string): Promise<Array<string>> => {
    const answer = await (clients.s3 as unknown as S3Client).send(
      new clients.modules.s3.ListObjectsV2Command({ Bucket: "engine-bucket", Prefix: prefix }) as never
    ) as { Contents?: Array<{ Key: string }> }
    return (answer.Contents ?? []).map((o) => o.Key).sort()
  }

  it("options refused before anything is sent; the part size at least S3's minimum", () => {
    assert.strictEqual(clients.partSize, 5 * 1024 * 1024)
    const started = Submission.start(clients, {
      model: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      inputUri: "s3://engine-bucket/in/",
      outputUri: "http://nope",
      roleArn: "arn:aws:iam::123456789012:role/R"
    })
    assert.deepStrictEqual(
      started.ok ? undefined : [started.failure.kind, (started.failure as { field: string }).field],
      [
        "validation",
        "outputUri"
      ]
    )
  })

  it("a multipart file over real S3; a failed submission aborts its upload and deletes its files", async () => {
    const target = { clients, bucket: "engine-bucket", partSize: 8 }
    const writer = new FileWriter(target, "direct/records-00001.jsonl")
    for (const word of ["aaaaaaaa\n", "bbbbbbbbb\n", "c\n"]) await writer.write(new TextEncoder().encode(word))
    await writer.close()
    assert.deepStrictEqual(await list("direct/"), ["direct/records-00001.jsonl"])
    await remove(target, ["direct/records-00001.jsonl"])
    assert.deepStrictEqual(await list("direct/"), [])

    const started = Submission.start(clients, {
      model: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
      inputUri: "s3://engine-bucket/in/",
      outputUri: "s3://engine-bucket/out/",
      roleArn: "arn:aws:iam::123456789012:role/R",
      jobName: "engine-cleanup",
      limits: { maxRecordsPerFile: 2 }
    })
    assert.isTrue(started.ok)
    if (!started.ok) return
    const submission = started.value
    for (const prompt of ["one", "two", "three"]) {
      const at = submission.next()
      const prepared = submission.prepare({ prompt }, at)
      assert.isTrue(prepared.ok && submission.add({ prompt }, prepared.value, at).ok)
      // Nothing leaves before the job's minimum of records (2 here).
      if (at === 0) assert.isFalse(submission.pending)
      if (submission.pending) await submission.flush(false)
    }
    assert.deepStrictEqual(await list("in/engine-cleanup/"), ["in/engine-cleanup/records-00001.jsonl"])
    const bad = submission.prepare({ prompt: "x", settings: { temperature: 9 } }, submission.next())
    assert.isTrue(!bad.ok && bad.failure.kind === "invalidRequest" && bad.failure.field.startsWith("requests[3]."))
    await submission.cleanup()
    assert.deepStrictEqual(await list("in/engine-cleanup/"), [])
  })
})
