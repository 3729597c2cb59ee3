import { encodeLine, inputFileName, type Limits, RecordIds, Splitter } from "@effect-bedrock/converse/batch/jsonl"
import { assert, describe, it } from "vitest"

const limits: Limits = {
  minRecordsPerJob: 3,
  maxRecordsPerJob: 10,
  maxRecordsPerFile: 4,
  maxFileBytes: 100,
  maxJobBytes: 500
}

describe("batch JSONL", () => {
  it("record ids: given ones are checked and unique, missing ones generated (11 letters and digits)", () => {
    const ids = new RecordIds()
    const given = ids.take("doc-1", "requests[0]")
    assert.deepStrictEqual(given, { ok: true, value: "doc-1" })
    const generated = ids.take(undefined, "requests[1]")
    assert.isTrue(generated.ok)
    if (generated.ok) assert.match(generated.value, /^r\d{10}$/)
    const duplicate = ids.take("doc-1", "requests[2]")
    assert.isFalse(duplicate.ok)
    if (!duplicate.ok) {
      assert.strictEqual(duplicate.issues[0]!.path, "requests[2].recordId")
      assert.match(duplicate.issues[0]!.message, /used twice/)
    }
    for (const bad of ["", "a b", "x".repeat(65), 7, "é"]) {
      const taken = ids.take(bad, "requests[3]")
      assert.isFalse(taken.ok, String(bad))
    }
    // A generated id skips one already given.
    const other = new RecordIds()
    other.take("r0000000001", "requests[0]")
    assert.deepStrictEqual(other.take(undefined, "requests[1]"), { ok: true, value: "r0000000002" })
    assert.strictEqual(other.size, 2)
  })

  it("a line is the record id and the body as JSON, bytes as base64, ending in a line break", () => {
    const line = new TextDecoder().decode(encodeLine("r1", {
      messages: [{
        role: "user",
        content: [{ image: { format: "png", source: { bytes: new Uint8Array([1, 2, 3]) } } }, { text: "é" }]
      }]
    }))
    assert.isTrue(line.endsWith("}\n"))
    assert.deepStrictEqual(JSON.parse(line), {
      recordId: "r1",
      modelInput: {
        messages: [{ role: "user", content: [{ image: { format: "png", source: { bytes: "AQID" } } }, { text: "é" }] }]
      }
    })
  })

  it("files are cut by the per-file record count and size", () => {
    const byRecords = new Splitter(limits)
    const files = Array.from({ length: 9 }, () => {
      const placed = byRecords.add(10)
      assert.isTrue(placed.ok)
      return placed.ok ? placed.value.file : -1
    })
    assert.deepStrictEqual(files, [0, 0, 0, 0, 1, 1, 1, 1, 2])
    assert.strictEqual(byRecords.files, 3)
    assert.isUndefined(byRecords.finish())

    const bySize = new Splitter(limits)
    const sizes = [60, 30, 20, 100, 1].map((size) => {
      const placed = bySize.add(size)
      return placed.ok ? placed.value.file : -1
    })
    assert.deepStrictEqual(sizes, [0, 0, 1, 2, 3])
    assert.strictEqual(inputFileName(0), "records-00001.jsonl")
  })

  it("every limit is an issue with its numbers", () => {
    const small = new Splitter(limits)
    small.add(10)
    const few = small.finish()
    assert.deepInclude(few, { limit: "minRecordsPerJob", minimum: 3, actual: 1 })
    assert.match(few!.message, /Too few records: 1, and a batch job needs at least 3/)

    const big = new Splitter(limits).add(101)
    assert.isFalse(big.ok)
    if (!big.ok) {
      assert.deepInclude(big.issue, { limit: "maxBytesPerRecord", maximum: 100, actual: 101 })
      assert.match(big.issue.message, /101 bytes.*100 bytes per file/)
    }

    const many = new Splitter(limits)
    for (let i = 0; i < 10; i++) assert.isTrue(many.add(1).ok)
    const eleventh = many.add(1)
    assert.isFalse(eleventh.ok)
    if (!eleventh.ok) {
      assert.deepInclude(eleventh.issue, { limit: "maxRecordsPerJob", maximum: 10, actual: 11 })
      assert.match(eleventh.issue.message, /at most 10 records/)
    }
    assert.strictEqual(many.records, 10)

    const heavy = new Splitter(limits)
    for (let i = 0; i < 5; i++) assert.isTrue(heavy.add(100).ok)
    const over = heavy.add(1)
    assert.isFalse(over.ok)
    if (!over.ok) assert.deepInclude(over.issue, { limit: "maxJobBytes", maximum: 500, actual: 501 })
  })
})
