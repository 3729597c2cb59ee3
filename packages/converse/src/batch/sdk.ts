/**
 * The two AWS SDK clients of a batch job, loaded on demand (`@aws-sdk/client-bedrock` for the control plane,
 * `@aws-sdk/client-s3` for the files: optional peer dependencies, imported with `import()` the first time they
 * are needed), how they are configured, and each call as a plain async function that takes an `AbortSignal` and
 * rejects with a classified `BatchFailed` (`batch/failure.ts`).
 *
 * The SDK's types never appear in this module's declarations: the packages are optional peers, and a user
 * without them must still compile against ours. What is used of them is written out here; the answers are `any`
 * on purpose, every one is checked where it is read (nothing from the network is trusted).
 *
 * @since 0.1.0
 */
import { defaultQuotas } from "../limits/batch.js"
import { type BatchFailure, classifyBedrock, classifyS3, fail } from "./failure.js"
import type { Limits } from "./jsonl.js"

/**
 * What the batch client uses of an SDK client.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SdkClient {
  readonly send: (command: any, options?: { readonly abortSignal?: AbortSignal }) => Promise<any>
  readonly destroy: () => void
  readonly config: { readonly region?: unknown }
  readonly middlewareStack?: unknown
}

type Command = new(input: any) => unknown

/**
 * What the batch client uses of `@aws-sdk/client-bedrock`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface BedrockModule {
  readonly BedrockClient: new(config: any) => SdkClient
  readonly CreateModelInvocationJobCommand: Command
  readonly GetModelInvocationJobCommand: Command
  readonly StopModelInvocationJobCommand: Command
}

/**
 * What the batch client uses of `@aws-sdk/client-s3`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface S3Module {
  readonly S3Client: new(config: any) => SdkClient
  readonly PutObjectCommand: Command
  readonly CreateMultipartUploadCommand: Command
  readonly UploadPartCommand: Command
  readonly CompleteMultipartUploadCommand: Command
  readonly AbortMultipartUploadCommand: Command
  readonly DeleteObjectCommand: Command
  readonly ListObjectsV2Command: Command
  readonly GetObjectCommand: Command
}

/**
 * Both SDK modules.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Modules {
  readonly bedrock: BedrockModule
  readonly s3: S3Module
}

/**
 * Everything a batch call needs: the modules, both clients, the secrets to scrub from messages, the limits and
 * the multipart part size.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Clients {
  readonly modules: Modules
  readonly bedrock: SdkClient
  readonly s3: SdkClient
  readonly secrets: ReadonlyArray<string>
  readonly limits: Limits
  readonly partSize: number
}

const load = async <A>(dependency: string, importer: () => Promise<A>): Promise<A> => {
  try {
    return await importer()
  } catch {
    return fail({
      kind: "dependency",
      dependency,
      message: `BedrockBatch needs the optional peer dependency ${dependency}: npm install ${dependency}`
    })
  }
}

/**
 * Both SDK modules; rejects with a `dependency` failure naming the one that is missing.
 *
 * @since 0.1.0
 * @category SDK
 */
export const loadModules = async (): Promise<Modules> => {
  const [bedrock, s3] = await Promise.all([
    load("@aws-sdk/client-bedrock", (): Promise<BedrockModule> => import("@aws-sdk/client-bedrock")),
    load("@aws-sdk/client-s3", (): Promise<S3Module> => import("@aws-sdk/client-s3"))
  ])
  return { bedrock, s3 }
}

const MiB = 1024 * 1024

/**
 * The default part size of multipart uploads: 8 MiB.
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultPartSize = 8 * MiB

/**
 * The smallest part size: 5 MiB, S3's minimum for every part but the last.
 *
 * @since 0.1.0
 * @category Constants
 */
export const minPartSize = 5 * MiB

/**
 * The default limits of a job's input (Bedrock's default quotas).
 *
 * @since 0.1.0
 * @category Constants
 */
export const defaultLimits: Limits = {
  minRecordsPerJob: defaultQuotas.minRecordsPerJob,
  maxRecordsPerJob: defaultQuotas.maxRecordsPerJob,
  maxRecordsPerFile: defaultQuotas.maxRecordsPerFile,
  maxFileBytes: defaultQuotas.maxFileBytes,
  maxJobBytes: defaultQuotas.maxJobBytes
}

/**
 * Static credentials with their secrets in the clear (each Effect line unwraps its `Redacted` ones).
 *
 * @since 0.1.0
 * @category Models
 */
export interface PlainCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

/**
 * How to build the two clients (the SDK's defaults where absent).
 *
 * @since 0.1.0
 * @category Models
 */
