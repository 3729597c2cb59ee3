/**
 * `fromSdk` with `outputDelivered`, for the stream wrapper. A shim over `BedrockError.fromDescriptor` and
 * the engine's `classifySdkError` (Round 3 removes it); `BedrockError` does not import it, so there is no
 * value cycle.
 *
 * @internal
 */
import * as Classify from "@effect-bedrock/converse/errors/classify"
import * as BedrockError from "../BedrockError.js"

/**
 * `outputDelivered`: the failure ended a stream after some of its events were delivered, so
 * sending the same request again would repeat output the caller already has: `retryable` is false
 * whatever the error.
 *
 * @internal
 */
export const fromSdk = (
  error: unknown,
  position: BedrockError.Position,
  context?: BedrockError.FromSdkContext,
  outputDelivered = false
): BedrockError.BedrockError =>
  BedrockError.isBedrockError(error) ?
    error :
    BedrockError.fromDescriptor(Classify.classifySdkError(error, position, context, outputDelivered))
