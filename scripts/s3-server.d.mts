/** The only access key s3rver knows (`S3RVER` / `S3RVER`). */
export declare const credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }

export interface S3Server {
  /** s3rver's keys, for the S3 client (any other access key id is refused). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string }
  /** `http://127.0.0.1:PORT`: give it to `@aws-sdk/client-s3` as `endpoint`, with `forcePathStyle: true`. */
  readonly endpoint: string
  readonly port: number
  /** The temporary directory holding the objects (removed on close). */
  readonly directory: string
  /** Stops the server, ends its connections and removes the directory. */
  readonly close: () => Promise<void>
}

export declare function isValidBucketName(name: unknown): boolean

export declare function startS3Server(
  options?: { readonly port?: number; readonly buckets?: ReadonlyArray<string> }
): Promise<S3Server>
