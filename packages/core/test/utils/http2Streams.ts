// A pass-through spy on the client's real HTTP/2 handler (through `transformClientConfig`): it
// records, per request, the `requestTimeout` the client passed and a weak reference to the HTTP/2
// stream the SDK opened, so tests can look at the SDK's timers and at what a finished stream
// leaves reachable. It changes nothing about the requests.
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import { sourceOf } from "@effect-bedrock/converse/stream/frameGuard"
import type { NodeHttp2Handler } from "@smithy/node-http-handler"
import type * as http2 from "node:http2"
import * as v8 from "node:v8"
import * as vm from "node:vm"

export interface SeenRequest {
  /** The per-request `requestTimeout` the client gave the SDK's handler. */
  readonly requestTimeout: number | undefined
  readonly stream: WeakRef<http2.ClientHttp2Stream>
  readonly session: WeakRef<http2.Http2Session>
}

export const watchHttp2 = () => {
  const seen: Array<SeenRequest> = []
  const transformClientConfig = (config: BedrockRuntimeClientConfig): BedrockRuntimeClientConfig => {
    const handler = config.requestHandler as NodeHttp2Handler
    const handle = handler.handle.bind(handler)
    handler.handle = async (request, options) => {
      const out = await handle(request, options)
      // An event stream's body is under our frame guard: the HTTP/2 stream is its source.
      const stream = sourceOf(out.response.body) as http2.ClientHttp2Stream
      seen.push({
        requestTimeout: options?.requestTimeout,
        stream: new WeakRef(stream),
        session: new WeakRef(stream.session!)
      })
      return out
    }
    return config
  }
  return { seen, transformClientConfig }
}

/** The idle timeout armed on an HTTP/2 stream or session (Node keeps it as `timeout`), 0 for none. */
export const armedTimeout = (target: http2.Http2Stream | http2.Http2Session | undefined): number =>
  (target as { readonly timeout?: number } | undefined)?.timeout ?? 0

let gcFunction: (() => void) | undefined

/** A full garbage collection (`--expose-gc` turned on at run time, for this isolate). */
export const collectGarbage = (): void => {
  if (gcFunction === undefined) {
    v8.setFlagsFromString("--expose-gc")
    gcFunction = vm.runInNewContext("gc") as () => void
  }
  gcFunction()
}
