import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace.js"

export default defineConfig({
  test: {
    projects,
    // One module graph per worker, not per file: the AWS SDK, Effect and our packages load once per worker
    // (about half of the suite's time on 2 cores). vitest 3.2 reads this per run, not per project: the files
    // that need their own graph run in a second run (vitest.isolated.config.ts, `npm test` runs both).
    isolate: false
  }
})
