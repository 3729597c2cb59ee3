// The client over TLS, against the local Bedrock in HTTPS mode (a self-signed certificate made at
// start): `ca` trusts it for this client only; without it the handshake fails.
import { LocalBedrock, type LocalBedrockServer } from "@effect-bedrock/local"
import { assert, describe, it, layer } from "@effect/vitest"
import { Cause, Chunk, ConfigError, ConfigProvider, Effect, Exit, Layer, Redacted, type Scope, Stream } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as BedrockClient from "../src/BedrockClient.js"

const input = (modelId = "us.amazon.nova-micro-v1:0") => ({
  modelId,
  messages: [{ role: "user" as const, content: [{ text: "Hello" }] }]
})

const clientOptions = (local: LocalBedrock.Service, extra: Partial<BedrockClient.Options> = {}) => ({
  region: "us-east-1",
  endpoint: local.endpoint,
  credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
  retry: false as const,
  ...extra
})

/** The layer's build failure: a ConfigError naming `name`. */
const configError = <E>(build: Effect.Effect<unknown, E, Scope.Scope>, name: string) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Effect.scoped(build))
    assert.isTrue(Exit.isFailure(exit), `${name}: built`)
    if (Exit.isSuccess(exit)) return ""
    assert.isFalse(Cause.isDie(exit.cause), `${name}: ${Cause.pretty(exit.cause)}`)
    const error = Cause.squash(exit.cause)
    assert.isTrue(ConfigError.isConfigError(error), String(error))
    assert.include(String(error), name)
    return String(error)
  })

layer(LocalBedrock.layer({ tls: true }), { excludeTestServices: true })("BedrockClient over TLS", (it) => {
  it.scoped("with `ca`: converse and converseStream over HTTPS (HTTP/2 by ALPN)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(clientOptions(local, { ca: local.certificate! }))
      const answer = yield* client.converse(input())
      assert.strictEqual(answer.output?.message?.content?.[0]?.text, "You said: Hello")
      const events = yield* Stream.runCollect(client.converseStream(input("local.stream-3")))
      const text = Chunk.toReadonlyArray(events).map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")
      assert.strictEqual(text, "xxx")
      const requests = yield* local.requests
      assert.deepStrictEqual(requests.map((r) => r.httpVersion), ["2.0", "2.0"])
      assert.isTrue((yield* local.connections).tlsHandshakes >= 2)
    }))

  it.scoped("`ca` adds to Node's roots: an array of bundles works too", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const client = yield* BedrockClient.make(clientOptions(local, { ca: [local.certificate!] }))
      const answer = yield* client.converse(input())
      assert.strictEqual(answer.output?.message?.content?.[0]?.text, "You said: Hello")
    }))

  it.scoped("without `ca`: the self-signed certificate is refused (TransportError)", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(clientOptions(local))
      const error = yield* Effect.flip(client.converse(input()))
      assert.strictEqual(error._tag, "TransportError")
      assert.match(error.message, /self[- ]signed certificate/i)
      const streamError = yield* Effect.flip(Stream.runDrain(client.converseStream(input())))
      assert.strictEqual(streamError._tag, "TransportError")
      assert.deepStrictEqual(yield* local.requests, [])
    }))

  it.scoped("an untrusted certificate: CertificateRejected naming the check and `ca`, not retried", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      // The default retry policy: a retryable failure would be tried 3 times.
      const client = yield* BedrockClient.make({ ...clientOptions(local), retry: { baseDelay: "5 millis" } })
      const converse = yield* Effect.flip(client.converse(input()))
      const stream = yield* Effect.flip(Stream.runDrain(client.converseStream(input())))
      for (const error of [converse, stream]) {
        assert.strictEqual(error._tag, "TransportError")
        if (error._tag === "TransportError") assert.strictEqual(error.kind, "CertificateRejected")
        assert.isFalse(error.retryable)
        assert.match(error.message, /self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/)
        assert.include(error.message, "`ca`")
        assert.include(error.message, "BEDROCK_CA_BUNDLE")
      }
      // One handshake per call: nothing was retried.
      assert.strictEqual((yield* local.connections).tlsFailed, 2)
      assert.deepStrictEqual(yield* local.requests, [])
    }))

  it.scoped("LocalBedrock.layerBedrockClient trusts the server's certificate", () =>
    Effect.gen(function*() {
      const client = yield* BedrockClient.BedrockClient
      const answer = yield* client.converse(input())
      assert.strictEqual(answer.output?.message?.content?.[0]?.text, "You said: Hello")
    }).pipe(Effect.provide(LocalBedrock.layerBedrockClient({ retry: false }))))

  it.scoped("layerConfig: BEDROCK_CA_BUNDLE (else AWS_CA_BUNDLE) names a PEM file", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bedrock-ca-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const file = path.join(dir, "ca.pem")
      fs.writeFileSync(file, local.certificate!)
      const env = {
        AWS_REGION: "us-east-1",
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: local.endpoint,
        AWS_ACCESS_KEY_ID: "AKIDLOCAL",
        AWS_SECRET_ACCESS_KEY: "local-secret",
        BEDROCK_MAX_ATTEMPTS: "1"
      }
      for (const name of ["BEDROCK_CA_BUNDLE", "AWS_CA_BUNDLE"]) {
        const options = yield* BedrockClient.loadConfig().pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...env, [name]: file }))))
        )
        assert.strictEqual(options.ca, local.certificate)
        const client = yield* BedrockClient.make(options)
        const answer = yield* client.converse(input())
        assert.strictEqual(answer.output?.message?.content?.[0]?.text, "You said: Hello")
      }
      const none = yield* BedrockClient.loadConfig().pipe(
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
      )
      assert.isUndefined(none.ca)
      const fromEnv = (extra: Record<string, string>) =>
        Layer.build(BedrockClient.layerConfig()).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ ...env, ...extra }))))
        )
      const missing = yield* configError(fromEnv({ BEDROCK_CA_BUNDLE: path.join(dir, "nope.pem") }), "nope.pem")
      assert.include(missing, "BEDROCK_CA_BUNDLE")
      fs.writeFileSync(path.join(dir, "empty.pem"), "not a certificate")
      yield* configError(fromEnv({ AWS_CA_BUNDLE: path.join(dir, "empty.pem") }), "AWS_CA_BUNDLE")
    }))
})

