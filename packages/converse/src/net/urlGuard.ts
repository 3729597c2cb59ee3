/**
 * The rules a download of a file given by URL follows before it connects: which URLs (http and https,
 * not YouTube pages) and which addresses (public unicast only unless local ones are allowed; never a cloud
 * metadata address, nor an IPv6 address embedding an IPv4 one in a deprecated way), and the refusal that
 * carries the reason. `net/safeFetch` makes the connection under these rules.
 *
 * @since 0.1.0
 */
import * as ipaddrModule from "ipaddr.js"
import * as net from "node:net"
import * as DownloadReasons from "./downloadReasons.js"

/**
 * Why a file given by URL was not downloaded (the list is `net/downloadReasons.ts`).
 *
 * @since 0.1.0
 * @category Models
 */
export const reasons = DownloadReasons.reasons

/**
 * @since 0.1.0
 * @category Models
 */
export type Reason = DownloadReasons.Reason

// ipaddr.js is CommonJS: imported from ESM its exports arrive as `default`, from CommonJS (our
// dist/cjs build) as the module itself.
const ipaddr: typeof ipaddrModule = (ipaddrModule as { readonly default?: typeof ipaddrModule }).default ??
  ipaddrModule

/** @internal */
export interface FetchOptions {
  readonly allowLocalAddresses: boolean
  /** `undefined`: no deadline. */
  readonly timeoutMs: number | undefined
  readonly maxBytes: number
  readonly maxRedirects: number
  /** The byte budget shared by every download of one request. */
  readonly budget?: Budget | undefined
}

/**
 * The bytes all the downloads of one request may still read together, counted as they arrive.
 *
 * @internal
 */
export interface Budget {
  readonly maxTotalBytes: number
  used: number
}

/** @internal */
export interface Fetched {
  readonly bytes: Uint8Array
  /** The `Content-Type` header, if any. */
  readonly contentType: string | undefined
  /** The URL the file came from, after redirects. */
  readonly url: string
}

/**
 * Why a download stopped; `url` is the hop it stopped at (not yet redacted).
 *
 * @internal
 */
export class Refusal extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly url: string,
    readonly status?: number,
    cause?: unknown
  ) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = "Refusal"
  }
}

// =============================================================================
// Addresses
// =============================================================================

// Instance metadata services: refused even when local addresses are allowed.
const metadataAddresses: ReadonlySet<string> = new Set(
  ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16", "192.0.0.192"].map((address) =>
    ipaddr.parse(address).toNormalizedString()
  )
)

const rangeNames: Readonly<Record<string, string>> = {
  loopback: "loopback",
  private: "private",
  linkLocal: "link-local",
  uniqueLocal: "unique-local",
  carrierGradeNat: "carrier-grade NAT",
  unspecified: "unspecified",
  broadcast: "broadcast",
  multicast: "multicast"
}

/** The IPv4 address inside a NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`) address. */
const embeddedIpv4 = (ip: ipaddrModule.IPv6): ipaddrModule.IPv4 | undefined => {
  const range = ip.range()
  const parts = ip.parts
  if (range === "rfc6052") return new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 255, parts[7]! >> 8, parts[7]! & 255])
  if (range === "6to4") return new ipaddr.IPv4([parts[1]! >> 8, parts[1]! & 255, parts[2]! >> 8, parts[2]! & 255])
  return undefined
}

/**
 * Which deprecated way of embedding an IPv4 address this IPv6 address uses, if any: IPv4-compatible
 * (`::a.b.c.d`, RFC 4291), IPv4-translated (`::ffff:0:a.b.c.d`, RFC 6145/7915), 6to4
 * (`2002::/16`, RFC 7526), Teredo (`2001::/32`) and ISATAP interface ids (`...:0:5efe:a.b.c.d`).
 * Stacks and tunnels may still route them to the IPv4 address inside, so they are refused whatever
 * the options.
 */
const deprecatedEmbedding = (ip: ipaddrModule.IPv6): string | undefined => {
  const parts = ip.parts
  if (parts.slice(0, 6).every((part) => part === 0) && (parts[6] !== 0 || parts[7]! > 1)) {
    return "an IPv4-compatible IPv6 address (::a.b.c.d, deprecated)"
  }
  const range = ip.range()
  if (range === "rfc6145") return "an IPv4-translated IPv6 address (::ffff:0:a.b.c.d, deprecated)"
  if (range === "6to4") return "a 6to4 address (2002::/16, deprecated)"
  if (range === "teredo") return "a Teredo address (2001::/32, deprecated)"
  if ((parts[4] === 0 || parts[4] === 0x200) && parts[5] === 0x5efe) {
    return "an ISATAP address (an IPv4 address in its interface id, deprecated)"
  }
  return undefined
}

/**
 * Why a download may not connect to this address (`"a loopback address"`), or `undefined` when it
 * may: only public unicast addresses, unless `allowLocal`; never a metadata address, nor an IPv6
 * address embedding an IPv4 one in a deprecated way. IPv4-mapped IPv6 addresses are checked as the
 * IPv4 address they map.
 *
 * @internal
 */
export const addressProblem = (address: string, allowLocal: boolean): string | undefined => {
  let ip: ipaddrModule.IPv4 | ipaddrModule.IPv6
  try {
    ip = ipaddr.parse(address)
  } catch {
    return "not an IP address"
  }
  if (ip.kind() === "ipv6" && (ip as ipaddrModule.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddrModule.IPv6).toIPv4Address()
  }
  const embedded = ip.kind() === "ipv6" ? embeddedIpv4(ip as ipaddrModule.IPv6) : undefined
  if (metadataAddresses.has(ip.toNormalizedString()) || (embedded && metadataAddresses.has(embedded.toString()))) {
    return "a cloud metadata address"
  }
  const deprecated = ip.kind() === "ipv6" ? deprecatedEmbedding(ip as ipaddrModule.IPv6) : undefined
  if (deprecated !== undefined) return deprecated
  const range = ip.range()
  if (range === "unicast" || allowLocal) return undefined
  return `a ${rangeNames[range] ?? `non-public (${range})`} address`
}

const youTubeHost = /(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com)$/i

/**
 * The URL of one hop, or the refusal of it before any connection.
 *
 * @internal
 */
export const checkUrl = (raw: string, options: FetchOptions): URL => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Refusal("InvalidUrl", "it is not a valid URL", raw)
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Refusal(
      "UnsupportedScheme",
      `only https://, http://, s3:// and data: URLs are supported, not ${url.protocol}`,
      raw
    )
  }
  const host = url.hostname.replace(/^\[|\]$/g, "")
  if (youTubeHost.test(host)) {
    throw new Refusal(
      "YouTube",
      "YouTube pages cannot be downloaded as a video; give the video's bytes or an s3:// location",
      raw
    )
  }
  // Literal addresses (the URL parser has already turned `2130706433` and `0x7f.1` into `127.0.0.1`).
  if (net.isIP(host) !== 0) {
    const problem = addressProblem(host, options.allowLocalAddresses)
    if (problem !== undefined) throw new Refusal("ForbiddenAddress", refusedAddress(`${host} is ${problem}`), raw)
  }
  return url
}

/** @internal */
export const refusedAddress = (problem: string): string =>
  `${problem} (downloads go to public addresses only; FileDownload's allowLocalAddresses allows local ones)`
