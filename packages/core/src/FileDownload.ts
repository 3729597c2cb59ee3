/**
 * How files given by an `http(s)://` URL are downloaded before a request is sent. Converse takes
 * a file's bytes or an `s3://` location, nothing else, so a `Prompt.file` (or a tool result's
 * file) with any other URL is fetched first, and its bytes are sent to Bedrock.
 *
 * A URL is a way into your network, so the download is guarded. It is refused, with a
 * `FileDownloadError` naming the URL (credentials in it redacted) and the reason, when:
 *
 * - its host is, or resolves to (every address DNS gives is checked, and the connection is made to
 *   a checked address), a private, loopback, link-local, unique-local, carrier-grade NAT,
 *   reserved or other non-public address, unless `allowLocalAddresses` is on;
 * - it is a cloud metadata address (`169.254.169.254`, `fd00:ec2::254`, `100.100.100.200`,
 *   `168.63.129.16`, `192.0.0.192`), whatever the options;
 * - any redirect hop breaks these rules (redirects are followed here, at most `maxRedirects`);
 * - it is not `http:` or `https:`, or it is a YouTube page;
 * - it takes longer than `timeout`, or sends more than `maxBytes` (checked while reading);
 * - the request's files together send more than `maxTotalBytes` (checked while reading: the
 *   other downloads of the request are stopped);
 * - downloads are off (`enabled: false`).
 *
 * When a file has no media type (`Prompt.file({ data: url })`), it is taken from the response's
 * `Content-Type`, or else from the URL's extension.
 *
 * The options are a `Context.Reference`: the defaults apply unless you provide others, for one
 * effect (`Effect.provideService(FileDownload.FileDownload, ...)`) or a whole program (`layer`).
 *
 * @example
 * ```ts
 * import { FileDownload, LanguageModel, Prompt } from "@effect-bedrock/core"
 * import { Effect } from "effect"
 *
 * const describe = LanguageModel.generate({
 *   prompt: [Prompt.user("What is this?", Prompt.file({ data: "https://example.com/cat.png" }))]
 * }).pipe(
 *   Effect.catchTag("FileDownloadError", (error) => Effect.fail(`cannot use ${error.url}: ${error.reason}`))
 * )
 *
 * // No downloads at all: only bytes, data: URLs and s3:// locations are accepted.
 * const offline = describe.pipe(Effect.provide(FileDownload.layer({ enabled: false })))
 * ```
 *
 * @since 0.1.0
 */
import * as DownloadReasons from "@effect-bedrock/converse/net/downloadReasons"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"

// =============================================================================
// Options
// =============================================================================

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** Download files given by `http(s)://` URLs at all (default `true`). */
  readonly enabled: boolean
  /**
   * Allow private, loopback, link-local and unique-local addresses (default `false`). Cloud
   * metadata addresses stay refused.
   */
  readonly allowLocalAddresses: boolean
  /** For the whole download of one file, redirects included (default 30 seconds). */
  readonly timeout: Duration.DurationInput
  /** The most bytes one file may have (default 50 MiB). */
  readonly maxBytes: number
  /**
   * The most bytes all the files of one request may have together (default 100 MiB), counted
   * while reading, so a request with many large files stops at the budget instead of holding all
   * of them in memory.
   */
  readonly maxTotalBytes: number
  /** The most redirects followed for one file (default 5). */
  readonly maxRedirects: number
}

/**
 * @since 0.1.0
 * @category Models
 */
export const defaults: Options = {
  enabled: true,
  allowLocalAddresses: false,
  timeout: "30 seconds",
  maxBytes: 50 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxRedirects: 5
}

/**
 * The download options in effect (the `defaults` unless provided).
 *
 * @since 0.1.0
 * @category Context
 */
export class FileDownload extends Context.Reference<FileDownload>()("@effect-bedrock/core/FileDownload", {
  defaultValue: () => defaults
}) {}

/**
 * Download options for everything the layer is provided to; options not given keep their default.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (options: Partial<Options>): Layer.Layer<never> =>
  Layer.succeed(FileDownload, { ...defaults, ...options })

// =============================================================================
// Errors
// =============================================================================

/**
 * Why a file was not downloaded.
 *
 * - `Disabled`: downloads are off (`enabled: false`).
 * - `InvalidUrl`, `UnsupportedScheme` (not `http:`/`https:`), `YouTube` (a page, not a file).
 * - `ForbiddenAddress`: the host is or resolves to a local or metadata address.
 * - `TooManyRedirects`, `Timeout`.
 * - `TooLarge`: one file over `maxBytes`, or the request's files over `maxTotalBytes` together.
 * - `HttpStatus`: the server answered with a status other than 2xx (see `status`).
 * - `ConnectionFailed`: DNS, connection or TLS failure.
 *
 * @since 0.1.0
 * @category Models
 */
export const Reason = Schema.Literal(...DownloadReasons.reasons)

/**
 * @since 0.1.0
 * @category Models
 */
export type Reason = typeof Reason.Type

/**
 * A file given by URL could not be downloaded, so nothing was sent to the model. `url` is the
 * URL that failed (a redirect hop, when it came to that) with its user info (user name and
 * password) and every query and fragment value replaced by `<redacted>`; `field` is where the file is in the request
 * (`prompt.messages[0].parts[1]`). Retryable only for timeouts, connection failures and
 * 408/429/5xx answers.
 *
 * @since 0.1.0
 * @category Errors
 */
export class FileDownloadError extends Schema.TaggedError<FileDownloadError>(
  "@effect-bedrock/core/FileDownload/FileDownloadError"
)("FileDownloadError", {
  message: Schema.String,
  url: Schema.String,
  reason: Reason,
  status: Schema.optional(Schema.Number),
  operation: Schema.optional(Schema.String),
  field: Schema.optional(Schema.String),
  position: Schema.optionalWith(Schema.Literal("request"), { default: () => "request" as const }),
  retryable: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  cause: Schema.optional(Schema.Defect)
}) {}
