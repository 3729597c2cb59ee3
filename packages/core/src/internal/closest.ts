/**
 * The closest string of a list by edit distance: moved to the engine (`@effect-bedrock/converse/util/closest`).
 * A shim until its importers move (Round 3).
 *
 * @internal
 */
export * from "@effect-bedrock/converse/util/closest"
