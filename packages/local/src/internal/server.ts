/**
 * The local Bedrock Runtime server: one loopback port speaking cleartext HTTP/2 (prior knowledge)
 * and HTTP/1.1 (or, with `tls: true`, HTTPS: HTTP/2 or HTTP/1.1 chosen by ALPN, with a self-signed
 * certificate made at start), and the path of every request through it: routing, the request log, auth and
 * validation, then a script or the default answer of its operation.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as http2 from "node:http2"
import * as net from "node:net"
import * as tls from "node:tls"
import type * as Script from "../LocalBedrockScript.js"
import type { ConnectionStats, Options, ReceivedRequest } from "../LocalBedrockServer.js"
import * as batchControlPlane from "./batch/controlPlane.js"
import { BatchJobs } from "./batch/jobs.js"
import { CassetteReplay } from "./cassetteReplay.js"
import { type Exchange, http1Exchange, http2Exchange, replyError } from "./exchange.js"
import * as host from "./host.js"
import { isObject } from "./json.js"
import * as modelIds from "./modelIds.js"
import { OpenRequests } from "./openRequests.js"
import * as operations from "./operations.js"
import { Quotas } from "./quota.js"
import * as requestLog from "./requestLog.js"
import * as reserved from "./reserved.js"
import * as scriptAnswer from "./scriptAnswer.js"
import { ScriptQueue } from "./scriptQueue.js"
import * as selfSignedCertificate from "./selfSignedCertificate.js"
import * as validation from "./validation.js"

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1")
const UNSIGNED =
  "Missing or invalid Authorization header: sign the request with SigV4 or send a Bedrock API key as a Bearer token."
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|count-tokens)$/

/** @internal */
export class LocalServer {
  readonly endpoint: string
  private readonly scripts = new ScriptQueue()
  private readonly log: Array<ReceivedRequest> = []
  private readonly cache = new Set<string>()
  private readonly sockets = new Set<net.Socket>()
  private readonly open = new OpenRequests()
  private readonly quotas: Quotas | undefined
  private readonly batch: BatchJobs
  private closing: Promise<void> | undefined
  private stats = { connections: 0, tlsHandshakes: 0, tlsResumed: 0, tlsFailed: 0 }

  private constructor(
    readonly port: number,
    private readonly netServer: net.Server,
    private readonly options: Options,
    /** The certificate (PEM) in HTTPS mode. */
    readonly certificate: string | undefined,
    /** With a cassette: every request is answered from it. */
    readonly replay: CassetteReplay | undefined
  ) {
    const endpoint = host.endpointFor(host.listenHost(options.host), port)
    this.endpoint = certificate === undefined ? endpoint : endpoint.replace(/^http:/, "https:")
    this.quotas = options.quotas === undefined ? undefined : new Quotas(options.quotas)
    this.batch = new BatchJobs(options.batch, options.allowAnyModelId === true, {
      takeScript: (operation, modelId) => this.scripts.take(operation, modelId),
      cache: this.cache
    })
  }

  // ---------------------------------------------------------------------------
  // Listener
  // ---------------------------------------------------------------------------

