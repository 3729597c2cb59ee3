// A real S3 wire-protocol server for tests and demos: s3rver (npm, a root dev dependency) on
// 127.0.0.1, on a free port, storing objects in a fresh temporary directory that is removed on close.
// `@aws-sdk/client-s3` talks to it as to AWS with `endpoint` set, `forcePathStyle: true` and s3rver's
// one account's keys (`credentials` below: s3rver refuses any other access key id).
//
//   node scripts/s3-server.mjs [--port 4568] [--bucket name]...   # runs until Ctrl-C
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const require = createRequire(import.meta.url)

/**
 * The only access key s3rver knows (its built-in account); signatures are checked with it. Not frozen:
 * the AWS SDK marks the credentials object it is given.
 */
export const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" }

/** S3's bucket naming rules (general purpose buckets): 3-63 of [a-z0-9.-], starting and ending with a letter or digit. */
export const isValidBucketName = (name) =>
  typeof name === "string" && /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") &&
  !/^\d+\.\d+\.\d+\.\d+$/.test(name)

/**
 * Starts s3rver on 127.0.0.1 (a free port unless `port` is given), with `buckets` created first.
 * Resolves to `{ endpoint, port, directory, close() }`; `close` stops the server, ends its
 * connections and removes the directory.
 */
export async function startS3Server({ port = 0, buckets = [] } = {}) {
  for (const name of buckets) {
    if (!isValidBucketName(name)) throw new Error(`Invalid S3 bucket name: ${JSON.stringify(name)}`)
  }
  const S3rver = require("s3rver")
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), "effect-bedrock-s3-"))
  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name }))
  })
  // Quiet for good: s3rver's logger otherwise complains about requests logged after close.
  server.logger.silent = true
  let address
  try {
    address = await server.run()
  } catch (error) {
    fs.rmSync(directory, { recursive: true, force: true })
    throw error
  }
  let closing
  return {
    credentials: { ...credentials },
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    directory,
    close: () => {
      closing ??= (async () => {
        const done = server.close().catch(() => {})
        server.httpServer?.closeAllConnections?.()
        await done
        fs.rmSync(directory, { recursive: true, force: true })
      })()
      return closing
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const buckets = []
  let port = 4568
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--port") port = Number(args[++i])
    else if (args[i] === "--bucket") buckets.push(args[++i])
    else {
      console.error(`Unknown argument ${args[i]}. Usage: node scripts/s3-server.mjs [--port N] [--bucket name]...`)
      process.exit(2)
    }
  }
  let s3
  try {
    s3 = await startS3Server({ port, buckets })
  } catch (error) {
    console.error(`s3-server: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(2)
  }
  console.log(`S3 (s3rver) listening on ${s3.endpoint}, data in ${s3.directory}; Ctrl-C stops it`)
  console.log(`Clients: endpoint ${s3.endpoint}, forcePathStyle: true, keys ${credentials.accessKeyId} / ${credentials.secretAccessKey}`)
  const stop = () => s3.close().then(() => process.exit(0))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}
