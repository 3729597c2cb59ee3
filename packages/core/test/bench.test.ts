// The benchmark runner (scripts/bench): its statistics and result shape, and a tiny end-to-end run
// of two scenarios for the raw SDK and this library (CI does not run the benchmarks themselves).
import { assert, describe, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import * as Stats from "../../../scripts/bench/stats.mjs"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const m = (value: number, extra: Record<string, unknown> = {}) => ({
  value,
  unit: "deltas/s",
  higherIsBetter: true,
  ...extra
})

describe("bench statistics", () => {
  it("quantiles and summaries", () => {
    assert.strictEqual(Stats.median([3, 1, 2]), 2)
    assert.strictEqual(Stats.median([4, 1, 2, 3]), 2.5)
    assert.strictEqual(Stats.quantile([1, 2, 3, 4, 5], 0.99), 4.96)
    assert.isNaN(Stats.median([]))
    const s = Stats.summarize([5, 1, 3])
    assert.deepStrictEqual([s.median, s.min, s.max, s.n], [3, 1, 5, 3])
  })

  it("ratios to the raw SDK are per round, then the median", () => {
    const rows = Stats.rowsFor("stream-20k", {
      "aws-sdk": [m(100), m(200), m(100)],
      "effect-bedrock": [m(90), m(220), m(95)]
    })
    const ours = rows.find((r) => r.client === "effect-bedrock")!
    assert.strictEqual(ours.value, 95)
    assert.strictEqual(ours.ratioToSdk, 0.95)
    assert.strictEqual(ours.min, 90)
    assert.strictEqual(ours.max, 220)
    assert.strictEqual(rows.find((r) => r.client === "aws-sdk")!.ratioToSdk, 1)
  })

  it("ttft-added is the difference to the SDK in the same round", () => {
    const t = (value: number) => ({ value, unit: "ms", higherIsBetter: false })
    const rows = Stats.rowsFor("ttft-added", { "aws-sdk": [t(2), t(3)], "effect-bedrock": [t(2.5), t(3.1)] })
    const ours = rows.find((r) => r.client === "effect-bedrock")!
    assert.closeTo(ours.value, 0.3, 1e-9)
    assert.strictEqual(ours.unit, "ms added")
    assert.isFalse(ours.higherIsBetter)
    const checks = Stats.checkTargets(rows)
    assert.isTrue(checks.find((c) => c.target === "ms added to the raw SDK's time to first token <= 0.3")!.ok)
  })

  it("every row has its ratio to the tuned SDK too", () => {
    const rows = Stats.rowsFor("converse-c1", {
      "aws-sdk": [m(100), m(100)],
      "aws-sdk-tuned": [m(200), m(160)],
      "effect-bedrock": [m(190), m(160)]
    })
    const ours = rows.find((r) => r.client === "effect-bedrock")!
    assert.strictEqual(ours.ratioToSdk, 1.75)
    assert.strictEqual(ours.ratioToTuned, 0.975)
    const checks = Stats.checkTargets(rows)
    assert.deepStrictEqual(
      checks.map((c) => [c.target, c.ok]),
      [["ratio to tuned SDK >= 0.95", true]]
    )
    // Without the tuned baseline in the run, its target is not decided.
    const without = Stats.checkTargets(Stats.rowsFor("converse-c1", { "aws-sdk": [m(1)], "effect-bedrock": [m(2)] }))
    assert.isUndefined(without[0]!.ok)
  })

  it("targets: ratio limits and peers", () => {
    const rows = Stats.rowsFor("stream-20k", {
      "aws-sdk": [m(100)],
      "effect-bedrock": [m(90)],
      langchain: [m(95)]
    })
    const checks = Stats.checkTargets(rows)
    assert.isFalse(checks.find((c) => c.target.startsWith("ratio"))!.ok)
    assert.isFalse(checks.find((c) => c.target === "ahead of langchain")!.ok)
  })

  it("validates the latest.json shape", () => {
    const doc = {
      node: "v20",
      quick: true,
      results: [{
        scenario: "converse-c1",
        client: "effect-bedrock",
        value: 1,
        unit: "req/s",
        higherIsBetter: true,
        ratioToSdk: 1
      }]
    }
    assert.strictEqual(Stats.validateDocument(doc), doc)
    assert.throws(() => Stats.validateDocument({ ...doc, results: [{ ...doc.results[0], scenario: "nope" }] }))
    assert.throws(() => Stats.validateDocument({ ...doc, quick: "no" }))
  })
})

describe("bench runner", () => {
  it("a tiny run of two scenarios against a local Bedrock in its own process", async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bench-")), "result.json")
    const tsx = path.join(root, "node_modules/.bin/tsx")
    const args = [
      "scripts/bench/run.ts",
      "--tiny",
      "--clients",
      "aws-sdk,aws-sdk-tuned,effect-bedrock",
      "--scenarios",
      "stream-20k,mapping-200",
      "--json",
      out
    ]
    await new Promise<void>((resolve, reject) =>
      execFile(
        tsx,
        args,
        { cwd: root, timeout: 120_000 },
        (error, stdout, stderr) => error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve()
      )
    )
    const doc = Stats.validateDocument(JSON.parse(fs.readFileSync(out, "utf8")))
    assert.strictEqual(doc.quick, true)
    assert.deepStrictEqual(
      doc.results.map((r: Stats.Row) => `${r.scenario}/${r.client}`),
      [
        "stream-20k/aws-sdk",
        "stream-20k/aws-sdk-tuned",
        "stream-20k/effect-bedrock",
        "mapping-200/aws-sdk",
        "mapping-200/aws-sdk-tuned",
        "mapping-200/effect-bedrock"
      ]
    )
    for (const r of doc.results) {
      assert.isTrue(r.value > 0)
      assert.isTrue(typeof r.ratioToTuned === "number" && r.ratioToTuned > 0)
    }
    assert.isTrue(doc.serverCpuShareMax >= 0 && doc.serverCpuShareMax < 1.5)
  }, 180_000)
})
