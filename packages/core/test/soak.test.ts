// `npm run soak`, shortened: the script runs end to end (the local Bedrock in its own process,
// sustained streaming, heap after GC sampled) and its heap levels off. The precise check of what a
// finished stream leaves reachable is StreamLifecycle.local.test.ts; the long run's figures are in
// docs/reliability.md. Like the benchmark test, it runs the built packages (`npm test` builds them).
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")

interface SoakResult {
  readonly samples: ReadonlyArray<{ readonly seconds: number; readonly streams: number; readonly heapMB: number }>
  readonly verdict: {
    readonly pass: boolean
    readonly growthMB: number
    readonly completed: number
    readonly leftEarly: number
    readonly failed: number
    readonly unexpected: number
  }
}

describe("soak", () => {
  it("a short run: every kind of ending, the heap levels off", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "soak-")), "soak.json")
    const tsx = path.join(root, "node_modules/.bin/tsx")
    const args = ["scripts/soak.ts", "--duration", "6s", "--sample", "2s", "--settle", "2s", "--concurrency", "16"]
    await new Promise<void>((resolve, reject) =>
      execFile(
        tsx,
        [...args, "--json", out],
        { cwd: root, timeout: 90_000 },
        (error, stdout, stderr) => error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve()
      )
    )
    const result = JSON.parse(fs.readFileSync(out, "utf8")) as SoakResult
    assert.isAtLeast(result.samples.length, 3)
    assert.isTrue(result.verdict.pass)
    assert.isBelow(result.verdict.growthMB, 20)
    assert.strictEqual(result.verdict.unexpected, 0)
    assert.isAbove(result.verdict.completed, 0)
    assert.isAbove(result.verdict.leftEarly, 0)
    assert.isAbove(result.verdict.failed, 0)
  }, 120_000)
})
