/**
 * `effect/ai` <-> the engine, for `BedrockLanguageModel`: provider options (prompt, tools, tool choice,
 * response format) -> an engine `Request`; engine responses and stream parts -> `effect/ai` encoded parts;
 * our typed errors -> `AiError` with a reason. Pure; every Bedrock rule stays in the engine (this only
 * renames shapes); the prompt is walked by the engine's builder (`@effect-bedrock/converse/prompt/effectAi`,
 * shared with `@effect-bedrock/ai`), given this line's hooks. A problem in the prompt throws a `MappingIssue`,
 * caught once by `toRequest`.
 *
 * @internal
 */
import { sanitizeToolName } from "@effect-bedrock/converse/mapping/converse"
import * as EffectAi from "@effect-bedrock/converse/prompt/effectAi"
import * as PartOptions from "@effect-bedrock/converse/prompt/partOptions"
import type * as Request from "@effect-bedrock/converse/request/types"
import type * as EngineResponse from "@effect-bedrock/converse/response/types"
import { concatBytes } from "@effect-bedrock/converse/util/bytes"
import * as AiError from "effect/ai/AiError"
import * as LanguageModel from "effect/ai/LanguageModel"
import type * as Prompt from "effect/ai/Prompt"
import type * as Response from "effect/ai/Response"
import * as Tool from "effect/ai/Tool"
import * as Base64 from "effect/encoding/Base64"
import * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import type * as BedrockError from "../BedrockError.js"
import type { FinishMetadata } from "../BedrockLanguageModel.js"
import { nativeToolOf } from "../BedrockTool.js"

// =============================================================================
// Request
// =============================================================================

/** @internal */
export const MappingIssue = EffectAi.MappingIssue
/** @internal */
export type MappingIssue = EffectAi.MappingIssue

const fail = EffectAi.fail

/** @internal */
export interface MappedRequest {
  readonly request: Request.Request
  /** Tool names as sent to Bedrock -> the toolkit's names, when a name had to change or a tool is native. */
  readonly toolNames: ReadonlyMap<string, string> | undefined
}

const pathOf = EffectAi.pathOf

/** The `effectBedrock` options of a message or part, checked by the engine (unknown keys, values). */
const optionsOf = (
  holder: PartOptions.Holder,
  options: { readonly effectBedrock?: unknown },
  message: number,
  part: number
): PartOptions.PartOptions | undefined => {
  const value = options.effectBedrock
  if (value === undefined || value === null) return undefined
  const issue = PartOptions.optionsIssue(holder, value, `${pathOf(message, part)}.options.effectBedrock`)
  if (issue !== undefined) fail(issue.message, issue.path)
  return value as PartOptions.PartOptions
}

const decodeBase64 = (text: string): Uint8Array | undefined => {
  const bytes = Base64.decode(text)
  return Result.isFailure(bytes) ? undefined : bytes.success
}

/** The hooks of this line: options checked by the engine; native tools' calls and results sent back as they came. */
const hooks = (names: NameMapper): EffectAi.Hooks => ({
  options: (holder, options, message, part) => optionsOf(holder, options, message, part),
  decodeBase64,
  providerToolCall: (part) => ({
    _tag: "NativeToolCall",
    id: part.id,
    name: names.providerName(part.name),
    input: part.params,
    provider: "bedrock"
  }),
  providerToolResult: (part) => {
    const status = (part.options as Prompt.ToolResultPart["options"]).effectBedrock?.status ??
      (part.isFailure ? "error" : undefined)
    return {
      _tag: "NativeToolResult",
      id: part.id,
      name: names.providerName(part.name),
      result: part.result,
      ...(status !== undefined ? { status } : {}),
      provider: "bedrock"
    }
  },
  toolResultName: sanitizeToolName
})

/**
 * Tool names both ways: a toolkit's name Bedrock refuses is sanitised; a native tool (`BedrockTool`) goes by
 * the engine's name (`codeExecution`) on the wire side and by the toolkit's name on effect/ai's.
 *
 * @internal
 */
export class NameMapper {
  /** Bedrock's (or the engine's) name -> the toolkit's. */
  readonly toToolkit = new Map<string, string>()
  /** The toolkit's name -> the engine's, for native tools. */
  readonly toNative = new Map<string, string>()

  providerName(name: string): string {
    return this.toNative.get(name) ?? name
  }

