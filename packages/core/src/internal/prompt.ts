/**
 * The bodies of the `Prompt` constructors: moved to the engine (`@effect-bedrock/converse/prompt/make`).
 * A shim until its importers move (Round 3).
 *
 * @internal
 */
export * from "@effect-bedrock/converse/prompt/make"
