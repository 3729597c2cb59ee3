import { Prompt, Tool } from "@effect/ai"
import { assert, describe, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import * as Tracer from "effect/Tracer"
import { bedrockToolName, documentNameFromFileName, mapRequest } from "../src/internal/promptMapping.js"
import { SignatureMemo } from "../src/internal/signatureMemo.js"

const span = Tracer.externalSpan({ spanId: "s", traceId: "t" }) as unknown as Tracer.Span

const options = (prompt: Prompt.RawInput, extra: Partial<{ tools: Array<Tool.Any>; toolChoice: any }> = {}) => ({
  prompt: Prompt.make(prompt),
  tools: extra.tools ?? [],
  toolChoice: extra.toolChoice ?? "auto",
  responseFormat: { type: "text" } as const,
  span
})

const map = (prompt: Prompt.RawInput, extra?: Parameters<typeof options>[1], memo = new SignatureMemo(4)) =>
  mapRequest(options(prompt, extra), undefined, memo)

describe("promptMapping", () => {
  it("document names from file names: extension dropped, rejected characters as spaces", () => {
    assert.strictEqual(documentNameFromFileName("q3_report.final.pdf"), "q3 report final")
    assert.strictEqual(documentNameFromFileName("Notes (v2).md"), "Notes (v2)")
    assert.strictEqual(documentNameFromFileName("data.xlsx"), "data")
    assert.strictEqual(documentNameFromFileName("archive.backup"), "archive backup")
    assert.strictEqual(documentNameFromFileName("README"), "README")
    assert.isUndefined(documentNameFromFileName("___.pdf"))
  })

  it("names documents on the file part (documentName), unique, only where core's Document N would differ", () => {
    const file = (fileName?: string) => ({
      type: "file" as const,
      mediaType: "application/pdf",
      data: new Uint8Array([1]),
      ...(fileName !== undefined ? { fileName } : {})
    })
    const mapped = map([
      { role: "user", content: [file("a.pdf"), { type: "file", mediaType: "image/png", data: new Uint8Array([1]) }] },
      { role: "user", content: [file(), file("a.pdf")] }
    ])
    const messages = (Either.getOrThrow(mapped).request.prompt as any).messages
    const parts = messages.flatMap((m: any) => m.parts)
    assert.deepStrictEqual(parts.map((p: any) => p.documentName), ["a", undefined, undefined, "a (2)"])
    assert.deepStrictEqual(parts.map((p: any) => p.name), ["a.pdf", undefined, undefined, "a.pdf"])
  })

  it("files: base64 text becomes bytes, URLs stay URLs, image/* is read from the bytes", () => {
    const mapped = Either.getOrThrow(map([{
      role: "user",
      content: [
        { type: "file", mediaType: "image/*", data: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]) },
        { type: "file", mediaType: "image/png", data: "AQID" },
        { type: "file", mediaType: "image/png", data: new URL("https://example.com/a.png") },
        { type: "file", mediaType: "image/png", data: "data:image/png;base64,AQID" }
      ]
    }]))
    const [message] = (mapped.request.prompt as any).messages
    assert.strictEqual(message.parts[0].mediaType, "image/jpeg")
    assert.deepStrictEqual(message.parts[1].source, { _tag: "Bytes", data: new Uint8Array([1, 2, 3]) })
    assert.deepStrictEqual(message.parts[2].source, { _tag: "Url", url: "https://example.com/a.png" })
    assert.deepStrictEqual(message.parts[3].source, { _tag: "Url", url: "data:image/png;base64,AQID" })
    const bad = map([{ role: "user", content: [{ type: "file", mediaType: "image/png", data: "not base64!" }] }])
    assert.isTrue(Either.isLeft(bad))
    const assistantFile = map([{
      role: "assistant",
      content: [{ type: "file", mediaType: "image/png", data: new Uint8Array([1]) }]
    }])
    assert.include(Either.flip(assistantFile).pipe(Either.getOrThrow).message, "user messages only")
  })

  it("tools: definitions made once per tool, names fixed for Bedrock and mapped back, oneOf as auto / required", () => {
    const Lookup = Tool.make("city.lookup", { description: "Finds a city", parameters: { city: Schema.String } })
    const first = Either.getOrThrow(map("hi", { tools: [Lookup], toolChoice: { tool: "city.lookup" } }))
    const second = Either.getOrThrow(
      map("hi", { tools: [Lookup], toolChoice: { oneOf: ["city.lookup"], mode: "required" } })
    )
    assert.strictEqual(first.request.tools![0], second.request.tools![0])
    assert.strictEqual(first.request.tools![0]!.name, "city_lookup")
    assert.strictEqual(first.request.tools![0]!.description, "Finds a city")
    assert.deepStrictEqual(first.request.toolChoice, { tool: "city_lookup" })
    assert.strictEqual(second.request.toolChoice, "required")
    assert.deepStrictEqual([...first.toolNames!], [["city_lookup", "city.lookup"]])
    assert.strictEqual(bedrockToolName("get_weather"), "get_weather")
    const auto = Either.getOrThrow(map("hi", { tools: [Lookup], toolChoice: { oneOf: ["city.lookup"] } }))
    assert.strictEqual(auto.request.toolChoice, "auto")
  })

  it("reasoning: signed from options, from the memo, or sent as plain thinking", () => {
    const memo = new SignatureMemo(2)
    memo.remember("remembered", "sig-memo")
    const mapped = Either.getOrThrow(map(
      [{
        role: "assistant",
        content: [
          { type: "reasoning", text: "given", options: { effectBedrock: { signature: "sig-given" } } },
          { type: "reasoning", text: "remembered" },
          { type: "reasoning", text: "unknown" },
          { type: "reasoning", text: "", options: { effectBedrock: { redactedData: "AQID" } } }
        ]
      }],
      undefined,
      memo
    ))
    const [message] = (mapped.request.prompt as any).messages
    assert.deepStrictEqual(message.parts, [
      { _tag: "Thinking", text: "given", signature: "sig-given", provider: "bedrock" },
      { _tag: "Thinking", text: "remembered", signature: "sig-memo", provider: "bedrock" },
      { _tag: "Thinking", text: "unknown" },
      { _tag: "Thinking", text: "", redacted: new Uint8Array([1, 2, 3]), provider: "bedrock" }
    ])
  })

  it("the signature memo keeps the most recent entries only", () => {
    const memo = new SignatureMemo(2)
    memo.remember("a", "1")
    memo.remember("b", "2")
    memo.remember("a", "1")
    memo.remember("c", "3")
    assert.strictEqual(memo.size, 2)
    assert.strictEqual(memo.lookup("a"), "1")
    assert.isUndefined(memo.lookup("b"))
    assert.strictEqual(memo.lookup("c"), "3")
  })

  it("a cache point on the leading system messages caches the system prompt (cacheInstructions)", () => {
    const mapped = Either.getOrThrow(mapRequest(
      options([
        { role: "system", content: "Rules", options: { effectBedrock: { cachePoint: "1h" } } },
        { role: "user", content: "hi" }
      ]),
      { temperature: 0 },
      new SignatureMemo(1)
    ))
    assert.deepStrictEqual(mapped.request.settings, { temperature: 0, cacheInstructions: "1h" })
  })

  it("structured output: the schema's identifier names it when generateObject had no name", () => {
    const Facts = Schema.Struct({ city: Schema.String }).annotations({ identifier: "Facts" })
    const output = (objectName: string) =>
      Either.getOrThrow(mapRequest(
        { ...options("hi"), responseFormat: { type: "json", objectName, schema: Facts } },
        undefined,
        new SignatureMemo(1)
      )).request.output!
    assert.strictEqual(output("generateObject").name, "Facts")
    assert.strictEqual(output("city facts").name, "city_facts")
    assert.deepStrictEqual((output("x").schema as { required?: unknown }).required, ["city"])
  })
})
