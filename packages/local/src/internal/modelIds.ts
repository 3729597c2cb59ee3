/**
 * Which model ids the local server accepts, the way Bedrock does: a known foundation model id
 * (optionally behind a cross-region inference prefix), a Bedrock ARN (inference profiles,
 * foundation, custom, imported and provisioned models, prompts) or a Bedrock Marketplace endpoint
 * ARN, or a reserved `local.*` id. Anything else (`gpt-4o`, `claude-3-haiku`) gets Bedrock's 400
 * ValidationException, so a test that passes here does not fail on AWS for its model id alone.
 *
 * The known ids are the library's own table (`knownModelIds` of the engine,
 * `@effect-bedrock/converse/models/modelIds`): every one of them is accepted, and an id a typo away from one of them
 * (the same name with a letter or two changed, the same version numbers) is refused with the
 * known id in the message, the way the library suggests it. Other ids of a provider Bedrock
 * serves pass (a model newer than the table).
 *
 * @internal
 */
import * as BedrockModelId from "@effect-bedrock/converse/models/modelIds"

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
  "stability.",
  "zai.",
  "moonshotai."
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

const withoutGeo = (id: string): string => {
  const geo = geoPrefixes.find((prefix) => id.startsWith(prefix))
  return geo === undefined ? id : id.slice(geo.length)
}

/** The known ids without their geo prefix: `eu.`/`apac.` variants of a known model are the same model. */
const knownBases: ReadonlySet<string> = new Set(BedrockModelId.knownModelIds.map(withoutGeo))

const digits = (id: string): string => id.replace(/[^0-9]/g, " ").trim().replace(/\s+/g, " ")

/** Levenshtein distance, stopping early above `bound`. */
const distanceAtMost = (a: string, b: string, bound: number): boolean => {
  if (Math.abs(a.length - b.length) > bound) return false
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    let rowMin = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      current.push(value)
      if (value < rowMin) rowMin = value
    }
    if (rowMin > bound) return false
    previous = current
  }
  return previous[b.length]! <= bound
}

/**
 * The known id an unknown one is a typo of: at most two edits away once geo prefixes are set
 * aside, with the same numbers (a different version is another model, maybe newer than the table).
 */
const typoOf = (modelId: string): string | undefined => {
  const base = withoutGeo(modelId)
  const numbers = digits(base)
  for (const known of BedrockModelId.knownModelIds) {
    const knownBase = withoutGeo(known)
    if (knownBase !== base && digits(knownBase) === numbers && distanceAtMost(base, knownBase, 2)) {
      // The known id with the caller's geo prefix when the table has it.
      const sameGeo = modelId.slice(0, modelId.length - base.length) + knownBase
      return BedrockModelId.isKnown(sameGeo) ? sameGeo : known
    }
  }
  return undefined
}

/**
 * Why Bedrock would refuse `modelId` (its ValidationException message, naming the closest known id
 * when there is one), or `undefined` when it is accepted.
 *
 * @internal
 */
export const refusal = (modelId: string): string | undefined => {
  const cached = refusals.get(modelId)
  if (cached !== undefined) return cached === accepted ? undefined : cached
  const result = computeRefusal(modelId)
  if (refusals.size >= 1024) refusals.clear()
  refusals.set(modelId, result ?? accepted)
  return result
}

const accepted = ""
/** Answers per id (a test sends the same few ids many times). */
const refusals = new Map<string, string>()

const computeRefusal = (modelId: string): string | undefined => {
  if (modelId.startsWith(reservedPrefix)) return modelId.length > reservedPrefix.length ? undefined : invalidMessage
  if (modelId.startsWith("arn:")) {
    return BEDROCK_ARN.test(modelId) || MARKETPLACE_ARN.test(modelId) ? undefined : invalidMessage
  }
  const base = withoutGeo(modelId)
  if (knownBases.has(base)) return undefined
  const typo = typoOf(modelId)
  if (typo === undefined && isFoundationModelId(base)) return undefined
  const suggestion = typo ?? BedrockModelId.closest(modelId)
  return suggestion === undefined ? invalidMessage : `${invalidMessage} Did you mean "${suggestion}"?`
}

/**
 * Whether Bedrock would accept `modelId` as a model identifier (or it is a reserved local id).
 *
 * @internal
 */
export const isAccepted = (modelId: string): boolean => refusal(modelId) === undefined
