// Document names: a file's `documentName` is the name Bedrock gets for it, checked before the request;
// the real SDK against the local Bedrock.
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import * as Prompt from "../src/Prompt.js"

const Env = BedrockLanguageModel.layer({ model: "us.amazon.nova-pro-v1:0" }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient({ client: { retry: false } })),
  Layer.orDie
)

const text = (value: string, documentName?: string) =>
  Prompt.file({
    mediaType: "text/plain",
    data: new TextEncoder().encode(value),
    ...(documentName ? { documentName } : {})
  })

describe("document names", () => {
  layer(Env, { excludeTestServices: true })("against the local Bedrock", (it) => {
    it.effect("documentName goes to Bedrock as the document's name; unnamed ones are Document N", () =>
      Effect.gen(function*() {
        const server = yield* LocalBedrock.LocalBedrock
        yield* server.reset
        yield* LanguageModel.generate({
          prompt: Prompt.user("Compare them.", text("one", "Q3 report"), text("two"))
        })
        const [request] = yield* server.requests
        const names = (request!.body as any).messages[0].content.flatMap((b: any) =>
          b.document ? [b.document.name] : []
        )
        assert.deepStrictEqual(names, ["Q3 report", "Document 2"])
      }))

    it.effect("a name Bedrock would refuse is an InvalidRequestError naming the field, and nothing is sent", () =>
      Effect.gen(function*() {
        const server = yield* LocalBedrock.LocalBedrock
        yield* server.reset
        for (const bad of ["report.pdf", "two  spaces", "", "x".repeat(201)]) {
          const file = { ...text("one"), documentName: bad }
          const error = yield* LanguageModel.generate({ prompt: Prompt.user("Read it.", file) }).pipe(Effect.flip)
          assert.strictEqual(error._tag, "InvalidRequestError", bad)
          assert.include(error.message, "documentName", bad)
        }
        const duplicate = yield* LanguageModel.generate({
          prompt: Prompt.user("Read them.", text("one", "Notes"), text("two", "Notes"))
        }).pipe(Effect.flip)
        assert.strictEqual(duplicate._tag, "InvalidRequestError")
        assert.match(duplicate.message, /"Notes" names two documents/)
        assert.deepStrictEqual(yield* server.requests, [])
      }))
  })
})
