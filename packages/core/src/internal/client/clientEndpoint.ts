/**
 * Where an SDK client sends its requests (host and port), for telemetry's `server.address` and
 * `server.port`: the endpoint override when there is one, else the SDK's own endpoint rules for
 * the region (FIPS and dual-stack variants included). Resolved once, when the service is built.
 *
 * @internal
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"
import * as Effect from "effect/Effect"
import type * as BedrockClient from "../../BedrockClient.js"

interface ResolvedConfig {
  readonly isCustomEndpoint?: boolean | undefined
  readonly endpoint?:
    | (() => Promise<{ readonly hostname?: string; readonly port?: number; protocol?: string }>)
    | undefined
  readonly region: () => Promise<string | undefined>
  readonly endpointProvider?: ((params: Record<string, unknown>) => { readonly url: URL }) | undefined
  readonly useFipsEndpoint?: (() => Promise<boolean | undefined>) | undefined
  readonly useDualstackEndpoint?: (() => Promise<boolean | undefined>) | undefined
}

const defaultPort = (protocol: string | undefined) => protocol === "http:" ? 80 : 443

const resolve = async (client: BedrockRuntimeClient): Promise<BedrockClient.ServerInfo | undefined> => {
  const config = client.config as unknown as ResolvedConfig
  if (config.isCustomEndpoint === true && config.endpoint !== undefined) {
    const endpoint = await config.endpoint()
    if (endpoint.hostname === undefined) return undefined
    return { address: endpoint.hostname, port: endpoint.port ?? defaultPort(endpoint.protocol) }
  }
  if (config.endpointProvider === undefined) return undefined
  const url = config.endpointProvider({
    Region: await config.region(),
    UseFIPS: await config.useFipsEndpoint?.(),
    UseDualStack: await config.useDualstackEndpoint?.()
  }).url
  return { address: url.hostname, port: url.port === "" ? defaultPort(url.protocol) : Number(url.port) }
}

/**
 * The client's server, or `undefined` when it cannot be told (never fails).
 *
 * @internal
 */
export const serverOf = (client: BedrockRuntimeClient): Effect.Effect<BedrockClient.ServerInfo | undefined> =>
  Effect.tryPromise(() => resolve(client)).pipe(Effect.orElseSucceed(() => undefined))
