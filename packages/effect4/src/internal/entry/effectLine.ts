/**
 * The Effect line of this package, checked by its entry points (`./index.ts`) before the implementation loads:
 * the constants here, the check itself once, in the engine (`@effect-bedrock/converse/runtime/effectLine`, which
 * imports nothing of Effect). `test/EffectLine.test.ts` in core checks the constants of every package.
 *
 * @internal
 */
import { checkEffectLine } from "@effect-bedrock/converse/runtime/effectLine"

const NAME = "@effect-bedrock/effect4"
const MAJOR = 4
const RANGE = "^4.1.5"
const OTHER = "For Effect 3 install @effect-bedrock/core: npm install @effect-bedrock/core effect@^3.22.4"

/**
 * Throws unless the `effect` that `from` (the entry's `import.meta.url` or `__filename`) resolves is this
 * package's line.
 *
 * @internal
 */
export const check = (from: string): void =>
  checkEffectLine(from, { name: NAME, major: MAJOR, range: RANGE, other: OTHER })
