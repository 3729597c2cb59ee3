import * as Frames from "@effect-bedrock/converse/cassette/frames"
import { assert, describe, it } from "vitest"

describe("cassette/frames", () => {
  it("crc32 is CRC-32 (IEEE) over the range given", () => {
    const bytes = new TextEncoder().encode("xx123456789yy")
    assert.strictEqual(Frames.crc32(bytes, 2, 11), 0xcbf43926)
    assert.strictEqual(Frames.crc32(bytes.subarray(2, 11)), 0xcbf43926)
  })

  it("an encoded frame is sound and reads back as the same words", () => {
    const frame = Frames.encodeText({ kind: "exception", type: "throttlingException" }, "{\"message\":\"slow\"}")
    assert.isTrue(Frames.isValid(frame))
    assert.deepStrictEqual(Frames.describe(frame), {
      kind: "exception",
      type: "throttlingException",
      payload: { message: "slow" }
    })
    const { frames, rest } = Frames.split(new Uint8Array([...frame, ...frame.subarray(0, 5)]))
    assert.strictEqual(frames.length, 1)
    assert.strictEqual(rest.length, 5)
  })
})
