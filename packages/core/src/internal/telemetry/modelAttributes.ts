/**
 * The span attributes every call of one model starts with (`BedrockLanguageModel` telemetry):
 * operation, provider, requested model, server address and port, cloud region, fixed when the model
 * is made. Owned by `modelTelemetry.make`; immutable: `base` gives each span a fresh record, which
 * the call then fills with its request attributes.
 *
 * @internal
 */
import type * as BedrockClient from "../../BedrockClient.js"
import type { Operation } from "./modelInstruments.js"
import { attr, providerName } from "./telemetry.js"

/** @internal */
export class ModelAttributes {
  constructor(
    private readonly modelId: string,
    private readonly region: string | undefined,
    private readonly server: BedrockClient.ServerInfo | undefined
  ) {}

  /** A new record per span (the caller writes into it). */
  base(operation: Operation): Record<string, unknown> {
    const { modelId, region, server } = this
    return {
      [attr.operationName]: operation,
      [attr.providerName]: providerName,
      [attr.requestModel]: modelId,
      ...(server !== undefined ? { [attr.serverAddress]: server.address, [attr.serverPort]: server.port } : {}),
      ...(region !== undefined ? { [attr.cloudRegion]: region } : {})
    }
  }
}
