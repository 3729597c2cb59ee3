/**
 * The sockets under our HTTP/2 sessions. `NodeHttp2Handler` takes every session's socket from
 * `nodeHttp2ConnectOptions.createConnection`, and it opens a session per ConverseStream (see
 * docs/reliability.md, "One HTTP/2 session per ConverseStream"), so against an `https:` endpoint
 * every stream pays a TCP connect and a TLS handshake before its request can go out. This module
 * makes that connection:
 *
 * - with a connect timeout (the handler has none of its own): the socket is destroyed with an
 *   `ETIMEDOUT` error when TCP (plus TLS) is not up in time;
 * - trusting extra CA certificates (`ca`), in one secure context made once per client (a `ca` list
 *   passed to every `tls.connect` would be parsed again for every connection);
 * - resuming the last TLS session of the same host and port (what Node's `https.Agent` does by
 *   default): every stream still has a connection of its own, only its handshake is abbreviated;
 * - optionally, with a warm spare: a connection to the same host and port opened once the one
 *   just handed out is up, handed to the next session that needs one, closed after an idle time.
 *
 * @since 0.1.0
 */
import * as net from "node:net"
import * as tls from "node:tls"

/** @internal */
export interface ConnectorOptions {
  /** TCP (+ TLS) connect timeout in milliseconds; `undefined`: none. */
  readonly connectMs?: number | undefined
  /** Extra trusted CA certificates (PEM), added to Node's bundled root certificates. */
  readonly ca?: string | ReadonlyArray<string> | undefined
  /** Resume the last TLS session of the same host and port (default true). */
  readonly resumeSessions?: boolean | undefined
  /** Keep a spare connection per host and port, closed after this many idle milliseconds. */
  readonly warmSpareIdleMs?: number | undefined
}

/** @internal */
export interface Connector {
  /** `createConnection` for `http2.connect`. */
  readonly connect: (authority: URL) => net.Socket
  /** Closes the spare connections; sockets already handed out belong to their sessions. */
  readonly destroy: () => void
}

interface Target {
  readonly key: string
  readonly secure: boolean
  readonly host: string
  readonly port: number
}

interface Spare {
  readonly socket: net.Socket
  /** What arrived before the socket was taken (the server's HTTP/2 SETTINGS), given back to its session. */
  readonly buffered: Array<Buffer>
  readonly release: () => void
}

const targetOf = (authority: URL): Target => {
  const secure = authority.protocol === "https:"
  const host = authority.hostname.replace(/^\[|\]$/g, "")
  const port = authority.port === "" ? (secure ? 443 : 80) : Number(authority.port)
  return { key: `${secure ? "https" : "http"}://${host}:${port}`, secure, host, port }
}

/** @internal */
export const make = (options: ConnectorOptions = {}): Connector => {
  const extra = options.ca === undefined ? [] : typeof options.ca === "string" ? [options.ca] : [...options.ca]
  // Made on first use: a client that never connects over TLS never parses the root certificates.
  let secureContext: tls.SecureContext | undefined
  const contextOf = (): tls.SecureContext | undefined => {
    if (extra.length === 0) return undefined
    secureContext ??= tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] })
    return secureContext
  }
  const resume = options.resumeSessions !== false
  const sessions = new Map<string, Buffer>()
  const spares = new Map<string, Spare>()
  let destroyed = false

  const open = (target: Target): net.Socket => {
    const { host, key, port, secure } = target
    let socket: net.Socket
    if (secure) {
      const session = resume ? sessions.get(key) : undefined
      const context = contextOf()
      const tlsSocket = tls.connect({
        host,
        port,
        ALPNProtocols: ["h2"],
        ...(net.isIP(host) === 0 ? { servername: host } : {}),
        ...(context === undefined ? {} : { secureContext: context }),
        ...(session === undefined ? {} : { session })
      })
      if (resume) {
        tlsSocket.on("session", (ticket: Buffer) => sessions.set(key, ticket))
        // A session that failed to resume is not offered again.
        if (session !== undefined) {
          tlsSocket.once("error", () => sessions.get(key) === session && sessions.delete(key))
        }
      }
      socket = tlsSocket
    } else {
      socket = net.connect({ host, port })
    }
    const ms = options.connectMs
    if (ms !== undefined) {
      const timer = setTimeout(() => {
        const error = new Error(`Connection to ${host}:${port} timed out after ${ms} ms`) as Error & { code?: string }
        error.code = "ETIMEDOUT"
        socket.destroy(error)
      }, ms)
      timer.unref?.()
      const clear = () => clearTimeout(timer)
      socket.once(secure ? "secureConnect" : "connect", clear)
      socket.once("close", clear)
    }
    return socket
  }

  const takeSpare = (key: string): net.Socket | undefined => {
    const spare = spares.get(key)
    if (spare === undefined) return undefined
    spares.delete(key)
    spare.release()
    const { buffered, socket } = spare
    if (socket.destroyed || socket.readableEnded || !socket.writable) {
      socket.destroy()
      return undefined
    }
    socket.ref()
    socket.pause()
    // HTTP/2 reads what is already buffered on the socket (`readableLength`) when it takes it over.
    if (buffered.length > 0) socket.unshift(Buffer.concat(buffered))
    return socket
  }

  const addSpare = (target: Target, idleMs: number): void => {
    if (destroyed || spares.has(target.key)) return
    const socket = open(target)
    socket.unref()
    const buffered: Array<Buffer> = []
    const onData = (chunk: Buffer) => void buffered.push(chunk)
    const drop = () => {
      if (spares.get(target.key)?.socket === socket) spares.delete(target.key)
      clearTimeout(timer)
      socket.destroy()
    }
    const onError = () => drop()
    // Read while idle, so that a connection the server closes is seen closed (and dropped).
    socket.on("data", onData)
    socket.on("error", onError)
    socket.once("close", drop)
    const timer = setTimeout(drop, idleMs)
    timer.unref?.()
    spares.set(target.key, {
      socket,
      buffered,
      release: () => {
        clearTimeout(timer)
        socket.off("data", onData)
        socket.off("error", onError)
        socket.off("close", drop)
      }
    })
  }

  /**
   * The spare is opened once `socket` is up, not beside it: two handshakes at once would compete for
   * the CPU and slow the one a request waits for. Over TLS, when no session is cached yet, it waits
   * for `socket`'s first session ticket as well (up to 250 ms), so that the spare resumes it.
   */
  const addSpareAfter = (socket: net.Socket, target: Target, idleMs: number): void => {
    let added = false
    const add = () => {
      if (added) return
      added = true
      addSpare(target, idleMs)
    }
    if (!target.secure) return void socket.once("connect", add)
    socket.once("secureConnect", () => {
      if (!resume || sessions.has(target.key)) return add()
      socket.once("session", add)
      setTimeout(add, 250).unref?.()
    })
  }

  return {
    connect: (authority) => {
      const target = targetOf(authority)
      const spare = takeSpare(target.key)
      const socket = spare ?? open(target)
      if (options.warmSpareIdleMs !== undefined) {
        // A spare taken is already up (or on its way): open the next one now.
        if (spare !== undefined) addSpare(target, options.warmSpareIdleMs)
        else addSpareAfter(socket, target, options.warmSpareIdleMs)
      }
      return socket
    },
    destroy: () => {
      destroyed = true
      for (const spare of spares.values()) {
        spare.release()
        spare.socket.destroy()
      }
      spares.clear()
      sessions.clear()
    }
  }
}
