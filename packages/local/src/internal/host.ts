/**
 * Where the local server listens and the endpoint clients use to reach it. The server checks that
 * requests are signed, not by whom, so it listens on a loopback address unless told otherwise.
 *
 * @internal
 */
import * as net from "node:net"

/** @internal */
export const defaultHost = "127.0.0.1"

/**
 * Whether `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8`, `::1`
 * (also IPv4-mapped, and in brackets).
 *
 * @internal
 */
export const isLoopback = (host: string): boolean => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  const lower = bare.toLowerCase()
  if (lower === "localhost") return true
  const v4 = lower.startsWith("::ffff:") ? lower.slice("::ffff:".length) : lower
  if (net.isIPv4(v4)) return v4.startsWith("127.")
  return net.isIPv6(lower) && (lower === "::1" || lower === "0:0:0:0:0:0:0:1")
}

/**
 * The endpoint a client on this machine uses: the host as given (IPv6 in brackets), the loopback
 * address for a wildcard one (`0.0.0.0`, `::`).
 *
 * @internal
 */
export const endpointFor = (host: string, port: number): string => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  const reachable = bare === "0.0.0.0" ? defaultHost : bare === "::" ? "::1" : bare
  return `http://${net.isIPv6(reachable) ? `[${reachable}]` : reachable}:${port}`
}

/**
 * The host as `net.Server.listen` takes it (no brackets).
 *
 * @internal
 */
export const listenHost = (host: string | undefined): string =>
  host === undefined ? defaultHost : host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
