/**
 * The operations of a client built over an SDK client (one attempt each; retries wrap them), and
 * how such a client describes itself.
 *
 * @internal
 */
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseStreamCommandInput,
  CountTokensCommand,
  type CountTokensCommandInput
} from "@aws-sdk/client-bedrock-runtime"
import { RequestSignal } from "@effect-bedrock/converse/net/requestSignal"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"
import * as ConverseStream from "../streaming/converseStream.js"
import * as ClientCall from "./clientCall.js"
import * as ClientOptions from "./clientOptions.js"

/**
 * One request: a single `Effect.async` over `client.send`, aborted (a `RequestSignal`, no DOM
 * `AbortController`) when the fiber is interrupted, then the caller's `onResponse`. Measured
 * against `Effect.tryPromise` + `Effect.tap` on the converse path (docs/benchmarks).
 */
const send = <Output extends { readonly $metadata?: BedrockClient.ResponseMetadata | undefined }>(
  request: (signal: RequestSignal) => Promise<Output>,
  options: BedrockClient.CallOptions | undefined,
  onError: (error: unknown) => BedrockError.BedrockError
): Effect.Effect<Output, BedrockError.BedrockError> =>
  Effect.async<Output, BedrockError.BedrockError>((resume) => {
    const signal = new RequestSignal()
    let sent: Promise<Output>
    try {
      sent = request(signal)
    } catch (error) {
      return resume(Effect.fail(onError(error)))
    }
    sent.then(
      (output) =>
        resume(
          options?.onResponse === undefined
            ? Effect.succeed(output)
            : Effect.as(options.onResponse(ClientCall.metadataOf(output)), output)
        ),
      (error) => {
        if (!signal.aborted) resume(Effect.fail(onError(error)))
      }
    )
    return Effect.sync(() => signal.abort())
  })

/**
 * The client's operations over an SDK client: single attempts, no retry.
 *
 * @internal
 */
export const make = (client: BedrockRuntimeClient, call: ClientCall.CallContext): BedrockClient.Service => {
  const converse = (input: ConverseCommandInput, options?: BedrockClient.CallOptions) =>
    send(
      (abortSignal) =>
        client.send(ClientOptions.addHeaders(new ConverseCommand(input), options?.headers), { abortSignal }),
      options,
      (error) => BedrockError.fromSdk(error, "request", ClientCall.contextOf(call, "converse", input.modelId))
    )

  const countTokens = (input: CountTokensCommandInput, options?: BedrockClient.CallOptions) =>
    send(
      (abortSignal) =>
        client.send(ClientOptions.addHeaders(new CountTokensCommand(input), options?.headers), { abortSignal }),
      options,
      (error) => BedrockError.fromSdk(error, "request", ClientCall.contextOf(call, "countTokens", input.modelId))
    )

  const converseStream = (input: ConverseStreamCommandInput, options?: BedrockClient.CallOptions) =>
    ConverseStream.converseStream(client, call, input, options)

  return { converse, converseStream, countTokens }
}

/**
 * What a client built from options prints (no secrets).
 *
 * @internal
 */
export const describe = (options: BedrockClient.Options, region: string | undefined): Record<string, unknown> => ({
  region,
  endpoint: options.endpoint,
  profile: options.profile,
  auth: options.apiKey !== undefined ? "apiKey" : options.credentials !== undefined ? "static" : "default chain",
  accessKeyId: options.credentials?.accessKeyId,
  connectTimeout: Duration.format(Duration.decode(options.connectTimeout ?? ClientOptions.defaultConnectTimeout)),
  requestTimeout: Duration.format(Duration.decode(options.requestTimeout ?? ClientOptions.defaultRequestTimeout)),
  retry: options.retry ?? {},
  ...(options.deadline === undefined ? {} : { deadline: Duration.format(Duration.decode(options.deadline)) })
})
