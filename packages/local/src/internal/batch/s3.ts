/**
 * The batch runner's S3: `@aws-sdk/client-s3` at the endpoint the server was given (a loopback S3
 * such as s3rver in tests), path-style. Every failure comes back as a message, the way a job's
 * failure message tells it; nothing here throws.
 *
 * @internal
 */
import {
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client
} from "@aws-sdk/client-s3"
import type { BatchS3Options } from "../../LocalBedrockServer.js"

/** @internal */
export type Result<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly message: string }

/** @internal */
export interface S3Object {
  readonly key: string
  readonly size: number
}

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } }
    const name = typeof e.name === "string" ? e.name : "Error"
    const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined
    // HeadBucket answers errors without a body: the status says what it was.
    if (name === "NotFound" || (name === "UnknownError" && status === 404)) {
      return "NoSuchBucket: the bucket does not exist"
    }
    if (status === 403) return "AccessDenied: access denied"
    const message = typeof e.message === "string" && e.message.length > 0 ? e.message : "no message"
    return `${name}: ${message}`
  }
  return String(error)
}

/**
 * An S3 client for the batch runner.
 *
 * @internal
 */
export class BatchS3 {
  private readonly client: S3Client

  constructor(options: BatchS3Options) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? "us-east-1",
      forcePathStyle: true,
      credentials: options.credentials ?? { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
      maxAttempts: 2
    })
  }

  async bucketExists(bucket: string, signal: AbortSignal): Promise<Result<true>> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal })
      return { ok: true, value: true }
    } catch (error) {
      return { ok: false, message: describe(error) }
    }
  }

  /** The object at `key`, or every object under the folder `key` (`""` for the whole bucket). */
  async list(bucket: string, key: string, signal: AbortSignal): Promise<Result<ReadonlyArray<S3Object>>> {
    try {
      const objects: Array<S3Object> = []
      let token: string | undefined
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }),
          { abortSignal: signal }
        )
        for (const o of page.Contents ?? []) {
          if (typeof o.Key !== "string") continue
          // `key` names one object, or a folder: `in` matches `in` and `in/...`, never `input.jsonl`.
          if (!(o.Key === key || key.length === 0 || key.endsWith("/") || o.Key.startsWith(`${key}/`))) continue
          objects.push({ key: o.Key, size: typeof o.Size === "number" ? o.Size : 0 })
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined
      } while (token !== undefined)
      return { ok: true, value: objects }
    } catch (error) {
      return { ok: false, message: describe(error) }
    }
  }

  async getText(bucket: string, key: string, signal: AbortSignal): Promise<Result<string>> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal })
      const text = await object.Body?.transformToString("utf8")
      return { ok: true, value: text ?? "" }
    } catch (error) {
      return { ok: false, message: describe(error) }
    }
  }

  async putText(bucket: string, key: string, body: string, signal: AbortSignal): Promise<Result<true>> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: Buffer.from(body, "utf8"),
          ContentLength: Buffer.byteLength(body, "utf8"),
          ContentType: "application/jsonl"
        }),
        { abortSignal: signal }
      )
      return { ok: true, value: true }
    } catch (error) {
      return { ok: false, message: describe(error) }
    }
  }

  destroy(): void {
    this.client.destroy()
  }
}
