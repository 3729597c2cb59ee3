// The command line's batch flags: --s3-endpoint (and the timing / minimum-records flags) become the
// server's `batch` option, the printed environment gains AWS_ENDPOINT_URL_BEDROCK (the control plane,
// same port), and a server started with the parsed options runs a job against a real S3.
import { BedrockClient, CreateModelInvocationJobCommand, GetModelInvocationJobCommand } from "@aws-sdk/client-bedrock"
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { LocalBedrockServer } from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { startS3Server } from "../../../scripts/s3-server.mjs"
import { environment, parse } from "../src/internal/cli.js"
import { credentials } from "./fixtures.js"

describe("local-bedrock --s3-endpoint", () => {
  it("parses the batch flags into the batch option; refuses them without an S3 endpoint or with bad values", () => {
    const command = parse([
      "--s3-endpoint",
      "http://127.0.0.1:4568",
      "--batch-step-ms",
      "250",
      "--batch-record-ms",
      "10",
      "--batch-min-records",
      "1"
    ])
    assert.strictEqual(command._tag, "Serve")
    assert.deepStrictEqual((command as any).options.batch, {
      s3: { endpoint: "http://127.0.0.1:4568" },
      timing: { stepMs: 250, recordMs: 10 },
      quotas: { minRecordsPerJob: 1 }
    })
    assert.isUndefined((parse([]) as any).options.batch)
    assert.match((parse(["--batch-step-ms", "5"]) as any).message, /need --s3-endpoint/)
    assert.match((parse(["--s3-endpoint", "127.0.0.1:4568"]) as any).message, /must be an http\(s\) URL/)
    assert.match(
      (parse(["--s3-endpoint", "http://127.0.0.1:1", "--batch-record-ms", "1.5"]) as any).message,
      /whole number/
    )
    assert.deepStrictEqual(Object.keys(environment("http://127.0.0.1:1", undefined, true)), [
      "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
      "AWS_ENDPOINT_URL_BEDROCK",
      "AWS_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY"
    ])
  })

  it.scopedLive("a server started with the parsed options runs a one-record job (--batch-min-records 1)", () =>
    Effect.gen(function*() {
      const s3Server = yield* Effect.acquireRelease(
        Effect.promise(() => startS3Server({ buckets: ["cli-batch-bucket"] })),
        (s) => Effect.promise(() => s.close())
      )
      const command = parse([
        "--port",
        "0",
        "--s3-endpoint",
        s3Server.endpoint,
        "--batch-step-ms",
        "1",
        "--batch-min-records",
        "1"
      ])
      assert.strictEqual(command._tag, "Serve")
      const server = yield* Effect.acquireRelease(
        Effect.promise(() => LocalBedrockServer.start((command as any).options)),
        (s) => Effect.promise(() => s.close())
      )
      const s3 = new S3Client({
        endpoint: s3Server.endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: s3Server.credentials
      })
      const bedrock = new BedrockClient({ endpoint: server.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
      yield* Effect.addFinalizer(() => Effect.sync(() => (s3.destroy(), bedrock.destroy())))
      yield* Effect.promise(() =>
        s3.send(
          new PutObjectCommand({
            Bucket: "cli-batch-bucket",
            Key: "one.jsonl",
            Body: JSON.stringify({
              recordId: "ONE",
              modelInput: { messages: [{ role: "user", content: [{ text: "hi" }] }] }
            })
          })
        )
      )
      const { jobArn } = yield* Effect.promise(() =>
        bedrock.send(
          new CreateModelInvocationJobCommand({
            jobName: "cli-job",
            roleArn: "arn:aws:iam::111122223333:role/Batch",
            modelId: "local.small",
            modelInvocationType: "Converse",
            inputDataConfig: { s3InputDataConfig: { s3Uri: "s3://cli-batch-bucket/one.jsonl" } },
            outputDataConfig: { s3OutputDataConfig: { s3Uri: "s3://cli-batch-bucket/out" } }
          })
        )
      )
      let status: string | undefined
      for (let i = 0; i < 500 && status !== "Completed" && status !== "Failed"; i++) {
        yield* Effect.sleep("5 millis")
        status = (yield* Effect.promise(() =>
          bedrock.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }))
        )).status
      }
      assert.strictEqual(status, "Completed")
    }))
})
