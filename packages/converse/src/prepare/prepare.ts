/**
 * A model (id, settings, profile) checked once, and each call prepared once from it: the settings layers
 * merged in the documented precedence (the model's < a scoped override < the request's) and checked, the
 * prompt normalised, the address (`target`) and whether files must be downloaded worked out. The mapping,
 * telemetry attributes, the pricing tier and the token estimate all read the one `Prepared`.
 *
 * The request's own shape is checked before (`request/validate.ts`).
 *
 * @since 0.1.0
 */
import { forModel, type Profile, withOverrides } from "../models/profiles.js"
import { hasDownloads } from "../prompt/fileUrls.js"
import { make as makePrompt } from "../prompt/make.js"
import type { Input, Prompt } from "../prompt/types.js"
import type { Result } from "../request/issue.js"
import type { Request } from "../request/types.js"
import { modelIdProblem } from "../request/validate.js"
import { mergeSettings, target } from "../settings/resolve.js"
import type { Settings } from "../settings/types.js"
import { validateSettings } from "../settings/validate.js"

/**
 * A model as a call needs it: its id, its own (checked) settings and its profile.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Model {
  readonly modelId: string
  readonly settings: Settings
  readonly profile: Profile
}

/**
 * One call, prepared. `request.prompt` is a `Prompt`; `request.settings` is ignored (read `settings`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Prepared<R extends Request<object> = Request> {
  readonly modelId: string
  readonly profile: Profile
  /** The model's < the scoped override's < the request's, checked. */
  readonly settings: Settings
  readonly request: R
  readonly nativeTools: R["nativeTools"]
  /** What Converse and ConverseStream address: the inference profile, else the model id. */
  readonly target: string
  /** Whether the prompt has files given by an `http(s)://` URL, to fetch before mapping. */
  readonly hasDownloads: boolean
}

/**
 * Checks a model: its id (a path segment of the URL), its settings, and that it is on the Converse API.
 * Issues name `model` or the setting.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const makeModel = (options: {
  readonly model: unknown
  readonly settings?: unknown
  readonly profile?: Partial<Profile> | undefined
}): Result<Model> => {
  const problem = modelIdProblem(options.model)
  if (problem !== undefined) return { ok: false, issues: [{ path: "model", message: problem }] }
  const modelId = options.model as string
  const settings = validateSettings(options.settings)
  if (!settings.ok) return settings
  const detected = forModel(modelId)
  const profile = options.profile === undefined ? detected : withOverrides(detected, options.profile)
  if (!profile.supportsConverse) {
    return {
      ok: false,
      issues: [{ path: "model", message: `The model "${modelId}" is not available on the Converse API` }]
    }
  }
  return { ok: true, value: { modelId, settings: settings.value, profile } }
}

const empty: Prompt = { messages: [] }

/**
 * The request's prompt as a `Prompt`. A blank text prompt (allowed when the request has instructions) is no
 * message at all: Converse rejects blank text, and the mapping then sends the user turn `.` before the
 * instructions' answer, as pydantic-ai does.
 *
 * @since 0.1.0
 * @category Preparing
 */
export const promptOf = (prompt: Input): Prompt =>
  typeof prompt === "string" && prompt.trim() === "" ? empty : makePrompt(prompt)

/**
 * Prepares one call of `model`. `scoped` is an override in scope (`withConfigOverride`); the request's
 * settings win over it, and both over the model's. Issues name the setting.
 *
 * @since 0.1.0
 * @category Preparing
 */
export const prepare = <R extends Request<object>>(
  model: Model,
  request: R,
  scoped?: Settings | undefined
): Result<Prepared<R>> => {
  const checked = validateSettings(scoped === undefined ? request.settings : mergeSettings(scoped, request.settings))
  if (!checked.ok) return checked
  const settings = mergeSettings(model.settings, checked.value)
  const prompt = promptOf(request.prompt)
  return {
    ok: true,
    value: {
      modelId: model.modelId,
      profile: model.profile,
      settings,
      request: { ...request, prompt },
      nativeTools: request.nativeTools,
      target: target(model.modelId, settings),
      hasDownloads: hasDownloads(prompt)
    }
  }
}
