/**
 * A stub `BedrockClient` for tests: scripted replies per operation, every call recorded, no
 * network and no SDK client. Put it under the real `BedrockLanguageModel` and your test also
 * covers request mapping and response decoding.
 *
 * @example
 * ```ts
 * import { BedrockClient } from "@effect-bedrock/core"
 * import { BedrockClientStub } from "@effect-bedrock/core/testing"
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
import type {
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamOutput,
  CountTokensCommandInput,
  CountTokensCommandOutput
} from "@aws-sdk/client-bedrock-runtime"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as BedrockError from "./BedrockError.js"
import * as ClientCall from "./internal/client/clientCall.js"

// =============================================================================
// Models
// =============================================================================

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
 * One scripted stream: its events in order; a `BedrockError` in the list fails the stream at
 * that point (events after it are never emitted). Or a function of the input.
 *
 * @since 0.1.0
 * @category Models
 */
export type StreamReply =
  | ReadonlyArray<ConverseStreamOutput | BedrockError.BedrockError>
  | ((input: ConverseStreamCommandInput) => Stream.Stream<ConverseStreamOutput, BedrockError.BedrockError>)

/**
 * Replies per operation, used in order, one per call. When an operation's replies run out, the
 * last one is used again; with none at all the call fails with an `UnknownBedrockError`.
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
 * A call the stub received.
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
 * Reads what a stub received: the service of the `BedrockClientStub` tag.
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
 * @since 0.1.0
 * @category Context
 */
export class BedrockClientStub
  extends Context.Tag("@effect-bedrock/core/BedrockClientStub")<BedrockClientStub, Service>()
{}

// =============================================================================
// Constructors
// =============================================================================

const pick = <R>(replies: ReadonlyArray<R> | undefined, index: number): R | undefined =>
  replies === undefined || replies.length === 0 ? undefined : replies[Math.min(index, replies.length - 1)]

const noReply = (operation: string, index: number) =>
  new BedrockError.UnknownBedrockError({
    message: `BedrockClient stub: no scripted ${operation} reply for call #${index + 1}`,
    operation
  })

const replyEffect = <I, A>(
  reply: Reply<I, A> | undefined,
  input: I,
  operation: string,
  index: number
): Effect.Effect<A, BedrockError.BedrockError> => {
  if (reply === undefined) return Effect.fail(noReply(operation, index))
  if (BedrockError.isBedrockError(reply)) return Effect.fail(reply)
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
  const failureAt = reply.findIndex(BedrockError.isBedrockError)
  if (failureAt === -1) return Stream.fromIterable(reply as ReadonlyArray<ConverseStreamOutput>)
  return Stream.concat(
    Stream.fromIterable(reply.slice(0, failureAt) as ReadonlyArray<ConverseStreamOutput>),
    Stream.fail(reply[failureAt] as BedrockError.BedrockError)
  )
}

/**
 * A stub service with scripted replies that records every call. No network, no SDK client.
 * `onResponse` is called with `{ requestId: "stub-request-<n>", httpStatusCode: 200 }`, and a
 * stream starts with that as its `InitialResponse`.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const make = (script: Script = {}): Effect.Effect<Stub> =>
  Effect.sync(() => {
    const requests: Array<Request> = []
    const counts = { converse: 0, converseStream: 0, countTokens: 0 }
    const respond = (options: BedrockClient.CallOptions | undefined) =>
      ClientCall.runOnResponse(options, { requestId: `stub-request-${requests.length}`, httpStatusCode: 200 })
    const service: BedrockClient.Service = {
      converse: (input, options) =>
        Effect.suspend(() => {
          requests.push({ operation: "converse", input, headers: options?.headers })
          const index = counts.converse++
          return respond(options).pipe(
            Effect.zipRight(replyEffect(pick(script.converse, index), input, "converse", index))
          )
        }),
      countTokens: (input, options) =>
        Effect.suspend(() => {
          requests.push({ operation: "countTokens", input, headers: options?.headers })
          const index = counts.countTokens++
          return respond(options).pipe(
            Effect.zipRight(replyEffect(pick(script.countTokens, index), input, "countTokens", index))
          )
        }),
      converseStream: (input, options) =>
        Stream.suspend(() => {
          requests.push({ operation: "converseStream", input, headers: options?.headers })
          const index = counts.converseStream++
          const initial: BedrockClient.InitialResponse = {
            initialResponse: { requestId: `stub-request-${requests.length}`, httpStatusCode: 200 }
          }
          return Stream.unwrap(
            Effect.as(
              respond(options),
              Stream.concat(Stream.succeed(initial), replyStream(pick(script.converseStream, index), input, index))
            )
          )
        })
    }
    return {
      service: ClientCall.printable(service, { stub: true }),
      requests: Effect.sync(() => requests.slice()),
      clear: Effect.sync(() => {
        requests.length = 0
      })
    }
  })

// =============================================================================
// Layers
// =============================================================================

/**
 * Provides a stub `BedrockClient` (see `make`) and `BedrockClientStub` to read its calls.
 * `retry` wraps the stub with a retry policy, as `BedrockClient.withRetry` (off by default).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  script: Script = {},
  options?: {
    readonly retry?:
      | Schedule.Schedule<unknown, BedrockError.BedrockError>
      | BedrockClient.RetryOptions
      | false
      | undefined
  }
): Layer.Layer<BedrockClient.BedrockClient | BedrockClientStub> =>
  Layer.effectContext(
    Effect.map(make(script), (stub) =>
      Context.make(BedrockClient.BedrockClient, BedrockClient.withRetry(stub.service, options?.retry ?? false)).pipe(
        Context.add(BedrockClientStub, { requests: stub.requests, clear: stub.clear })
      ))
  )
