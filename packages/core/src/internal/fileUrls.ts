/**
 * Which files of a prompt must be fetched: moved to the engine (`@effect-bedrock/converse/prompt/fileUrls`).
 * A shim until its importers move (Round 3).
 *
 * @internal
 */
export * from "@effect-bedrock/converse/prompt/fileUrls"
