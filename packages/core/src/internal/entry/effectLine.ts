/**
 * The Effect line of this package, checked by its entry points (`./index.ts`, `./testing.ts` here) before the implementation loads:
 * the constants here, the check itself once, in the engine (`@effect-bedrock/converse/runtime/effectLine`, which
 * imports nothing of Effect). `test/EffectLine.test.ts` in core checks the constants of every package.
 *
 * @internal
 */
import { checkEffectLine } from "@effect-bedrock/converse/runtime/effectLine"

const NAME = "@effect-bedrock/core"
const MAJOR = 3
const RANGE = "^3.22.4"
const OTHER = "For Effect 4 install @effect-bedrock/effect4: npm install @effect-bedrock/effect4 effect@^4.1.5"

/**
 * Throws unless the `effect` that `from` (the entry's `import.meta.url` or `__filename`) resolves is this
 * package's line.
 *
 * @internal
 */
export const check = (from: string): void =>
  checkEffectLine(from, { name: NAME, major: MAJOR, range: RANGE, other: OTHER })
