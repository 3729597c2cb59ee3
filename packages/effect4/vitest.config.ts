// Effect 4's project: run by its own vitest 5 (what `@effect/vitest` 4 needs), nested in this package's
// node_modules, through scripts/test-effect4.mjs (the machine's node and Node 22), not by the root vitest 3.
import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"

export default mergeConfig(shared, defineProject({ test: { name: "effect4" } }))
