/**
 * Builds the AWS SDK client configuration from `BedrockClient.Options`, and the per-call header
 * middleware.
 *
 * @internal
 */
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as net from "node:net"
import * as tls from "node:tls"

/** @internal */
export interface SdkOptions {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly profile?: string | undefined
  readonly credentials?: {
    readonly accessKeyId: string
    readonly secretAccessKey: Redacted.Redacted<string>
    readonly sessionToken?: Redacted.Redacted<string> | undefined
  } | undefined
  readonly apiKey?: Redacted.Redacted<string> | undefined
  readonly connectTimeout?: Duration.DurationInput | undefined
  readonly requestTimeout?: Duration.DurationInput | undefined
  readonly ca?: string | ReadonlyArray<string> | undefined
  readonly transformClientConfig?: ((config: BedrockRuntimeClientConfig) => BedrockRuntimeClientConfig) | undefined
}

/** @internal */
export const defaultConnectTimeout: Duration.Duration = Duration.seconds(60)

/** @internal */
export const defaultRequestTimeout: Duration.Duration = Duration.seconds(300)

/**
 * The request timeout in milliseconds, `undefined` when disabled (infinite).
 *
 * @internal
 */
export const requestTimeoutMillis = (options: SdkOptions): number | undefined =>
  millis(options.requestTimeout, defaultRequestTimeout)

/** The longest delay `setTimeout` takes; anything longer would fire after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

const millis = (input: Duration.DurationInput | undefined, fallback: Duration.Duration): number | undefined => {
  const duration = Duration.decode(input ?? fallback)
  if (!Duration.isFinite(duration)) return undefined
  const ms = Math.max(1, Math.round(Duration.toMillis(duration)))
  // Over 24.8 days: as good as no timeout (a timer cannot be set that far).
  return ms > MAX_TIMER_MS ? undefined : ms
}

/**
 * How our sockets are made (see `connector`).
 *
 * @internal
 */
export interface ConnectOptions {
  /** Milliseconds for TCP (plus TLS for `https:`) to be up, or none. */
  readonly timeoutMs?: number | undefined
  /** For `https:`: the certificates to trust (made once per client, see `secureContextFor`). */
  readonly secureContext?: tls.SecureContext | undefined
}

/**
 * The secure context for extra trusted CA certificates: Node's bundled roots (`tls.rootCertificates`)
 * plus `ca` (a `ca` given to Node alone would replace the roots). Made once per client, not per
 * connection (a context with ~150 roots takes milliseconds to build). `undefined` without `ca`:
 * Node's default context.
 *
 * @internal
 */
export const secureContextFor = (ca: string | ReadonlyArray<string> | undefined): tls.SecureContext | undefined =>
  ca === undefined ? undefined : tls.createSecureContext({
    ca: [...tls.rootCertificates, ...(typeof ca === "string" ? [ca] : ca)]
  })

/**
 * Our `createConnection` for `http2.connect`. `NodeHttp2Handler` has no connect timeout of its own
 * (only `requestTimeout`, an idle timeout per HTTP/2 stream, and `sessionTimeout`). We get one by
 * handing `http2.connect` our own socket and destroying it with an `ETIMEDOUT` error when TCP (plus
 * TLS for `https:`) is not up within `timeoutMs`. The SDK then fails the request, which `fromSdk`
 * maps to a `TransportError` of kind `"Timeout"`. For `https:` it also applies our trusted CAs.
 *
 * @internal
 */
export const connector = (options: ConnectOptions) => (authority: URL): net.Socket => {
  const secure = authority.protocol === "https:"
  const host = authority.hostname.replace(/^\[|\]$/g, "")
  const port = authority.port === "" ? (secure ? 443 : 80) : Number(authority.port)
  const socket = secure
    ? tls.connect({
      host,
      port,
      ALPNProtocols: ["h2"],
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      ...(options.secureContext === undefined ? {} : { secureContext: options.secureContext })
    })
    : net.connect({ host, port })
  const ms = options.timeoutMs
  if (ms === undefined) return socket
  const timer = setTimeout(() => {
    const error = new Error(`Connection to ${host}:${port} timed out after ${ms} ms`) as Error & { code?: string }
    error.code = "ETIMEDOUT"
    socket.destroy(error)
  }, ms)
  timer.unref?.()
  const clear = () => clearTimeout(timer)
  socket.once(secure ? "secureConnect" : "connect", clear)
  socket.once("close", clear)
  return socket
}

