/**
 * A wire-level local Amazon Bedrock Runtime server, for tests, benchmarks and demos that run the
 * real `@aws-sdk/client-bedrock-runtime` (or any fetch-based client) with no AWS account.
 *
 * - One loopback port (`127.0.0.1`, ephemeral unless `port` is given) speaks cleartext HTTP/2
 *   with prior knowledge (what the SDK uses) and HTTP/1.1 (fetch, curl).
 * - `POST /model/{modelId}/converse`, `/converse-stream` (real `application/vnd.amazon.eventstream`
 *   framing, Bedrock's random `"p"` padding in every event payload) and `/count-tokens`.
 * - Every answer carries a fresh `x-amzn-requestid`; errors carry `x-amzn-errortype` and
 *   `{"message"}` like Bedrock. A request without SigV4 or Bearer authorization gets 403
 *   AccessDeniedException; an unknown path 404 UnknownOperationException.
 * - Requests are validated like Bedrock does (400 ValidationException), answered by a script from
 *   the FIFO queue (see `LocalBedrockScript`), by a reserved model id, or by the deterministic
 *   default model.
 *
 * Reserved model ids (for clients that cannot script the server):
 *
 * | model id | converse-stream | converse |
 * |---|---|---|
 * | `local.small` | a small fixed pre-encoded answer ("Hello from local Bedrock.") | the same text |
 * | `local.stream-<N>` | N pre-encoded text deltas `"x"` | N words |
 * | `local.ttft-<ms>` / `local.ttft-<ms>-<N>` | first delta at once, the rest (16 or N in all) after `ms` | default answer after `ms` |
 * | `local.delay-<ms>` | default answer after `ms` | default answer after `ms` |
 * | `local.error-<ExceptionName>` | HTTP error, e.g. `local.error-ThrottlingException` (429) | same |
 * | `local.exception-<type>-<N>` | default events, then exception event `<type>` (e.g. `throttlingException`) after N events | the HTTP error of that name |
 * | `local.reset-<N>` | HTTP/2 RST_STREAM (HTTP/1.1 socket destroy) after N events | reset |
 * | `local.truncate-<N>` | half a frame after N events, then the end of the body | reset |
 * | `local.badcrc-<N>` | a frame with a corrupted message CRC after N events | reset |
 * | `local.hang` / `local.hang-<N>` | never answers / stops after N events | never answers |
 *
 * `local.error-*` and `local.hang` also apply to count-tokens; count-tokens otherwise answers the
 * default count. Any other model id gets the default model.
 *
 * @since 0.1.0
 */
import { LocalServer } from "./internal/server.js"
import type * as Script from "./LocalBedrockScript.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The port on 127.0.0.1 (default: an ephemeral port). */
  readonly port?: number | undefined
  /** Add Bedrock's random `"p"` padding field to event payloads (default true). */
  readonly padding?: boolean | undefined
  /** Answer 403 AccessDeniedException to requests without SigV4 / Bearer authorization (default true). */
  readonly requireAuth?: boolean | undefined
}

/**
 * A request as the server received it. Secrets are never kept: `authorization` keeps only its
 * scheme (SigV4: credential scope and signed headers, with the key id and signature redacted;
 * Bearer: `Bearer <redacted>`), `x-amz-security-token` is redacted, `cookie` dropped.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ReceivedRequest {
  readonly requestId: string
  /** Undefined for an unknown path. */
  readonly operation: Script.Operation | undefined
  /** URL-decoded, e.g. `us.amazon.nova-micro-v1:0` or an inference-profile ARN. */
  readonly modelId: string | undefined
  readonly method: string
  readonly path: string
  readonly httpVersion: "1.1" | "2.0"
  readonly headers: Readonly<Record<string, string>>
  readonly auth: "sigv4" | "bearer" | "none"
  /** The parsed JSON body (undefined when empty or not JSON). */
  readonly body: unknown
  /** Epoch milliseconds. */
  readonly receivedAt: number
}

/**
 * A running server (promise API, for non-Effect users and standalone processes).
 *
 * @since 0.1.0
 * @category Models
 */
export interface LocalBedrockServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string
  readonly port: number
  /** Queue scripts (FIFO); each is consumed by the next matching request. */
  readonly script: (...scripts: ReadonlyArray<Script.Script>) => void
  /** The request log so far. */
  readonly requests: () => ReadonlyArray<ReceivedRequest>
  /** Requests received whose response has not finished and whose stream was not closed. */
  readonly openRequests: () => number
  /** Scripts not consumed yet. */
  readonly pendingScripts: () => number
  /** Resolves once no request is open. */
  readonly awaitIdle: () => Promise<void>
  /** Drops queued scripts, the request log and the prompt-cache memory. */
  readonly reset: () => void
  /** Stops listening and destroys every connection. */
  readonly close: () => Promise<void>
}

/**
 * Starts a server on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { LocalBedrockServer } from "@effect-bedrock/local"
 *
 * const server = await LocalBedrockServer.start({ port: 4599 })
 * console.log(server.endpoint)
 * // ... later
 * await server.close()
 * ```
 *
 * @since 0.1.0
 * @category Constructors
 */
export const start = async (options?: Options): Promise<LocalBedrockServer> => {
  const server = await LocalServer.start(options)
  return {
    endpoint: server.endpoint,
    port: server.port,
    script: (...scripts) => server.script(scripts),
    requests: () => server.requests,
    openRequests: () => server.openRequests,
    pendingScripts: () => server.pendingScripts,
    awaitIdle: () => server.awaitIdle(),
    reset: () => server.reset(),
    close: () => server.close()
  }
}
