/**
 * What each Bedrock model family accepts on the Converse API.
 *
 * Bedrock serves models from many providers behind one API, but each family
 * accepts a different subset of it (tool choice, caching, where tool results
 * may carry media, how thinking is asked for, ...). `forModel` finds the
 * profile from a model id: the geo prefix (`us.`, `eu.`, ...) and the version
 * suffix (`-v1:0`) are stripped, then the `<provider>.` segment names the
 * family. Inference-profile ARNs are looked through; when the model cannot be
 * known (application inference profiles, provisioned models) a conservative
 * default is used, which `withOverrides` can correct.
 *
 * The code lives in the engine (`@effect-bedrock/converse/models/profiles`); this module re-exports it.
 *
 * @example
 * ```ts
 * import { BedrockModelProfile } from "@effect-bedrock/core"
 *
 * const profile = BedrockModelProfile.forModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
 * profile.supportsToolCaching // true
 * ```
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export * from "@effect-bedrock/converse/models/profiles"
