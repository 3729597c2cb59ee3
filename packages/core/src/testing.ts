/**
 * Stubs for testing applications built on effect-bedrock without a network:
 * `TestLanguageModel` replaces the model, `BedrockClientStub.layer` the client
 * underneath a real `BedrockLanguageModel`.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as TestLanguageModel from "./TestLanguageModel.js"

/**
 * @since 0.1.0
 */
export * as BedrockClientStub from "./BedrockClientStub.js"
