/**
 * Moved to the engine (`@effect-bedrock/converse/response/decode`); kept for `BedrockLanguageModel.ts`
 * until Round 3 of issue 21.
 *
 * @since 0.1.0
 * @internal
 */
export * from "@effect-bedrock/converse/response/decode"
