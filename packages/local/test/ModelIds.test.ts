import {
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  ValidationException
} from "@aws-sdk/client-bedrock-runtime"
import * as BedrockModelId from "@effect-bedrock/core/BedrockModelId"
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { endpointFor, isLoopback } from "../src/internal/host.js"
import { isAccepted, refusal } from "../src/internal/modelIds.js"
import { post, readJson, send, sendError, user } from "./fixtures.js"

const accepted = [
  "anthropic.claude-sonnet-4-5-20250929-v1:0",
  "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "global.anthropic.claude-opus-4-6-v1",
  "anthropic.claude-3-5-sonnet-20240620-v1:0:200k",
  "amazon.nova-micro-v1:0",
  "eu.amazon.nova-pro-v1:0",
  "apac.amazon.nova-lite-v1:0",
  "amazon.titan-text-express-v1",
  "meta.llama3-3-70b-instruct-v1:0",
  "us.meta.llama4-maverick-17b-instruct-v1:0",
  "mistral.mistral-large-2407-v1:0",
  "cohere.command-r-plus-v1:0",
  "ai21.jamba-1-5-large-v1:0",
  "us.deepseek.r1-v1:0",
  "openai.gpt-oss-120b-1:0",
  "qwen.qwen3-32b-v1:0",
  "us.writer.palmyra-x5-v1:0",
  "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
  "au.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "ca.amazon.nova-lite-v1:0",
  "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
  "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
  "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
  "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/xyz",
  "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT12345:1",
  "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:inference-profile/us-gov.meta.llama3-8b",
  "arn:aws:sagemaker:us-west-2:123456789012:endpoint/my-marketplace-endpoint",
  "local.small",
  "local.error-ThrottlingException"
]

const rejected = [
  "gpt-4o",
  "openai.gpt-4o",
  "claude-3-haiku",
  "m",
  "anthropic.",
  "us.gpt-4o",
  "eu.",
  "local.",
  "amazon.unknown-model",
  "acme.model-1",
  "arn:aws:s3:::bucket/key",
  "arn:aws:bedrock:us-east-1:123456789012:inference-profile/",
  "anthropic.claude sonnet"
]

describe("model ids", () => {
  it("accepts known Bedrock model ids, cross-region prefixes, Bedrock ARNs and local ids", () => {
    for (const id of accepted) assert.isTrue(isAccepted(id), id)
  })

  it("rejects anything else", () => {
    for (const id of rejected) assert.isFalse(isAccepted(id), id)
  })

  it("one table with the library: every id of BedrockModelId.knownModelIds is accepted", () => {
    for (const id of BedrockModelId.knownModelIds) assert.isTrue(isAccepted(id), id)
    assert.isTrue(isAccepted("zai.glm-5"))
    assert.isTrue(isAccepted("moonshotai.kimi-k2.5"))
  })

  it("a typo of a known id is refused with the known id in the message; other versions pass", () => {
    assert.strictEqual(
      refusal("us.anthropic.claude-sonet-4-5-20250929-v1:0"),
      "The provided model identifier is invalid. Did you mean \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"?"
    )
    assert.strictEqual(
      refusal("eu.anthropic.claud-sonnet-4-5-20250929-v1:0"),
      "The provided model identifier is invalid. Did you mean \"eu.anthropic.claude-sonnet-4-5-20250929-v1:0\"?"
    )
    assert.match(refusal("amazon.nova-prp-v1:0")!, /Did you mean "us\.amazon\.nova-pro-v1:0"\?$/)
    // Another version or size of a known model: maybe newer than the table, as Bedrock may serve it.
    for (const id of ["minimax.minimax-m2.7", "zai.glm-4.6", "mistral.ministral-3-5b-instruct"]) {
      assert.isUndefined(refusal(id), id)
    }
    // No known id close: Bedrock's message alone.
    assert.strictEqual(refusal("gpt-4o"), "The provided model identifier is invalid.")
  })
})

describe("host", () => {
  it("loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      assert.isTrue(isLoopback(host), host)
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com", "10.0.0.1"]) {
      assert.isFalse(isLoopback(host), host)
    }
  })

  it("endpoints", () => {
    assert.strictEqual(endpointFor("127.0.0.1", 4599), "http://127.0.0.1:4599")
    assert.strictEqual(endpointFor("::1", 4599), "http://[::1]:4599")
    assert.strictEqual(endpointFor("0.0.0.0", 4599), "http://127.0.0.1:4599")
    assert.strictEqual(endpointFor("::", 4599), "http://[::1]:4599")
  })
})

layer(LocalBedrock.layer(), { excludeTestServices: true })("unknown model ids on the wire", (it) => {
  it.effect("ValidationException 400, like Bedrock, for every operation", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const messages = [user("hi")]
      for (
        const command of [
          new ConverseCommand({ modelId: "gpt-4o", messages }),
          new ConverseStreamCommand({ modelId: "gpt-4o", messages }),
          new CountTokensCommand({ modelId: "claude-3-haiku", input: { converse: { messages } } })
        ]
      ) {
        const error = yield* sendError(command)
        assert.instanceOf(error, ValidationException)
        assert.strictEqual(error.message, "The provided model identifier is invalid.")
        assert.strictEqual(error.$metadata.httpStatusCode, 400)
      }
      // A typo of a known id: refused, the known id in the message; a known id answers.
      const typo = yield* sendError(
        new ConverseCommand({ modelId: "us.anthropic.claude-sonet-4-5-20250929-v1:0", messages })
      )
      assert.instanceOf(typo, ValidationException)
      assert.match(typo.message, /Did you mean "us\.anthropic\.claude-sonnet-4-5-20250929-v1:0"\?/)
      const glm: any = yield* send(new ConverseCommand({ modelId: "zai.glm-5", messages }))
      assert.strictEqual(glm.$metadata.httpStatusCode, 200)
      const response = yield* post(local.endpoint, "/model/gpt-4o/converse", { messages })
      assert.strictEqual(response.status, 400)
      assert.match(response.headers.get("x-amzn-errortype")!, /^ValidationException:/)
      assert.strictEqual((yield* readJson(response)).message, "The provided model identifier is invalid.")
      const out: any = yield* send(new ConverseCommand({ modelId: "us.amazon.nova-micro-v1:0", messages }))
      assert.strictEqual(out.$metadata.httpStatusCode, 200)
    }))
})

layer(LocalBedrock.layer({ allowAnyModelId: true }), { excludeTestServices: true })("allowAnyModelId", (it) => {
  it.effect("any model id gets the default model", () =>
    Effect.gen(function*() {
      const out: any = yield* send(new ConverseCommand({ modelId: "gpt-4o", messages: [user("hi")] }))
      assert.strictEqual(out.output.message.content[0].text, "You said: hi")
    }))
})
