/**
 * The Effect line of this package, checked by its entry points (`./index.ts`) before the implementation loads:
 * the constants here, the check itself once, in the engine (`@effect-bedrock/converse/runtime/effectLine`, which
 * imports nothing of Effect). `test/EffectLine.test.ts` in core checks the constants of every package.
 *
 * @internal
 */
import { checkEffectLine } from "@effect-bedrock/converse/runtime/effectLine"
import { createRequire } from "node:module"

const NAME = "@effect-bedrock/local"
const MAJOR = 3
const RANGE = "^3.22.4"
const OTHER =
  "With Effect 4 the Layer is LocalBedrock of @effect-bedrock/effect4/testing (npm install @effect-bedrock/effect4 effect@^4.1.5, with @effect-bedrock/local as a dev dependency); the server without Effect is @effect-bedrock/local/LocalBedrockServer"

/**
 * Throws unless the `effect` that `from` (the entry's `import.meta.url` or `__filename`) resolves is this
 * package's line.
 *
 * @internal
 */
export const check = (from: string): void => {
  checkEffectLine(from, { name: NAME, major: MAJOR, range: RANGE, other: OTHER })
  // The Effect 3 Layer builds core's BedrockClient: an optional peer, so that the plain server installs into an
  // Effect 4 app too (package.json), but needed here.
  try {
    createRequire(from).resolve("@effect-bedrock/core/package.json")
  } catch {
    throw new Error(
      `${NAME}'s Effect 3 Layer needs @effect-bedrock/core: npm install @effect-bedrock/core effect@${RANGE}`
    )
  }
}
