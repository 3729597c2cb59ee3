// Media formats and file sources directly (media type -> Converse format, where the bytes come
// from, the blocks), then files in user content end to end through toConverseInput.
import * as Media from "@effect-bedrock/converse/mapping/media"
import { assert, describe, it } from "vitest"
import * as Prompt from "../utils/prompt.js"
import { bytes, converse, issue, png } from "./fixtures.js"

describe("requestMapping/media", () => {
  describe("mediaFormat", () => {
    it("kind and format; parameters, case and spaces ignored; aliases", () => {
      assert.deepStrictEqual(Media.mediaFormat("image/png"), ["image", "png"])
      assert.deepStrictEqual(Media.mediaFormat("image/jpg"), ["image", "jpeg"])
      assert.deepStrictEqual(Media.mediaFormat("video/matroska"), ["video", "mkv"])
      assert.deepStrictEqual(Media.mediaFormat("text/x-markdown"), ["document", "md"])
      assert.deepStrictEqual(Media.mediaFormat(" Text/CSV ; charset=utf-8"), ["document", "csv"])
    })

    it("undefined for what Bedrock cannot take, named in the issue message", () => {
      assert.strictEqual(Media.mediaFormat("audio/mpeg"), undefined)
      assert.strictEqual(Media.mediaFormat("application/json"), undefined)
      assert.match(Media.unsupportedMediaType("audio/mpeg"), /^Unsupported media type "audio\/mpeg" for Bedrock/)
    })
  })

  describe("fileSource", () => {
    const source = (data: string) => Media.fileSource(Prompt.file({ mediaType: "image/png", data }))

    it("bytes as they are; base64 data URLs decoded", () => {
      assert.strictEqual((Media.fileSource(png) as { bytes: Uint8Array }).bytes, bytes)
      assert.deepStrictEqual(source("data:image/png;base64,AQID"), { bytes })
    })

    it("s3 locations by reference, with the bucket owner when given", () => {
      assert.deepStrictEqual(source("s3://b/k.png"), { s3Location: { uri: "s3://b/k.png" } })
      assert.deepStrictEqual(source("s3://b/k.png?bucketOwner=111122223333"), {
        s3Location: { uri: "s3://b/k.png", bucketOwner: "111122223333" }
      })
      assert.deepStrictEqual(source("s3://b/k.png?versionId=1"), { s3Location: { uri: "s3://b/k.png" } })
    })

    it("percent-encoded data URLs decoded as octets; malformed ones say why", () => {
      assert.deepStrictEqual(source("data:text/plain,hello%20w%C3%B6rld"), {
        bytes: new TextEncoder().encode("hello wörld")
      })
      assert.deepStrictEqual(source("data:,%FF%00"), { bytes: new Uint8Array([255, 0]) })
      assert.match(source("data:text/plain,100%") as string, /not followed by two hex digits/)
      assert.match(source("data:image/png;base64,AQI*") as string, /not valid base64/)
      assert.match(source("data:image/png;base64,AQIDB") as string, /not valid base64/)
      assert.match(source("data:image/png;base64") as string, /Malformed data URL/)
    })

    it("undefined for other URLs", () => {
      assert.strictEqual(source("https://example.com/a.png"), undefined)
      const file = Prompt.file({ mediaType: "image/png", data: "https://example.com/a.png" })
      assert.match(Media.mustDownload(file), /^File URL "https:\/\/example.com\/a.png" must be downloaded/)
    })
  })

  describe("mediaBlock and blockKind", () => {
    it("a numbered document, an image, a video; and their kinds", () => {
      const document = Media.mediaBlock(["document", "pdf"], { bytes }, "Document 3")
      const image = Media.mediaBlock(["image", "gif"], { bytes }, "")
      const video = Media.mediaBlock(["video", "webm"], { s3Location: { uri: "s3://b/v" } }, "")
      assert.deepStrictEqual<unknown>(document, { document: { name: "Document 3", format: "pdf", source: { bytes } } })
      assert.deepStrictEqual<unknown>(image, { image: { format: "gif", source: { bytes } } })
      assert.deepStrictEqual<unknown>(video, { video: { format: "webm", source: { s3Location: { uri: "s3://b/v" } } } })
      assert.deepStrictEqual([document, image, video, { text: "t" }].map(Media.blockKind), [
        "document",
        "image",
        "video",
        "text"
      ])
    })
  })

  // ===========================================================================
  // Files in user content
  // ===========================================================================
  describe("files in user content", () => {
    it("text, bytes, s3 locations", () => {
      const s3 = Prompt.file({ mediaType: "image/jpeg", data: "s3://bucket/key.jpg?bucketOwner=123456789012" })
      const s3NoOwner = Prompt.file({ mediaType: "video/quicktime", data: "s3://bucket/v.mov" })
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("look", png, s3, s3NoOwner)] }).messages, [{
        role: "user",
        content: [
          { text: "look" },
          { image: { format: "png", source: { bytes } } },
          {
            image: {
              format: "jpeg",
              source: { s3Location: { uri: "s3://bucket/key.jpg", bucketOwner: "123456789012" } }
            }
          },
          { video: { format: "mov", source: { s3Location: { uri: "s3://bucket/v.mov" } } } }
        ]
      }])
    })

    it("a document's own name (documentName) instead of Document N; the others keep their numbers", () => {
      const pdf = (documentName?: string) =>
        Prompt.file({ mediaType: "application/pdf", data: bytes, ...(documentName ? { documentName } : {}) })
      const result = converse({
        prompt: [
          Prompt.user("a", pdf("Q3 report (final)"), pdf()),
          Prompt.assistant("ok"),
          Prompt.user("b", pdf(), Prompt.file({ mediaType: "image/png", data: bytes, documentName: "ignored" }))
        ]
      })
      const blocks = result.messages.flatMap((m: any) => m.content)
      assert.deepStrictEqual(blocks.filter((b: any) => b.document).map((b: any) => b.document.name), [
        "Q3 report (final)",
        "Document 2",
        "Document 3"
      ])
      // Images carry no name.
      assert.deepStrictEqual(blocks.at(-1), { image: { format: "png", source: { bytes } } })
    })

    it("a document name used twice is an issue before the request (Bedrock rejects duplicates)", () => {
      const named = Prompt.file({ mediaType: "text/plain", data: bytes, documentName: "Notes" })
      const twice = issue({ prompt: [Prompt.user("a", named), Prompt.user("b", named)] })
      assert.strictEqual(twice.path, "prompt.messages[1].parts[1]")
      assert.match(twice.message, /^Document names must be unique in a request .*"Notes" names two documents/)
      // Given as another document's default name.
      const clash = Prompt.file({ mediaType: "text/plain", data: bytes, documentName: "Document 1" })
      const plain = Prompt.file({ mediaType: "text/plain", data: bytes })
      assert.match(issue({ prompt: [Prompt.user("a", plain, clash)] }).message, /"Document 1" names two documents/)
    })

    it("other URLs must be downloaded first", () => {
      const url = Prompt.file({ mediaType: "image/png", data: "https://example.com/a.png" })
      const result = issue({ prompt: [Prompt.user("x", url)] })
      assert.strictEqual(result.path, "prompt.messages[0].parts[1]")
      assert.match(result.message, /must be downloaded/)
    })

    it("base64 data URLs are sent as bytes", () => {
      const url = Prompt.file({ mediaType: "image/png", data: "data:image/png;base64,AQID" })
      assert.deepStrictEqual(converse({ prompt: [Prompt.user("x", url)] }).messages[0].content[1], {
        image: { format: "png", source: { bytes } }
      })
    })

    it("maps every supported format", () => {
      const cases: Array<[string, string, string]> = [
        ["image/jpeg", "image", "jpeg"],
        ["image/png", "image", "png"],
        ["image/gif", "image", "gif"],
        ["image/webp", "image", "webp"],
        ["video/x-matroska", "video", "mkv"],
        ["video/quicktime", "video", "mov"],
        ["video/mp4", "video", "mp4"],
        ["video/webm", "video", "webm"],
        ["video/x-flv", "video", "flv"],
        ["video/mpeg", "video", "mpeg"],
        ["video/mpg", "video", "mpg"],
        ["video/x-ms-wmv", "video", "wmv"],
        ["video/3gpp", "video", "three_gp"],
        ["application/pdf", "document", "pdf"],
        ["text/plain; charset=utf-8", "document", "txt"],
        ["text/csv", "document", "csv"],
        ["application/msword", "document", "doc"],
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", "docx"],
        ["application/vnd.ms-excel", "document", "xls"],
        ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document", "xlsx"],
        ["text/html", "document", "html"],
        ["text/markdown", "document", "md"]
      ]
      for (const [mediaType, kind, format] of cases) {
        const block = converse({ prompt: [Prompt.user("x", Prompt.file({ mediaType, data: bytes }))] }).messages[0]
          .content[1]
        assert.deepStrictEqual(
          block,
          kind === "document"
            ? { document: { name: "Document 1", format, source: { bytes } } }
            : { [kind]: { format, source: { bytes } } },
          mediaType
        )
      }
    })

    it("audio and other media types are a user error naming the type", () => {
      const result = issue({ prompt: [Prompt.user("x", Prompt.file({ mediaType: "audio/mpeg", data: bytes }))] })
      assert.match(result.message, /Unsupported media type "audio\/mpeg"/)
      assert.strictEqual(result.path, "prompt.messages[0].parts[1]")
    })
  })
})
