import {
  documentNameFromFileName,
  DocumentNamer,
  isDocumentMediaType,
  optionsIssue
} from "@effect-bedrock/converse/prompt/partOptions"
import { assert, describe, it } from "vitest"

describe("prompt/partOptions", () => {
  it("accepts each holder's options, and none", () => {
    assert.isUndefined(optionsIssue("message", undefined, "p"))
    assert.isUndefined(optionsIssue("text", null, "p"))
    assert.isUndefined(optionsIssue("file", { cachePoint: "1h", documentName: "Q3 (final)" }, "p"))
    assert.isUndefined(optionsIssue("reasoning", { signature: "s", redactedData: "AQI=" }, "p"))
    assert.isUndefined(optionsIssue("message", { cachePoint: false, other: undefined }, "p"))
  })

  it("names the option probably meant, and refuses bad values with the path", () => {
    assert.deepStrictEqual(optionsIssue("text", { cachePiont: true }, "x.options.effectBedrock"), {
      path: "x.options.effectBedrock.cachePiont",
      message: "Unknown option \"cachePiont\" (did you mean \"cachePoint\"?)",
      suggestion: "cachePoint"
    })
    // A key another holder takes is still unknown here.
    assert.include(optionsIssue("message", { documentName: "a" }, "p")!.message, "known here: cachePoint")
    assert.strictEqual(optionsIssue("file", { cachePoint: "2h" }, "p")!.path, "p.cachePoint")
    assert.include(optionsIssue("file", { documentName: "a_b.pdf" }, "p")!.message, "Invalid document name")
    assert.include(optionsIssue("file", { documentName: " padded" }, "p")!.message, "Invalid document name")
    assert.include(optionsIssue("reasoning", { signature: 1 }, "p")!.message, "Expected a string")
    assert.include(optionsIssue("text", "yes", "p")!.message, "Expected an object")
  })

  it("names documents from their file names, uniquely, leaving Document N to the mapping", () => {
    assert.strictEqual(documentNameFromFileName("q3_report.final.pdf"), "q3 report final")
    assert.isUndefined(documentNameFromFileName("___.pdf"))
    const namer = new DocumentNamer()
    assert.deepStrictEqual(
      [
        namer.next(undefined, "notes.md"),
        namer.next(undefined, "notes.txt"),
        namer.next(undefined, undefined),
        namer.next("Annex", "x.pdf")
      ],
      ["notes", "notes (2)", undefined, "Annex"]
    )
    assert.deepStrictEqual(
      ["application/pdf", "text/csv", "image/png", "video/mp4"].map(isDocumentMediaType),
      [true, true, false, false]
    )
  })
})