  customName(name: string): string {
    return this.toToolkit.get(name) ?? name
  }
}

const definitions = new WeakMap<object, Request.ToolDefinition>()

/** A tool's definition, made once per tool (a tool's JSON Schema is costly to make). */
const toolDefinition = (tool: Tool.Any): Request.ToolDefinition => {
  let definition = definitions.get(tool)
  if (definition === undefined) {
    const description = Tool.getDescription(tool)
    const strict = Tool.getStrictMode(tool)
    definition = {
      name: sanitizeToolName(tool.name),
      parameters: Tool.getJsonSchema(tool) as Request.JsonSchema,
      ...(description !== undefined ? { description } : {}),
      ...(strict !== undefined ? { strict } : {})
    }
    definitions.set(tool, definition)
  }
  return definition
}

/**
 * The output's JSON Schema as effect/ai makes it for a provider; the engine's mapping rewrites it for
 * Bedrock (the strict rewrite in native mode, the forced tool otherwise).
 */
const outputSchema = (objectName: string, schema: LanguageModel.ProviderOptions["responseFormat"]) => {
  if (schema.type !== "json") return undefined
  const { jsonSchema } = LanguageModel.defaultCodecTransformer(schema.schema as any)
  const description = (jsonSchema as { description?: unknown }).description
  return {
    name: objectName,
    schema: jsonSchema as Request.JsonSchema,
    ...(typeof description === "string" ? { description } : {})
  }
}

/**
 * The engine request for effect/ai's provider options (the call's settings come from `Config`, apart from
 * a cache point on the leading system messages, which is `cacheInstructions`).
 *
 * @internal
 */
export const toRequest = (options: LanguageModel.ProviderOptions): Result.Result<MappedRequest, MappingIssue> => {
  try {
    const names = new NameMapper()
    let tools: Array<Request.ToolDefinition> | undefined
    let nativeTools: Array<Request.NativeTool> | undefined
    let renamed = false
    for (let i = 0; i < options.tools.length; i++) {
      const tool = options.tools[i]!
      // A toolkit's tools are the same objects call after call: a custom tool's definition is made once, and
      // found before anything else is asked of the tool.
      const known = definitions.get(tool)
      if (known === undefined && Tool.isProviderDefined(tool)) {
        const native = nativeToolOf(tool.id)
        if (native === undefined) {
          return fail(`The provider-defined tool "${tool.id}" is not available on Bedrock`, `tools[${i}]`)
        }
        ;(nativeTools ??= []).push(native)
        names.toNative.set(tool.name, native)
        names.toToolkit.set(native, tool.name)
        renamed = true
        continue
      }
      const definition = known ?? toolDefinition(tool)
      ;(tools ??= []).push(definition)
      if (definition.name !== tool.name) {
        names.toToolkit.set(definition.name, tool.name)
        renamed = true
      }
    }
    const builder = new EffectAi.PromptBuilder(hooks(names)).addAll(options.prompt.content)
    const format = options.responseFormat
    const output = format.type === "json" ? outputSchema(format.objectName, format) : undefined
    const request: Request.Request = {
      prompt: { messages: builder.messages },
      ...(tools !== undefined ?
        {
          tools,
          toolChoice: EffectAi.toolChoice(
            options.toolChoice,
            (name) => sanitizeToolName(names.providerName(name))
          )
        } :
        {}),
      ...(nativeTools !== undefined ? { nativeTools } : {}),
      ...(output !== undefined ? { output } : {}),
      ...(builder.systemCache !== undefined ? { settings: { cacheInstructions: builder.systemCache } } : {})
    }
    return Result.succeed({ request, toolNames: renamed ? names.toToolkit : undefined })
  } catch (error) {
    if (error instanceof MappingIssue) return Result.fail(error)
    throw error
  }
}

// =============================================================================
// Response
// =============================================================================

const usageOf = (usage: EngineResponse.Usage): Response.FinishPartEncoded["usage"] => ({
  inputTokens: {
    total: usage.inputTokens,
    uncached: Math.max(0, usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens),
    cacheRead: usage.cacheReadTokens,
    cacheWrite: usage.cacheWriteTokens
  },
  outputTokens: { total: usage.outputTokens }
})

/**
 * The closing parts of a response: its metadata and its finish, with usage (cache tokens included)
 * and, when its price is known, its cost under `metadata.effectBedrock`.
 *
 * @internal
 */
