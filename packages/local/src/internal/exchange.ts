/**
 * One request/response pair, whatever the protocol (HTTP/1.1 or HTTP/2), with backpressure, an
 * abort signal that fires when the client goes away, and the JSON and error answers every
 * operation shares.
 *
 * @internal
 */
import type * as http from "node:http"
import type * as http2 from "node:http2"
import * as errors from "./errors.js"

/** @internal */
export interface Exchange {
  readonly httpVersion: "1.1" | "2.0"
  readonly signal: AbortSignal
  head(status: number, headers: Readonly<Record<string, string>>): void
  write(chunk: Buffer): Promise<boolean>
  end(chunk?: Buffer): void
  reset(): void
}

// =============================================================================
// Timers bound to the request's lifetime
// =============================================================================

/**
 * Resolves after `ms`, or at once when the request is aborted.
 *
 * @internal
 */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
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

/** @internal */
export const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    signal.addEventListener("abort", () => resolve(), { once: true })
  })

// =============================================================================
// Protocols
// =============================================================================

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

/** @internal */
export const http1Exchange = (res: http.ServerResponse, signal: AbortSignal): Exchange => ({
  httpVersion: "1.1",
  signal,
  head: (status, headers) => {
    res.writeHead(status, headers)
    res.flushHeaders()
  },
  write: (chunk) => writeWithBackpressure((c) => res.write(c), res, signal, chunk),
  end: (chunk) => {
    if (signal.aborted) return
    if (chunk === undefined) res.end()
    else res.end(chunk)
  },
  reset: () => {
    res.socket?.destroy()
  }
})

/** @internal */
export const http2Exchange = (res: http2.Http2ServerResponse, signal: AbortSignal): Exchange => ({
  httpVersion: "2.0",
  signal,
  head: (status, headers) => {
    if (!res.stream.destroyed && !res.stream.headersSent) res.stream.respond({ ":status": status, ...headers })
  },
  write: (chunk) => writeWithBackpressure((c) => res.stream.write(c), res.stream, signal, chunk),
  end: (chunk) => {
    if (signal.aborted) return
    if (chunk === undefined) res.stream.end()
    else res.stream.end(chunk)
  },
  reset: () => {
    // destroy(error) sends RST_STREAM(INTERNAL_ERROR) at once; close(code) on a half-closed stream
    // ends it with END_STREAM first, which the client reads as a clean end.
    if (!res.stream.destroyed) res.stream.destroy(new Error("Local Bedrock reset the stream"))
  }
})

// =============================================================================
// Answers
// =============================================================================

/**
 * A modelled exception as Bedrock answers it: `x-amzn-errortype` and `{"message"}`.
 *
 * @internal
 */
export const replyError = (ex: Exchange, requestId: string, status: number, name: string, message: string): void => {
  if (ex.signal.aborted) return
  ex.head(status, {
    "content-type": "application/json",
    "x-amzn-requestid": requestId,
    "x-amzn-errortype": errors.errorTypeHeader(name)
  })
  ex.end(Buffer.from(JSON.stringify({ message })))
}

/** @internal */
export const replyJson = (ex: Exchange, requestId: string, status: number, payload: string): void => {
  if (ex.signal.aborted) return
  ex.head(status, { "content-type": "application/json", "x-amzn-requestid": requestId })
  ex.end(Buffer.from(payload))
}
