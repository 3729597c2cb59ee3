// A seeded raw-frame fuzz of ConverseStream answers (issue 20, "Keep it tested"): for every event
// type, payloads with a field replaced by a value of another type, truncated JSON, headers removed or
// of other types, message types Bedrock does not send, and broken framing (cut frames, garbage, bad
// lengths). Each case runs through `LanguageModel.stream` against the local Bedrock and must end in
// time, either as a valid answer or with a typed error (never a defect, an unhandled rejection or an
// `UnknownBedrockError`), and leave no request open. Bounded in count and time; the seed makes a
// failure reproducible (the label names the seed and the case).
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { afterAll, assert, beforeAll, layer } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option, Stream } from "effect"
import * as BedrockError from "../src/BedrockError.js"
import * as BedrockLanguageModel from "../src/BedrockLanguageModel.js"
import * as LanguageModel from "../src/LanguageModel.js"
import type * as Response from "../src/Response.js"

const SEED = Number(process.env.WIRE_FUZZ_SEED ?? 20_2026)
const CASES = 300
const MAX_EVENT_BYTES = 64 * 1024

const Model = BedrockLanguageModel.layer({ model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0" }).pipe(
  Layer.provide(
    LocalBedrock.layerBedrockClient({ retry: false, requestTimeout: "5 seconds", maxEventBytes: MAX_EVENT_BYTES })
  ),
  Layer.orDie
)

// =============================================================================
// Randomness
// =============================================================================

/** mulberry32: a small seeded generator, so a failing case can be run again. */
const generator = (seed: number) => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <A>(items: ReadonlyArray<A>): A => items[int(items.length)]!
  return { next, int, pick }
}
type Random = ReturnType<typeof generator>

const anyValue = (random: Random, depth = 0): unknown => {
  switch (random.int(depth > 1 ? 9 : 12)) {
    case 0:
      return null
    case 1:
      return random.pick([true, false])
    case 2:
      return random.pick([0, -1, 1.5, -0.5, 2 ** 53, 1e308, -(2 ** 31)])
    case 3:
      return random.pick(["", "5", "-1", "text", " ", "\u0000", "null", "{", "x".repeat(200)])
    case 4:
      return random.int(1000)
    case 5:
      return "é€😀".repeat(random.int(4))
    case 6:
      return []
    case 7:
      return {}
    case 8:
      return random.pick(["end_turn", "tool_use", "assistant", "server_tool_use"])
    case 9:
      return [anyValue(random, depth + 1)]
    case 10:
      return { [random.pick(["text", "delta", "usage", "p", "x"])]: anyValue(random, depth + 1) }
    default:
      return { text: anyValue(random, depth + 1), input: anyValue(random, depth + 1) }
  }
}

const eventTypes = [
  "messageStart",
  "contentBlockStart",
  "contentBlockDelta",
  "contentBlockStop",
  "messageStop",
  "metadata"
] as const
type EventType = (typeof eventTypes)[number]

const validPayload = (eventType: EventType, random: Random): Record<string, unknown> => {
  switch (eventType) {
    case "messageStart":
      return { role: "assistant" }
    case "contentBlockStart":
      return { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tool-1", name: "get_weather" } } }
    case "contentBlockDelta":
      return random.pick([
        { contentBlockIndex: 0, delta: { text: " more" } },
        { contentBlockIndex: 1, delta: { toolUse: { input: "{\"city\":\"Lisbon\"}" } } },
        { contentBlockIndex: 2, delta: { reasoningContent: { text: "hmm", signature: "sig" } } },
        { contentBlockIndex: 3, delta: { toolResult: [{ json: { ok: true } }] } }
      ])
    case "contentBlockStop":
      return { contentBlockIndex: 0 }
    case "messageStop":
      return { stopReason: "end_turn", additionalModelResponseFields: { a: 1 } }
    case "metadata":
      return {
        usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7, cacheReadInputTokens: 0 },
        metrics: { latencyMs: 3 }
      }
  }
}

/** Every path of a JSON value (the root is `[]`). */
const paths = (value: unknown, prefix: Array<string> = []): Array<Array<string>> => {
  const out = [prefix]
  if (typeof value === "object" && value !== null) {
    for (const key of Object.keys(value)) {
      for (const path of paths((value as Record<string, unknown>)[key], [...prefix, key])) out.push(path)
    }
  }
  return out
}

/** The payload with the value at one path replaced (or removed). */
const mutated = (payload: Record<string, unknown>, random: Random): unknown => {
  const path = random.pick(paths(payload))
  if (path.length === 0) return anyValue(random)
  const copy = JSON.parse(JSON.stringify(payload))
  let target = copy
  for (const key of path.slice(0, -1)) target = target[key]
  const last = path.at(-1)!
  if (random.int(6) === 0) delete target[last]
  else target[last] = anyValue(random)
  return copy
}

