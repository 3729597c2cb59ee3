import * as TlsConnector from "@effect-bedrock/converse/net/tlsConnector"
import { LocalBedrockServer } from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import * as http2 from "node:http2"
import type * as net from "node:net"
import type * as tls from "node:tls"

const secured = (socket: net.Socket): Promise<tls.TLSSocket> =>
  new Promise((resolve, reject) => {
    const tlsSocket = socket as tls.TLSSocket
    if (tlsSocket.encrypted === true && !tlsSocket.connecting && tlsSocket.alpnProtocol !== undefined) {
      return resolve(tlsSocket)
    }
    socket.once("secureConnect", () => resolve(tlsSocket))
    socket.once("error", reject)
  })

/** TLS 1.3 sends its session tickets after the handshake, read like data: read, and wait for one. */
const ticket = (socket: net.Socket): Promise<void> => {
  const received = new Promise<void>((resolve) => socket.once("session", () => resolve()))
  socket.resume()
  return received
}

const closed = (socket: net.Socket): Promise<void> =>
  new Promise((resolve) => {
    if (socket.destroyed) return resolve()
    socket.once("close", () => resolve())
    socket.destroy()
  })

const until = async (condition: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** A signed-enough (Bearer) converse over an HTTP/2 session whose socket comes from the connector. */
const converse = (endpoint: string, connector: TlsConnector.Connector): Promise<number> =>
  new Promise((resolve, reject) => {
    const session = http2.connect(endpoint, { createConnection: connector.connect })
    session.on("error", reject)
    const stream = session.request({
      ":method": "POST",
      ":path": "/model/local.small/converse",
      "content-type": "application/json",
      authorization: "Bearer local-key"
    })
    stream.on("response", (headers) => {
      stream.resume()
      stream.on("end", () => {
        session.close()
        resolve(Number(headers[":status"]))
      })
    })
    stream.on("error", reject)
    stream.end(JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }] }))
  })

describe("tlsConnector", () => {
  it("resumes the last TLS session of the endpoint: a connection per call, abbreviated handshakes", async () => {
    const server = await LocalBedrockServer.start({ tls: true })
    const connector = TlsConnector.make({ ca: server.certificate! })
    try {
      const url = new URL(server.endpoint)
      for (let i = 0; i < 3; i++) {
        const connection = connector.connect(url)
        // (A resumed session gets no new ticket from Node's server: the first one is offered again.)
        const received = i === 0 ? ticket(connection) : Promise.resolve()
        const socket = await secured(connection)
        assert.strictEqual(socket.authorized, true)
        assert.strictEqual(socket.isSessionReused(), i > 0)
        await received
        // The server's side of the handshake ends when the client's Finished arrives: close after.
        await until(() => server.connections().tlsHandshakes === i + 1)
        await closed(socket)
      }
      await until(() => server.connections().tlsHandshakes === 3)
      assert.deepStrictEqual(server.connections(), { connections: 3, tlsHandshakes: 3, tlsResumed: 2, tlsFailed: 0 })
    } finally {
      connector.destroy()
      await server.close()
    }
  })

  it("resumeSessions: false does a full handshake every time", async () => {
    const server = await LocalBedrockServer.start({ tls: true })
    const connector = TlsConnector.make({ ca: server.certificate!, resumeSessions: false })
    try {
      const url = new URL(server.endpoint)
      for (let i = 0; i < 2; i++) {
        const socket = await secured(connector.connect(url))
        await until(() => server.connections().tlsHandshakes === i + 1)
        await closed(socket)
      }
      assert.strictEqual(server.connections().tlsResumed, 0)
    } finally {
      connector.destroy()
      await server.close()
    }
  })

  it("trusts the given CA in addition to the bundled roots, and nothing else", async () => {
    const server = await LocalBedrockServer.start({ tls: true })
    const trusting = TlsConnector.make({ ca: [server.certificate!] })
    const untrusting = TlsConnector.make({})
    try {
      const url = new URL(server.endpoint)
      await closed(await secured(trusting.connect(url)))
      const error = await secured(untrusting.connect(url)).then(() => undefined, (e: Error) => e)
      assert.match(String(error?.message), /self[- ]signed certificate/i)
    } finally {
      trusting.destroy()
      untrusting.destroy()
      await server.close()
    }
  })

  it("warm spare: the next connection is already up (and resumed), and carries an HTTP/2 session", async () => {
    const server = await LocalBedrockServer.start({ tls: true })
    const connector = TlsConnector.make({ ca: server.certificate!, warmSpareIdleMs: 10_000 })
    try {
      assert.strictEqual(await converse(server.endpoint, connector), 200)
      // The first call opened its own connection, then (once it was up, with its session ticket) a
      // spare, which resumed that session.
      await until(() => server.connections().tlsHandshakes === 2)
      assert.deepStrictEqual(server.connections(), { connections: 2, tlsHandshakes: 2, tlsResumed: 1, tlsFailed: 0 })
      // The second call takes the spare (its HTTP/2 session starts on a connection that was idle,
      // the server's SETTINGS already received), and a new spare is opened, resuming a session.
      assert.strictEqual(await converse(server.endpoint, connector), 200)
      await until(() => server.connections().tlsHandshakes === 3)
      assert.deepStrictEqual(server.connections(), { connections: 3, tlsHandshakes: 3, tlsResumed: 2, tlsFailed: 0 })
      assert.strictEqual(server.requests().length, 2)
    } finally {
      connector.destroy()
      await server.close()
    }
  })

  it("warm spare: closed after its idle time, and not handed out once closed", async () => {
    const server = await LocalBedrockServer.start({ tls: true })
    const connector = TlsConnector.make({ ca: server.certificate!, warmSpareIdleMs: 50 })
    try {
      const url = new URL(server.endpoint)
      const first = await secured(connector.connect(url))
      await until(() => server.connections().tlsHandshakes === 2)
      await closed(first)
      await new Promise((resolve) => setTimeout(resolve, 150))
      // The spare is gone: this connection is a new one.
      const socket = await secured(connector.connect(url))
      await until(() => server.connections().connections === 4)
      assert.strictEqual(server.connections().connections, 4)
      await closed(socket)
    } finally {
      connector.destroy()
      await server.close()
    }
  })
})
