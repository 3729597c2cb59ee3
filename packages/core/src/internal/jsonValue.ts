/**
 * Whether a value can be sent as JSON: moved to the engine (`@effect-bedrock/converse/util/jsonValue`).
 * A shim until its importers move (Round 3).
 *
 * @internal
 */
export * from "@effect-bedrock/converse/util/jsonValue"
