/**
 * Which model ids the local server accepts, the way Bedrock does: a known foundation model id
 * (optionally behind a cross-region inference prefix), a Bedrock ARN (inference profiles,
 * foundation, custom, imported and provisioned models, prompts) or a Bedrock Marketplace endpoint
 * ARN, or a reserved `local.*` id. Anything else (`gpt-4o`, `claude-3-haiku`) gets Bedrock's 400
 * ValidationException, so a test that passes here does not fail on AWS for its model id alone.
 *
 * The table is data: add a provider prefix when Bedrock adds a provider.
 *
 * @internal
 */

/**
 * Provider prefixes of the foundation model ids Bedrock serves (the part before the model name),
 * e.g. `anthropic.claude-sonnet-4-5-20250929-v1:0`, `amazon.nova-micro-v1:0`,
 * `meta.llama3-3-70b-instruct-v1:0`, `openai.gpt-oss-120b-1:0`.
 *
 * @internal
 */
export const providerPrefixes: ReadonlyArray<string> = [
  "anthropic.",
  "amazon.nova-",
  "amazon.titan-",
  "meta.llama",
  "mistral.",
  "cohere.",
  "ai21.",
  "deepseek.",
  "openai.gpt-oss",
  "qwen.",
  "writer.",
  "google.gemma-",
  "minimax.",
  "moonshot.",
  "nvidia.",
  "twelvelabs.",
  "stability."
]

/**
 * Cross-region inference prefixes (system-defined inference profiles), e.g.
 * `us.anthropic.claude-sonnet-4-5-20250929-v1:0`.
 *
 * @internal
 */
export const geoPrefixes: ReadonlyArray<string> = ["us.", "eu.", "apac.", "jp.", "au.", "ca.", "us-gov.", "global."]

/** @internal */
export const reservedPrefix = "local."

/** @internal */
export const invalidMessage = "The provided model identifier is invalid."

// Whatever follows a provider prefix: a model name, version and suffixes (`-v1:0`, `:0:200k`).
const REST = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/
// arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic..., foundation models
// have no account (`::foundation-model/...`); partitions aws, aws-us-gov, aws-cn, ...
const BEDROCK_ARN = /^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]+:\d*:[a-z-]+\/\S+$/
const MARKETPLACE_ARN = /^arn:aws(?:-[a-z]+)*:sagemaker:[a-z0-9-]+:\d+:endpoint\/\S+$/

const isFoundationModelId = (id: string): boolean =>
  providerPrefixes.some((prefix) => {
    if (!id.startsWith(prefix)) return false
    const rest = id.slice(prefix.length)
    // `meta.llama3-...`: the prefix ends inside the name, so the rest may start with a digit or dash.
    return rest.length > 0 && (prefix.endsWith(".") ? REST.test(rest) : /^[A-Za-z0-9._:-]+$/.test(rest))
  })

/**
 * Whether Bedrock would accept `modelId` as a model identifier (or it is a reserved local id).
 *
 * @internal
 */
export const isAccepted = (modelId: string): boolean => {
  if (modelId.startsWith(reservedPrefix)) return modelId.length > reservedPrefix.length
  if (modelId.startsWith("arn:")) return BEDROCK_ARN.test(modelId) || MARKETPLACE_ARN.test(modelId)
  const geo = geoPrefixes.find((prefix) => modelId.startsWith(prefix))
  return isFoundationModelId(geo === undefined ? modelId : modelId.slice(geo.length))
}
