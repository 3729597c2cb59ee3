/**
 * The check behind the entry points of the packages built on the engine (core, ai, local, effect4): before
 * a package's implementation loads, the `effect` it resolves must be the line it is for, or the import fails
 * with a message that names the right package and the install line instead of a missing-file crash deep in
 * `effect`. Each package's `internal/entry/effectLine.ts` holds only its constants and calls this.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"

/**
 * What a package is: its name, the Effect major and `effect` range it is for, and what to tell an app of the
 * other line (`other`, one sentence with its install line).
 *
 * @since 0.1.0
 * @category Effect line
 */
export interface Line {
  readonly name: string
  readonly major: number
  readonly range: string
  readonly other: string
}

/**
 * Throws unless the `effect` that `from` (the entry's `import.meta.url` or `__filename`) resolves has the
 * major version `line` is for. Runs once per process, at import; reads one small JSON file.
 *
 * @since 0.1.0
 * @category Effect line
 */
export const checkEffectLine = (from: string, line: Line): void => {
  const { major: expected, name, other, range } = line
  let version: string
  try {
    version = (createRequire(from)("effect/package.json") as { readonly version: string }).version
  } catch {
    throw new Error(`${name} needs the effect package (Effect ${expected}): npm install ${name} effect@${range}`)
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1])
  if (major !== expected) {
    throw new Error(
      `${name} is for Effect ${expected}, but this app has effect ${version}. ${other} ` +
        `— or use Effect ${expected}: npm install effect@${range}`
    )
  }
}