export const closingParts = (
  response: EngineResponse.Response,
  cost: EngineResponse.Cost | undefined
): [Response.ResponseMetadataPartEncoded, Response.FinishPartEncoded] => {
  const usage = response.usage
  const fields = response.providerFields
  const metadata: { -readonly [K in keyof FinishMetadata]: FinishMetadata[K] } = {
    rawFinishReason: response.rawFinishReason
  }
  if (response.requestId !== undefined) metadata.requestId = response.requestId
  if (response.latencyMs !== undefined) metadata.latencyMs = response.latencyMs
  if (cost !== undefined) metadata.cost = cost
  if (usage.unknown === true) metadata.usageUnknown = true
  if (Object.keys(usage.details).length > 0) metadata.usageDetails = usage.details
  if (fields !== undefined) {
    const tier = fields.serviceTier
    if (typeof tier === "string") metadata.serviceTier = tier
    else if (typeof (tier as { type?: unknown } | undefined)?.type === "string") {
      metadata.serviceTier = (tier as { type: string }).type
    }
    if (fields.trace !== undefined) metadata.trace = json(fields.trace)
    if (fields.performanceConfig !== undefined) metadata.performanceConfig = json(fields.performanceConfig)
    if (fields.additionalModelResponseFields !== undefined) {
      metadata.additionalModelResponseFields = json(fields.additionalModelResponseFields)
    }
  }
  for (const part of response.parts) {
    if (part._tag === "Unknown") {
      ;((metadata.unknownBlocks ??= []) as Array<{ kind: string; raw: Schema.Json }>).push({
        kind: part.kind,
        raw: json(part.raw)
      })
    }
  }
  return [
    {
      type: "response-metadata",
      modelId: response.modelId,
      ...(response.requestId !== undefined ? { id: response.requestId } : {}),
      ...(response.timestamp !== undefined ? { timestamp: response.timestamp.toISOString() } : {})
    },
    {
      type: "finish",
      reason: response.finishReason,
      usage: usageOf(usage),
      metadata: { effectBedrock: metadata }
    }
  ]
}

/**
 * A value from the SDK as JSON (metadata is JSON in effect/ai): dates as strings, bytes as objects; `null` for
 * what has no JSON form. Only for the rare fields (trace, unknown blocks), never per delta.
 */
const json = (value: unknown): Schema.Json => {
  try {
    return JSON.parse(JSON.stringify(value) ?? "null") as Schema.Json
  } catch {
    return null
  }
}

const nameOf = (toolNames: ReadonlyMap<string, string> | undefined, name: string) => toolNames?.get(name) ?? name

const reasoningMetadata = (signature: string | undefined, redacted: Uint8Array | undefined) => {
  if (signature === undefined && redacted === undefined) return undefined
  const effectBedrock: { signature?: string; redactedData?: string } = {}
  if (signature !== undefined) effectBedrock.signature = signature
  if (redacted !== undefined) effectBedrock.redactedData = Base64.encode(redacted)
  return { effectBedrock }
}

/** A native tool's call (Bedrock ran it): effect/ai's provider-executed tool call. */
const nativeCall = (
  part: { readonly id: string; readonly name: string; readonly input: unknown },
  toolNames: ReadonlyMap<string, string> | undefined
): Response.ToolCallPartEncoded => ({
  type: "tool-call",
  id: part.id,
  name: nameOf(toolNames, part.name),
  params: part.input,
  providerExecuted: true
})

/** A native tool's result, as Bedrock returned it; its status in the metadata, to send it back as it came. */
const nativeResult = (
  part: { readonly id: string; readonly name: string; readonly result: unknown; readonly status?: string | undefined },
  toolNames: ReadonlyMap<string, string> | undefined
): Response.ToolResultPartEncoded => ({
  type: "tool-result",
  id: part.id,
  name: nameOf(toolNames, part.name),
  result: part.result ?? null,
  isFailure: part.status === "error",
  providerExecuted: true,
  ...(part.status !== undefined ? { metadata: { effectBedrock: { status: part.status } } } : {})
})

/**
 * A whole response's content parts (its closing parts apart).
 *
 * @internal
 */
