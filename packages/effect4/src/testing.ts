/**
 * Testing Effect 4 applications built on `@effect-bedrock/effect4`: `LocalBedrock` runs the local Bedrock (a
 * wire-level server on 127.0.0.1) for a Layer's lifetime, with a `BedrockClient` wired to it;
 * `LocalBedrockCassette` replays (or records) a cassette of Bedrock traffic through it; `BedrockClientStub`
 * replaces the client with scripted replies and no network.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * as LocalBedrock from "./LocalBedrock.js"

/**
 * @since 0.1.0
 */
export * as LocalBedrockCassette from "./LocalBedrockCassette.js"

/**
 * @since 0.1.0
 */
export * as BedrockClientStub from "./BedrockClientStub.js"
