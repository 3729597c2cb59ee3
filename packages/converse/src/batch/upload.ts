/**
 * Writing a job's input files to S3: a file's lines are buffered up to one part (default 8 MiB); a file that
 * stays smaller goes with one `PutObject`, a larger one as a multipart upload (`CreateMultipartUpload`,
 * `UploadPart`, `CompleteMultipartUpload`), so a file of up to Bedrock's 1 GB never sits in memory whole. A
 * submission that fails after uploading began aborts its open multipart upload and deletes the files it wrote
 * (`abort`, `remove`: their own failures ignored, they run when something else failed).
 *
 * @since 0.1.0
 */
import { classifyS3, fail } from "./failure.js"
import { type Clients, sendS3 } from "./sdk.js"

/**
 * Where files go: the clients, the bucket, and the bytes per part of a multipart upload.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Target {
  readonly clients: Pick<Clients, "modules" | "s3" | "secrets">
  readonly bucket: string
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB, except for the last part). */
  readonly partSize: number
}

const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}

/**
 * One input file being written. Calls are sequential: each waits for the one before.
 *
 * @since 0.1.0
 * @category Upload
 */
export class FileWriter {
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private uploadId: string | undefined
  private readonly parts: Array<{ ETag: string; PartNumber: number }> = []

  constructor(readonly target: Target, readonly key: string) {}

  private send(operation: Parameters<typeof sendS3>[1], input: object, signal: AbortSignal | undefined) {
    return sendS3(this.target.clients, operation, this.target.bucket, this.key, { Key: this.key, ...input }, signal)
  }

  private take(): Uint8Array {
    const body = concat(this.chunks, this.buffered)
    this.chunks = []
    this.buffered = 0
    return body
  }

  /** Adds a line; uploads a part when a part's worth is buffered. */
  async write(line: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.chunks.push(line)
    this.buffered += line.byteLength
    if (this.buffered >= this.target.partSize) await this.flushPart(signal)
  }

  private async flushPart(signal: AbortSignal | undefined): Promise<void> {
    const body = this.take()
    if (this.uploadId === undefined) {
      const created = await this.send("CreateMultipartUpload", {}, signal)
      if (typeof created?.UploadId !== "string") {
        fail(
          classifyS3("CreateMultipartUpload", this.target.bucket, this.key, [])({
            name: "MalformedResponse",
            message: "no UploadId in the answer"
          })
        )
      }
      this.uploadId = created.UploadId as string
    }
    const PartNumber = this.parts.length + 1
    const uploaded = await this.send("UploadPart", { UploadId: this.uploadId, PartNumber, Body: body }, signal)
    this.parts.push({ ETag: typeof uploaded?.ETag === "string" ? uploaded.ETag : "", PartNumber })
  }

  /** Uploads what is left and completes the file. */
  async close(signal?: AbortSignal): Promise<void> {
    if (this.uploadId === undefined) {
      await this.send("PutObject", { Body: this.take(), ContentType: "application/jsonl" }, signal)
      return
    }
    if (this.buffered > 0) await this.flushPart(signal)
    await this.send(
      "CompleteMultipartUpload",
      { UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } },
      signal
    )
    this.uploadId = undefined
  }

  /** Aborts an open multipart upload (failures ignored: this runs when something else failed). */
  async abort(): Promise<void> {
    const uploadId = this.uploadId
    this.chunks = []
    this.buffered = 0
    if (uploadId === undefined) return
    this.uploadId = undefined
    await this.send("AbortMultipartUpload", { UploadId: uploadId }, undefined).catch(() => undefined)
  }
}

/**
 * Deletes files written by a submission that failed, one after the other (failures ignored).
 *
 * @since 0.1.0
 * @category Upload
 */
export const remove = async (target: Target, keys: ReadonlyArray<string>): Promise<void> => {
  for (const key of keys) {
    await sendS3(target.clients, "DeleteObject", target.bucket, key, { Key: key }, undefined).catch(() => undefined)
  }
}
