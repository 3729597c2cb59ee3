/**
 * The check behind the package's entry points (`./index.ts`): before the implementation
 * loads, the `effect` this package resolves must be the line it is for, or the import fails with a message that
 * names the right package and the install line instead of a missing-file crash deep in `effect`.
 *
 * Only the constants differ between the packages' copies of this file (`test/EffectLine.test.ts` checks it).
 *
 * @internal
 */
import { createRequire } from "node:module"

const NAME = "@effect-bedrock/ai"
const MAJOR = 3
const RANGE = "^3.22.4"
const OTHER =
  "For Effect 4 install @effect-bedrock/effect4, a provider for effect/ai: npm install @effect-bedrock/effect4 effect@^4.1.5"

// ---- the same in every package below this line ----

/**
 * Throws unless the `effect` that `from` (the entry's `import.meta.url` or `__filename`) resolves has the
 * major version this package is for. Runs once per process, at import; reads one small JSON file.
 *
 * @internal
 */
export const check = (from: string): void => {
  let version: string
  try {
    version = (createRequire(from)("effect/package.json") as { readonly version: string }).version
  } catch {
    throw new Error(`${NAME} needs the effect package (Effect ${MAJOR}): npm install ${NAME} effect@${RANGE}`)
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1])
  if (major !== MAJOR) {
    throw new Error(
      `${NAME} is for Effect ${MAJOR}, but this app has effect ${version}. ${OTHER} ` +
        `— or use Effect ${MAJOR}: npm install effect@${RANGE}`
    )
  }
}
