/**
 * A stub `BedrockClient` for Effect 4 tests: scripted replies per operation, every call recorded, no network. Put
 * it under the real `BedrockLanguageModel` and your test also covers request mapping and response decoding.
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/effect4"
 * import { BedrockClientStub } from "@effect-bedrock/effect4/testing"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* BedrockClient.BedrockClient
 *   const tokens = yield* client.countTokens({
 *     modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
 *     input: { converse: { messages: [{ role: "user", content: [{ text: "Hello" }] }] } }
 *   })
 *   const requests = yield* (yield* BedrockClientStub.BedrockClientStub).requests
 *   return { inputTokens: tokens.inputTokens, calls: requests.length }
 * }).pipe(Effect.provide(BedrockClientStub.layer({ countTokens: [{ inputTokens: 3, $metadata: {} }] })))
 * ```
 *
 * @since 0.1.0
 */
import {
  BedrockRuntimeClient,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type ConverseStreamCommandInput,
  type ConverseStreamOutput,
  type CountTokensCommandInput,
  type CountTokensCommandOutput
} from "@aws-sdk/client-bedrock-runtime"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as BedrockError from "./BedrockError.js"

/**
 * One scripted reply of a stub operation: a value, a failure, or a function of the input.
 *
 * @since 0.1.0
 * @category Models
 */
export type Reply<I, A> =
  | A
  | BedrockError.BedrockError
  | ((input: I) => Effect.Effect<A, BedrockError.BedrockError>)

/**
 * One scripted stream: its events in order; a `BedrockError` in the list fails the stream at that point (events
 * after it are never emitted). Or a function of the input.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamReply =
  | ReadonlyArray<ConverseStreamOutput | BedrockError.BedrockError>
  | ((input: ConverseStreamCommandInput) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>)

/**
 * Replies per operation, used in order, one per call. When an operation's replies run out, the last one is used
 * again; with none at all the call fails with an `UnknownBedrockError`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Script {
  readonly converse?: ReadonlyArray<Reply<ConverseCommandInput, ConverseCommandOutput>> | undefined
  readonly converseStream?: ReadonlyArray<StreamReply> | undefined
  readonly countTokens?: ReadonlyArray<Reply<CountTokensCommandInput, CountTokensCommandOutput>> | undefined
}

/**
 * A call the stub received, with the per-call `headers` it was given.
 *
 * @since 0.1.0
 * @category Models
 */
export type Request =
  | {
    readonly operation: "converse"
    readonly input: ConverseCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }
  | {
    readonly operation: "converseStream"
    readonly input: ConverseStreamCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }
  | {
    readonly operation: "countTokens"
    readonly input: CountTokensCommandInput
    readonly headers: Readonly<Record<string, string>> | undefined
  }

/**
 * Reads what a stub received: the service of the `BedrockClientStub` key.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  readonly requests: Effect.Effect<ReadonlyArray<Request>>
  readonly clear: Effect.Effect<void>
}

/**
 * A stub: `service` is the `BedrockClient` service, `requests` / `clear` its log.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Stub extends Service {
  readonly service: BedrockClient.Service
}

/**
 * The service key.
 *
 * @since 0.1.0
 * @category Services
 */
export class BedrockClientStub
  extends Context.Service<BedrockClientStub, Service>()("@effect-bedrock/effect4/BedrockClientStub")
{}

const pick = <R>(replies: ReadonlyArray<R> | undefined, index: number): R | undefined =>
  replies === undefined || replies.length === 0 ? undefined : replies[Math.min(index, replies.length - 1)]

const noReply = (operation: string, index: number) =>
  new BedrockError.UnknownBedrockError({
    message: `BedrockClient stub: no scripted ${operation} reply for call #${index + 1}`,
    position: "request",
    operation,
    retryable: false
  })

const isBedrockError = (u: unknown): u is BedrockError.BedrockError =>
  u instanceof BedrockError.TransportError || u instanceof BedrockError.CredentialsError ||
  u instanceof BedrockError.UnknownBedrockError || BedrockError.exceptions.some((Exception) => u instanceof Exception)

