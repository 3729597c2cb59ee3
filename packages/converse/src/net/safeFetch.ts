/**
 * One guarded HTTP GET of a file, with Node's `http`/`https`: the address checks of
 * `FileDownload` (made in the `lookup` the socket connects with, so the address checked is the
 * address used, and for IP literals before connecting), redirects followed here (each hop checked
 * again, at most `maxRedirects`), a deadline for the whole download and a size cap enforced while
 * reading. Failures are `Refusal`s carrying the `FileDownload.Reason`.
 *
 * Reached only by its own path (never from the package index), and from core only through its lazily
 * loaded `fileDownload.ts`.
 *
 * @since 0.1.0
 */
import * as dns from "node:dns"
import * as http from "node:http"
import * as https from "node:https"
import type * as net from "node:net"
import {
  addressProblem,
  type Budget,
  checkUrl,
  type Fetched,
  type FetchOptions,
  Refusal,
  refusedAddress
} from "./urlGuard.js"

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
