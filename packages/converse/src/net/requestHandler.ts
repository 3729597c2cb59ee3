/**
 * The HTTP/2 request handler every client of ours gives the AWS SDK (Effect 3 and Effect 4 alike):
 * the SDK's `NodeHttp2Handler` with
 *
 * - sockets from `TlsConnector` (connect timeout, extra CAs, TLS session resumption, warm spare),
 *   closed with the client (`client.destroy()` destroys the handler);
 * - no idle timer on a session (`sessionTimeout: 0`): the SDK gives every event stream a session of
 *   its own with a 300 s idle timer by default, which would end a stalled stream as a clean
 *   (truncated) end before a longer request timeout could fire; streams are timed by the caller;
 * - one pooled session for non-streaming calls (the SDK's default opens none per request only when
 *   given a handler like this one: the bench's converse scenarios measure the difference);
 * - with `shareStreams`, event streams through the pooled session too (the SDK's `isEventStream`
 *   marker is what isolates them);
 * - the body of an event stream Bedrock answered behind `FrameGuard` (the size of one event,
 *   preludes no frame can have), before the SDK's framing reads it.
 *
 * @since 0.1.0
 */
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import * as FrameGuard from "../stream/frameGuard.js"
import * as TlsConnector from "./tlsConnector.js"

/**
 * The seed's connect timeout (pydantic-ai's `AWS_CONNECT_TIMEOUT` default): 60 s.
 *
 * @since 0.1.0
 * @category Defaults
 */
export const defaultConnectTimeoutMs = 60_000

/**
 * The seed's read timeout (pydantic-ai's `AWS_READ_TIMEOUT` default): 300 s.
 *
 * @since 0.1.0
 * @category Defaults
 */
export const defaultRequestTimeoutMs = 300_000

/**
 * How long a warm spare connection (`warmSpare`) may wait unused before it is closed.
 *
 * @since 0.1.0
 * @category Defaults
 */
export const warmSpareIdleMs = 10_000

/**
 * What the handler is made of; every field has the default named beside it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** Per request (and per stream read); `undefined` for none. Default `defaultRequestTimeoutMs`. */
  readonly requestTimeoutMs?: number | undefined
  /** Default `defaultConnectTimeoutMs`; `undefined` for none. */
  readonly connectTimeoutMs?: number | undefined
  /** Extra CA certificates (PEM) to trust besides Node's. */
  readonly ca?: string | ReadonlyArray<string> | undefined
  /** Resume TLS sessions per host and port (default `true`). */
  readonly resumeSessions?: boolean | undefined
  /** Keep a warm spare connection (default `false`). */
  readonly warmSpare?: boolean | undefined
  /** Event streams through the pooled session (default `false`: a session per stream, as the SDK does). */
  readonly shareStreams?: boolean | undefined
  /** The cap on one event frame (default `FrameGuard.defaultMaxEventBytes`). */
  readonly maxEventBytes?: number | undefined
}

type HandleArgs = Parameters<NodeHttp2Handler["handle"]>

type Handled = Awaited<ReturnType<NodeHttp2Handler["handle"]>>

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
 * A new handler; give it to the SDK client as `requestHandler`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (options: Options = {}): NodeHttp2Handler => {
  const connector = TlsConnector.make({
    connectMs: "connectTimeoutMs" in options ? options.connectTimeoutMs : defaultConnectTimeoutMs,
    ca: options.ca,
    resumeSessions: options.resumeSessions !== false,
    warmSpareIdleMs: options.warmSpare === true ? warmSpareIdleMs : undefined
  })
  const requestMs = "requestTimeoutMs" in options ? options.requestTimeoutMs : defaultRequestTimeoutMs
  return new Handler(
    {
      ...(requestMs === undefined ? {} : { requestTimeout: requestMs }),
      sessionTimeout: 0,
      nodeHttp2ConnectOptions: { createConnection: connector.connect }
    },
    connector,
    options.shareStreams === true,
    options.maxEventBytes ?? FrameGuard.defaultMaxEventBytes
  )
}