const replyEffect = <I, A>(
  reply: Reply<I, A> | undefined,
  input: I,
  operation: string,
  index: number
): Effect.Effect<A, BedrockError.BedrockError> => {
  if (reply === undefined) return Effect.fail(noReply(operation, index))
  if (isBedrockError(reply)) return Effect.fail(reply)
  if (typeof reply === "function") return (reply as (input: I) => Effect.Effect<A, BedrockError.BedrockError>)(input)
  return Effect.succeed(reply as A)
}

const replyStream = (
  reply: StreamReply | undefined,
  input: ConverseStreamCommandInput,
  index: number
): Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError> => {
  if (reply === undefined) return Stream.fail(noReply("converseStream", index))
  if (typeof reply === "function") return reply(input)
  const failureAt = reply.findIndex(isBedrockError)
  if (failureAt === -1) return Stream.fromIterable(reply as ReadonlyArray<ConverseStreamOutput>)
  return Stream.concat(
    Stream.fromIterable(reply.slice(0, failureAt) as ReadonlyArray<ConverseStreamOutput>),
    Stream.fail(reply[failureAt] as BedrockError.BedrockError)
  )
}

/**
 * A stub service with scripted replies that records every call with its per-call `headers`. A call's
 * `onResponse` is called with `{ requestId: "stub-request-<n>", httpStatusCode: 200 }` (`n` counts the calls),
 * before its reply (for a stream, before its first event). Its `client` is an SDK client that no operation
 * uses (its endpoint, 127.0.0.1 port 9, has nothing listening), destroyed when the scope closes.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (script: Script = {}): Effect.Effect<Stub, never, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() =>
        new BedrockRuntimeClient({
          region: "us-east-1",
          endpoint: "http://127.0.0.1:9",
          credentials: { accessKeyId: "AKIDSTUB", secretAccessKey: "stub-secret" },
          maxAttempts: 1
        })
      ),
      (client) => Effect.sync(() => client.destroy())
    ),
    (client) => {
      const requests: Array<Request> = []
      const counts = { converse: 0, converseStream: 0, countTokens: 0 }
      const respond = (options: BedrockClient.CallOptions | undefined): Effect.Effect<void> =>
        options?.onResponse === undefined
          ? Effect.void
          : options.onResponse({ requestId: `stub-request-${requests.length}`, httpStatusCode: 200 })
      const service: BedrockClient.Service = {
        client,
        converse: (input, options) =>
          Effect.suspend(() => {
            requests.push({ operation: "converse", input, headers: options?.headers })
            const index = counts.converse++
            return Effect.andThen(respond(options), replyEffect(pick(script.converse, index), input, "converse", index))
          }),
        countTokens: (input, options) =>
          Effect.suspend(() => {
            requests.push({ operation: "countTokens", input, headers: options?.headers })
            const index = counts.countTokens++
            return Effect.andThen(
              respond(options),
              replyEffect(pick(script.countTokens, index), input, "countTokens", index)
            )
          }),
        converseStream: (input, options) =>
          Stream.suspend(() => {
            requests.push({ operation: "converseStream", input, headers: options?.headers })
            const index = counts.converseStream++
            return Stream.unwrap(
              Effect.as(respond(options), replyStream(pick(script.converseStream, index), input, index))
            )
          })
      }
      return {
        service,
        requests: Effect.sync(() => requests.slice()),
        clear: Effect.sync(() => {
          requests.length = 0
        })
      }
    }
  )

/**
 * Provides a stub `BedrockClient` (see `make`) and `BedrockClientStub` to read its calls.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (script: Script = {}): Layer.Layer<BedrockClient.BedrockClient | BedrockClientStub> =>
  Layer.effectContext(
    Effect.map(make(script), (stub) =>
      Context.make(BedrockClient.BedrockClient, stub.service).pipe(
        Context.add(BedrockClientStub, { requests: stub.requests, clear: stub.clear })
      ))
  )
