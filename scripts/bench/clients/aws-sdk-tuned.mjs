// Benchmark adapter for the raw AWS SDK given the request handler settings this library uses:
// `new NodeHttp2Handler({ requestTimeout, sessionTimeout: 0 })` instead of the client's default
// (which sets `disableConcurrentStreams: true` and so opens an HTTP/2 session per request). The
// honest limit for our non-streaming figures: the same SDK, sharing one HTTP/2 session as ours
// does. Streams are unaffected: the handler isolates every event stream in a session of its own
// whatever it is given (docs/reliability.md).
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import { createRequire } from "node:module"
import { buildInput, CREDENTIALS, over, prepareConversation } from "./aws-sdk.mjs"

const require = createRequire(import.meta.url)

export const info = {
  client: "aws-sdk-tuned",
  packages: {
    "@aws-sdk/client-bedrock-runtime": require("@aws-sdk/client-bedrock-runtime/package.json").version,
    "@smithy/node-http-handler": require("@smithy/node-http-handler/package.json").version
  }
}

export { buildInput, prepareConversation }

export async function create({ endpoint, region = "us-east-1", modelId }) {
  const requestHandler = new NodeHttp2Handler({ requestTimeout: 300_000, sessionTimeout: 0 })
  return over(
    new BedrockRuntimeClient({ region, endpoint, credentials: CREDENTIALS, maxAttempts: 1, requestHandler }),
    modelId
  )
}