/**
 * `connector` with a timeout only.
 *
 * @internal
 */
export const connectWithTimeout = (ms: number) => connector({ timeoutMs: ms })

/**
 * The SDK client configuration. Secrets are unwrapped here and nowhere else.
 *
 * @internal
 */
export const toClientConfig = (options: SdkOptions): BedrockRuntimeClientConfig => {
  const connectMs = millis(options.connectTimeout, defaultConnectTimeout)
  const requestMs = millis(options.requestTimeout, defaultRequestTimeout)
  const secureContext = secureContextFor(options.ca)
  const config: BedrockRuntimeClientConfig = {
    // Retries are ours (Effect Schedule, retryable errors only, never after a stream's first event).
    maxAttempts: 1,
    requestHandler: new NodeHttp2Handler({
      ...(requestMs === undefined ? {} : { requestTimeout: requestMs }),
      // No idle timer on the HTTP/2 session. The SDK gives every event stream a session of its own
      // with a 300 s idle timer by default, which would end a stalled stream as a clean (truncated)
      // end before a longer `requestTimeout` of ours could fire; streams are timed by us alone
      // (converseStream.ts), and a session dies with its stream.
      sessionTimeout: 0,
      ...(connectMs === undefined && secureContext === undefined
        ? {}
        : { nodeHttp2ConnectOptions: { createConnection: connector({ timeoutMs: connectMs, secureContext }) } })
    }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : {
      credentials: {
        accessKeyId: options.credentials.accessKeyId,
        secretAccessKey: Redacted.value(options.credentials.secretAccessKey),
        ...(options.credentials.sessionToken === undefined
          ? {}
          : { sessionToken: Redacted.value(options.credentials.sessionToken) })
      }
    }),
    ...(options.apiKey === undefined ? {} : {
      token: { token: Redacted.value(options.apiKey) },
      authSchemePreference: ["httpBearerAuth"]
    })
  }
  return options.transformClientConfig === undefined ? config : options.transformClientConfig(config)
}

/**
 * The secrets of these options, still redacted; `fromSdk` removes their values from messages.
 *
 * @internal
 */
export const secretsOf = (options: SdkOptions): Array<Redacted.Redacted<string>> => {
  const out: Array<Redacted.Redacted<string>> = []
  if (options.credentials !== undefined) {
    out.push(options.credentials.secretAccessKey)
    if (options.credentials.sessionToken !== undefined) out.push(options.credentials.sessionToken)
  }
  if (options.apiKey !== undefined) out.push(options.apiKey)
  return out
}

// =============================================================================
// Per-call headers
// =============================================================================

interface HeaderCarrier {
  readonly request?: unknown
}

interface CommandWithStack {
  readonly middlewareStack: {
    // The SDK's overloads are keyed by step; only the "build" one is used here.
    readonly add: (middleware: never, options: { step: "build"; name: string; override: boolean }) => void
  }
}

/**
 * Sets `headers` on a request's headers, replacing any header of the same name in another case
 * (HTTP header names are case-insensitive: `Content-Type` replaces `content-type`, never both).
 *
 * @internal
 */
export const setHeaders = (
  target: Record<string, string>,
  entries: ReadonlyArray<readonly [string, string]>
): void => {
  for (const [name, value] of entries) {
    const lower = name.toLowerCase()
    for (const existing in target) {
      if (existing !== name && existing.toLowerCase() === lower) delete target[existing]
    }
    target[name] = value
  }
}

/**
 * Adds `headers` to the HTTP request of this command only. The middleware sits on the command's
 * own stack (cloned per `send`, never shared with the client or other commands) at the `build`
 * step, which runs before `finalizeRequest` where SigV4 signs, so the headers are signed. A
 * header already there in another case is replaced (`setHeaders`).
 *
 * @internal
 */
export const addHeaders = <C extends CommandWithStack>(
  command: C,
  headers: Readonly<Record<string, string>> | undefined
): C => {
  if (headers === undefined || Object.keys(headers).length === 0) return command
  const entries = Object.entries(headers)
  const middleware = (next: (args: HeaderCarrier) => Promise<unknown>) => (args: HeaderCarrier) => {
    const request = args.request as { headers?: Record<string, string> } | undefined
    if (request !== undefined && typeof request === "object" && request.headers !== undefined) {
      setHeaders(request.headers, entries)
    }
    return next(args)
  }
  command.middlewareStack.add(middleware as never, { step: "build", name: "effectBedrockCallHeaders", override: true })
  return command
}
