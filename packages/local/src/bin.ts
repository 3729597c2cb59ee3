#!/usr/bin/env node
/**
 * `npx @effect-bedrock/local`: the local Bedrock Runtime server, standalone. `--help` lists the
 * options; see `internal/cli.ts`.
 *
 * @since 0.1.0
 */
import { main } from "./internal/cli.js"

const write = (stream: NodeJS.WriteStream) => (line: string) => void stream.write(`${line}\n`)

main(process.argv.slice(2), { out: write(process.stdout), err: write(process.stderr) }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`local-bedrock: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  }
)
