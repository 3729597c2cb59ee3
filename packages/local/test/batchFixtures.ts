// Batch tests' stack: a real S3 wire-protocol server (s3rver on loopback, scripts/s3-server.mjs) and
// the local Bedrock with its batch control plane pointed at it; the real @aws-sdk/client-bedrock and
// @aws-sdk/client-s3 talk to them.
import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  type CreateModelInvocationJobCommandInput,
  GetModelInvocationJobCommand,
  type GetModelInvocationJobCommandOutput
} from "@aws-sdk/client-bedrock"
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3"
import { LocalBedrock, type LocalBedrockServer } from "@effect-bedrock/local"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type S3Server, startS3Server } from "../../../scripts/s3-server.mjs"
import { credentials } from "./fixtures.js"

export const INPUT_BUCKET = "batch-input-bucket"
export const OUTPUT_BUCKET = "batch-output-bucket"
export const ROLE_ARN = "arn:aws:iam::111122223333:role/BedrockBatch"
export const MODEL = "us.amazon.nova-micro-v1:0"

/** The S3 server and clients of both services. */
export interface Stack {
  readonly s3Server: S3Server
  readonly s3: S3Client
  readonly bedrock: BedrockClient
  readonly local: LocalBedrock.Service
}

export class BatchStack extends Context.Tag("test/BatchStack")<BatchStack, Stack>() {}

/** A fresh s3rver (both buckets made) for the layer's lifetime; removed with its directory at the end. */
const s3ServerResource = Effect.acquireRelease(
  Effect.promise(() => startS3Server({ buckets: [INPUT_BUCKET, OUTPUT_BUCKET] })),
  (server) => Effect.promise(() => server.close())
)

/** The stack: s3rver, then the local Bedrock with `batch.s3` at it, and the two SDK clients. */
export const layer = (batch?: Omit<LocalBedrockServer.BatchOptions, "s3">): Layer.Layer<BatchStack> =>
  Layer.scoped(
    BatchStack,
    Effect.gen(function*() {
      const s3Server = yield* s3ServerResource
      const local = yield* LocalBedrock.make({ batch: { ...batch, s3: { endpoint: s3Server.endpoint } } })
      const s3 = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new S3Client({
            endpoint: s3Server.endpoint,
            region: "us-east-1",
            forcePathStyle: true,
            credentials: s3Server.credentials
          })
        ),
        (c) => Effect.sync(() => c.destroy())
      )
      const bedrock = yield* Effect.acquireRelease(
        Effect.sync(() =>
          new BedrockClient({ endpoint: local.endpoint, region: "us-east-1", credentials, maxAttempts: 1 })
        ),
        (c) => Effect.sync(() => c.destroy())
      )
      return { s3Server, s3, bedrock, local }
    })
  )

/** A Converse record's JSONL line. */
export const converseRecord = (recordId: string, text: string, extra?: Record<string, unknown>): string =>
  JSON.stringify({
    recordId,
    modelInput: { messages: [{ role: "user", content: [{ text }] }], inferenceConfig: { maxTokens: 32 }, ...extra }
  })

/** `n` Converse records, ids `R000001`... */
export const converseLines = (n: number, from = 1): Array<string> =>
  Array.from({ length: n }, (_, i) => converseRecord(`R${String(from + i).padStart(6, "0")}`, `question ${from + i}`))

export const put = (key: string, body: string, bucket = INPUT_BUCKET): Effect.Effect<void, never, BatchStack> =>
  Effect.flatMap(
    BatchStack,
    ({ s3 }) =>
      Effect.promise((signal) =>
        s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), { abortSignal: signal })
      )
  ).pipe(Effect.asVoid)

export const getText = (key: string, bucket = OUTPUT_BUCKET): Effect.Effect<string, never, BatchStack> =>
  Effect.flatMap(BatchStack, ({ s3 }) =>
    Effect.promise(async (signal) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
      return (await object.Body?.transformToString("utf8")) ?? ""
    }))

export const listKeys = (prefix: string, bucket = OUTPUT_BUCKET): Effect.Effect<Array<string>, never, BatchStack> =>
  Effect.flatMap(BatchStack, ({ s3 }) =>
    Effect.promise(async (signal) => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }), { abortSignal: signal })
      return (page.Contents ?? []).map((o) => o.Key ?? "").sort()
    }))

/** Sends a control-plane command with the real SDK; fails with the SDK's error. */
export const bedrock = <A>(
  f: (client: BedrockClient, signal: AbortSignal) => Promise<A>
): Effect.Effect<A, any, BatchStack> =>
  Effect.flatMap(
    BatchStack,
    (stack) => Effect.tryPromise({ try: (signal) => f(stack.bedrock, signal), catch: (e): any => e })
  )

export const createJob = (
  input: Partial<CreateModelInvocationJobCommandInput> & { readonly inputKey?: string }
): Effect.Effect<string, any, BatchStack> => {
  const { inputKey = "in/records.jsonl", ...rest } = input
  return Effect.map(
    bedrock((c, signal) =>
      c.send(
        new CreateModelInvocationJobCommand({
          jobName: `job-${Math.random().toString(36).slice(2, 10)}`,
          roleArn: ROLE_ARN,
          modelId: MODEL,
          modelInvocationType: "Converse",
          inputDataConfig: { s3InputDataConfig: { s3Uri: `s3://${INPUT_BUCKET}/${inputKey}` } },
          outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${OUTPUT_BUCKET}/out/` } },
          ...rest
        }),
        { abortSignal: signal }
      )
    ),
    (out) => out.jobArn!
  )
}

export const getJob = (jobIdentifier: string): Effect.Effect<GetModelInvocationJobCommandOutput, any, BatchStack> =>
  bedrock((c, signal) => c.send(new GetModelInvocationJobCommand({ jobIdentifier }), { abortSignal: signal }))

const terminal = new Set(["Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired"])

/** Polls the job every 10 ms until it ends (at most `timeoutMs`), keeping every status it saw. */
export const awaitJob = (
  jobArn: string,
  timeoutMs = 5_000
): Effect.Effect<{ readonly job: GetModelInvocationJobCommandOutput; readonly seen: Array<string> }, any, BatchStack> =>
  Effect.gen(function*() {
    const seen: Array<string> = []
    const deadline = Date.now() + timeoutMs
    while (true) {
      const job = yield* getJob(jobArn)
      if (seen[seen.length - 1] !== job.status) seen.push(job.status!)
      if (terminal.has(job.status!)) return { job, seen }
      if (Date.now() > deadline) return yield* Effect.die(new Error(`job still ${job.status} after ${timeoutMs} ms`))
      yield* Effect.sleep("10 millis")
    }
  })

export const jobIdOf = (jobArn: string): string => jobArn.slice(jobArn.lastIndexOf("/") + 1)
