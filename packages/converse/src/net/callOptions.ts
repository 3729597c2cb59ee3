/**
 * What a per-call option of a `BedrockClient` needs from the SDK, without Effect, for both lines
 * (`@effect-bedrock/core` and `@effect-bedrock/effect4`): extra HTTP headers for one command only,
 * signed with the request, and the response metadata handed to `onResponse`.
 *
 * @since 0.1.0
 */

/**
 * The metadata of one HTTP response, as `onResponse` gets it.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ResponseMetadata {
  readonly requestId?: string | undefined
  readonly httpStatusCode?: number | undefined
}

interface HeaderCarrier {
  readonly request?: unknown
}

interface CommandWithStack {
  readonly middlewareStack: {
    // The SDK's overloads are keyed by step; only the "build" one is used here.
    readonly add: (middleware: never, options: { step: "build"; name: string; override: boolean }) => void
  }
}

/**
 * Sets `entries` on a request's headers, replacing any header of the same name in another case
 * (HTTP header names are case-insensitive: `Content-Type` replaces `content-type`, never both).
 *
 * @since 0.1.0
 * @category Headers
 */
export const setHeaders = (
  target: Record<string, string>,
  entries: ReadonlyArray<readonly [string, string]>
): void => {
  for (const [name, value] of entries) {
    const lower = name.toLowerCase()
    for (const existing in target) {
      if (existing !== name && existing.toLowerCase() === lower) delete target[existing]
    }
    target[name] = value
  }
}

/**
 * Adds `headers` to the HTTP request of this command only. The middleware sits on the command's
 * own stack (cloned per `send`, never shared with the client or other commands) at the `build`
 * step, which runs before `finalizeRequest` where SigV4 signs, so the headers are signed. A
 * header already there in another case is replaced (`setHeaders`). No headers: the command as it is.
 *
 * @since 0.1.0
 * @category Headers
 */
export const addHeaders = <C extends CommandWithStack>(
  command: C,
  headers: Readonly<Record<string, string>> | undefined
): C => {
  if (headers === undefined) return command
  const entries = Object.entries(headers)
  if (entries.length === 0) return command
  const middleware = (next: (args: HeaderCarrier) => Promise<unknown>) => (args: HeaderCarrier) => {
    const request = args.request as { headers?: Record<string, string> } | undefined
    if (request !== undefined && typeof request === "object" && request.headers !== undefined) {
      setHeaders(request.headers, entries)
    }
    return next(args)
  }
  command.middlewareStack.add(middleware as never, { step: "build", name: "effectBedrockCallHeaders", override: true })
  return command
}

/**
 * The metadata `onResponse` gets from an SDK output: its request id and HTTP status, read as they
 * are (the SDK fills `$metadata` from the response).
 *
 * @since 0.1.0
 * @category Metadata
 */
export const metadataOf = (
  output: { readonly $metadata?: ResponseMetadata | undefined }
): ResponseMetadata => ({
  requestId: output.$metadata?.requestId,
  httpStatusCode: output.$metadata?.httpStatusCode
})
