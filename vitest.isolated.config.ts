import { defineConfig } from "vitest/config"

// The second vitest run of `npm test`: core's test files that need a module graph of their own
// (packages/core/vitest.isolated.ts), one per file. vitest 3.2 reads `isolate` for a whole run, not per project,
// so they are a run of their own; vitest.config.ts runs everything else with one module graph per worker.
export default defineConfig({
  test: {
    projects: ["packages/core/vitest.isolated.config.ts"],
    isolate: true
  }
})