export const contentParts = (
  response: EngineResponse.Response,
  toolNames: ReadonlyMap<string, string> | undefined
): Array<Response.PartEncoded> => {
  const out: Array<Response.PartEncoded> = []
  for (const part of response.parts) {
    switch (part._tag) {
      case "Text": {
        out.push({ type: "text", text: part.text })
        break
      }
      case "Thinking": {
        const metadata = reasoningMetadata(part.signature, part.redacted)
        out.push(
          metadata === undefined ? { type: "reasoning", text: part.text } : {
            type: "reasoning",
            text: part.text,
            metadata
          }
        )
        break
      }
      case "ToolCall": {
        out.push({ type: "tool-call", id: part.id, name: nameOf(toolNames, part.name), params: part.input })
        break
      }
      case "NativeToolCall": {
        out.push(nativeCall(part, toolNames))
        break
      }
      case "NativeToolResult": {
        out.push(nativeResult(part, toolNames))
        break
      }
      default:
        // Blocks the engine does not model are in the finish metadata (`unknownBlocks`).
        break
    }
  }
  return out
}

interface ThinkingState {
  signature: string | undefined
  redacted: Array<Uint8Array> | undefined
}

/**
 * The stream state of one run: the open reasoning blocks (their signature, or redacted data, comes in
 * pieces and goes on `reasoning-end`) and the tool names.
 *
 * @internal
 */
export class StreamMapper {
  private readonly thinking = new Map<number, ThinkingState>()

  constructor(readonly toolNames: ReadonlyMap<string, string> | undefined) {}

  /** Appends the effect/ai parts of `part` to `out`; the `Finish` is for the caller (it needs the cost). */
  map(part: EngineResponse.StreamPart, out: Array<Response.StreamPartEncoded>): void {
    switch (part._tag) {
      case "TextStart":
        out.push({ type: "text-start", id: String(part.index) })
        return
      case "TextDelta":
        out.push({ type: "text-delta", id: String(part.index), delta: part.delta })
        return
      case "TextEnd":
        out.push({ type: "text-end", id: String(part.index) })
        return
      case "ThinkingStart":
        this.thinking.set(part.index, { signature: undefined, redacted: undefined })
        out.push({ type: "reasoning-start", id: String(part.index) })
        return
      case "ThinkingDelta": {
        if (part.signature !== undefined || part.redacted !== undefined) {
          let state = this.thinking.get(part.index)
          if (state === undefined) this.thinking.set(part.index, state = { signature: undefined, redacted: undefined })
          if (part.signature !== undefined) state.signature = (state.signature ?? "") + part.signature
          if (part.redacted !== undefined) (state.redacted ??= []).push(part.redacted)
        }
        if (part.delta !== undefined && part.delta !== "") {
          out.push({ type: "reasoning-delta", id: String(part.index), delta: part.delta })
        }
        return
      }
      case "ThinkingEnd": {
        const state = this.thinking.get(part.index)
        this.thinking.delete(part.index)
        const metadata = state === undefined ? undefined : reasoningMetadata(
          state.signature,
          state.redacted === undefined ? undefined : concatBytes(state.redacted)
        )
        out.push(
          metadata === undefined
            ? { type: "reasoning-end", id: String(part.index) }
            : { type: "reasoning-end", id: String(part.index), metadata }
        )
        return
      }
      case "ToolCallStart":
        out.push({ type: "tool-params-start", id: part.id, name: nameOf(this.toolNames, part.name) })
        return
      case "ToolCallDelta":
        out.push({ type: "tool-params-delta", id: part.id, delta: part.delta })
        return
      case "ToolCall":
        out.push(
          { type: "tool-params-end", id: part.id },
          { type: "tool-call", id: part.id, name: nameOf(this.toolNames, part.name), params: part.input }
        )
        return
      case "NativeToolCall":
        out.push(nativeCall(part, this.toolNames))
        return
      case "NativeToolResult":
        out.push(nativeResult(part, this.toolNames))
        return
      default:
        return
    }
  }
}

// =============================================================================
// Errors
// =============================================================================

const providerMetadata = (error: BedrockError.BedrockError) => {
  const bedrock: Record<string, string | number | boolean> = { tag: error._tag, position: error.position }
  if (error.exceptionName !== undefined) bedrock.exceptionName = error.exceptionName
  if (error.requestId !== undefined) bedrock.requestId = error.requestId
  if (error.status !== undefined) bedrock.status = error.status
  bedrock.retryable = error.retryable
  return { effectBedrock: bedrock }
}

