/**
 * Builds the AWS SDK client configuration from `BedrockClient.Options`, and the per-call header
 * middleware.
 *
 * @internal
 */
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import * as TlsConnector from "@effect-bedrock/converse/net/tlsConnector"
import * as FrameGuard from "@effect-bedrock/converse/stream/frameGuard"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type * as BedrockClient from "../../BedrockClient.js"

/** The client options that configure the SDK client: `BedrockClient.Options` without the retry and deadline. @internal */
export type SdkOptions = Omit<BedrockClient.Options, "retry" | "deadline">

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
 * How long a warm spare connection (`warmConnection`) may wait unused before it is closed.
 *
 * @internal
 */
export const warmConnectionIdleMs = 10_000

type HandleArgs = Parameters<NodeHttp2Handler["handle"]>

type Handled = Awaited<ReturnType<NodeHttp2Handler["handle"]>>

/**
 * `NodeHttp2Handler` with our connector: its sockets come from `TlsConnector` (connect timeout,
 * extra CAs, TLS session resumption, warm spare), its spare connections close with the client
 * (`client.destroy()` destroys the handler), and with `shareStreams` event streams go through the
 * pooled session like other requests instead of a session of their own (the SDK's `isEventStream`
 * marker is what isolates them; see docs/reliability.md). The body of an event stream Bedrock
 * answered goes through `FrameGuard` (the size of one event, preludes no frame can have) before
 * the SDK's framing reads it.
 */
class Handler extends NodeHttp2Handler {
  constructor(
    options: ConstructorParameters<typeof NodeHttp2Handler>[0],
    private readonly connector: TlsConnector.Connector,
    private readonly shareStreams: boolean,
    private readonly maxEventBytes: number
  ) {
    super(options)
  }

  override handle(request: HandleArgs[0], options?: HandleArgs[1]): ReturnType<NodeHttp2Handler["handle"]> {
    if (options?.isEventStream !== true) return super.handle(request, options)
    return super.handle(request, this.shareStreams ? { ...options, isEventStream: false } : options).then(
      this.guardBody
    )
  }

  private readonly guardBody = (handled: Handled): Handled => {
    const response = handled.response
    const status = response.statusCode
    // Only an answer's event stream: an error answer's body is read whole by the SDK, as a stream.
    if (status >= 200 && status < 300 && response.body != null) {
      response.body = FrameGuard.guard(response.body as AsyncIterable<Uint8Array>, this.maxEventBytes)
    }
    return handled
  }

  override destroy(): void {
    super.destroy()
    this.connector.destroy()
  }
}

/**
 * The SDK client configuration. Secrets are unwrapped here and nowhere else.
 *
 * @internal
 */
export const toClientConfig = (options: SdkOptions): BedrockRuntimeClientConfig => {
  const connectMs = millis(options.connectTimeout, defaultConnectTimeout)
  const requestMs = millis(options.requestTimeout, defaultRequestTimeout)
  const connector = TlsConnector.make({
    connectMs,
    ca: options.ca,
    resumeSessions: options.tlsSessionResumption !== false,
    warmSpareIdleMs: options.warmConnection === true ? warmConnectionIdleMs : undefined
  })
  const config: BedrockRuntimeClientConfig = {
    // Retries are ours (Effect Schedule, retryable errors only, never after a stream's first event).
    maxAttempts: 1,
    requestHandler: new Handler(
      {
        ...(requestMs === undefined ? {} : { requestTimeout: requestMs }),
        // No idle timer on the HTTP/2 session. The SDK gives every event stream a session of its own
        // with a 300 s idle timer by default, which would end a stalled stream as a clean (truncated)
        // end before a longer `requestTimeout` of ours could fire; streams are timed by us alone
        // (converseStream.ts), and a session dies with its stream.
        sessionTimeout: 0,
        nodeHttp2ConnectOptions: { createConnection: connector.connect }
      },
      connector,
      options.shareStreamSessions === true,
      options.maxEventBytes ?? FrameGuard.defaultMaxEventBytes
    ),
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
