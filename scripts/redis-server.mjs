// A real redis-server for tests and `npm run fleet`: found on PATH (installed from Debian's package
// when missing, where we are root and have apt-get), started on 127.0.0.1 on a free port with no
// persistence (`--save "" --appendonly no`), stopped by its process id.
//
//   node scripts/redis-server.mjs --ensure   # `npm test`'s pretest: install redis-server when missing
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The redis-server binary on PATH, or undefined. */
export function findRedisServer() {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir.length === 0) continue
    const candidate = path.join(dir, "redis-server")
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

const aptGet = (args) =>
  spawnSync("apt-get", args, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0

/**
 * `{ path }` of redis-server, installing it with apt-get when missing and `install` is set; or
 * `{ reason }` saying why there is none.
 */
export function ensureRedisServer({ install = false } = {}) {
  const found = findRedisServer()
  if (found !== undefined) return { path: found }
  const hint = "install it with `apt-get install -y redis-server` (Debian's package, 7.x)"
  if (!install) return { reason: `redis-server is not on PATH: ${hint}` }
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    return { reason: `redis-server is not on PATH and cannot be installed here (needs root on Linux): ${hint}` }
  }
  if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0) {
    return { reason: `redis-server is not on PATH and there is no apt-get to install it: ${hint}` }
  }
  if (!aptGet(["install", "-y", "redis-server"])) {
    aptGet(["update"])
    aptGet(["install", "-y", "redis-server"])
  }
  const installed = findRedisServer()
  return installed !== undefined ? { path: installed } : { reason: `apt-get could not install redis-server: ${hint}` }
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

const startOnce = (binary, port) =>
  new Promise((resolve, reject) => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] })
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`redis-server did not get ready in 10 s:\n${output}`))
    }, 10_000)
    const onData = (chunk) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer)
        child.stdout.off("data", onData)
        // Keep draining its output so that it never blocks on a full pipe.
        child.stdout.resume()
        child.stderr.resume()
        resolve(child)
      }
    }
    child.stdout.on("data", onData)
    child.stderr.on("data", (chunk) => {
      output += chunk.toString()
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`))
    })
  })

/**
 * Starts redis-server on 127.0.0.1 on a free port. Resolves to `{ url, port, pid, stop() }`;
 * `stop` ends that process (SIGTERM, then SIGKILL after 5 s). The process is also killed if this one
 * exits first.
 */
export async function startRedisServer() {
  const binary = findRedisServer()
  if (binary === undefined) throw new Error(ensureRedisServer().reason)
  let lastError
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    let child
    try {
      child = await startOnce(binary, port)
    } catch (error) {
      // Another process may have taken the port in between: try another one.
      lastError = error
      continue
    }
    const killOnExit = () => child.kill("SIGKILL")
    process.once("exit", killOnExit)
    const exited = new Promise((resolve) => child.once("exit", () => resolve()))
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid,
      stop: async () => {
        process.off("exit", killOnExit)
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill("SIGTERM")
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
        await exited
        clearTimeout(timer)
      }
    }
  }
  throw lastError
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes("--ensure")) {
  const result = ensureRedisServer({ install: true })
  console.log(
    result.path !== undefined
      ? `redis-server: ${result.path}`
      : `redis-server: none (${result.reason}); the Redis tests will be skipped`
  )
}
