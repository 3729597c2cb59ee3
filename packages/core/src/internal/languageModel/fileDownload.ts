/**
 * Converse takes file content as bytes or as an S3 location, so files given by an `http(s)://`
 * URL are downloaded before the request is mapped, with the guards of `FileDownload` (see
 * `safeFetch`). Loaded on demand, only by requests that have such files.
 *
 * @internal
 */
import { redactUrl, scrubCause, scrubSecrets, urlSecrets } from "@effect-bedrock/converse/errors/scrub"
import { mediaFormat, mediaTypeOfPath } from "@effect-bedrock/converse/mapping/media"
import * as SafeFetch from "@effect-bedrock/converse/net/safeFetch"
import * as UrlGuard from "@effect-bedrock/converse/net/urlGuard"
import { needsDownload } from "@effect-bedrock/converse/prompt/fileUrls"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FileDownload from "../../FileDownload.js"
import * as LanguageModel from "../../LanguageModel.js"
import type * as Prompt from "../../Prompt.js"

const retryableStatus = (status: number | undefined) =>
  status !== undefined && (status === 408 || status === 429 || status >= 500)

const toError = (refusal: unknown, url: string, field: string, operation: string): FileDownload.FileDownloadError => {
  const known = refusal instanceof UrlGuard.Refusal ? refusal : undefined
  const reason = known?.reason ?? "ConnectionFailed"
  const failedUrl = redactUrl(known?.url ?? url)
  // The URLs' own secrets, exactly, for texts that quote them in another form (a cause's message).
  const secrets = known === undefined || known.url === url
    ? urlSecrets(url)
    : [...urlSecrets(url), ...urlSecrets(known.url)]
  const text = scrubSecrets(known?.message ?? String(refusal), secrets)
  return new FileDownload.FileDownloadError({
    message: `Could not download the file at ${failedUrl}: ${text}` +
      (failedUrl === redactUrl(url) ? "" : ` (redirected from ${redactUrl(url)})`),
    url: failedUrl,
    reason,
    operation,
    field,
    retryable: reason === "Timeout" || reason === "ConnectionFailed" || retryableStatus(known?.status),
    ...(known?.status !== undefined ? { status: known.status } : {}),
    ...(known?.cause !== undefined ? { cause: scrubCause(known.cause, secrets) } : {})
  })
}

/**
 * The media type of a downloaded file the caller gave none for: the `Content-Type` when Bedrock
 * takes it, else what the URL's extension says, else the `Content-Type` as is (the mapping then
 * says it is unsupported).
 */
const mediaTypeOf = (fetched: UrlGuard.Fetched, url: string): string => {
  const header = fetched.contentType?.split(";")[0]?.trim().toLowerCase()
  if (header !== undefined && header !== "" && mediaFormat(header) !== undefined) return header
  return mediaTypeOfPath(url) ?? mediaTypeOfPath(fetched.url) ?? header ?? ""
}

const checkOptions = (options: FileDownload.Options): string | undefined => {
  if (!(Number.isSafeInteger(options.maxBytes) && options.maxBytes > 0)) {
    return "maxBytes must be a positive whole number"
  }
  const maxTotalBytes = options.maxTotalBytes ?? FileDownload.defaults.maxTotalBytes
  if (!(Number.isSafeInteger(maxTotalBytes) && maxTotalBytes > 0)) {
    return "maxTotalBytes must be a positive whole number"
  }
  if (!(Number.isSafeInteger(options.maxRedirects) && options.maxRedirects >= 0)) {
    return "maxRedirects must be a whole number, 0 or more"
  }
  const timeout = Duration.decodeUnknown(options.timeout)
  if (timeout._tag === "None" || Duration.isZero(timeout.value)) return "timeout must be a positive duration"
  return undefined
}

/** @internal */
export const resolveUrls = (
  prompt: Prompt.Prompt,
  operation: string
): Effect.Effect<Prompt.Prompt, FileDownload.FileDownloadError | LanguageModel.InvalidRequestError> =>
  Effect.flatMap(FileDownload.FileDownload, (
    options
  ): Effect.Effect<Prompt.Prompt, FileDownload.FileDownloadError | LanguageModel.InvalidRequestError> => {
    const problem = checkOptions(options)
    if (problem !== undefined) {
      return Effect.fail(
        new LanguageModel.InvalidRequestError({ message: `Invalid FileDownload options: ${problem}`, operation })
      )
    }
    const timeout = Duration.decode(options.timeout)
    const fetchOptions: UrlGuard.FetchOptions = {
      allowLocalAddresses: options.allowLocalAddresses,
      timeoutMs: Duration.isFinite(timeout) ? Math.max(1, Math.round(Duration.toMillis(timeout))) : undefined,
      maxBytes: options.maxBytes,
      maxRedirects: options.maxRedirects,
      // One budget per request, shared by its downloads.
      budget: { maxTotalBytes: options.maxTotalBytes ?? FileDownload.defaults.maxTotalBytes, used: 0 }
    }
    return download(prompt, options.enabled, fetchOptions, operation)
  })

const download = (
  prompt: Prompt.Prompt,
  enabled: boolean,
  fetchOptions: UrlGuard.FetchOptions,
  operation: string
): Effect.Effect<Prompt.Prompt, FileDownload.FileDownloadError> => {
  const downloadFile = (
    file: Prompt.FilePart,
    field: string
  ): Effect.Effect<Prompt.FilePart, FileDownload.FileDownloadError> => {
    if (!needsDownload(file) || file.source._tag !== "Url") return Effect.succeed(file)
    const url = file.source.url
    if (!enabled) {
      return Effect.fail(toError(
        new UrlGuard.Refusal("Disabled", "downloading files given by URL is turned off (FileDownload's enabled)", url),
        url,
        field,
        operation
      ))
    }
    return Effect.tryPromise({
      try: (signal) => SafeFetch.fetchFile(url, fetchOptions, signal),
      catch: (refusal) => toError(refusal, url, field, operation)
    }).pipe(Effect.map((fetched): Prompt.FilePart => ({
      ...file,
      mediaType: file.mediaType !== "" ? file.mediaType : mediaTypeOf(fetched, url),
      source: { _tag: "Bytes", data: fetched.bytes }
    })))
  }
  return Effect.forEach(
    prompt.messages,
    (message, i): Effect.Effect<Prompt.Message, FileDownload.FileDownloadError> => {
      if (message._tag === "User") {
        return Effect.map(
          Effect.forEach(
            message.parts,
            (part, j): Effect.Effect<Prompt.UserPart, FileDownload.FileDownloadError> =>
              part._tag === "File" ? downloadFile(part, `prompt.messages[${i}].parts[${j}]`) : Effect.succeed(part)
          ),
          (parts) => ({ ...message, parts })
        )
      }
      if (message._tag === "Tool") {
        return Effect.map(
          Effect.forEach(
            message.parts,
            (part, j): Effect.Effect<Prompt.ToolPart, FileDownload.FileDownloadError> =>
              part._tag === "ToolResult" && part.files !== undefined
                ? Effect.map(
                  Effect.forEach(
                    part.files,
                    (file, k) => downloadFile(file, `prompt.messages[${i}].parts[${j}].files[${k}]`)
                  ),
                  (files) => ({ ...part, files })
                )
                : Effect.succeed(part)
          ),
          (parts) => ({ ...message, parts })
        )
      }
      return Effect.succeed(message)
    },
    { concurrency: 4 }
  ).pipe(Effect.map((messages) => ({ messages })))
}
