/**
 * Anything the AWS SDK throws, to a `BedrockError`: the engine classifies it
 * (`@effect-bedrock/converse/errors/classify`: exception table, credentials, transport faults, secret
 * scrubbing, retryable after delivered output); this file only picks the class.
 *
 * @internal
 */
import * as Classify from "@effect-bedrock/converse/errors/classify"
import type { StreamFailure } from "@effect-bedrock/converse/stream/decoder"
import * as BedrockError from "../BedrockError.js"

/** @internal */
export const fromDescriptor = (d: Classify.ErrorDescriptor): BedrockError.BedrockError => {
  const common = {
    message: d.message,
    position: d.position,
    retryable: d.retryable,
    ...(d.status !== undefined ? { status: d.status } : {}),
    ...(d.requestId !== undefined ? { requestId: d.requestId } : {}),
    ...(d.exceptionName !== undefined ? { exceptionName: d.exceptionName } : {}),
    ...(d.operation !== undefined ? { operation: d.operation } : {})
  }
  if (d.kind === "exception" && d.exception !== undefined) {
    const Exception = BedrockError.exceptionClass(d.exception.name)
    if (Exception !== undefined) return new Exception(common)
  }
  if (d.kind === "transport" && d.transport !== undefined) {
    return new BedrockError.TransportError({ ...common, kind: d.transport })
  }
  if (d.kind === "credentials") return new BedrockError.CredentialsError(common)
  return new BedrockError.UnknownBedrockError(common)
}

/** @internal */
export const fromSdk = (
  error: unknown,
  position: BedrockError.Position,
  context: Classify.Context,
  outputDelivered = false
): BedrockError.BedrockError => fromDescriptor(Classify.classifySdkError(error, position, context, outputDelivered))

/**
 * The stream decoder's failure (an exception event, an invalid payload) as its typed error, by the engine's
 * rules (`classifyStreamFailure`); `outputDelivered`: parts were already delivered, so not retryable.
 *
 * @internal
 */
export const fromStreamFailure = (
  failure: StreamFailure,
  context: Classify.Context = { operation: "converseStream" },
  outputDelivered = true
): BedrockError.BedrockError => fromDescriptor(Classify.classifyStreamFailure(failure, context, outputDelivered))
