/**
 * The local Bedrock Runtime server: one loopback port speaking cleartext HTTP/2 (prior knowledge)
 * and HTTP/1.1, routing, scripts, the request log and the open-request counter.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import * as http from "node:http"
import * as http2 from "node:http2"
import * as net from "node:net"
import type * as Script from "../LocalBedrockScript.js"
import type { Options, ReceivedRequest } from "../LocalBedrockServer.js"
import * as defaultModel from "./defaultModel.js"
import * as errors from "./errors.js"
import * as eventStream from "./eventStream.js"
import * as reserved from "./reserved.js"
import * as validation from "./validation.js"

type Json = Record<string, unknown>

const HOST = "127.0.0.1"
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1")
const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|count-tokens)$/
const SECRET_HEADERS = new Set(["authorization", "x-amz-security-token", "cookie", "x-amz-bedrock-api-key"])

const isObject = (u: unknown): u is Json => typeof u === "object" && u !== null && !Array.isArray(u)

// =============================================================================
// One request/response pair, whatever the protocol
// =============================================================================

interface Exchange {
  readonly httpVersion: "1.1" | "2.0"
  readonly signal: AbortSignal
  head(status: number, headers: Readonly<Record<string, string>>): void
  write(chunk: Buffer): Promise<boolean>
  end(chunk?: Buffer): void
  reset(): void
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })

const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })

const writeWithBackpressure = (
  write: (chunk: Buffer) => boolean,
  emitter: NodeJS.EventEmitter,
  signal: AbortSignal,
  chunk: Buffer
): Promise<boolean> => {
  if (signal.aborted) return Promise.resolve(false)
  if (write(chunk)) return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = () => {
      emitter.off("drain", done)
      signal.removeEventListener("abort", done)
      resolve(!signal.aborted)
    }
    emitter.on("drain", done)
    signal.addEventListener("abort", done, { once: true })
  })
}

const http1Exchange = (res: http.ServerResponse, signal: AbortSignal): Exchange => ({
  httpVersion: "1.1",
  signal,
  head: (status, headers) => {
    res.writeHead(status, headers)
    res.flushHeaders()
  },
  write: (chunk) => writeWithBackpressure((c) => res.write(c), res, signal, chunk),
  end: (chunk) => {
    if (!signal.aborted) chunk === undefined ? res.end() : res.end(chunk)
  },
  reset: () => {
    res.socket?.destroy()
  }
})

const http2Exchange = (res: http2.Http2ServerResponse, signal: AbortSignal): Exchange => ({
  httpVersion: "2.0",
  signal,
  head: (status, headers) => {
    if (!res.stream.destroyed && !res.stream.headersSent) res.stream.respond({ ":status": status, ...headers })
  },
  write: (chunk) => writeWithBackpressure((c) => res.stream.write(c), res.stream, signal, chunk),
  end: (chunk) => {
    if (!signal.aborted) chunk === undefined ? res.stream.end() : res.stream.end(chunk)
  },
  reset: () => {
    // destroy(error) sends RST_STREAM(INTERNAL_ERROR) at once; close(code) on a half-closed stream
    // ends it with END_STREAM first, which the client reads as a clean end.
    if (!res.stream.destroyed) res.stream.destroy(new Error("Local Bedrock reset the stream"))
  }
})

// =============================================================================
// Stream plans
// =============================================================================

type Segment =
  | { readonly _tag: "Frames"; readonly frames: ReadonlyArray<Buffer> }
  | { readonly _tag: "Deltas"; readonly count: number; readonly batch: eventStream.DeltaBatch }
  | { readonly _tag: "Pause"; readonly ms: number }

interface Plan {
  readonly segments: ReadonlyArray<Segment>
  readonly delayFirstMs?: number | undefined
  readonly delayBetweenMs?: number | undefined
  readonly fault?: Script.Fault | undefined
}

const RESET_GRACE_MS = 30

const filler = (): Buffer =>
  eventStream.encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "..." } }, false)

const runPlan = async (ex: Exchange, plan: Plan, requestId: string): Promise<void> => {
  const { signal } = ex
  if (plan.delayFirstMs !== undefined) await sleep(plan.delayFirstMs, signal)
  if (signal.aborted) return
  ex.head(200, { "content-type": "application/vnd.amazon.eventstream", "x-amzn-requestid": requestId })
  const between = plan.delayBetweenMs !== undefined && plan.delayBetweenMs > 0 ? plan.delayBetweenMs : undefined
  const limit = plan.fault?.after ?? Infinity
  let written = 0
  let next: Buffer | undefined
  const one = async (frame: Buffer): Promise<boolean> => {
    if (between !== undefined && written > 0) await sleep(between, signal)
    if (!(await ex.write(frame))) return false
    written++
    return true
  }
  outer: for (const segment of plan.segments) {
    switch (segment._tag) {
      case "Pause":
        await sleep(segment.ms, signal)
        if (signal.aborted) return
        break
      case "Frames":
        for (const frame of segment.frames) {
          if (written >= limit) {
            next = frame
            break outer
          }
          if (!(await one(frame))) return
        }
        break
      case "Deltas": {
        const { batch } = segment
        let remaining = segment.count
        while (remaining > 0) {
          if (written >= limit) {
            next = batch.single
            break outer
          }
          if (between !== undefined) {
            if (!(await one(batch.single))) return
            remaining--
          } else {
            const k = Math.min(remaining, batch.size, limit - written)
            if (!(await ex.write(k === batch.size ? batch.batch : batch.batch.subarray(0, batch.offsets[k]!)))) return
            remaining -= k
            written += k
          }
        }
        break
      }
    }
  }
  if (signal.aborted) return
  const fault = plan.fault
  if (fault === undefined) return ex.end()
  switch (fault._tag) {
    case "ExceptionEvent":
      return ex.end(eventStream.encodeException(fault.exceptionType, fault.message))
    case "Reset":
      // A peer's RST_STREAM discards what the client has buffered but not yet read, so give it a
      // moment to read the events before the reset (they were delivered in real life).
      await sleep(RESET_GRACE_MS, signal)
      return ex.reset()
    case "Truncate": {
      const frame = next ?? filler()
      return ex.end(frame.subarray(0, Math.floor(frame.length / 2)))
    }
    case "BadCrc":
      return ex.end(eventStream.corruptCrc(next ?? filler()))
    case "Hang":
      return untilAborted(signal)
  }
}

const entryFrames = (entries: ReadonlyArray<Script.StreamEntry>, padding: boolean): Array<Buffer> => {
  const frames: Array<Buffer> = []
  for (const entry of entries) {
    switch (entry._tag) {
      case "Event":
        frames.push(eventStream.encodeEvent(entry.eventType, entry.payload, padding && entry.padding !== false))
        break
      case "Raw":
        frames.push(eventStream.encodeRaw(entry.headers, entry.body))
        break
      case "Exception":
        frames.push(eventStream.encodeException(entry.exceptionType, entry.message))
        // Bedrock ends the stream after an exception.
        return frames
    }
  }
  return frames
}

const smallStreamCache = new Map<boolean, ReadonlyArray<Buffer>>()
const smallStreamFrames = (padding: boolean): ReadonlyArray<Buffer> => {
  const cached = smallStreamCache.get(padding)
  if (cached !== undefined) return cached
  const pieces = defaultModel.wordPieces(reserved.smallText)
  const frames = [
    eventStream.encodeEvent("messageStart", { role: "assistant" }, padding),
    ...pieces.map((text) => eventStream.encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text } }, padding)),
    eventStream.encodeEvent("contentBlockStop", { contentBlockIndex: 0 }, padding),
    eventStream.encodeEvent("messageStop", { stopReason: "end_turn" }, padding),
    eventStream.encodeEvent("metadata", {
      usage: { inputTokens: 5, outputTokens: pieces.length, totalTokens: 5 + pieces.length },
      metrics: { latencyMs: 1 }
    }, padding)
  ]
  smallStreamCache.set(padding, frames)
  return frames
}

const smallResponse = JSON.stringify({
  output: { message: { role: "assistant", content: [{ text: reserved.smallText }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 },
  metrics: { latencyMs: 1 }
})

// =============================================================================
// Server
// =============================================================================

const redactAuthorization = (value: string): string => {
  if (/^bearer\s/i.test(value)) return "Bearer <redacted>"
  if (value.startsWith("AWS4-HMAC-SHA256")) {
    return value
      .replace(/Credential=[^/,\s]+/, "Credential=<redacted>")
      .replace(/Signature=[0-9a-fA-F]+/, "Signature=<redacted>")
  }
  return "<redacted>"
}

const logHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith(":") || value === undefined) continue
    const text = Array.isArray(value) ? value.join(", ") : value
    if (name === "authorization") out[name] = redactAuthorization(text)
    else if (name === "cookie") continue
    else if (SECRET_HEADERS.has(name)) out[name] = "<redacted>"
    else out[name] = text
  }
  return out
}

const authSchemeOf = (value: string | undefined): ReceivedRequest["auth"] => {
  if (value === undefined) return "none"
  if (/^AWS4-HMAC-SHA256 Credential=\S+/.test(value)) return "sigv4"
  if (/^Bearer \S+/i.test(value)) return "bearer"
  return "none"
}

const fits = (script: Script.Script, operation: Script.Operation, modelId: string): boolean => {
  if (script.operation !== undefined && script.operation !== operation) return false
  if (script.modelId !== undefined && script.modelId !== modelId) return false
  switch (script._tag) {
    case "Json":
      return operation !== "converse-stream"
    case "Stream":
    case "Generated":
      return operation === "converse-stream"
    default:
      return true
  }
}

/** @internal */
export class LocalServer {
  readonly endpoint: string
  private readonly scripts: Array<Script.Script> = []
  private readonly log: Array<ReceivedRequest> = []
  private readonly cache = new Set<string>()
  private readonly sockets = new Set<net.Socket>()
  private readonly idleWaiters = new Set<() => void>()
  private open = 0
  private closing: Promise<void> | undefined

