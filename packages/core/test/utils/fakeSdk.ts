import type { ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime"
import { EventStreamCodec } from "@smithy/eventstream-codec"
import { fromUtf8, toUtf8 } from "@smithy/util-utf8"
import * as Redacted from "effect/Redacted"
import { PassThrough, Readable } from "node:stream"
import type * as BedrockClient from "../../src/BedrockClient.js"

// =============================================================================
// A fake HTTP handler: the real SDK pipeline (serialise, sign, deserialise), no network
// =============================================================================

/** What the SDK's handlers take as a signal: a DOM `AbortSignal` or `@smithy/types`' `aborted` + `onabort`. */
export type FakeSignal =
  | AbortSignal
  | { readonly aborted: boolean; onabort: unknown; readonly addEventListener?: undefined }

export interface FakeRequest {
  readonly path: string
  readonly headers: Record<string, string>
  readonly body: string
  readonly abortSignal: FakeSignal | undefined
}

export interface FakeResponse {
  readonly status?: number
  readonly headers?: Record<string, string>
  readonly body?: string | Readable
  /** Never answer (until aborted). */
  readonly hang?: boolean
}

const codec = new EventStreamCodec(toUtf8, fromUtf8)

export const eventFrame = (type: string, payload: unknown): Uint8Array =>
  codec.encode({
    headers: {
      ":message-type": { type: "string", value: "event" },
      ":event-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" }
    },
    body: fromUtf8(JSON.stringify(payload))
  })

export const exceptionFrame = (type: string, message: string): Uint8Array =>
  codec.encode({
    headers: {
      ":message-type": { type: "string", value: "exception" },
      ":exception-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" }
    },
    body: fromUtf8(JSON.stringify({ message }))
  })

export const makeFake = (respond: (request: FakeRequest, index: number) => FakeResponse) => {
  const requests: Array<FakeRequest> = []
  const state = { destroyed: false }
  const handler = {
    metadata: { handlerProtocol: "h2" },
    destroy: () => {
      state.destroyed = true
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    handle: async (
      request: { path: string; headers: Record<string, string>; body?: unknown },
      options?: { abortSignal?: FakeSignal }
    ) => {
      const recorded: FakeRequest = {
        path: request.path,
        headers: { ...request.headers },
        body: typeof request.body === "string"
          ? request.body
          : request.body instanceof Uint8Array
          ? toUtf8(request.body)
          : "",
        abortSignal: options?.abortSignal
      }
      const index = requests.length
      requests.push(recorded)
      const reply = respond(recorded, index)
      if (reply.hang === true) {
        return new Promise<never>((_, reject) => {
          const onAbort = () => {
            const error = new Error("Request aborted")
            error.name = "AbortError"
            reject(error)
          }
          // As the SDK's handlers do: a DOM signal's listener, else the `onabort` of @smithy/types.
          const signal = options?.abortSignal
          if (signal === undefined) return
          if (typeof signal.addEventListener === "function") signal.addEventListener("abort", onAbort)
          else signal.onabort = onAbort
        })
      }
      const body = reply.body instanceof Readable ? reply.body : Readable.from([Buffer.from(reply.body ?? "")])
      return {
        response: {
          statusCode: reply.status ?? 200,
          headers: { "x-amzn-requestid": `req-${index}`, "content-type": "application/json", ...reply.headers },
          body
        }
      }
    }
  }
  return { requests, state, handler }
}

export const converseBody = (text: string) =>
  JSON.stringify({
    output: { message: { role: "assistant", content: [{ text }] } },
    stopReason: "end_turn",
    usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
    metrics: { latencyMs: 1 }
  })

export const errorResponse = (name: string, status: number, message = name): FakeResponse => ({
  status,
  headers: { "x-amzn-errortype": `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  body: JSON.stringify({ message })
})

export const streamResponse = (frames: ReadonlyArray<Uint8Array>, keepOpen = false): FakeResponse => {
  const body = new PassThrough()
  for (const frame of frames) body.write(frame)
  if (!keepOpen) body.end()
  return { headers: { "content-type": "application/vnd.amazon.eventstream" }, body }
}

export const secret = "local-secret-VALUE-0123456789"
export const apiKeySecret = "ABSK-local-bearer-key-0123456789"

export const fakeOptions = (
  fake: ReturnType<typeof makeFake>,
  extra: Partial<BedrockClient.Options> = {}
): BedrockClient.Options => ({
  region: "us-east-1",
  endpoint: "http://127.0.0.1:1",
  credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make(secret) },
  retry: { baseDelay: "10 millis", maxDelay: "50 millis" },
  transformClientConfig: (config) => ({ ...config, requestHandler: fake.handler }),
  ...extra
})

export const input = {
  modelId: "us.amazon.nova-micro-v1:0",
  messages: [{ role: "user" as const, content: [{ text: "hi" }] }]
}

export const textOf = (output: ConverseCommandOutput) => output.output?.message?.content?.[0]?.text
