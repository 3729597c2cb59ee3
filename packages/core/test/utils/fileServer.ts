// A small HTTP file server on 127.0.0.1 (ephemeral port) for the download tests: files, redirects,
// large and slow answers. It counts every request, so a test can show that a refused URL was never
// fetched.
import type { Scope } from "effect"
import { Effect } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

export const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 1, 2, 3])
export const pdf = new TextEncoder().encode("%PDF-1.4 tiny")

export interface FileServer {
  readonly port: number
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** Paths requested so far, in order (with their query). */
  readonly hits: Array<string>
  /** Bytes `/big` managed to write before the client went away. */
  readonly bigBytesSent: () => number
  /** Bytes every `/sized` answer wrote so far. */
  readonly sizedBytesSent: () => number
}

const megabyte = Buffer.alloc(1024 * 1024, 7)

export const fileServer: Effect.Effect<FileServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly server: http.Server; readonly state: FileServer }>((resume) => {
    const hits: Array<string> = []
    let bigSent = 0
    let sizedSent = 0
    const server = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1")
      hits.push(url.pathname + url.search)
      switch (url.pathname) {
        case "/file.png":
          return response.writeHead(200, { "content-type": "image/png" }).end(png)
        case "/image":
          // No extension: the media type comes from Content-Type.
          return response.writeHead(200, { "content-type": "image/png; charset=binary" }).end(png)
        case "/doc.pdf":
          // A useless Content-Type: the media type comes from the extension.
          return response.writeHead(200, { "content-type": "application/octet-stream" }).end(pdf)
        case "/redirect": {
          const to = url.searchParams.get("to") ?? "/file.png"
          return response.writeHead(302, { location: to }).end()
        }
        case "/loop":
          return response.writeHead(301, { location: "/loop" }).end()
        case "/missing":
          return response.writeHead(404, { "content-type": "text/plain" }).end("gone")
        case "/declared-big":
          response.writeHead(200, { "content-type": "image/png", "content-length": String(300 * 1024 * 1024) })
          return response.write(megabyte)
        case "/big": {
          // 300 MiB, chunked (no Content-Length), written as fast as the client reads.
          response.writeHead(200, { "content-type": "image/png" })
          let left = 300
          const pump = () => {
            while (left > 0) {
              left--
              bigSent += megabyte.length
              if (!response.write(megabyte)) return response.once("drain", pump)
            }
            response.end()
          }
          response.on("close", () => {
            left = 0
          })
          return pump()
        }
        case "/sized": {
          // `mib` MiB, chunked (no Content-Length) unless `declared` is set; counted in `sizedBytesSent`.
          const declared = url.searchParams.has("declared")
          let left = Number(url.searchParams.get("mib") ?? "1")
          response.writeHead(200, {
            "content-type": "image/png",
            ...(declared ? { "content-length": String(left * megabyte.length) } : {})
          })
          const pump = () => {
            while (left > 0) {
              left--
              sizedSent += megabyte.length
              if (!response.write(megabyte)) return response.once("drain", pump)
            }
            response.end()
          }
          response.on("close", () => {
            left = 0
          })
          return pump()
        }
        case "/hang":
          // Never answers; the server's close ends it.
          return
        default:
          return response.writeHead(404).end()
      }
    })
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resume(Effect.succeed({
        server,
        state: {
          port,
          origin: `http://127.0.0.1:${port}`,
          hits,
          bigBytesSent: () => bigSent,
          sizedBytesSent: () => sizedSent
        }
      }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ state }) => state))
