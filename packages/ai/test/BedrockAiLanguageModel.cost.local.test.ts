// Cost, region and server through `@effect/ai`: the model is built on the BedrockClient as given
// (its region and endpoint), so prices load and the spans say where requests went; documents are
// named by the file part itself. Against the local Bedrock, with a model that has a price.
import { BedrockAiLanguageModel } from "@effect-bedrock/ai"
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { LanguageModel } from "@effect/ai"
import { assert, layer } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream, Tracer } from "effect"

// Priced in the bundled dataset for us-east-1 (the local Bedrock's region).
const MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"

const Env = BedrockAiLanguageModel.layer({ model: MODEL, config: { maxTokens: 256 } }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const withSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.tracerWith((base) => {
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: base.context
    })
    return Effect.map(Effect.withTracer(effect, tracer), (value) => [value, spans] as const)
  })

const prompt = [{
  role: "user" as const,
  content: [
    { type: "text" as const, text: "Sum up the report." },
    {
      type: "file" as const,
      mediaType: "text/plain",
      data: new TextEncoder().encode("Sales rose."),
      fileName: "q3.txt"
    }
  ]
}]

layer(Env, { excludeTestServices: true })("@effect/ai path: cost, region, server", (it) => {
  it.effect("generateText and streamText: the finish part has the cost; the chat span has region, server, cost", () =>
    Effect.gen(function*() {
      const server = yield* LocalBedrock.LocalBedrock
      yield* server.reset
      const [response, spans] = yield* withSpans(LanguageModel.generateText({ prompt }))
      const [streamed, streamSpans] = yield* withSpans(
        LanguageModel.streamText({ prompt }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      )
      const finishes = [response.content.find((part) => part.type === "finish"), streamed.at(-1)]
      for (const finish of finishes) {
        assert.strictEqual(finish?.type, "finish")
        const cost = finish?.type === "finish" ? finish.metadata.effectBedrock?.cost : undefined
        assert.isDefined(cost, "no cost in the finish part")
        assert.strictEqual(cost!.currency, "USD")
        assert.isAbove(cost!.total, 0)
      }
      for (const list of [spans, streamSpans]) {
        const chat = list.find((span) => span.name === `chat ${MODEL}`)
        assert.isDefined(chat, list.map((span) => span.name).join(", "))
        assert.strictEqual(chat!.attributes.get("cloud.region"), "us-east-1")
        assert.strictEqual(chat!.attributes.get("server.address"), "127.0.0.1")
        assert.strictEqual(chat!.attributes.get("server.port"), server.port)
        assert.isAbove(chat!.attributes.get("effect_bedrock.cost.total") as number, 0)
      }
      // The document went with the name of its file part.
      const requests = yield* server.requests
      assert.strictEqual(requests.length, 2)
      for (const request of requests) {
        const blocks = (request.body as any).messages[0].content
        assert.deepStrictEqual(blocks.find((block: any) => block.document).document.name, "q3")
      }
    }))

  it.effect("a stream that ends after messageStop without metadata: usage undefined (unknown), not 0, and no cost", () =>
    Effect.gen(function*() {
      const server = yield* LocalBedrock.LocalBedrock
      yield* server.reset
      // The text events without their last (metadata) event, as seen in recorded Bedrock traffic.
      yield* server.script(Script.stream(Script.textEvents(["Hello", " there"]).slice(0, -1)))
      const parts = yield* LanguageModel.streamText({ prompt: "Say hello" }).pipe(
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      const finish = parts.at(-1)
      assert.strictEqual(finish?.type, "finish")
      if (finish?.type !== "finish") return
      assert.strictEqual(finish.reason, "stop")
      assert.isUndefined(finish.usage.inputTokens)
      assert.isUndefined(finish.usage.outputTokens)
      assert.isUndefined(finish.usage.totalTokens)
      assert.strictEqual(finish.metadata.effectBedrock?.usageUnknown, true)
      assert.isUndefined(finish.metadata.effectBedrock?.cost)
      const text = parts.flatMap((part) => part.type === "text-delta" ? [part.delta] : []).join("")
      assert.strictEqual(text, "Hello there")
    }))
})
