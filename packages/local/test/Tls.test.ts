import { ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockServer } from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import * as Effect from "effect/Effect"
import * as crypto from "node:crypto"
import * as https from "node:https"
import * as selfSignedCertificate from "../src/internal/selfSignedCertificate.js"
import { collect, sdkClient, send, sendError, textOf, user } from "./fixtures.js"

/** The SDK trusting only the local server's certificate. */
const trustingClient = (local: LocalBedrock.Service) =>
  sdkClient(local.endpoint, {
    requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca: local.certificate! } })
  })

describe("self-signed certificate", () => {
  it("is a valid X.509 v3 certificate for 127.0.0.1, ::1 and localhost, signed by its own key, short-lived", () => {
    const now = new Date()
    const made = selfSignedCertificate.make({ now })
    const certificate = new crypto.X509Certificate(made.certificate)
    assert.isTrue(certificate.verify(certificate.publicKey))
    assert.strictEqual(certificate.subject, "CN=effect-bedrock local")
    assert.strictEqual(certificate.issuer, certificate.subject)
    assert.strictEqual(certificate.subjectAltName, "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost")
    assert.strictEqual(certificate.checkIP("127.0.0.1"), "127.0.0.1")
    assert.strictEqual(certificate.checkHost("localhost"), "localhost")
    assert.isUndefined(certificate.checkIP("10.0.0.1"))
    assert.isFalse(certificate.ca)
    assert.strictEqual(certificate.publicKey.asymmetricKeyDetails?.namedCurve, "prime256v1")
    const days = (Date.parse(certificate.validTo) - now.getTime()) / 86_400_000
    assert.isTrue(days > 6.9 && days <= 7, String(days))
    assert.isTrue(Date.parse(certificate.validFrom) <= now.getTime())
    assert.isTrue(crypto.createPublicKey(made.privateKey).equals(certificate.publicKey))
    // A fresh key and serial each time.
    const other = new crypto.X509Certificate(selfSignedCertificate.make().certificate)
    assert.notStrictEqual(other.serialNumber, certificate.serialNumber)
    assert.isFalse(other.publicKey.equals(certificate.publicKey))
  })

  it("writes long lengths and validity past 2049 (GeneralizedTime)", () => {
    const made = selfSignedCertificate.make({
      now: new Date("2060-01-01T00:00:00Z"),
      names: Array.from({ length: 40 }, (_, i) => `host-${i}.example.test`)
    })
    const certificate = new crypto.X509Certificate(made.certificate)
    assert.isTrue(certificate.verify(certificate.publicKey))
    assert.strictEqual(new Date(certificate.validFrom).getUTCFullYear(), 2059)
    assert.strictEqual(certificate.checkHost("host-39.example.test"), "host-39.example.test")
  })
})

describe("HTTPS mode", () => {
  it.layer(LocalBedrock.layer({ tls: true }))((it) => {
    it.effect("serves Converse and ConverseStream to the SDK (HTTP/2 by ALPN) trusting its certificate", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        assert.match(local.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/)
        assert.match(local.certificate!, /^-----BEGIN CERTIFICATE-----\n/)
        yield* local.reset
        const sdk = trustingClient(local)
        const answer = yield* send(new ConverseCommand({ modelId: "local.small", messages: [user("hi")] }), sdk)
        assert.strictEqual(answer.output.message.content[0].text, "Hello from local Bedrock.")
        const { error, events } = yield* collect(
          new ConverseStreamCommand({ modelId: "local.stream-5", messages: [user("hi")] }),
          sdk
        )
        assert.isUndefined(error)
        assert.strictEqual(textOf(events), "xxxxx")
        const requests = yield* local.requests
        assert.deepStrictEqual(requests.map((r) => r.httpVersion), ["2.0", "2.0"])
        const stats = yield* local.connections
        assert.isTrue(stats.tlsHandshakes >= 1 && stats.tlsHandshakes === stats.connections, JSON.stringify(stats))
        assert.strictEqual(stats.tlsFailed, 0)
        sdk.destroy()
      }))

    it.effect("a client that does not trust the certificate fails the handshake", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        yield* local.reset
        const sdk = sdkClient(local.endpoint)
        const error = yield* sendError(new ConverseCommand({ modelId: "local.small", messages: [user("hi")] }), sdk)
        assert.match(String(error?.message), /self[- ]signed certificate/i)
        assert.deepStrictEqual(yield* local.requests, [])
        // The client's alert reaches the server a little after the client gave up.
        let stats = yield* local.connections
        for (let i = 0; i < 100 && stats.tlsFailed === 0; i++) {
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
          stats = yield* local.connections
        }
        assert.strictEqual(stats.tlsHandshakes, 0)
        assert.isTrue(stats.connections >= 1 && stats.tlsFailed >= 1, JSON.stringify(stats))
        sdk.destroy()
      }))

    it.effect("answers HTTP/1.1 clients too (ALPN http/1.1)", () =>
      Effect.gen(function*() {
        const local = yield* LocalBedrock.LocalBedrock
        const { body, status } = yield* Effect.async<{ status: number | undefined; body: string }, Error>(
          (resume) => {
            const request = https.request(`${local.endpoint}/model/local.small/converse`, {
              method: "POST",
              ca: local.certificate!,
              agent: false,
              headers: { "content-type": "application/json", authorization: "Bearer local-key" }
            }, (response) => {
              let text = ""
              response.on("data", (chunk) => (text += chunk))
              response.on("end", () => resume(Effect.succeed({ status: response.statusCode, body: text })))
            })
            request.on("error", (error) => resume(Effect.fail(error)))
            request.end(JSON.stringify({ messages: [user("hi")] }))
          }
        )
        assert.strictEqual(status, 200)
        assert.strictEqual(JSON.parse(body).output.message.content[0].text, "Hello from local Bedrock.")
      }))
  })

  it("the promise API exposes the certificate; a cleartext server has none", async () => {
    const secure = await LocalBedrockServer.start({ tls: true })
    const plain = await LocalBedrockServer.start()
    try {
      assert.match(secure.endpoint, /^https:/)
      assert.isString(secure.certificate)
      assert.match(plain.endpoint, /^http:/)
      assert.isUndefined(plain.certificate)
      assert.deepStrictEqual(plain.connections(), { connections: 0, tlsHandshakes: 0, tlsResumed: 0, tlsFailed: 0 })
    } finally {
      await secure.close()
      await plain.close()
    }
  })
})
