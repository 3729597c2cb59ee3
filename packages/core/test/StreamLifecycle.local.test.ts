// What a ConverseStream leaves behind once it ended, and whose timers time it (docs/reliability.md):
// every way a stream can end releases its HTTP/2 stream, its session and its events at once, and
// the SDK arms no timer of its own on a stream (ours are the only ones, at the configured timeout).
import { LocalBedrock } from "@effect-bedrock/local"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Redacted, Stream } from "effect"
import * as BedrockClient from "../src/BedrockClient.js"
import { armedTimeout, collectGarbage, type SeenRequest, watchHttp2 } from "./utils/http2Streams.js"

const input = (modelId = "us.amazon.nova-micro-v1:0") => ({
  modelId,
  messages: [{ role: "user" as const, content: [{ text: "Hello" }] }]
})

/** A client against the local server whose HTTP/2 streams are watched (see utils/http2Streams.ts). */
const watchedClient = (extra: Partial<BedrockClient.Options> = {}) =>
  Effect.gen(function*() {
    const local = yield* LocalBedrock.LocalBedrock
    const watch = watchHttp2()
    const client = yield* BedrockClient.make({
      region: "us-east-1",
      endpoint: local.endpoint,
      credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: Redacted.make("local-secret") },
      retry: false,
      transformClientConfig: watch.transformClientConfig,
      ...extra
    })
    return { client, seen: watch.seen }
  })

/**
 * Waits (up to 3 s) until a garbage collection finds the watched HTTP/2 stream, its session and
 * the last event delivered gone; Node tears a stream down over a few ticks after it closed.
 */
const assertReleased = (label: string, request: SeenRequest | undefined, lastEvent: WeakRef<object> | undefined) =>
  Effect.gen(function*() {
    assert.isDefined(request, `${label}: no HTTP/2 stream was seen`)
    const alive = () =>
      [
        request!.stream.deref() !== undefined ? "HTTP/2 stream" : undefined,
        request!.session.deref() !== undefined ? "HTTP/2 session" : undefined,
        lastEvent?.deref() !== undefined ? "last event" : undefined
      ].filter((name) => name !== undefined)
    for (let i = 0; i < 60 && alive().length > 0; i++) {
      yield* Effect.sleep(Duration.millis(50))
      collectGarbage()
    }
    assert.deepStrictEqual(alive(), [], `${label}: still reachable after the stream ended`)
  })

layer(LocalBedrock.layer(), { excludeTestServices: true })("a finished ConverseStream", (it) => {
  it.scoped("releases its HTTP/2 stream, session and events at once, however it ended", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      // The default requestTimeout (300 s): before, each of these stayed reachable for 301 s.
      const { client, seen } = yield* watchedClient()
      const short = yield* watchedClient({ requestTimeout: "300 millis" })
      const endings: ReadonlyArray<
        readonly [string, typeof seen, (track: (event: object) => void) => Effect.Effect<unknown, unknown>]
      > = [
        ["completion", seen, (track) =>
          Stream.runForEach(client.converseStream(input()), (event) =>
            Effect.sync(() => track(event)))],
        ["Stream.take", seen, (track) =>
          Stream.runForEach(
            Stream.take(client.converseStream(input("local.stream-5000")), 3),
            (event) =>
              Effect.sync(() => track(event))
          )],
        ["failure after the first event (reset)", seen, (track) =>
          Effect.flip(Stream.runForEach(client.converseStream(input("local.reset-2")), (event) =>
            Effect.sync(() =>
              track(event)
            )))],
        ["exception event", seen, (track) =>
          Effect.flip(
            Stream.runForEach(client.converseStream(input("local.exception-throttlingException-2")), (event) =>
              Effect.sync(() =>
                track(event)
              ))
          )],
        ["interruption", seen, (track) =>
          Effect.gen(function*() {
            const first = yield* Effect.makeLatch(false)
            const fiber = yield* client.converseStream(input("local.hang-1")).pipe(
              Stream.runForEach((event) =>
                Effect.sync(() => track(event)).pipe(Effect.zipRight(first.open))
              ),
              Effect.fork
            )
            yield* first.await
            yield* Fiber.interrupt(fiber)
          })],
        ["idle timeout", short.seen, (track) =>
          Effect.flip(Stream.runForEach(short.client.converseStream(input("local.hang-1")), (event) =>
            Effect.sync(() =>
              track(event)
            )))],
        ["failure before the first event (reset)", seen, () =>
          Effect.flip(Stream.runDrain(client.converseStream(input("local.reset-0"))))]
      ]
      for (const [label, requests, run] of endings) {
        let last: WeakRef<object> | undefined
        const before = requests.length
        yield* run((event) => {
          last = new WeakRef(event)
        })
        assert.strictEqual(requests.length, before + 1, label)
        yield* assertReleased(label, requests[before], last)
      }
      yield* local.awaitIdle
    }), { timeout: 60_000 })

  it.scoped("is timed by us alone: the SDK arms no timer on the HTTP/2 stream or its session", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      // Above the SDK's 300 s session default: nothing of the SDK's may end the stream first.
      const { client, seen } = yield* watchedClient({ requestTimeout: "400 seconds" })
      const first = yield* Effect.makeLatch(false)
      const fiber = yield* client.converseStream(input("local.hang-1")).pipe(
        Stream.runForEach((event) => BedrockClient.isInitialResponse(event) ? Effect.void : first.open),
        Effect.fork
      )
      yield* first.await
      const request = seen[0]!
      assert.strictEqual(request.requestTimeout, 0)
      const stream = request.stream.deref()
      assert.isDefined(stream)
      assert.strictEqual(armedTimeout(stream), 0, "a timer on the HTTP/2 stream")
      assert.strictEqual(armedTimeout(request.session.deref()), 0, "a timer on the HTTP/2 session")
      yield* Fiber.interrupt(fiber)
      yield* local.awaitIdle
    }))

  it.scoped("a stall ends as a Timeout at the configured requestTimeout, whatever its length", () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      yield* local.reset
      const { client } = yield* watchedClient({ requestTimeout: "400 millis" })
      // After the first event: the events' idle timeout.
      const started = Date.now()
      const error = yield* Effect.flip(Stream.runDrain(client.converseStream(input("local.hang-1"))))
      const elapsed = Date.now() - started
      assert.strictEqual(error._tag, "TransportError")
      if (error._tag === "TransportError") assert.strictEqual(error.kind, "Timeout")
      assert.strictEqual(error.position, "stream")
      assert.isAtLeast(elapsed, 390)
      assert.isBelow(elapsed, 5_000)
      // Before the first event (the response never comes): the request's timeout, retryable.
      const before = yield* Effect.flip(Stream.runDrain(client.converseStream(input("local.hang"))))
      assert.strictEqual(before._tag, "TransportError")
      if (before._tag === "TransportError") assert.strictEqual(before.kind, "Timeout")
      assert.strictEqual(before.position, "request")
      assert.isTrue(before.retryable)

      // Longer than a timer can wait (24.8 days) is as good as none, not 1 ms.
      const long = yield* watchedClient({ requestTimeout: "30 days" })
      yield* Stream.runDrain(long.client.converseStream(input()))
      yield* long.client.converse(input())
      yield* local.awaitIdle
    }))
})
