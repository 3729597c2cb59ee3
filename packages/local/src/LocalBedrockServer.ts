/**
 * A wire-level local Amazon Bedrock Runtime server, for tests, benchmarks and demos that run the
 * real `@aws-sdk/client-bedrock-runtime` (or any fetch-based client) with no AWS account.
 *
 * - One loopback port (`127.0.0.1`, ephemeral unless `port` is given) speaks cleartext HTTP/2
 *   with prior knowledge (what the SDK uses) and HTTP/1.1 (fetch, curl); with `tls: true`, HTTPS
 *   instead (HTTP/2 or HTTP/1.1 by ALPN), with a self-signed certificate made at start.
 * - `POST /model/{modelId}/converse`, `/converse-stream` (real `application/vnd.amazon.eventstream`
 *   framing, Bedrock's random `"p"` padding in every event payload) and `/count-tokens`.
 * - Every answer carries a fresh `x-amzn-requestid`; errors carry `x-amzn-errortype` and
 *   `{"message"}` like Bedrock. A request without SigV4 or Bearer authorization gets 403
 *   AccessDeniedException; an unknown path 404 UnknownOperationException.
 * - Requests are validated like Bedrock does (400 ValidationException), answered by a script from
 *   the FIFO queue (see `LocalBedrockScript`), by a reserved model id, or by the deterministic
 *   default model.
 * - With `batch.s3` (see `BatchOptions`): Bedrock's batch inference control plane on the same port
 *   (`CreateModelInvocationJob`, `GetModelInvocationJob`, `ListModelInvocationJobs`,
 *   `StopModelInvocationJob`, as `@aws-sdk/client-bedrock` sends them), jobs read from and written
 *   to S3, each record answered like a `converse` call.
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
 * Model ids are checked like Bedrock does: a model id that is neither a known Bedrock model id
 * (`anthropic.`, `amazon.nova-`, `meta.llama`, `mistral.`, ... optionally behind a cross-region
 * prefix `us.`, `eu.`, `apac.`, `jp.`, `au.`, `ca.`, `us-gov.`, `global.`), nor a Bedrock ARN
 * (inference profiles and others), nor a reserved `local.*` id gets 400 ValidationException "The
 * provided model identifier is invalid." (`allowAnyModelId: true` turns this off).
 *
 * @since 0.1.0
 */
import type { Cassette } from "@effect-bedrock/converse/cassette/format"
import type * as CassetteSession from "@effect-bedrock/converse/cassette/session"
import type * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import * as quota from "./internal/quota.js"
import { LocalServer } from "./internal/server.js"
import type * as Script from "./LocalBedrockScript.js"

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The port (default: an ephemeral port). */
  readonly port?: number | undefined
  /**
   * The address to listen on (default `127.0.0.1`). The server checks that requests are signed,
   * not by whom: keep it on a loopback address (`127.0.0.1`, `::1`, `localhost`).
   */
  readonly host?: string | undefined
  /**
   * Accept any model id (default false). By default, like Bedrock, only known foundation model
   * ids (optionally with a cross-region prefix such as `us.`), Bedrock ARNs and the reserved
   * `local.*` ids are accepted; any other id gets 400 ValidationException "The provided model
   * identifier is invalid.".
   */
  readonly allowAnyModelId?: boolean | undefined
  /** Add Bedrock's random `"p"` padding field to event payloads (default true). */
  readonly padding?: boolean | undefined
  /** Answer 403 AccessDeniedException to requests without SigV4 / Bearer authorization (default true). */
  readonly requireAuth?: boolean | undefined
  /**
   * Per-model quotas, by model id (or inference profile, as sent); `"*"` gives every other model id
   * its own budget of that size. See `Quota`.
   */
  readonly quotas?: Readonly<Record<string, Quota>> | undefined
  /**
   * Serve HTTPS instead of cleartext (default false): the same protocols over TLS, HTTP/2 or
   * HTTP/1.1 chosen by ALPN, with a self-signed certificate (EC P-256, subjectAltName `127.0.0.1`,
   * `::1` and `localhost`, valid for 7 days) made at start. The endpoint becomes
   * `https://127.0.0.1:PORT` and the server's `certificate` is the PEM a client must trust: give it
   * to that client only (`BedrockClient.Options.ca`, or `ca` in the SDK's
   * `NodeHttp2Handler({ nodeHttp2ConnectOptions })`); never turn certificate checks off globally.
   */
  readonly tls?: boolean | undefined
  /**
   * Replay this cassette (a file recorded with `BedrockClient`'s `record` option, see
   * `LocalBedrockCassette`): every request is answered by the recorded interaction that matches it, or
   * with a `CassetteMismatchException` (400) showing the diff against the closest recorded request.
   * Scripts, quotas and model-id checks do not apply. `cassetteReport()` says what was played. A path, or a
   * cassette already read (`@effect-bedrock/converse/cassette/session`'s `open`) and the file it came from.
   */
  readonly cassette?: string | { readonly file: string; readonly cassette: Cassette } | undefined
  /**
   * Bedrock batch inference (model invocation jobs) on the same port: the S3 the jobs read and write,
   * their timing and quotas. Without `batch.s3`, `CreateModelInvocationJob` is refused. See `BatchOptions`.
   */
  readonly batch?: BatchOptions | undefined
}

