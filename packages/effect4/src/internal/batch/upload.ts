/**
 * Writing a job's input files to S3: a file's lines are buffered up to one part (default 8 MiB); a file that
 * stays smaller goes with one `PutObject`, a larger one as a multipart upload (`CreateMultipartUpload`,
 * `UploadPart`, `CompleteMultipartUpload`), so a file of up to Bedrock's 1 GB never sits in memory whole. A
 * submission that fails after uploading began aborts its open multipart upload and deletes the files it wrote.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Errors from "../../BedrockBatchError.js"
import type { S3Module } from "./sdk.js"
import { fromS3 } from "./sdk.js"

type S3Client = InstanceType<S3Module["S3Client"]>

/** @internal */
export interface Target {
  readonly module: S3Module
  readonly client: S3Client
  readonly bucket: string
  readonly secrets: ReadonlyArray<string>
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

const send = <A>(
  target: Target,
  operation: string,
  key: string | undefined,
  command: (signal: AbortSignal) => Promise<A>
): Effect.Effect<A, Errors.BatchS3Error> =>
  Effect.tryPromise({ try: command, catch: fromS3(operation, target.bucket, key, target.secrets) })

/**
 * One input file being written.
 *
 * @internal
 */
export class FileWriter {
  private chunks: Array<Uint8Array> = []
  private buffered = 0
  private uploadId: string | undefined
  private readonly parts: Array<{ ETag: string; PartNumber: number }> = []

  constructor(readonly target: Target, readonly key: string) {}

  /** Adds a line; uploads a part when a part's worth is buffered. */
  write(line: Uint8Array): Effect.Effect<void, Errors.BatchS3Error> {
    this.chunks.push(line)
    this.buffered += line.byteLength
    return this.buffered >= this.target.partSize ? this.flushPart() : Effect.void
  }

  private flushPart(): Effect.Effect<void, Errors.BatchS3Error> {
    const { bucket, client, module } = this.target
    const body = concat(this.chunks, this.buffered)
    this.chunks = []
    this.buffered = 0
    const key = this.key
    return Effect.gen({ self: this }, function*() {
      if (this.uploadId === undefined) {
        const created = yield* send(
          this.target,
          "CreateMultipartUpload",
          key,
          (signal) =>
            client.send(new module.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
        )
        if (typeof created?.UploadId !== "string") {
          return yield* fromS3("CreateMultipartUpload", bucket, key, [])({
            name: "MalformedResponse",
            message: "no UploadId in the answer"
          })
        }
        this.uploadId = created.UploadId
      }
      const uploadId = this.uploadId
      const PartNumber = this.parts.length + 1
      const uploaded = yield* send(
        this.target,
        "UploadPart",
        key,
        (signal) =>
          client.send(
            new module.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber, Body: body }),
            { abortSignal: signal }
          )
      )
      this.parts.push({ ETag: typeof uploaded?.ETag === "string" ? uploaded.ETag : "", PartNumber })
    })
  }

  /** Uploads what is left and completes the file. */
  close(): Effect.Effect<void, Errors.BatchS3Error> {
    const { bucket, client, module } = this.target
    const key = this.key
    if (this.uploadId === undefined) {
      const body = concat(this.chunks, this.buffered)
      this.chunks = []
      this.buffered = 0
      return Effect.asVoid(
        send(
          this.target,
          "PutObject",
          key,
          (signal) =>
            client.send(
              new module.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/jsonl" }),
              { abortSignal: signal }
            )
        )
      )
    }
    return Effect.gen({ self: this }, function*() {
      if (this.buffered > 0) yield* this.flushPart()
      const uploadId = this.uploadId!
      yield* send(
        this.target,
        "CompleteMultipartUpload",
        key,
        (signal) =>
          client.send(
            new module.CompleteMultipartUploadCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: this.parts }
            }),
            { abortSignal: signal }
          )
      )
      this.uploadId = undefined
    })
  }

  /** Aborts an open multipart upload (failures ignored: this runs when something else failed). */
  abort(): Effect.Effect<void> {
    const uploadId = this.uploadId
    this.chunks = []
    this.buffered = 0
    if (uploadId === undefined) return Effect.void
    this.uploadId = undefined
    const { bucket, client, module } = this.target
    return Effect.ignore(
      send(
        this.target,
        "AbortMultipartUpload",
        this.key,
        (signal) =>
          client.send(new module.AbortMultipartUploadCommand({ Bucket: bucket, Key: this.key, UploadId: uploadId }), {
            abortSignal: signal
          })
      )
    )
  }
}

/**
 * Deletes files written by a submission that failed (failures ignored).
 *
 * @internal
 */
export const remove = (target: Target, keys: ReadonlyArray<string>): Effect.Effect<void> =>
  Effect.forEach(
    keys,
    (key) =>
      Effect.ignore(
        send(
          target,
          "DeleteObject",
          key,
          (signal) =>
            target.client.send(new target.module.DeleteObjectCommand({ Bucket: target.bucket, Key: key }), {
              abortSignal: signal
            })
        )
      ),
    { discard: true }
  )
