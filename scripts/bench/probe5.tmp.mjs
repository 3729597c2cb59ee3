import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime"
import { BedrockClient, BedrockLanguageModel, LanguageModel } from "@effect-bedrock/core"
import { LocalBedrockServer } from "@effect-bedrock/local"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import { Effect, Layer, ManagedRuntime, Redacted, Stream } from "effect"
import { connectWithTimeout } from "../../packages/core/dist/internal/clientOptions.js"
const server = await LocalBedrockServer.start({ port: 0 })
const modelId = "local.ttft-20-4"
const endpoint = server.endpoint
const sdk = new BedrockRuntimeClient({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "A", secretAccessKey: "B" },
  maxAttempts: 1
})
const now = () => performance.now()
const mk = (h) =>
  new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "A", secretAccessKey: "B" },
    maxAttempts: 1,
    requestHandler: h
  })
const sdkA = mk(new NodeHttp2Handler({ requestTimeout: 300000, sessionTimeout: 0 }))
const sdkB = mk(
  new NodeHttp2Handler({
    requestTimeout: 300000,
    sessionTimeout: 0,
    nodeHttp2ConnectOptions: { createConnection: connectWithTimeout(10000) }
  })
)
const run = async (c, opts) => {
  const t0 = now()
  const out = await c.send(
    new ConverseStreamCommand({ modelId, messages: [{ role: "user", content: [{ text: "hi" }] }] }),
    opts
  )
  ;(globalThis.__resp ??= []).push(now() - t0)
  let first
  for await (const e of out.stream) if (first === undefined && e.contentBlockDelta) first = now() - t0
  return first
}
const clientLayer = BedrockClient.layer({
  region: "us-east-1",
  endpoint,
  credentials: { accessKeyId: "A", secretAccessKey: Redacted.make("B") },
  retry: false
})
const rt = ManagedRuntime.make(
  Layer.merge(BedrockLanguageModel.layer({ model: modelId }).pipe(Layer.provide(clientLayer)), clientLayer)
)
await rt.runPromise(Effect.void)
const variants = {
  sdkA: () => run(sdkA),
  sdkB: () => run(sdkB),
  sdkB0: () => run(sdkB, { requestTimeout: 0, abortSignal: new AbortController().signal }),
  sdk: async () => {
    const t0 = now()
    const out = await sdk.send(
      new ConverseStreamCommand({ modelId, messages: [{ role: "user", content: [{ text: "hi" }] }] })
    )
    let first
    for await (const e of out.stream) if (first === undefined && e.contentBlockDelta) first = now() - t0
    return first
  },
  client: async () => {
    globalThis.__T = {}
    const t0 = now()
    let first
    await rt.runPromise(
      Stream.runForEach(
        Stream.unwrap(
          Effect.map(
            BedrockClient.BedrockClient,
            (c) => c.converseStream({ modelId, messages: [{ role: "user", content: [{ text: "hi" }] }] })
          )
        ),
        (e) =>
          Effect.sync(() => {
            if (first === undefined && e.contentBlockDelta) {
              first = now() - t0
              const T = globalThis.__T
              ;(globalThis.__marks ??= []).push([T.send - t0, T.resp - t0, T.ev - t0, first])
            }
          })
      )
    )
    return first
  },
  lm: async () => {
    const t0 = now()
    let first
    await rt.runPromise(Stream.runForEach(LanguageModel.stream({ prompt: "hi" }), (p) =>
      Effect.sync(() => {
        if (first === undefined && p._tag === "TextDelta") first = now() - t0
      })))
    return first
  }
}
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]))
for (let i = 0; i < 60; i++) for (const [k, f] of Object.entries(variants)) res[k].push(await f())
const med = (a) => {
  const s = a.slice(20).sort((x, y) => x - y)
  return s[Math.floor(s.length / 2)]
}
const mm = globalThis.__marks.slice(20)
for (let j = 0; j < 4; j++) {
  console.log(
    "mark",
    j,
    ((a) => a.sort((x, y) => x - y)[a.length >> 1])(mm.map((m) => m[j])).toFixed(2)
  )
}
console.log("sdk send->resp", ((a) => a.sort((x, y) => x - y)[a.length >> 1])(globalThis.__resp.slice(60)).toFixed(2))
for (const k of Object.keys(res)) console.log(k, med(res[k]).toFixed(2), "ms")
sdk.destroy()
await rt.dispose()
await server.close()