/**
 * The batch control plane's settings: `CreateModelInvocationJob`, `GetModelInvocationJob`,
 * `ListModelInvocationJobs` and `StopModelInvocationJob` on the server's endpoint (point
 * `@aws-sdk/client-bedrock` at it), running each job's records through the same path as `converse`
 * (scripts, reserved `local.*` ids, the default model) and reading and writing its files in S3.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BatchOptions {
  /** The S3 that holds the jobs' input and output (for example s3rver on loopback). */
  readonly s3?: BatchS3Options | undefined
  readonly timing?: BatchTiming | undefined
  /**
   * Quotas that replace Bedrock's defaults (the engine's `BatchLimits.defaultQuotas`: at least 100
   * records per job, at most 50,000 per file and per job, 1 GB per file, 5 GB per job, 20 jobs of a
   * model submitted or in progress), e.g. `{ minRecordsPerJob: 1 }` for a demo.
   */
  readonly quotas?: Partial<BatchQuotas> | undefined
  /** Records of a job run at the same time (default 16). */
  readonly concurrency?: number | undefined
}

/**
 * The batch control-plane operations the server answers.
 *
 * @since 0.1.0
 * @category Models
 */
export type BatchOperation =
  | "CreateModelInvocationJob"
  | "GetModelInvocationJob"
  | "ListModelInvocationJobs"
  | "StopModelInvocationJob"

/**
 * The batch quotas (see the engine's `@effect-bedrock/converse/limits/batch`).
 *
 * @since 0.1.0
 * @category Models
 */
export type BatchQuotas = BatchLimits.Quotas

/**
 * Where the batch runner's S3 is. The client is `@aws-sdk/client-s3` with `forcePathStyle`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BatchS3Options {
  /** e.g. `http://127.0.0.1:4568` */
  readonly endpoint: string
  /** Default `us-east-1`. */
  readonly region?: string | undefined
  /** Default s3rver's account (`S3RVER` / `S3RVER`). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined
}

/**
 * How fast jobs move. A job spends `stepMs` in each of `Submitted`, `Validating` and `Scheduled`
 * (and `Stopping`), then `recordMs` per record (with `concurrency` records at a time).
 *
 * @since 0.1.0
 * @category Models
 */
export interface BatchTiming {
  /** Default 20. */
  readonly stepMs?: number | undefined
  /** Default 0. */
  readonly recordMs?: number | undefined
  /**
   * How long one hour of a job's `timeoutDurationInHours` lasts here (default: jobs never time
   * out). A job that has not started when its timeout passes ends `Expired`; one in progress ends
   * `PartiallyCompleted` with the records it processed.
   */
  readonly hourMs?: number | undefined
}

