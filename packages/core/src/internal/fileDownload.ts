/**
 * Converse takes file content as bytes or as an S3 location, so files given by
 * any other URL are fetched before the request is mapped. Loaded on demand
 * (it brings in `@effect/platform`), only by requests that have such files.
 *
 * @internal
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as LanguageModel from "../LanguageModel.js"
import type * as Prompt from "../Prompt.js"
import { hasDownloads, needsDownload } from "./fileUrls.js"

const fromDataUrl = (url: string): Uint8Array | undefined => {
  const match = /^data:[^;,]*(;base64)?,(.*)$/s.exec(url)
  if (match === null) return undefined
  return match[1] !== undefined
    ? new Uint8Array(Buffer.from(match[2]!, "base64"))
    : new TextEncoder().encode(decodeURIComponent(match[2]!))
}

/** @internal */
export const resolveUrls = (
  prompt: Prompt.Prompt,
  operation: string
): Effect.Effect<Prompt.Prompt, LanguageModel.InvalidRequestError> => {
  if (!hasDownloads(prompt)) return Effect.succeed(prompt)
  // The caller's HttpClient when it provides one (proxies, tracing, test stubs), fetch otherwise.
  return Effect.flatMap(
    Effect.serviceOption(HttpClient.HttpClient),
    (httpClient) => download(prompt, httpClient, operation)
  )
}

const download = (
  prompt: Prompt.Prompt,
  httpClient: Option.Option<HttpClient.HttpClient>,
  operation: string
): Effect.Effect<Prompt.Prompt, LanguageModel.InvalidRequestError> => {
  const fail = (url: string, reason: string, cause?: unknown) =>
    new LanguageModel.InvalidRequestError({
      message: `Could not fetch the file at ${url}: ${reason}`,
      position: "request",
      operation,
      field: "prompt",
      ...(cause !== undefined ? { cause } : {})
    })
  const downloadFile = (file: Prompt.FilePart): Effect.Effect<Prompt.FilePart, LanguageModel.InvalidRequestError> => {
    if (!needsDownload(file) || file.source._tag !== "Url") return Effect.succeed(file)
    const url = file.source.url
    const withBytes = (data: Uint8Array): Prompt.FilePart => ({ ...file, source: { _tag: "Bytes", data } })
    if (url.startsWith("data:")) {
      const data = fromDataUrl(url)
      return data === undefined
        ? Effect.fail(fail(url.slice(0, 32), "malformed data URL"))
        : Effect.succeed(withBytes(data))
    }
    if (!/^https?:\/\//i.test(url)) {
      return Effect.fail(fail(url, "only https://, http://, s3:// and data: URLs are supported"))
    }
    const get = HttpClient.get(url).pipe(
      Effect.flatMap((response) =>
        response.status >= 200 && response.status < 300
          ? response.arrayBuffer
          : Effect.fail(new Error(`HTTP ${response.status}`))
      ),
      Effect.map((buffer) => withBytes(new Uint8Array(buffer))),
      Effect.mapError((cause) => fail(url, cause instanceof Error ? cause.message : String(cause), cause))
    )
    return Option.match(httpClient, {
      onNone: () => Effect.provide(get, FetchHttpClient.layer),
      onSome: (client) => Effect.provideService(get, HttpClient.HttpClient, client)
    })
  }
  return Effect.forEach(
    prompt.messages,
    (message): Effect.Effect<Prompt.Message, LanguageModel.InvalidRequestError> => {
      if (message._tag === "User") {
        return Effect.map(
          Effect.forEach(
            message.parts,
            (part): Effect.Effect<Prompt.UserPart, LanguageModel.InvalidRequestError> =>
              part._tag === "File" ? downloadFile(part) : Effect.succeed(part)
          ),
          (parts) => ({ ...message, parts })
        )
      }
      if (message._tag === "Tool") {
        return Effect.map(
          Effect.forEach(
            message.parts,
            (part): Effect.Effect<Prompt.ToolPart, LanguageModel.InvalidRequestError> =>
              part._tag === "ToolResult" && part.files !== undefined
                ? Effect.map(Effect.forEach(part.files, downloadFile), (files) => ({ ...part, files }))
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
