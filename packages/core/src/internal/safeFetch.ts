/**
 * One guarded HTTP GET of a file, with Node's `http`/`https`: the address checks of
 * `FileDownload` (made in the `lookup` the socket connects with, so the address checked is the
 * address used, and for IP literals before connecting), redirects followed here (each hop checked
 * again, at most `maxRedirects`), a deadline for the whole download and a size cap enforced while
 * reading. Failures are `Refusal`s carrying the `FileDownload.Reason`.
 *
 * @internal
 */
import * as ipaddrModule from "ipaddr.js"
import * as dns from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import * as net from "node:net"
import type * as FileDownload from "../FileDownload.js"

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
    readonly reason: FileDownload.Reason,
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

/** The URL of one hop, or the refusal of it before any connection. */
const checkUrl = (raw: string, options: FetchOptions): URL => {
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

const refusedAddress = (problem: string) =>
  `${problem} (downloads go to public addresses only; FileDownload's allowLocalAddresses allows local ones)`

/**
 * `dns.lookup`, with every address of the host checked before the socket may connect to one.
 */
const guardedLookup =
  (raw: string, options: FetchOptions): net.LookupFunction => (hostname, lookupOptions, callback) => {
    dns.lookup(hostname, { all: true, verbatim: true, family: lookupOptions.family ?? 0 }, (error, addresses) => {
      if (error !== null) return callback(error, "", 0)
      if (addresses.length === 0) {
        const notFound = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" })
        return callback(notFound, "", 0)
      }
      for (const { address } of addresses) {
        const problem = addressProblem(address, options.allowLocalAddresses)
        if (problem !== undefined) {
          const refusal = new Refusal(
            "ForbiddenAddress",
            refusedAddress(`${hostname} resolves to ${address}, ${problem}`),
            raw
          )
          return callback(refusal as NodeJS.ErrnoException, "", 0)
        }
      }
      if (lookupOptions.all === true) return callback(null, addresses)
      return callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }

// =============================================================================
// Requests
// =============================================================================

const redirectStatuses = new Set([301, 302, 303, 307, 308])

const get = (url: URL, raw: string, options: FetchOptions, signal: AbortSignal): Promise<http.IncomingMessage> =>
  new Promise((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http
    const request = client.request(url, {
      method: "GET",
      // One connection per download: no pooled socket outlives it or skips the address check.
      agent: false,
      lookup: guardedLookup(raw, options),
      signal,
      headers: { accept: "*/*", "user-agent": "effect-bedrock" }
    }, resolve)
    request.once("error", reject)
    request.end()
  })

const tooLarge = (raw: string, maxBytes: number) =>
  new Refusal("TooLarge", `the file is larger than ${maxBytes} bytes (FileDownload's maxBytes)`, raw)

const overBudget = (raw: string, budget: Budget) =>
  new Refusal(
    "TooLarge",
    `the request's files are larger than ${budget.maxTotalBytes} bytes together (FileDownload's maxTotalBytes)`,
    raw
  )

const readBody = async (
  response: http.IncomingMessage,
  raw: string,
  maxBytes: number,
  budget: Budget | undefined
): Promise<Uint8Array> => {
  const declared = Number(response.headers["content-length"])
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy()
    throw tooLarge(raw, maxBytes)
  }
  if (budget !== undefined && Number.isFinite(declared) && budget.used + declared > budget.maxTotalBytes) {
    response.destroy()
    throw overBudget(raw, budget)
  }
  const chunks: Array<Buffer> = []
  let total = 0
  try {
    for await (const chunk of response as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > maxBytes) {
        response.destroy()
        throw tooLarge(raw, maxBytes)
      }
      if (budget !== undefined) {
        budget.used += chunk.length
        if (budget.used > budget.maxTotalBytes) {
          response.destroy()
          throw overBudget(raw, budget)
        }
      }
      chunks.push(chunk)
    }
  } catch (error) {
    // What this download read no longer counts: it is dropped.
    if (budget !== undefined) budget.used -= total
    throw error
  }
  const buffer = Buffer.concat(chunks, total)
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

const describeError = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  const { code, message } = error as { readonly code?: unknown; readonly message?: unknown }
  const text = typeof message === "string" && message !== "" ? message : "the connection failed"
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text
}

/**
 * Downloads one file, following redirects. Rejects with a `Refusal` only.
 *
 * @internal
 */
export const fetchFile = async (raw: string, options: FetchOptions, signal: AbortSignal): Promise<Fetched> => {
  const deadline = new AbortController()
  const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => deadline.abort(), options.timeoutMs)
  const combined = AbortSignal.any([signal, deadline.signal])
  let current = raw
  try {
    for (let hop = 0;; hop++) {
      const url = checkUrl(current, options)
      const response = await get(url, current, options, combined)
      const status = response.statusCode ?? 0
      const location = response.headers.location
      if (redirectStatuses.has(status) && location !== undefined) {
        response.destroy()
        if (hop >= options.maxRedirects) {
          throw new Refusal("TooManyRedirects", `more than ${options.maxRedirects} redirects`, current, status)
        }
        current = new URL(location, url).toString()
        continue
      }
      if (status < 200 || status >= 300) {
        response.destroy()
        throw new Refusal("HttpStatus", `the server answered HTTP ${status}`, current, status)
      }
      const bytes = await readBody(response, current, options.maxBytes, options.budget)
      const contentType = response.headers["content-type"]
      return { bytes, contentType, url: current }
    }
  } catch (error) {
    if (error instanceof Refusal) throw error
    if (deadline.signal.aborted && !signal.aborted) {
      throw new Refusal(
        "Timeout",
        `no complete answer within ${options.timeoutMs} ms (FileDownload's timeout)`,
        current
      )
    }
    throw new Refusal("ConnectionFailed", describeError(error), current, undefined, error)
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}
