/**
 * TEMPORARY ADAPTER (issue 22, until helper C2 lands `@effect-bedrock/converse/errors/classify`): anything the
 * AWS SDK throws, to a `BedrockError`. A modelled exception is found by its `name` in the engine's table
 * (`@effect-bedrock/converse/errors/exceptions`); a few Node network codes make a `TransportError`; the rest is
 * `UnknownBedrockError`. The lead switches this file to `classify.ts`'s plain descriptor (kind, status,
 * retryable, position), which also brings secret scrubbing and the full transport taxonomy; until then the SDK
 * error is not kept (its `$response` holds headers and the raw body).
 *
 * @internal
 */
import * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import * as BedrockError from "../BedrockError.js"

const isRecord = (u: unknown): u is Record<string, any> => typeof u === "object" && u !== null

const transportCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ABORT_ERR"
])
const retryableStatus = new Set([429, 500, 502, 503, 504])

/** @internal */
export const fromSdk = (
  error: unknown,
  position: BedrockError.Position,
  operation: string
): BedrockError.BedrockError => {
  if (!isRecord(error)) {
    return new BedrockError.UnknownBedrockError({ message: String(error), position, operation, retryable: false })
  }
  const name = typeof error.name === "string" ? error.name : "Error"
  const message = typeof error.message === "string" ? error.message : name
  const metadata = isRecord(error.$metadata) ? error.$metadata : undefined
  const status = typeof metadata?.httpStatusCode === "number" ? metadata.httpStatusCode as number : undefined
  const requestId = typeof metadata?.requestId === "string" ? metadata.requestId as string : undefined
  // The SDK reads a ConverseStream's first event while deserialising the answer: a modelled exception there
  // (a 2xx status, or none: an HTTP error always has one) happened inside the stream.
  const answered = status !== undefined && status >= 200 && status < 300
  const modelled = Exceptions.exceptionInfo(name) !== undefined
  const where: BedrockError.Position =
    operation === "converseStream" && (answered || (modelled && status === undefined)) ? "stream" : position
  const common = {
    message,
    position: where,
    operation,
    ...(requestId !== undefined ? { requestId } : {})
  }
  const info = Exceptions.exceptionInfo(name)
  const Exception = BedrockError.exceptionClass(name)
  if (info !== undefined && Exception !== undefined) {
    return new Exception({
      ...common,
      status: status === undefined || answered ? info.status : status,
      exceptionName: name,
      retryable: info.retryable
    })
  }
  const code = typeof error.code === "string" ? error.code : undefined
  if (name === "TimeoutError" || name === "AbortError" || (code !== undefined && transportCodes.has(code))) {
    // Before an answer the request may be sent again; mid-stream, output was already delivered.
    return new BedrockError.TransportError({ ...common, retryable: where === "request" && name !== "AbortError" })
  }
  return new BedrockError.UnknownBedrockError({
    ...common,
    ...(status !== undefined ? { status } : {}),
    exceptionName: name,
    retryable: status !== undefined && retryableStatus.has(status)
  })
}