/**
 * Connections accepted since start (or the last `reset`), and in HTTPS mode their TLS handshakes:
 * `tlsHandshakes` completed, of which `tlsResumed` resumed an earlier session (abbreviated
 * handshake), and `tlsFailed` that did not complete (for example a client that does not trust the
 * certificate).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ConnectionStats {
  readonly connections: number
  readonly tlsHandshakes: number
  readonly tlsResumed: number
  readonly tlsFailed: number
}

/**
 * A model's quota, enforced like Bedrock's on converse and converse-stream (count-tokens is not
 * counted): a request is admitted when there is room for one more request and for its tokens (its
 * input tokens, counted like the default model's usage, plus `inferenceConfig.maxTokens`, 4096
 * when absent); otherwise it gets a `ThrottlingException` (HTTP 429, "Too many requests" or "Too
 * many tokens", logged with `throttled: true`) and takes nothing. When an answer whose output is
 * known (the default model, generated streams) is done, the reserved tokens it did not generate
 * are given back.
 *
 * Each budget is a bucket refilled continuously at its per-minute rate that holds at most
 * `burstSeconds` worth of it (default 60: a whole minute's quota at once), full at the start and
 * after `reset`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Quota {
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
  readonly burstSeconds?: number | undefined
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
  /** Undefined for an unknown path and for the batch control plane (see `batchOperation`). */
  readonly operation: Script.Operation | undefined
  /** The batch control-plane operation (`CreateModelInvocationJob`, ...), for those requests. */
  readonly batchOperation?: BatchOperation | undefined
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
  /** True when a quota throttled the request (see `Quota`). */
  readonly throttled?: boolean | undefined
}

/**
 * A running server (promise API, for non-Effect users and standalone processes).
 *
 * @since 0.1.0
 * @category Models
 */
export interface LocalBedrockServer {
  /** `http://127.0.0.1:PORT` (`https://` with `tls: true`) */
  readonly endpoint: string
  readonly port: number
  /** With `tls: true`: the server's self-signed certificate (PEM), for the client under test to trust. */
  readonly certificate: string | undefined
  /** Connections and TLS handshakes so far (see `ConnectionStats`). */
  readonly connections: () => ConnectionStats
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
  /**
   * Drops queued scripts, the request log, the connection counts and the prompt-cache memory, and
   * fills every quota again.
   */
  readonly reset: () => void
  /** Stops listening and destroys every connection. */
  readonly close: () => Promise<void>
  /** With `cassette`: what was played, never played, and the requests that matched nothing. */
  readonly cassetteReport: () => CassetteReport | undefined
}

/**
 * What a cassette replay did (see `Options.cassette`).
 *
 * @since 0.1.0
 * @category Models
 */
export type CassetteReport = CassetteSession.Report

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
    certificate: server.certificate,
    connections: () => server.connections,
    script: (...scripts) => server.script(scripts),
    requests: () => server.requests,
    openRequests: () => server.openRequests,
    pendingScripts: () => server.pendingScripts,
    awaitIdle: () => server.awaitIdle(),
    reset: () => server.reset(),
    close: () => server.close(),
    cassetteReport: () => server.replay?.report()
  }
}

/**
 * Reads quotas from command-line values, one per model: `[<modelId>=]rpm:<n>,tpm:<n>,burst:<seconds>`
 * (any of the three; without a model id, every model). Throws on a malformed value.
 *
 * @example
 * ```ts
 * import { LocalBedrockServer } from "@effect-bedrock/local"
 *
 * // { "*": { requestsPerMinute: 600, burstSeconds: 1 }, "local.small": { tokensPerMinute: 100000 } }
 * const quotas = LocalBedrockServer.parseQuotas(["rpm:600,burst:1", "local.small=tpm:100000"])
 * const server = await LocalBedrockServer.start({ quotas })
 * ```
 *
 * @since 0.1.0
 * @category Constructors
 */
export const parseQuotas = (specs: ReadonlyArray<string>): Record<string, Quota> =>
  Object.fromEntries(specs.map(quota.parseQuota))