const streamText = (client: BedrockClient.Service, modelId = "local.stream-3") =>
  Effect.map(
    Stream.runCollect(client.converseStream(input(modelId))),
    (events) => Chunk.toReadonlyArray(events).map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")
  )

/** Waits (real time) until the server's counts satisfy `condition`; returns the last counts. */
const connectionsWhen = (condition: (stats: LocalBedrockServer.ConnectionStats) => boolean) =>
  Effect.gen(function*() {
    const local = yield* LocalBedrock.LocalBedrock
    let stats = yield* local.connections
    for (let i = 0; i < 200 && !condition(stats); i++) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
      stats = yield* local.connections
    }
    return stats
  })

layer(LocalBedrock.layer({ tls: true }), { excludeTestServices: true })("BedrockClient over TLS: connections", (it) => {
  it.scoped("default: a connection per stream, each after the first resuming the TLS session", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(clientOptions(local, { ca: local.certificate! }))
      for (let i = 0; i < 4; i++) assert.strictEqual(yield* streamText(client), "xxx")
      const stats = yield* local.connections
      assert.deepStrictEqual(stats, { connections: 4, tlsHandshakes: 4, tlsResumed: 3, tlsFailed: 0 })
      // Concurrent streams keep a connection each (their fates stay separate).
      yield* local.reset
      const texts = yield* Effect.all(Array.from({ length: 4 }, () => streamText(client)), { concurrency: "unbounded" })
      assert.deepStrictEqual(texts, ["xxx", "xxx", "xxx", "xxx"])
      assert.strictEqual((yield* local.connections).connections, 4)
    }))

  it.scoped("tlsSessionResumption: false: a full handshake every time", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(
        clientOptions(local, { ca: local.certificate!, tlsSessionResumption: false })
      )
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* streamText(client), "xxx")
      assert.deepStrictEqual(yield* local.connections, {
        connections: 3,
        tlsHandshakes: 3,
        tlsResumed: 0,
        tlsFailed: 0
      })
    }))

  it.scoped("warmConnection: the next stream takes a spare connection made ahead", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(clientOptions(local, { ca: local.certificate!, warmConnection: true }))
      assert.strictEqual(yield* streamText(client), "xxx")
      // The first stream's connection, and a spare made when it was taken.
      assert.strictEqual((yield* connectionsWhen((s) => s.tlsHandshakes >= 2)).tlsHandshakes, 2)
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(yield* streamText(client), "xxx")
        yield* connectionsWhen((s) => s.tlsHandshakes >= 3 + i)
      }
      // Four streams, each on its own connection, three of them taken warm: one connection (the spare) ahead.
      const stats = yield* local.connections
      assert.strictEqual(stats.connections, 5)
      assert.strictEqual(stats.tlsHandshakes, 5)
      assert.strictEqual(yield* local.openRequests, 0)
    }))

  it.scoped("shareStreamSessions: every stream and call on one connection", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const client = yield* BedrockClient.make(
        clientOptions(local, { ca: local.certificate!, shareStreamSessions: true })
      )
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* streamText(client), "xxx")
      const texts = yield* Effect.all(Array.from({ length: 4 }, () => streamText(client)), { concurrency: "unbounded" })
      assert.deepStrictEqual(texts, ["xxx", "xxx", "xxx", "xxx"])
      yield* client.converse(input())
      assert.deepStrictEqual(yield* local.connections, {
        connections: 1,
        tlsHandshakes: 1,
        tlsResumed: 0,
        tlsFailed: 0
      })
    }))
})

describe("guarded inputs: ca", () => {
  it.effect("anything but PEM certificates is a ConfigError naming ca", () =>
    Effect.gen(function*() {
      const build = (ca: unknown) =>
        Layer.build(BedrockClient.layer({ region: "us-east-1", ca } as unknown as BedrockClient.Options))
      yield* configError(build(42), "ca")
      yield* configError(build(""), "ca")
      yield* configError(build("hello"), "ca")
      yield* configError(build([]), "ca")
      yield* configError(build(["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"]), "ca.0")
      yield* configError(build({ pem: "x" }), "ca")
      const flag = (name: string, value: unknown) =>
        Layer.build(BedrockClient.layer({ region: "us-east-1", [name]: value } as unknown as BedrockClient.Options))
      for (const name of ["tlsSessionResumption", "warmConnection", "shareStreamSessions"]) {
        yield* configError(flag(name, "yes"), name)
        yield* configError(flag(name, 1), name)
      }
    }))
})