const eventHeaders = (eventType: string): Record<string, Script.RawHeaderValue> => ({
  ":message-type": "event",
  ":event-type": eventType,
  ":content-type": "application/json"
})

const headerValue = (random: Random): Script.RawHeaderValue =>
  random.pick<() => Script.RawHeaderValue>([
    () => random.pick(["", "event", "exception", "error", "bogus", "contentBlockDelta", "throttlingException"]),
    () => random.int(2) === 0,
    () => random.pick([0, 7, -1, 2 ** 40]),
    () => Uint8Array.of(random.int(256), random.int(256))
  ])()

interface Case {
  readonly label: string
  readonly entries: ReadonlyArray<Script.StreamEntry>
}

const validEvents: ReadonlyArray<Script.StreamEntry> = [
  Script.event("messageStart", { role: "assistant" }),
  Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hel" } }),
  Script.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "lo" } }),
  Script.event("contentBlockStop", { contentBlockIndex: 0 }),
  Script.event("messageStop", { stopReason: "end_turn" }),
  Script.event("metadata", { usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, metrics: { latencyMs: 1 } })
]

/** One hostile entry about `eventType`, described; `last`: nothing may follow it (a cut frame). */
const hostile = (
  eventType: EventType,
  random: Random
): { readonly what: string; readonly entry: Script.StreamEntry; readonly last?: boolean } => {
  const payload = validPayload(eventType, random)
  const json = JSON.stringify(payload)
  switch (random.int(5)) {
    case 0: {
      const body = mutated(payload, random)
      return {
        what: `payload ${JSON.stringify(body)?.slice(0, 80)}`,
        entry: Script.raw(eventHeaders(eventType), JSON.stringify(body))
      }
    }
    case 1: {
      const cut = random.int(json.length)
      return { what: `JSON cut at ${cut}`, entry: Script.raw(eventHeaders(eventType), json.slice(0, cut)) }
    }
    case 2: {
      const headers = eventHeaders(eventType)
      const name = random.pick([":message-type", ":event-type", ":content-type", ":exception-type", ":error-code"])
      if (random.int(3) === 0) delete headers[name]
      else headers[name] = headerValue(random)
      const shown = Object.entries(headers).map(([k, v]) => `${k}=${String(v)}`).join(",")
      return { what: `headers ${shown}`, entry: Script.raw(headers, random.int(4) === 0 ? "null" : json) }
    }
    case 3: {
      const bytes = new Uint8Array(1 + random.int(48))
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256)
      const body = random.int(2) === 0 ? bytes : json
      return {
        what: `body of ${body.length} ${typeof body === "string" ? "characters" : "random bytes"}`,
        entry: Script.raw(eventHeaders(eventType), body)
      }
    }
    default: {
      const frame = Script.frameBytes(eventHeaders(eventType), json)
      switch (random.int(6)) {
        case 0: {
          const cut = random.int(frame.length)
          return {
            what: `frame cut at ${cut} of ${frame.length}`,
            entry: Script.bytes(frame.subarray(0, cut)),
            last: true
          }
        }
        case 1: {
          const garbage = new Uint8Array(1 + random.int(64))
          for (let i = 0; i < garbage.length; i++) garbage[i] = random.int(256)
          return { what: `${garbage.length} bytes of garbage`, entry: Script.bytes(garbage), last: true }
        }
        case 2: {
          const totalLength = random.int(16)
          return {
            what: `declared length ${totalLength}`,
            entry: Script.bytes(Script.frameBytes(eventHeaders(eventType), json, { totalLength })),
            last: true
          }
        }
        case 3: {
          const headersLength = frame.length - 15 + random.int(1000)
          return {
            what: `headers length ${headersLength}`,
            entry: Script.bytes(Script.frameBytes(eventHeaders(eventType), json, { headersLength }))
          }
        }
        case 4: {
          const totalLength = MAX_EVENT_BYTES + 1 + random.int(2 ** 31)
          return {
            what: `declared length ${totalLength}`,
            entry: Script.bytes(Script.frameBytes(eventHeaders(eventType), json, { totalLength })),
            last: true
          }
        }
        default: {
          const totalLength = frame.length + random.pick([-3, -1, 1, 5])
          return {
            what: `declared length ${totalLength} of ${frame.length}`,
            entry: Script.bytes(Script.frameBytes(eventHeaders(eventType), json, { totalLength })),
            last: true
          }
        }
      }
    }
  }
}

