import type { ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime"
import {
  BedrockRuntimeClient,
  type BedrockRuntimeClientConfig,
  type ConverseCommand,
  type ConverseStreamOutput,
  type CountTokensCommand
} from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock } from "@effect-bedrock/local"
import * as Effect from "effect/Effect"

export const credentials = { accessKeyId: "AKIDLOCAL", secretAccessKey: "local-secret" }

export const sdkClient = (endpoint: string, config?: BedrockRuntimeClientConfig): BedrockRuntimeClient =>
  new BedrockRuntimeClient({ region: "us-east-1", endpoint, credentials, maxAttempts: 1, ...config })

/** The SDK client pointed at the shared local server. */
export const client = Effect.map(LocalBedrock.LocalBedrock, (local) => sdkClient(local.endpoint))

export type AnyCommand = ConverseCommand | ConverseStreamCommand | CountTokensCommand

// The SDK's overloads do not accept a union of commands; the tests read results loosely.
const sendWith = (sdk: BedrockRuntimeClient, command: AnyCommand, signal: AbortSignal): Promise<any> =>
  (sdk.send as (command: AnyCommand, options: { abortSignal: AbortSignal }) => Promise<any>)(command, {
    abortSignal: signal
  })

/** `client.send` aborting on interruption. */
export const send = (
  command: AnyCommand,
  sdk?: BedrockRuntimeClient
): Effect.Effect<any, any, LocalBedrock.LocalBedrock> =>
  Effect.flatMap(sdk === undefined ? client : Effect.succeed(sdk), (c) =>
    Effect.tryPromise({
      try: (signal) => sendWith(c, command, signal),
      catch: (e): any => e
    }))

/** The error `send` fails with. */
export const sendError = (
  command: AnyCommand,
  sdk?: BedrockRuntimeClient
): Effect.Effect<any, never, LocalBedrock.LocalBedrock> => Effect.orDie(Effect.flip(send(command, sdk)))

export interface Collected {
  readonly events: Array<ConverseStreamOutput>
  readonly error: any
}

/** Sends a ConverseStream command and reads every event, keeping the error that ended it. */
export const collect = (
  command: ConverseStreamCommand,
  sdk?: BedrockRuntimeClient
): Effect.Effect<Collected, unknown, LocalBedrock.LocalBedrock> =>
  Effect.flatMap(sdk === undefined ? client : Effect.succeed(sdk), (c) =>
    Effect.tryPromise({
      try: async (signal) => {
        const events: Array<ConverseStreamOutput> = []
        try {
          const output = await c.send(command, { abortSignal: signal })
          for await (const event of output.stream!) events.push(event)
        } catch (error) {
          return { events, error }
        }
        return { events, error: undefined }
      },
      catch: (e) => e
    }))

export const textOf = (events: ReadonlyArray<ConverseStreamOutput>): string =>
  events.map((e) => e.contentBlockDelta?.delta?.text ?? "").join("")

export const user = (text: string) => ({ role: "user" as const, content: [{ text }] })

/** POST with fetch (HTTP/1.1). */
export const post = (
  endpoint: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: "Bearer local-key" }
): Effect.Effect<Response, unknown> =>
  Effect.tryPromise({
    try: (signal) =>
      fetch(endpoint + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
        signal
      }),
    catch: (e) => e
  })

export const readJson = (response: Response): Effect.Effect<any, unknown> =>
  Effect.tryPromise({ try: () => response.json(), catch: (e) => e })