  static async start(options: Options = {}, replay?: CassetteReplay): Promise<LocalServer> {
    const cassette = replay ?? (options.cassette === undefined ? undefined : CassetteReplay.of(options.cassette))
    const h1 = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0, headersTimeout: 60_000 })
    const h2 = http2.createServer({
      maxSessionMemory: 1024,
      settings: { maxConcurrentStreams: 100_000, initialWindowSize: 1 << 20 }
    })
    const netServer = net.createServer({ noDelay: true })
    const certificate = options.tls === true ? selfSignedCertificate.make() : undefined
    // HTTPS: the TLS server only does handshakes (sockets reach it from `accept`); ALPN picks the protocol.
    const tlsServer = certificate === undefined ? undefined : tls.createServer({
      key: certificate.privateKey,
      cert: certificate.certificate,
      ALPNProtocols: ["h2", "http/1.1"]
    })
    let server: LocalServer | undefined
    netServer.on("connection", (socket) => server?.accept(socket, h1, h2, tlsServer))
    await new Promise<void>((resolve, reject) => {
      netServer.once("error", reject)
      netServer.listen({ host: host.listenHost(options.host), port: options.port ?? 0 }, () => {
        netServer.off("error", reject)
        resolve()
      })
    })
    const address = netServer.address() as net.AddressInfo
    server = new LocalServer(address.port, netServer, options, certificate?.certificate, cassette)
    const self = server
    tlsServer?.on("secureConnection", (socket: tls.TLSSocket) => self.secured(socket, h1, h2))
    tlsServer?.on("tlsClientError", (_error, socket) => {
      self.stats.tlsFailed++
      socket.destroy()
    })
    h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      const controller = new AbortController()
      self.handle(req, http1Exchange(res, controller.signal), controller, (f) => res.once("close", f))
    })
    h2.on("request", (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
      const controller = new AbortController()
      res.stream.on("error", () => {})
      // The stream's own close fires on RST_STREAM from the client as well as at the end.
      self.handle(req, http2Exchange(res, controller.signal), controller, (f) => {
        res.stream.once("close", f)
        res.once("close", f)
      })
    })
    h2.on("sessionError", () => {})
    h2.on("session", (session) => session.on("error", () => {}))
    return server
  }

  private accept(socket: net.Socket, h1: http.Server, h2: http2.Http2Server, tlsServer: tls.Server | undefined): void {
    this.sockets.add(socket)
    socket.once("close", () => this.sockets.delete(socket))
    socket.on("error", () => {})
    if (this.closing !== undefined) return void socket.destroy()
    this.stats.connections++
    if (tlsServer !== undefined) return void tlsServer.emit("connection", socket)
    let buffered: Buffer = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
      const n = Math.min(buffered.length, PREFACE.length)
      const isHttp2 = buffered.subarray(0, n).equals(PREFACE.subarray(0, n))
      if (isHttp2 && buffered.length < PREFACE.length) return
      socket.off("data", onData)
      socket.pause()
      socket.unshift(buffered)
      if (isHttp2) {
        // http2 reads what is already buffered on the socket (socket.readableLength) itself.
        h2.emit("connection", socket)
      } else {
        // The HTTP/1.1 parser consumes the native handle directly; the bytes put back with
        // unshift reach it through "data" once the socket flows again. resume() flushes them on
        // the next tick, before the event loop can deliver any newer bytes from the handle.
        h1.emit("connection", socket)
        socket.resume()
      }
    }
    socket.on("data", onData)
  }

  /** An HTTPS connection after its handshake: ALPN `h2` goes to HTTP/2, anything else to HTTP/1.1. */
  private secured(socket: tls.TLSSocket, h1: http.Server, h2: http2.Http2Server): void {
    socket.on("error", () => {})
    this.stats.tlsHandshakes++
    if (socket.isSessionReused()) this.stats.tlsResumed++
    if (this.closing !== undefined) return void socket.destroy()
    if (socket.alpnProtocol === "h2") h2.emit("connection", socket)
    else h1.emit("connection", socket)
  }

  // ---------------------------------------------------------------------------
  // Public surface
  // ---------------------------------------------------------------------------

  script(scripts: ReadonlyArray<Script.Script>): void {
    this.scripts.add(scripts)
  }

  get pendingScripts(): number {
    return this.scripts.pending
  }

  get requests(): ReadonlyArray<ReceivedRequest> {
    return this.log.slice()
  }

  get openRequests(): number {
    return this.open.count
  }

  get connections(): ConnectionStats {
    return { ...this.stats }
  }

  reset(): void {
    this.stats = { connections: 0, tlsHandshakes: 0, tlsResumed: 0, tlsFailed: 0 }
    this.scripts.clear()
    this.log.length = 0
    this.cache.clear()
    this.quotas?.reset()
    this.batch.reset()
  }

  awaitIdle(): Promise<void> {
    return this.open.awaitIdle()
  }

  /** @internal for Effect interruption of `awaitIdle`. */
  onIdle(waiter: () => void): () => void {
    return this.open.onIdle(waiter)
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
    this.batch.close()
    this.closing = new Promise<void>((resolve) => {
      this.netServer.close(() => resolve())
      for (const socket of this.sockets) socket.destroy()
      this.sockets.clear()
    })
    return this.closing
  }

  // ---------------------------------------------------------------------------
  // Requests
  // ---------------------------------------------------------------------------

  private handle(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    ex: Exchange,
    controller: AbortController,
    onClose: (f: () => void) => void
  ): void {
    const started = Date.now()
    const requestId = randomUUID()
    const closed = this.open.begin()
    onClose(() => {
      controller.abort()
      closed()
    })
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("error", () => {})
    req.on("end", () => {
      this.dispatch(req, ex, requestId, started, Buffer.concat(chunks)).catch(() => {
        if (!ex.signal.aborted) ex.reset()
      })
    })
  }

  private async dispatch(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    ex: Exchange,
    requestId: string,
    started: number,
    rawBody: Buffer
  ): Promise<void> {
    const method = req.method ?? "GET"
    const path = (req.url ?? "/").split("?")[0]!
    const route = ROUTE.exec(path)
    const operation = route !== null && method === "POST" ? (route[2] as Script.Operation) : undefined
    let modelId: string | undefined
    if (route !== null) {
      try {
        modelId = decodeURIComponent(route[1]!)
      } catch {
        modelId = undefined
      }
    }
    const text = rawBody.toString("utf8")
    let body: unknown = undefined
    let malformed = false
    if (text.length > 0) {
      try {
        body = JSON.parse(text)
      } catch {
        malformed = true
      }
    }
    const authorization = req.headers["authorization"]
    const auth = requestLog.authSchemeOf(typeof authorization === "string" ? authorization : undefined)
    const entry: ReceivedRequest = {
      requestId,
      operation,
      modelId,
      method,
      path,
      httpVersion: ex.httpVersion,
      headers: requestLog.logHeaders(req.headers),
      auth,
      body,
      receivedAt: started
    }
    const logIndex = this.log.push(entry) - 1

    const error = (status: number, name: string, message: string) => replyError(ex, requestId, status, name, message)
    const batchRoute = operation === undefined ? batchControlPlane.route(method, path) : undefined
    if (batchRoute !== undefined) {
      if (this.log[logIndex] === entry) this.log[logIndex] = { ...entry, batchOperation: batchRoute.operation }
      if (this.options.requireAuth !== false && auth === "none") return error(403, "AccessDeniedException", UNSIGNED)
      return batchControlPlane.handle(this.batch, {
        ex,
        requestId,
        route: batchRoute,
        body,
        malformed,
        query: new URLSearchParams((req.url ?? "").split("?")[1] ?? ""),
        authorization: typeof authorization === "string" ? authorization : undefined
      })
    }
    if (operation === undefined) {
      return error(404, "UnknownOperationException", `No operation matches ${method} ${path}`)
    }
    if (modelId === undefined || modelId.length === 0) {
      return error(400, "ValidationException", "The provided model identifier is invalid.")
    }
    if (this.options.requireAuth !== false && auth === "none") {
      return error(403, "AccessDeniedException", UNSIGNED)
    }
    if (this.replay !== undefined) {
      return this.replay.answer(ex, operation, modelId, malformed ? text : text.length === 0 ? null : body, requestId)
    }
    const refusal = this.options.allowAnyModelId === true ? undefined : modelIds.refusal(modelId)
    if (refusal !== undefined) return error(400, "ValidationException", refusal)
    if (malformed || !isObject(body)) {
      return error(400, "ValidationException", "Malformed input request, please reformat your input and try again.")
    }
    const invalid = operation === "count-tokens"
      ? validation.validateCountTokens(body, modelId)
      : validation.validateConverse(body, modelId)
    if (invalid !== undefined) return error(400, "ValidationException", invalid)
    const quota = this.quotas?.admit(operation, modelId, body)
    if (quota?._tag === "Throttled") {
      if (this.log[logIndex] === entry) this.log[logIndex] = { ...entry, throttled: true }
      return error(429, "ThrottlingException", quota.message)
    }

    const script = this.scripts.take(operation, modelId) ?? reserved.scriptFor(modelId, operation)
    const call: operations.Call = {
      ex,
      requestId,
      operation,
      modelId,
      body,
      receivedAt: started,
      padding: this.options.padding !== false,
      cache: this.cache,
      onUsage: quota?.onUsage
    }
    const answered = script === undefined ? operations.answer(call) : scriptAnswer.answer(call, script)
    return quota === undefined ? answered : Promise.resolve(answered).finally(quota.settle)
  }
}
