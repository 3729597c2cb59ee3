/**
 * A likely correct model id for a failure about the model id (a missing `:0`, a base id where Bedrock wants
 * a cross-region inference profile, a typo).
 *
 * @since 0.1.0
 */
import * as ModelIds from "../models/modelIds.js"

const geoPrefixes = ["us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca.", "global."]

const geoOfRegion = (region: string | undefined): string => {
  if (region === undefined) return "us"
  if (region.startsWith("us-gov-")) return "us-gov"
  if (region.startsWith("us-")) return "us"
  if (region.startsWith("eu-")) return "eu"
  if (region.startsWith("ap-")) return "apac"
  if (region.startsWith("ca-")) return "ca"
  return "us"
}

const modelMessage =
  /model identifier|model id|on-demand throughput|inference profile|model not found|could not find model|model .* (does not exist|not found)|not supported in this region|end of its life/i

const withoutGeo = (modelId: string): string => {
  for (const prefix of geoPrefixes) if (modelId.startsWith(prefix)) return modelId.slice(prefix.length)
  return modelId
}

/**
 * A small heuristic for the most common model id mistakes: a missing `:0` version suffix on a
 * `...-v1` id, and a base model id used where Bedrock wants a cross-region inference profile
 * (`us.`, `eu.`, `apac.` prefix, chosen from the region); then, for an id that is still not a
 * known one, the closest known id (`BedrockModelId.closest`: "did you mean"), unless that is only
 * the same id with another geo prefix. Returns `undefined` when there is no plausible fix or the
 * error is not about the model id.
 *
 * @internal
 */
export const suggestModelId = (options: {
  readonly modelId?: string | undefined
  readonly region?: string | undefined
  readonly message: string
  readonly exceptionName: string
}): string | undefined => {
  const modelId = options.modelId
  if (modelId === undefined || modelId.length === 0 || modelId.startsWith("arn:")) return undefined
  if (options.exceptionName !== "ResourceNotFoundException" && !modelMessage.test(options.message)) return undefined
  let suggestion = modelId
  // `amazon.nova-micro-v1` → `amazon.nova-micro-v1:0`
  if (/-v\d+$/.test(suggestion)) suggestion = `${suggestion}:0`
  const hasGeo = geoPrefixes.some((prefix) => suggestion.startsWith(prefix))
  const wantsProfile = /on-demand throughput|inference profile/i.test(options.message)
  // A provider-qualified base model id (`anthropic.claude-...`) without a geo prefix.
  if (!hasGeo && /^[a-z0-9-]+\.[a-z0-9]/i.test(suggestion) && (wantsProfile || suggestion === modelId)) {
    suggestion = `${geoOfRegion(options.region)}.${suggestion}`
  }
  const heuristic = suggestion === modelId ? undefined : suggestion
  if (ModelIds.isKnown(suggestion)) return heuristic
  const known = ModelIds.closest(suggestion)
  return known !== undefined && withoutGeo(known) !== withoutGeo(suggestion) ? known : heuristic
}
