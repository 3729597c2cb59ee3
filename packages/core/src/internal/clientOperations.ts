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
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as BedrockClient from "../BedrockClient.js"
import * as BedrockError from "../BedrockError.js"
import * as ClientCall from "./clientCall.js"
import * as ClientOptions from "./clientOptions.js"
import * as ConverseStream from "./converseStream.js"

/**
 * The client's operations over an SDK client: single attempts, no retry.
 *
 * @internal
 */
export const make = (client: BedrockRuntimeClient, call: ClientCall.CallContext): BedrockClient.Service => {
  const converse = (input: ConverseCommandInput, options?: BedrockClient.CallOptions) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(ClientOptions.addHeaders(new ConverseCommand(input), options?.headers), { abortSignal: signal }),
      catch: (error) => BedrockError.fromSdk(error, "request", ClientCall.contextOf(call, "converse", input.modelId))
    }).pipe(Effect.tap((output) => ClientCall.runOnResponse(options, ClientCall.metadataOf(output))))

  const countTokens = (input: CountTokensCommandInput, options?: BedrockClient.CallOptions) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(ClientOptions.addHeaders(new CountTokensCommand(input), options?.headers), {
          abortSignal: signal
        }),
      catch: (error) => BedrockError.fromSdk(error, "request", ClientCall.contextOf(call, "countTokens", input.modelId))
    }).pipe(Effect.tap((output) => ClientCall.runOnResponse(options, ClientCall.metadataOf(output))))

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
  retry: options.retry ?? {}
})
