// The first program of a new user, installed from the packed tarballs (see scripts/check-pack.ts):
// the README's example against `npx @effect-bedrock/local`, configured from the environment it prints.
import {
  BedrockClient,
  BedrockLanguageModel,
  LanguageModel,
  Prompt,
  Response,
  Tool,
  Toolkit
} from "@effect-bedrock/core"
import { Effect, Layer, Schema, Stream } from "effect"

const getWeather = Tool.make("get_weather", {
  description: "Current weather for a city",
  parameters: Schema.Struct({ city: Schema.String }),
  success: Schema.Struct({ city: Schema.String, celsius: Schema.Number }),
  handler: ({ city }) => Effect.succeed({ city, celsius: 18 })
})

const Client = BedrockClient.layerConfig() // AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_REGION, credentials
const Bedrock = BedrockLanguageModel.layer({
  model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  settings: { maxTokens: 256, temperature: 0 }
}).pipe(Layer.provideMerge(Client))

const expect = (condition: boolean, what: string): Effect.Effect<void, Error> =>
  condition ? Effect.void : Effect.fail(new Error(`app: ${what}`))

const program = Effect.gen(function*() {
  const response = yield* LanguageModel.generate({ prompt: "Name three Portuguese cities." })
  yield* expect(Response.text(response) === "You said: Name three Portuguese cities.", "generate")

  let streamed = ""
  yield* LanguageModel.stream({ prompt: "Tell me a short story." }).pipe(
    Stream.runForEach((part) => Effect.sync(() => (streamed += part._tag === "TextDelta" ? part.delta : "")))
  )
  yield* expect(streamed === "You said: Tell me a short story.", `stream: ${streamed}`)

  const tokens = yield* LanguageModel.countTokens({ prompt: "How long is this?" })
  yield* expect(tokens > 0, "countTokens")

  const result = yield* Toolkit.generate(Toolkit.make(getWeather), { prompt: "Weather in Porto?" })
  yield* expect(Response.text(result.response).startsWith("Based on get_weather:"), "tool loop")

  // A model id Bedrock does not know: the local server rejects it as Bedrock would.
  const invalid = yield* LanguageModel.generate({ prompt: "hi" }).pipe(
    Effect.provide(BedrockLanguageModel.layer({ model: "gpt-4o" })),
    Effect.flip
  )
  yield* expect(invalid._tag === "ValidationError", `unknown model id: ${invalid._tag}`)

  // Files given by URL: the download module loads from the tarball (no @effect/platform needed) and
  // refuses a local address before connecting, with a typed error.
  const file = Prompt.file({ mediaType: "image/png", data: new URL("http://127.0.0.1:9/cat.png") })
  const refused = yield* LanguageModel.generate({ prompt: Prompt.user("What is this?", file) }).pipe(Effect.flip)
  yield* expect(
    refused._tag === "FileDownloadError" && refused.reason === "ForbiddenAddress",
    `file URL on a local address: ${refused._tag} ${refused.message}`
  )
})

Effect.runPromise(program.pipe(Effect.provide(Bedrock))).then(
  () => console.log("app.ts (ESM): ok"),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
