/**
 * `npm run local-bedrock`: the local Bedrock Runtime server, standalone.
 *
 *   npm run local-bedrock                 # ephemeral port
 *   npm run local-bedrock -- --port 4599
 *   npm run local-bedrock -- --quota rpm:60,tpm:20000          # every model: 60 requests, 20,000 tokens a minute
 *   npm run local-bedrock -- --quota us.amazon.nova-micro-v1:0=rpm:600,burst:5
 *
 * Point any client at the printed endpoint, for example
 * `AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:4599`. Stops on Ctrl-C.
 */
import { LocalBedrockServer } from "@effect-bedrock/local"
import { parseArgs } from "node:util"

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    json: { type: "boolean", default: false },
    quota: { type: "string", multiple: true }
  }
})
const server = await LocalBedrockServer.start({
  ...(values.port === undefined ? {} : { port: Number(values.port) }),
  ...(values.quota === undefined ? {} : { quotas: LocalBedrockServer.parseQuotas(values.quota) })
})
if (values.json) {
  console.log(JSON.stringify({ endpoint: server.endpoint, port: server.port, pid: process.pid }))
} else {
  console.log(`local Bedrock Runtime listening on ${server.endpoint}`)
  console.log(`try: AWS_ENDPOINT_URL_BEDROCK_RUNTIME=${server.endpoint} (any SigV4 credentials, or a bearer key)`)
  if (values.quota !== undefined) console.log(`quotas: ${values.quota.join(" ")}`)
}
const stop = () => {
  void server.close().then(() => process.exit(0))
}
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
