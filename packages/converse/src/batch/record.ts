/**
 * One record of a Bedrock batch inference job (`modelInvocationType: "Converse"`), made from a request by the
 * same steps as an on-demand call: the request's shape checked (`request/validate.ts`), the settings merged and
 * checked (`prepare/prepare.ts`), then mapped (`mapping/converse.ts`). The record's `modelInput` is that Converse
 * input without `modelId`: the job names the model once, and Bedrock refuses a record that carries it.
 *
 * What a batch record cannot be is refused first, with an issue that says why and what to do instead:
 *
 * - streaming (`stream`): a record's answer is written to S3 when the job runs;
 * - tools (`tools`, `nativeTools`, a `toolChoice`, output mode `"tool"`): AWS's batch inference guide says jobs
 *   of the Converse invocation type do not support tool calling and that records with a `toolConfig` fail with
 *   a 400 error; and a tool loop (a handler, a `toolkit`) needs a turn back to your code, which a record does not
 *   have. A prompt may still hold the tool calls and results of an earlier conversation: without a `toolConfig`
 *   the mapping sends them as text, as on-demand;
 * - settings that are no part of a record's body: `extraHeaders` (HTTP headers of a call), a service tier (a
 *   batch job is priced as batch), an `inferenceProfile` other than the job's model (a job has one model);
 * - files given by an `http(s)://` URL: they must be fetched first (core's `BedrockBatch` does, with the
 *   guards of `generate`; `prepareRecord` then `mapRecord` is that path).
 *
 * Structured output goes in native mode where the model has Bedrock's JSON-schema output, else prompted (the
 * schema in the instructions); `auto` means that here, since the profile's default (`tool`) is not available
 * in batch. AWS's guide says structured output works with both invocation types.
 *
 * @since 0.1.0
 */
import type { ConverseCommandInput } from "@aws-sdk/client-bedrock-runtime"
import { type ConverseMapping, toConverseInput } from "../mapping/converse.js"
import { type Model, prepare, type Prepared } from "../prepare/prepare.js"
import type { Issue, Result } from "../request/issue.js"
import type { Request } from "../request/types.js"
import { describe, requestIssues } from "../request/validate.js"
import { target } from "../settings/resolve.js"
import type { Settings } from "../settings/types.js"

/**
 * A request as a batch takes it: a `Request` with an optional record id (generated when absent).
 *
 * @since 0.1.0
 * @category Models
 */
export interface BatchRequest<S extends object = { readonly [key: string]: unknown }> extends Request<S> {
  readonly recordId?: string | undefined
}

/**
 * The body of one record: Converse's request body (no `modelId`).
 *
 * @since 0.1.0
 * @category Models
 */
export type ModelInput = Omit<ConverseCommandInput, "modelId">

/**
 * One record, mapped. `unwrap`: the output schema was not an object and was sent wrapped (`{ response }`), so
 * the answer must be unwrapped when it is read back.
 *
 * @since 0.1.0
 * @category Models
 */
export interface MappedRecord {
  readonly modelInput: ModelInput
  readonly unwrap: boolean
  /** What the mapping could not send as asked (as on-demand: a strict schema that lost meaning). */
  readonly warnings?: ReadonlyArray<string> | undefined
}

/** The AWS page the tool refusal cites. */
const batchGuide = "https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference.html"

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

const issue = (path: string, message: string): Result<never> => ({ ok: false, issues: [{ path, message }] })

const toolsReason = "AWS's batch inference guide says jobs of the Converse invocation type do not support tool " +
  `calling and records with a toolConfig fail with a 400 error (${batchGuide})`

const noTools = `Bedrock batch inference does not take tools: ${toolsReason}. Call generate (or a Toolkit) for ` +
  "requests that need tools"

/**
 * The first thing about a request that a batch record cannot be (see the module's list), or `undefined`. Only
 * looks at the fields it names; `requestIssues` checks the rest.
 *
 * @since 0.1.0
 * @category Checks
 */
export const batchProblem = (request: unknown): Issue | undefined => {
  if (!isObject(request)) return undefined
  if (request.stream !== undefined && request.stream !== false) {
    return {
      path: "stream",
      message: "A batch record cannot stream: its answer is written to S3 when the job runs and read back " +
        "with the job's results. Call stream for a streamed answer"
    }
  }
  if (request.toolkit !== undefined) {
    return {
      path: "toolkit",
      message: "A batch record is one model call with no turn back to your code, so it cannot run a tool loop " +
        "or tool handlers. Run the loop with Toolkit.generate"
    }
  }
  const tools = request.tools
  if (Array.isArray(tools) && tools.length > 0) {
    const handled = tools.findIndex((tool) => isObject(tool) && tool.handler !== undefined)
    if (handled >= 0) {
      return {
        path: `tools[${handled}].handler`,
        message: "A batch record is one model call with no turn back to your code, so tool handlers never run. " +
          noTools
      }
    }
    return { path: "tools", message: noTools }
  }
  const nativeTools = request.nativeTools
  if (Array.isArray(nativeTools) && nativeTools.length > 0) return { path: "nativeTools", message: noTools }
  if (request.toolChoice !== undefined && request.toolChoice !== "none" && request.toolChoice !== "auto") {
    return { path: "toolChoice", message: noTools }
  }
  const output = request.output
  if (isObject(output) && output.mode === "tool") {
    return {
      path: "output.mode",
      message: `Structured output in mode "tool" is sent as an output tool, and batch inference takes no tools: ` +
        `${toolsReason}. Use output mode "native", "prompted" or "auto"`
    }
  }
  return undefined
}