  private constructor(
    readonly port: number,
    private readonly netServer: net.Server,
    private readonly options: Options
  ) {
    this.endpoint = `http://${HOST}:${port}`
  }

  static async start(options: Options = {}): Promise<LocalServer> {
    const h1 = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0, headersTimeout: 60_000 })
    const h2 = http2.createServer({
      maxSessionMemory: 1024,
      settings: { maxConcurrentStreams: 100_000, initialWindowSize: 1 << 20 }
    })
    const netServer = net.createServer({ noDelay: true })
    let server: LocalServer | undefined
    netServer.on("connection", (socket) => server?.accept(socket, h1, h2))
    await new Promise<void>((resolve, reject) => {
      netServer.once("error", reject)
      netServer.listen({ host: HOST, port: options.port ?? 0 }, () => {
        netServer.off("error", reject)
        resolve()
      })
    })
    const address = netServer.address() as net.AddressInfo
    server = new LocalServer(address.port, netServer, options)
    const self = server
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

  private accept(socket: net.Socket, h1: http.Server, h2: http2.Http2Server): void {
    this.sockets.add(socket)
    socket.once("close", () => this.sockets.delete(socket))
    socket.on("error", () => {})
    if (this.closing !== undefined) return void socket.destroy()
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

  // ---------------------------------------------------------------------------
  // Public surface
  // ---------------------------------------------------------------------------

  script(scripts: ReadonlyArray<Script.Script>): void {
    this.scripts.push(...scripts)
  }

  get pendingScripts(): number {
    return this.scripts.length
  }

  get requests(): ReadonlyArray<ReceivedRequest> {
    return this.log.slice()
  }

  get openRequests(): number {
    return this.open
  }

  reset(): void {
    this.scripts.length = 0
    this.log.length = 0
    this.cache.clear()
  }

  awaitIdle(): Promise<void> {
    if (this.open === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const waiter = () => {
        this.idleWaiters.delete(waiter)
        resolve()
      }
      this.idleWaiters.add(waiter)
    })
  }

  /** @internal for Effect interruption of `awaitIdle`. */
  onIdle(waiter: () => void): () => void {
    if (this.open === 0) {
      waiter()
      return () => {}
    }
    const wrapped = () => {
      this.idleWaiters.delete(wrapped)
      waiter()
    }
    this.idleWaiters.add(wrapped)
    return () => this.idleWaiters.delete(wrapped)
  }

  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing
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
    this.open++
    let closed = false
    onClose(() => {
      if (closed) return
      closed = true
      controller.abort()
      this.open--
      if (this.open === 0) for (const waiter of [...this.idleWaiters]) waiter()
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
    const auth = authSchemeOf(typeof authorization === "string" ? authorization : undefined)
    this.log.push({
      requestId,
      operation,
      modelId,
      method,
      path,
      httpVersion: ex.httpVersion,
      headers: logHeaders(req.headers),
      auth,
      body,
      receivedAt: started
    })

    const error = (status: number, name: string, message: string) => {
      if (ex.signal.aborted) return
      ex.head(status, {
        "content-type": "application/json",
        "x-amzn-requestid": requestId,
        "x-amzn-errortype": errors.errorTypeHeader(name)
      })
      ex.end(Buffer.from(JSON.stringify({ message })))
    }
    const json = (status: number, payload: string) => {
      if (ex.signal.aborted) return
      ex.head(status, { "content-type": "application/json", "x-amzn-requestid": requestId })
      ex.end(Buffer.from(payload))
    }

    if (operation === undefined) {
      return error(404, "UnknownOperationException", `No operation matches ${method} ${path}`)
    }
    if (modelId === undefined || modelId.length === 0) {
      return error(400, "ValidationException", "The provided model identifier is invalid.")
    }
    if (this.options.requireAuth !== false && auth === "none") {
      return error(
        403,
        "AccessDeniedException",
        "Missing or invalid Authorization header: sign the request with SigV4 or send a Bedrock API key as a Bearer token."
      )
    }
    if (malformed || !isObject(body)) {
      return error(400, "ValidationException", "Malformed input request, please reformat your input and try again.")
    }
    const invalid = operation === "count-tokens"
      ? validation.validateCountTokens(body, modelId)
      : validation.validateConverse(body, modelId)
    if (invalid !== undefined) return error(400, "ValidationException", invalid)

    const index = this.scripts.findIndex((s) => fits(s, operation, modelId))
    const script = index >= 0 ? this.scripts.splice(index, 1)[0] : reserved.scriptFor(modelId, operation)
    const padding = this.options.padding !== false
    const converseInput = operation === "count-tokens" && isObject(body.input) && isObject(body.input.converse)
      ? body.input.converse
      : body

    const answerDefault = async (): Promise<void> => {
      if (operation === "count-tokens") {
        return json(200, JSON.stringify({ inputTokens: defaultModel.countTokens(converseInput, modelId) }))
      }
      if (modelId === "local.small") {
        return operation === "converse"
          ? json(200, smallResponse)
          : runPlan(ex, { segments: [{ _tag: "Frames", frames: smallStreamFrames(padding) }] }, requestId)
      }
      const answer = defaultModel.answer(body, modelId, this.cache)
      const latencyMs = Math.max(1, Date.now() - started)
      if (operation === "converse") return json(200, JSON.stringify(defaultModel.converseResponse(answer, latencyMs)))
      const frames = defaultModel.streamEvents(answer, latencyMs).map((e) =>
        eventStream.encodeEvent(e.eventType, e.payload, padding)
      )
      return runPlan(ex, { segments: [{ _tag: "Frames", frames }] }, requestId)
    }

    if (script === undefined) return answerDefault()
    switch (script._tag) {
      case "Json":
        if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
        return json(script.status ?? 200, JSON.stringify(script.body))
      case "Failure":
        if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
        return error(script.status, script.name, script.message)
      case "Hang":
        return untilAborted(ex.signal)
      case "Reset":
        if (script.delayMs !== undefined) await sleep(script.delayMs, ex.signal)
        return ex.reset()
      case "Delayed":
        await sleep(script.delayMs, ex.signal)
        if (ex.signal.aborted) return
        return answerDefault()
      case "Stream": {
        const frames = script.events !== undefined
          ? entryFrames(script.events, padding)
          : defaultModel.streamEvents(defaultModel.answer(body, modelId, this.cache), Math.max(1, Date.now() - started))
            .map((e) => eventStream.encodeEvent(e.eventType, e.payload, padding))
        return runPlan(ex, {
          segments: [{ _tag: "Frames", frames }],
          delayFirstMs: script.delayFirstMs,
          delayBetweenMs: script.delayBetweenMs,
          fault: script.fault
        }, requestId)
      }
      case "Generated": {
        const batch = eventStream.deltaBatch(script.text, padding)
        const inputTokens = defaultModel.countTokens(body, modelId)
        const head = [eventStream.encodeEvent("messageStart", { role: "assistant" }, padding)]
        const tail = [
          eventStream.encodeEvent("contentBlockStop", { contentBlockIndex: 0 }, padding),
          eventStream.encodeEvent("messageStop", { stopReason: "end_turn" }, padding),
          eventStream.encodeEvent("metadata", {
            usage: { inputTokens, outputTokens: script.deltas, totalTokens: inputTokens + script.deltas },
            metrics: { latencyMs: Math.max(1, Date.now() - started) }
          }, padding)
        ]
        const segments: Array<Segment> = [{ _tag: "Frames", frames: head }]
        if (script.pauseAfterFirstMs !== undefined && script.deltas > 0) {
          segments.push(
            { _tag: "Deltas", count: 1, batch },
            { _tag: "Pause", ms: script.pauseAfterFirstMs },
            { _tag: "Deltas", count: script.deltas - 1, batch }
          )
        } else {
          segments.push({ _tag: "Deltas", count: script.deltas, batch })
        }
        segments.push({ _tag: "Frames", frames: tail })
        return runPlan(ex, {
          segments,
          delayFirstMs: script.delayFirstMs,
          delayBetweenMs: script.delayBetweenMs,
          fault: script.fault
        }, requestId)
      }
    }
  }
}