/** Keeps our typed error on the reason as its `cause` (the `AiError`'s own cause is the reason). */
const withCause = <A extends AiError.AiErrorReason>(reason: A, cause: unknown): A => {
  Object.defineProperty(reason, "cause", { value: cause, configurable: true, enumerable: false, writable: true })
  return reason
}

const connectionKinds: ReadonlySet<string> = new Set([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionFailed",
  "Timeout",
  "CertificateRejected",
  "Aborted"
])

const invalidKeyNames: ReadonlySet<string> = new Set([
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "IncompleteSignatureException",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch"
])

/** Which credentials failure (the engine tells credentials failures apart by name; this names the kind). */
const credentialsKind = (error: BedrockError.BedrockError): AiError.AuthenticationError["kind"] => {
  const name = error.exceptionName ?? ""
  if (name.startsWith("ExpiredToken")) return "ExpiredKey"
  if (invalidKeyNames.has(name)) return "InvalidKey"
  if (/^Region is missing/i.test(error.message)) return "Unknown"
  return "MissingKey"
}

/**
 * The `AiError` reason of one of our typed errors.
 *
 * @internal
 */
export const reasonOf = (error: BedrockError.BedrockError): AiError.AiErrorReason => {
  const metadata = providerMetadata(error)
  const description = error.message
  switch (error._tag) {
    case "ThrottlingError":
      return new AiError.RateLimitError({ metadata })
    case "ServiceQuotaExceededError":
      return new AiError.QuotaExhaustedError({ metadata })
    case "AccessDeniedError":
      return new AiError.AuthenticationError({ kind: "InsufficientPermissions", description, metadata })
    case "CredentialsError":
      return new AiError.AuthenticationError({ kind: credentialsKind(error), description, metadata })
    case "ValidationError":
    case "ResourceNotFoundError":
      return new AiError.InvalidRequestError({ description, metadata })
    case "ModelTimeoutError":
    case "ModelNotReadyError":
    case "ModelError":
    case "ModelStreamError":
    case "ServiceUnavailableError":
    case "InternalServerError":
      return new AiError.InternalProviderError({ description, metadata })
    case "TransportError":
      // The connection failed (nothing usable came back), or what came back is corrupt.
      return connectionKinds.has(error.kind)
        ? new AiError.NetworkError({ reason: "TransportError", method: "POST", url: "bedrock-runtime", description })
        : new AiError.InvalidResponseError({ description, metadata })
    case "UnknownBedrockError":
      return new AiError.UnknownError({ description, metadata })
    case "BudgetExhaustedError":
      // Our own limiter held the call back (nothing was sent): a rate limit all the same.
      return new AiError.RateLimitError({ metadata })
  }
}

/**
 * Our typed error as an `AiError` of `module`/`method`, the typed error kept as the reason's `cause`.
 *
 * @internal
 */
export const toAiError = (error: BedrockError.BedrockError, method: string): AiError.AiError =>
  AiError.make({ module: "BedrockLanguageModel", method, reason: withCause(reasonOf(error), error) })

/**
 * A request the engine refused (before the network) as an `AiError` with reason `InvalidRequestError`.
 *
 * @internal
 */
export const invalidRequest = (
  issue: { readonly message: string; readonly path?: string | undefined },
  method: string
): AiError.AiError =>
  AiError.make({
    module: "BedrockLanguageModel",
    method,
    reason: new AiError.InvalidRequestError({
      description: issue.message,
      ...(issue.path !== undefined && issue.path !== "" ? { parameter: issue.path } : {})
    })
  })

/**
 * A guardrail's (or the model's content filter's) answer where an object was asked for: reason
 * `ContentPolicyError`, with Bedrock's stop reason and the request id in the metadata.
 *
 * @internal
 */
export const contentPolicy = (response: EngineResponse.Response, method: string): AiError.AiError => {
  const text = response.parts.flatMap((part) => part._tag === "Text" ? [part.text] : []).join("")
  const effectBedrock: Record<string, string> = { rawFinishReason: response.rawFinishReason }
  if (response.requestId !== undefined) effectBedrock.requestId = response.requestId
  return AiError.make({
    module: "BedrockLanguageModel",
    method,
    reason: new AiError.ContentPolicyError({
      description: `Bedrock stopped with ${response.rawFinishReason}: no object was produced` +
        (text === "" ? "" : ` (the answer: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text)})`),
      metadata: { effectBedrock }
    })
  })
}
