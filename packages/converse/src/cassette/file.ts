/**
 * Reading a cassette file and writing one atomically (a temporary file beside it, then a rename, so a
 * reader never sees half a cassette, and a crash leaves the previous one whole).
 *
 * @since 0.1.0
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { type Cassette, parse, type ParseResult, serialize } from "./format.js"

/**
 * The cassette at `file`; a missing file is `missing: true` (for the modes that record it).
 *
 * @since 0.1.0
 * @category Reading
 */
export const read = (file: string): ParseResult | { readonly ok: false; readonly missing: true; message: string } => {
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === "ENOENT") return { ok: false, missing: true, message: `no cassette at ${file}` }
    return { ok: false, message: `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}` }
  }
  return parse(text, file)
}

let counter = 0

/**
 * Writes `cassette` to `file` atomically, creating its folder.
 *
 * @since 0.1.0
 * @category Writing
 */
export const write = (file: string, cassette: Cassette): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.${++counter}.tmp`
  try {
    fs.writeFileSync(temporary, serialize(cassette))
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
}