/**
 * The settings a record's body cannot carry, checked once they are merged (`job` is the job's model target).
 */
const settingsProblem = (settings: Settings, jobTarget: string, modelId: string): Issue | undefined => {
  if (settings.extraHeaders !== undefined && Object.keys(settings.extraHeaders).length > 0) {
    return {
      path: "settings.extraHeaders",
      message: "extraHeaders are HTTP headers of one call; a batch record is a line in a file, so they would " +
        "never be sent. Remove them from the batch's requests"
    }
  }
  const tier = settings.bedrockServiceTier?.type ?? settings.serviceTier
  if (tier !== undefined && tier !== "auto" && tier !== "default") {
    return {
      path: settings.bedrockServiceTier !== undefined ? "settings.bedrockServiceTier" : "settings.serviceTier",
      message: `A batch job runs at batch prices, not in the "${tier}" service tier: remove the service tier ` +
        "from the batch's requests"
    }
  }
  const recordTarget = target(modelId, settings)
  if (recordTarget !== jobTarget) {
    return {
      path: "settings.inferenceProfile",
      message: `Every record of a batch job goes to the job's model (${jobTarget}); this request asks for ` +
        `${recordTarget}. Submit a job per model`
    }
  }
  return undefined
}

/** The request without its record id (not a `Request` key: the validator would call it unknown). */
const withoutRecordId = (request: Record<string, unknown>): Record<string, unknown> => {
  if (!("recordId" in request)) return request
  const { recordId: _recordId, ...rest } = request
  return rest
}

/**
 * A request checked and prepared as a batch record of `model` (see the module's rules): every issue of
 * `requestIssues`, the batch refusals, and the settings as `generate` merges and checks them. `job` is the
 * job's settings, merged under the request's (`BedrockBatch`'s `settings` option), as the model's are.
 *
 * @since 0.1.0
 * @category Records
 */
export const prepareRecord = (
  model: Model,
  request: unknown,
  scoped?: Settings | undefined
): Result<Prepared<Request<object>>> => {
  if (!isObject(request)) {
    return issue("", `A batch request must be an object ({ prompt, recordId?, ... }), got ${describe(request)}`)
  }
  const refused = batchProblem(request)
  if (refused !== undefined) return { ok: false, issues: [refused] }
  const plain = withoutRecordId(request)
  const issues = requestIssues(plain)
  if (issues !== undefined) return { ok: false, issues }
  const checked = plain as unknown as Request<object>
  const prepared = prepare(model, withBatchOutputMode(model, checked), scoped)
  if (!prepared.ok) return prepared
  const problem = settingsProblem(prepared.value.settings, target(model.modelId, model.settings), model.modelId)
  return problem === undefined ? prepared : { ok: false, issues: [problem] }
}

/** `auto` (or no mode) becomes native where the model has JSON-schema output, else prompted. */
const withBatchOutputMode = (model: Model, request: Request<object>): Request<object> => {
  const output = request.output
  if (output === undefined || (output.mode !== undefined && output.mode !== "auto")) return request
  return {
    ...request,
    output: { ...output, mode: model.profile.supportsJsonSchemaOutput ? "native" : "prompted" }
  }
}

/**
 * Maps a prepared record (its files by URL fetched) to its body.
 *
 * @since 0.1.0
 * @category Records
 */
export const mapRecord = (prepared: Prepared<Request<object>>): Result<MappedRecord> => {
  if (prepared.hasDownloads) {
    return issue(
      "prompt",
      "The prompt has files given by an http(s):// URL: fetch them first (BedrockBatch does), or give their " +
        "bytes or an s3:// location"
    )
  }
  const mapped = toConverseInput(prepared)
  if (!mapped.ok) return mapped
  return fromMapping(mapped.value)
}

const fromMapping = (mapping: ConverseMapping): Result<MappedRecord> => {
  const { modelId: _modelId, ...modelInput } = mapping.input
  // The refusals above leave no way to a toolConfig; should one appear, it is not sent to fail in the job.
  if (modelInput.toolConfig !== undefined) return issue("tools", noTools)
  const unwrap = mapping.output !== undefined && mapping.output.unwrapKey !== undefined
  return {
    ok: true,
    value: mapping.warnings === undefined ? { modelInput, unwrap } : { modelInput, unwrap, warnings: mapping.warnings }
  }
}

/**
 * `prepareRecord` then `mapRecord`: one request as a record's body, or every issue that stops it.
 *
 * @since 0.1.0
 * @category Records
 */
export const toRecord = (model: Model, request: unknown, scoped?: Settings | undefined): Result<MappedRecord> => {
  const prepared = prepareRecord(model, request, scoped)
  return prepared.ok ? mapRecord(prepared.value) : prepared
}
