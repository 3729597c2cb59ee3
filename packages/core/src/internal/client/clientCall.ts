/**
 * What every operation of the client needs for one call: its context (for error mapping), the
 * response metadata and the `onResponse` hook, plus how a client service prints.
 *
 * @internal
 */
import * as CallOptions from "@effect-bedrock/converse/net/callOptions"
import * as EventPump from "@effect-bedrock/converse/stream/eventPump"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Redacted from "effect/Redacted"
import type * as BedrockClient from "../../BedrockClient.js"
import * as BedrockError from "../../BedrockError.js"

/** @internal */
export interface CallContext {
  readonly region: string | undefined
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /**
   * Our own idle timeout for event streams, `undefined` when disabled. The SDK's timers are no
   * substitute: its `requestTimeout` fires on a stream that stalls after its response arrived by
   * closing the HTTP/2 stream cleanly (the iterator then just ends, and a truncated answer would
   * look complete), its session idle timer (300 s unless `sessionTimeout` is set) does the same,
   * and Node leaves the stream's timer armed after the stream ended, keeping the whole request
   * reachable until it fires. See docs/reliability.md.
   */
  readonly streamIdleTimeout: number | undefined
  /**
   * The SDK client was built by `make`, with the session idle timer off (`sessionTimeout: 0`):
   * streams are then sent with `requestTimeout: 0`, so the SDK arms no timer at all and ours are
   * the only ones. False for a client given to `makeFromClient`, whose own timeouts stay as they are.
   */
  readonly ownsStreamTimers: boolean
}

/** @internal */
export const streamTimeoutError = (
  call: CallContext,
  position: BedrockError.Position,
  requestId?: string,
  outputDelivered = false
): BedrockError.BedrockError =>
  new BedrockError.TransportError({
    message: EventPump.idleTimeoutMessage(call.streamIdleTimeout),
    kind: "Timeout",
    position,
    operation: "converseStream",
    // Sending the request again would repeat what the caller already has.
    ...(outputDelivered ? { retryable: false } : {}),
    ...(requestId === undefined ? {} : { requestId })
  }, { disableValidation: true })

/** @internal */
export const contextOf = (call: CallContext, operation: string, modelId: string | undefined, requestId?: string) => ({
  operation,
  modelId,
  region: call.region,
  requestId,
  secrets: call.secrets.map(Redacted.value)
})

/** @internal */
export const metadataOf: (
  output: { readonly $metadata?: BedrockClient.ResponseMetadata | undefined }
) => BedrockClient.ResponseMetadata = CallOptions.metadataOf

/** @internal */
export const runOnResponse = (
  options: BedrockClient.CallOptions | undefined,
  metadata: BedrockClient.ResponseMetadata
): Effect.Effect<void> => options?.onResponse === undefined ? Effect.void : options.onResponse(metadata)

// =============================================================================
// Printing
// =============================================================================

const describe = (description: Record<string, unknown>) => ({
  toJSON: { value: () => ({ _id: "BedrockClient", ...description }), configurable: true },
  toString: { value: () => Inspectable.format({ _id: "BedrockClient", ...description }), configurable: true },
  [Inspectable.NodeInspectSymbol]: { value: () => ({ _id: "BedrockClient", ...description }), configurable: true }
})

/**
 * Makes a client service print as `{ _id: "BedrockClient", ...description }` (never its closures,
 * never a secret).
 *
 * @internal
 */
export const printable = <S extends BedrockClient.Service>(service: S, description: Record<string, unknown>): S =>
  Object.defineProperties(service, describe(description))
