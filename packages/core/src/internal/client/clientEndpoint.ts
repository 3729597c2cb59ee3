/**
 * Where an SDK client sends its requests (host and port), for telemetry's `server.address` and
 * `server.port` (the engine's `resolveServer`). Resolved once, when the service is built.
 *
 * @internal
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import { resolveServer } from "@effect-bedrock/converse/net/clientServer"
import * as Effect from "effect/Effect"
import type * as BedrockClient from "../../BedrockClient.js"

/**
 * The client's server, or `undefined` when it cannot be told (never fails).
 *
 * @internal
 */
export const serverOf = (client: BedrockRuntimeClient): Effect.Effect<BedrockClient.ServerInfo | undefined> =>
  Effect.tryPromise(() => resolveServer(client)).pipe(Effect.orElseSucceed(() => undefined))
