/**
 * @since 0.1.0
 */

/**
 * The local Bedrock Runtime server as an Effect service: started by `make` / `layer`, closed
 * (every connection destroyed) when the scope closes.
 *
 * @since 0.1.0
 */
export * as LocalBedrock from "./LocalBedrock.js"

/**
 * Cassettes: real Bedrock traffic recorded once, replayed by the local server in every test run.
 *
 * @since 0.1.0
 */
export * as LocalBedrockCassette from "./LocalBedrockCassette.js"

/**
 * Scripts: how the local server answers the next matching request.
 *
 * @since 0.1.0
 */
export * as LocalBedrockScript from "./LocalBedrockScript.js"

/**
 * The server itself, with a promise API for non-Effect users and standalone processes, and the
 * reserved model ids.
 *
 * @since 0.1.0
 */
export * as LocalBedrockServer from "./LocalBedrockServer.js"