const makeCase = (index: number, random: Random): Case => {
  const eventType = eventTypes[index % eventTypes.length]!
  const at = random.int(validEvents.length + 1)
  const { entry, last, what } = hostile(eventType, random)
  const rest = last === true || random.int(2) === 0 ? [] : validEvents.slice(at)
  return {
    label: `seed ${SEED} case ${index} (${eventType}, after ${at} events${
      rest.length > 0 ? ", then the rest" : ""
    }): ${what}`,
    entries: [...validEvents.slice(0, at), entry, ...rest]
  }
}

// =============================================================================
// The run
// =============================================================================

const escaped: Array<unknown> = []
const onEscape = (error: unknown) => void escaped.push(error)
beforeAll(() => {
  process.on("unhandledRejection", onEscape)
  process.on("uncaughtException", onEscape)
})
afterAll(() => {
  process.off("unhandledRejection", onEscape)
  process.off("uncaughtException", onEscape)
})

const allowedKinds: ReadonlySet<string> = new Set<BedrockError.TransportErrorKind>([
  "MalformedEventStream",
  "InvalidEventPayload",
  "TruncatedEventStream",
  "ChecksumMismatch"
])

const isCount = (u: unknown) => typeof u === "number" && Number.isSafeInteger(u) && u >= 0

/** A completed stream must be a valid answer: text strings, counts of tokens, Finish last. */
const assertValid = (parts: ReadonlyArray<Response.StreamPart>, label: string) => {
  const finish = parts.at(-1)
  assert.strictEqual(finish?._tag, "Finish", label)
  if (finish?._tag !== "Finish") return
  const { usage } = finish.response
  for (const key of ["inputTokens", "outputTokens", "totalTokens", "cacheReadTokens", "cacheWriteTokens"] as const) {
    assert.isTrue(isCount(usage[key]), `${label}: usage.${key} ${String(usage[key])}`)
  }
  if (finish.response.cost !== undefined) assert.isAtLeast(finish.response.cost.total, 0, label)
  for (const part of parts) {
    if (part._tag === "TextDelta") assert.isString(part.delta, label)
  }
  for (const part of finish.response.parts) {
    if (part._tag === "Text") assert.isString(part.text, label)
  }
}

layer(LocalBedrock.layer(), { excludeTestServices: true, timeout: 120_000 })("wire fuzz", (it) => {
  it.effect(`${CASES} hostile answers (seed ${SEED}): a valid answer or a typed error, in time, none left open`, () =>
    Effect.gen(function*() {
      const local = yield* LocalBedrock.LocalBedrock
      const random = generator(SEED)
      const outcomes = new Map<string, number>()
      const started = Date.now()
      for (let index = 0; index < CASES; index++) {
        const { entries, label } = makeCase(index, random)
        yield* local.reset
        yield* local.script(Script.stream(entries))
        const parts: Array<Response.StreamPart> = []
        const exit = yield* LanguageModel.stream({ prompt: "Hello" }).pipe(
          Stream.runForEach((part) => Effect.sync(() => parts.push(part))),
          Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("the stream never ended") }),
          Effect.exit
        )
        let outcome: string
        if (Exit.isSuccess(exit)) {
          assertValid(parts, label)
          outcome = "completed"
        } else {
          assert.isFalse(Cause.isDie(exit.cause), `${label}: a defect: ${Cause.pretty(exit.cause)}`)
          assert.isFalse(Cause.isInterrupted(exit.cause), `${label}: interrupted`)
          const failure = Cause.failureOption(exit.cause)
          assert.isTrue(Option.isSome(failure), `${label}: ${Cause.pretty(exit.cause)}`)
          const error = Option.getOrThrow(failure)
          assert.isTrue(BedrockError.isBedrockError(error), `${label}: ${String(error)}`)
          const bedrock = error as BedrockError.BedrockError
          assert.notStrictEqual(bedrock._tag, "UnknownBedrockError", `${label}: ${String(error)}`)
          if (bedrock._tag === "TransportError") {
            assert.isTrue(allowedKinds.has(bedrock.kind), `${label}: ${String(error)}`)
          }
          outcome = bedrock._tag === "TransportError" ? bedrock.kind : bedrock._tag
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
        yield* local.awaitIdle.pipe(Effect.timeout("2 seconds"), Effect.ignore)
        assert.strictEqual(yield* local.openRequests, 0, `${label}: a request left open`)
        assert.deepStrictEqual(escaped.map(String), [], `${label}: escaped the Effect runtime`)
      }
      const elapsed = Date.now() - started
      assert.isBelow(elapsed, 60_000)
      yield* Effect.logInfo(
        `wire fuzz: ${CASES} cases (seed ${SEED}) in ${elapsed} ms: ` +
          [...outcomes].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", ")
      )
    }).pipe(Effect.provide(Model)))
})