export interface ClientOptions {
  readonly region?: string | undefined
  readonly endpoint?: string | undefined
  readonly profile?: string | undefined
  readonly credentials?: PlainCredentials | undefined
  readonly s3?: {
    readonly endpoint?: string | undefined
    readonly region?: string | undefined
    readonly forcePathStyle?: boolean | undefined
    readonly credentials?: PlainCredentials | undefined
  } | undefined
}

const sdkCredentials = (credentials: PlainCredentials) => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: credentials.secretAccessKey,
  ...(credentials.sessionToken !== undefined ? { sessionToken: credentials.sessionToken } : {})
})

/**
 * The Bedrock client's configuration.
 *
 * @since 0.1.0
 * @category SDK
 */
export const bedrockConfig = (options: ClientOptions): object => ({
  ...(options.region !== undefined ? { region: options.region } : {}),
  ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
  ...(options.profile !== undefined ? { profile: options.profile } : {}),
  ...(options.credentials !== undefined ? { credentials: sdkCredentials(options.credentials) } : {})
})

/**
 * The S3 client's configuration: its own region, endpoint and credentials, else the Bedrock client's.
 *
 * @since 0.1.0
 * @category SDK
 */
export const s3Config = (options: ClientOptions): object => {
  const s3 = options.s3 ?? {}
  const credentials = s3.credentials ?? options.credentials
  const region = s3.region ?? options.region
  return {
    ...(region !== undefined ? { region } : {}),
    ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
    ...(s3.forcePathStyle !== undefined ? { forcePathStyle: s3.forcePathStyle } : {}),
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(credentials !== undefined ? { credentials: sdkCredentials(credentials) } : {})
  }
}

/**
 * The secrets of the credentials given (removed from every error message).
 *
 * @since 0.1.0
 * @category SDK
 */
export const secretsOf = (credentials: ReadonlyArray<PlainCredentials | undefined>): Array<string> => {
  const secrets: Array<string> = []
  for (const c of credentials) {
    if (c === undefined) continue
    secrets.push(c.secretAccessKey)
    if (c.sessionToken !== undefined) secrets.push(c.sessionToken)
  }
  return secrets
}

/**
 * The clients over the modules, the limits over the defaults, the part size at least S3's minimum.
 *
 * @since 0.1.0
 * @category SDK
 */
export const makeClients = (
  modules: Modules,
  bedrock: SdkClient,
  s3: SdkClient,
  options: {
    readonly secrets: ReadonlyArray<string>
    readonly limits?: Partial<Limits> | undefined
    readonly partSize?: number | undefined
  }
): Clients => ({
  modules,
  bedrock,
  s3,
  secrets: options.secrets,
  limits: { ...defaultLimits, ...options.limits },
  partSize: Math.max(minPartSize, options.partSize ?? defaultPartSize)
})

/**
 * The Bedrock client's region (for prices), or `undefined` when it has none or its provider fails.
 *
 * @since 0.1.0
 * @category SDK
 */
export const clientRegion = async (client: SdkClient): Promise<string | undefined> => {
  try {
    const provider = client.config.region
    const value: unknown = typeof provider === "function" ? await provider() : provider
    return typeof value === "string" ? value : undefined
  } catch {
    return undefined
  }
}

const call = async (
  send: () => Promise<any>,
  classify: (error: unknown) => BatchFailure
): Promise<any> => {
  try {
    return await send()
  } catch (error) {
    return fail(classify(error))
  }
}

/**
 * A Bedrock control-plane call (`operation` names it in the failure).
 *
 * @since 0.1.0
 * @category SDK
 */
export const sendBedrock = (
  clients: Clients,
  operation: "CreateModelInvocationJob" | "GetModelInvocationJob" | "StopModelInvocationJob",
  input: object,
  signal: AbortSignal | undefined
): Promise<any> =>
  call(
    () =>
      clients.bedrock.send(
        new clients.modules.bedrock[`${operation}Command`](input),
        signal !== undefined ? { abortSignal: signal } : undefined
      ),
    classifyBedrock(operation, clients.secrets)
  )

/**
 * The S3 operations of the batch client.
 *
 * @since 0.1.0
 * @category Models
 */
export type S3Operation =
  | "PutObject"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "DeleteObject"
  | "ListObjectsV2"
  | "GetObject"

/**
 * An S3 call on `bucket` (`key`, or the prefix listed, names the object in the failure).
 *
 * @since 0.1.0
 * @category SDK
 */
export const sendS3 = (
  clients: Pick<Clients, "modules" | "s3" | "secrets">,
  operation: S3Operation,
  bucket: string,
  key: string | undefined,
  input: object,
  signal: AbortSignal | undefined
): Promise<any> =>
  call(
    () =>
      clients.s3.send(
        new clients.modules.s3[`${operation}Command`]({ Bucket: bucket, ...input }),
        signal !== undefined ? { abortSignal: signal } : undefined
      ),
    classifyS3(operation, bucket, key, clients.secrets)
  )
