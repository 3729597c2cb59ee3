import * as Effect from "effect/Effect"
import * as net from "node:net"

/** A loopback port that was just free and is closed again: connecting to it is refused. */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const port = (server.address() as net.AddressInfo).port
    server.close(() => resume(Effect.succeed(port)))
  })
})
