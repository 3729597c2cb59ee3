/**
 * `npm run batch-demo`: the same requests on demand and as a Bedrock batch job, against the local stack (the
 * local Bedrock with its batch control plane, and s3rver as S3, both on 127.0.0.1, started here and stopped at
 * the end). Prints the job's progress as it changes, then the cost of both (on-demand from the bundled prices,
 * batch at AWS's documented discount), their wall time and this process's CPU time.
 *
 *   npm run batch-demo
 *   npm run batch-demo -- --records 500
 *
 * The local model answers at once; the timings show the client's side only (see docs/batch.md).
 */
import { BedrockBatch, BedrockLanguageModel, LanguageModel, Response } from "@effect-bedrock/core"
import { LocalBedrock } from "@effect-bedrock/local"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect, Redacted, Schedule, Stream } from "effect"
import { parseArgs } from "node:util"
import { startS3Server } from "./s3-server.mjs"

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"

const { values: flags } = parseArgs({ options: { records: { type: "string", default: "200" } } })
const records = Math.max(100, Number.parseInt(flags.records, 10) || 200)
const MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
const BUCKET = "batch-demo"

const reviews = ["great value", "broke after a week", "does what it says", "never again", "would buy twice"]
const requests: Array<BedrockBatch.BatchRequest> = Array.from({ length: records }, (_, i) => ({
  recordId: `review-${i + 1}`,
  instructions: "Answer with one word: positive, negative or neutral.",
  prompt: `Review #${i + 1}: ${reviews[i % reviews.length]}`,
  settings: { maxTokens: 16, temperature: 0 }
}))

const usd = (amount: number) => `$${amount.toFixed(amount < 1 ? 6 : 2)}`

const measure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const cpu = process.cpuUsage()
    const start = performance.now()
    const value = yield* effect
    const used = process.cpuUsage(cpu)
    return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 }
  })

const program = Effect.gen(function*() {
  const s3Server = yield* Effect.acquireRelease(
    Effect.promise(() => startS3Server({ buckets: [BUCKET] })),
    (server) => Effect.promise(() => server.close())
  )
  const local = yield* LocalBedrock.make({
    batch: { s3: { endpoint: s3Server.endpoint }, timing: { stepMs: 100, recordMs: 5 }, concurrency: 16 }
  })
  yield* Console.log(`Local Bedrock at ${local.endpoint}, S3 (s3rver) at ${s3Server.endpoint}; ${records} requests`)

  // On demand: every request through LanguageModel.generate, 16 at a time.
  const onDemand = yield* measure(
    Effect.forEach(requests, ({ recordId: _recordId, ...request }) => LanguageModel.generate(request), {
      concurrency: 16
    }).pipe(
      Effect.provide(BedrockLanguageModel.layer({ model: MODEL })),
      Effect.provide(LocalBedrock.layerBedrockClient()),
      Effect.provideService(LocalBedrock.LocalBedrock, local)
    )
  )
  const onDemandCost = onDemand.value.reduce((sum, response) => sum + (response.cost?.total ?? 0), 0)

  // Batch: upload, create the job, poll until it ends, read the results.
  const batchRun = yield* measure(
    Effect.gen(function*() {
      const batch = yield* BedrockBatch.BedrockBatch
      const job = yield* batch.submit({
        model: MODEL,
        requests,
        inputUri: `s3://${BUCKET}/input/`,
        outputUri: `s3://${BUCKET}/output/`,
        roleArn: "arn:aws:iam::111122223333:role/BedrockBatchDemo",
        jobName: "batch-demo"
      })
      yield* Console.log(`Submitted ${job.jobName}: ${job.records} records -> ${job.inputUri}`)
      const final = yield* job.await({
        schedule: Schedule.spaced("50 millis"),
        onChange: (state) =>
          Console.log(
            `  ${state.status.padEnd(12)} processed ${state.progress.processed}/${state.progress.total || "?"}, ` +
              `succeeded ${state.progress.succeeded}, failed ${state.progress.failed}`
          )
      })
      const results = Array.from(yield* Stream.runCollect(job.results))
      return { final, results }
    }).pipe(Effect.provide(BedrockBatch.layer({
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
    })))
  )
  const answers = batchRun.value.results.flatMap((result) => result._tag === "Success" ? [result.response] : [])
  const batchCost = answers.reduce((sum, response) => sum + (response.cost?.total ?? 0), 0)
  const first = batchRun.value.results[0]
  if (first?._tag === "Success") {
    yield* Console.log(`First answer (${first.recordId}): ${Response.text(first.response)}`)
  }

  yield* Console.log("")
  const row = (label: string, a: string, b: string) =>
    Console.log(`  ${label.padEnd(38)}${a.padStart(12)}${b.padStart(12)}`)
  yield* Console.log(`${records} requests to ${MODEL}`)
  yield* row("", "on demand", "batch")
  yield* row("cost (bundled prices; batch at 50%)", usd(onDemandCost), usd(batchCost))
  yield* row("wall time", `${onDemand.wallMs.toFixed(0)} ms`, `${batchRun.wallMs.toFixed(0)} ms`)
  yield* row("CPU time of this process", `${onDemand.cpuMs.toFixed(0)} ms`, `${batchRun.cpuMs.toFixed(0)} ms`)
  yield* Console.log(
    "(The local Bedrock runs in this process, so both CPU times include its work; on AWS the batch job runs " +
      "on AWS's side and this process only uploads, polls and reads. See docs/batch.md.)"
  )
})

NodeRuntime.runMain(Effect.scoped(program))
