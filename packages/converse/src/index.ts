/**
 * `@effect-bedrock/converse`: what Amazon Bedrock's Converse API is, in plain TypeScript with no Effect in
 * it, shared by `@effect-bedrock/core`, `@effect-bedrock/ai` and `@effect-bedrock/local`. Synchronous
 * functions that return a value or a `Result` listing every problem; nothing here does I/O.
 *
 * Every module is also reachable by its own path (`@effect-bedrock/converse/request/issue`); the price data
 * (`pricing/bundled`) and the guarded fetch (`net/safeFetch`) are only reachable that way, so importing this
 * index never loads them.
 *
 * @since 0.1.0
 */

// =============================================================================
// Scaffold: types, models, rules, exceptions (S0)
// =============================================================================

/**
 * Problems with an input, and the `Result` every check returns.
 *
 * @since 0.1.0
 */
export * as Issue from "./request/issue.js"

/**
 * Bedrock's rules for a request, as data (name patterns, media formats, strict schemas, limits).
 *
 * @since 0.1.0
 */
export * as Rules from "./request/rules.js"

/**
 * The modelled Bedrock exceptions, as data.
 *
 * @since 0.1.0
 */
export * as Exceptions from "./errors/exceptions.js"

/**
 * The known model ids, and the closest one to a mistyped id.
 *
 * @since 0.1.0
 */
export * as ModelIds from "./models/modelIds.js"

/**
 * What each model family accepts on the Converse API.
 *
 * @since 0.1.0
 */
export * as Profiles from "./models/profiles.js"

/**
 * The prompt's types: messages and their parts.
 *
 * @since 0.1.0
 */
export type * from "./prompt/types.js"

/**
 * The request's types: tools, tool choice, structured output, instructions.
 *
 * @since 0.1.0
 */
export type * from "./request/types.js"

/**
 * The response's types: parts, usage, cost, stream parts.
 *
 * @since 0.1.0
 */
export type * from "./response/types.js"

/**
 * Bedrock's model settings.
 *
 * @since 0.1.0
 */
export type * from "./settings/types.js"

/**
 * `Issue` is also a namespace above; `Result` is the type every check returns.
 *
 * @since 0.1.0
 */
export type { Result } from "./request/issue.js"

// =============================================================================
// Mapping, response, stream, pricing (A2)
// =============================================================================

/**
 * A request mapped to the AWS SDK's Converse, ConverseStream and CountTokens inputs.
 *
 * @since 0.1.0
 */
export * as Mapping from "./mapping/converse.js"

/**
 * JSON Schemas the way Bedrock accepts them (the strict rewrite).
 *
 * @since 0.1.0
 */
export * as StrictSchema from "./schema/strict.js"

/**
 * Structured output: object roots, the wrapped answer, the answer's JSON.
 *
 * @since 0.1.0
 */
export * as StructuredOutput from "./output/structured.js"

/**
 * Reading a response: text, tool calls, thinking, the assistant message; usage and cost helpers.
 *
 * @since 0.1.0
 */
export * as ResponseHelpers from "./response/helpers.js"

/**
 * Converse output decoded to a `Response`, and the checks on what the network sent.
 *
 * @since 0.1.0
 */
export * as ResponseDecode from "./response/decode.js"

/**
 * The answer to a mapped Converse request: checked, decoded, a wrapped answer unwrapped.
 *
 * @since 0.1.0
 */
export * as ResponseAnswer from "./response/answer.js"

/**
 * The push decoder of a ConverseStream: events in, stream parts out, a final response; a failure as a plain
 * descriptor.
 *
 * @since 0.1.0
 */
export * as StreamDecoder from "./stream/decoder.js"

/**
 * Byte helpers.
 *
 * @since 0.1.0
 */
export * as Bytes from "./util/bytes.js"

/**
 * What a cost is asked for, what answers it, and a cost from rates per million tokens. The bundled price
 * data (`pricing/bundled`) is reached only by its own path, loaded lazily.
 *
 * @since 0.1.0
 */
export * as PricingCost from "./pricing/cost.js"

/**
 * Service tiers as prices see them, and the regions the bundled prices cover.
 *
 * @since 0.1.0
 */
export * as PricingTiers from "./pricing/tiers.js"

// =============================================================================
// Validation, settings, prepare (B2)
// =============================================================================

/**
 * The one check of a request: every problem, with its path and a "did you mean".
 *
 * @since 0.1.0
 */
export * as Validate from "./request/validate.js"

/**
 * The one check of Bedrock model settings: every problem, with its path and a "did you mean".
 *
 * @since 0.1.0
 */
export * as SettingsValidate from "./settings/validate.js"

/**
 * The settings layers of a call merged in precedence (model < scoped < request).
 *
 * @since 0.1.0
 */
export * as SettingsResolve from "./settings/resolve.js"

/**
 * A model checked once, and each call prepared once from it (settings merged and checked, prompt normalised).
 *
 * @since 0.1.0
 */
export * as Prepare from "./prepare/prepare.js"

// =============================================================================
// Errors, retry, net, limits (C2)
// =============================================================================

/**
 * Anything the AWS SDK throws, classified into a plain descriptor (exception, credentials, transport, unknown).
 *
 * @since 0.1.0
 */
export * as Classify from "./errors/classify.js"

/**
 * Secrets never leave in an error: text scrubbing, URL redaction, scrubbed causes.
 *
 * @since 0.1.0
 */
export * as Scrub from "./errors/scrub.js"

/**
 * The retry policy as data: defaults, backoff, which failures a retry may repeat.
 *
 * @since 0.1.0
 */
export * as RetryPolicy from "./retry/policy.js"

/**
 * What a request will cost in tokens, without asking Bedrock (admission), and the shared `defaultMaxTokens`.
 * The network modules (`net/tlsConnector`, `net/requestSignal`, `net/urlGuard`, `net/safeFetch`) and
 * `stream/frameGuard` are reached by their own paths only.
 *
 * @since 0.1.0
 */
export * as TokenEstimate from "./limits/tokenEstimate.js"

/**
 * The rules of a client-side rate limiter as plain data and arithmetic (option checks, the adaptive rate, bucket
 * sizes, estimate clamping, usage corrections, refunds, stats counters, refusal messages), shared by the Effect 3
 * and Effect 4 `BedrockRateLimiter`s.
 *
 * @since 0.1.0
 */
export * as Admission from "./limits/admission.js"

/**
 * Bedrock batch inference as data: the default quotas (records, sizes, concurrent jobs) and the shapes
 * `CreateModelInvocationJob` accepts; shared by the batch client and the local Bedrock.
 *
 * @since 0.1.0
 */
export * as BatchLimits from "./limits/batch.js"

// =============================================================================
// Batch inference
// =============================================================================

/**
 * A batch record from a request: the same checks and mapping as an on-demand call, and what batch refuses.
 *
 * @since 0.1.0
 */
export * as BatchRecord from "./batch/record.js"

/**
 * A batch job's input as JSONL: record ids, lines, files cut by Bedrock's per-file limits, the job's limits.
 *
 * @since 0.1.0
 */
export * as BatchJsonl from "./batch/jsonl.js"

/**
 * A batch job's output read back: each line as a `Response` or a record error; the manifest.
 *
 * @since 0.1.0
 */
export * as BatchOutput from "./batch/output.js"

/**
 * What a batch record costs: your batch price, else AWS's documented discount on the on-demand price.
 *
 * @since 0.1.0
 */
export * as BatchPricing from "./pricing/batch.js"
