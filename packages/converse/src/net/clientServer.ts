/**
 * Where an AWS SDK Bedrock client sends its requests (host and port), for telemetry's `server.address` and
 * `server.port` on both Effect lines: the endpoint override when there is one, else the SDK's own endpoint rules
 * for the region (FIPS and dual-stack variants included).
 *
 * @since 0.1.0
 */
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime"

/**
 * The host and port a client sends its requests to.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ServerInfo {
  readonly address: string
  readonly port: number
}

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

/**
 * The client's server, `undefined` when it cannot be told; rejects when the SDK's resolvers do (callers treat
 * that as unknown).
 *
 * @since 0.1.0
 * @category Resolving
 */
export const resolveServer = async (client: BedrockRuntimeClient): Promise<ServerInfo | undefined> => {
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
