/**
 * `effect/ai` <-> the engine, for `BedrockLanguageModel`: provider options (prompt, tools, tool choice,
 * response format) -> an engine `Request`; engine responses and stream parts -> `effect/ai` encoded parts;
 * our typed errors -> `AiError` with a reason. Pure; every Bedrock rule stays in the engine (this only
 * renames shapes). A problem in the prompt throws a `MappingIssue`, caught once by `toRequest`.
 *
 * @internal
 */
import { sanitizeToolName } from "@effect-bedrock/converse/mapping/converse"
import type * as EnginePrompt from "@effect-bedrock/converse/prompt/types"
import type * as Request from "@effect-bedrock/converse/request/types"
import type * as EngineResponse from "@effect-bedrock/converse/response/types"
import * as AiError from "effect/ai/AiError"
import * as LanguageModel from "effect/ai/LanguageModel"
import type * as Response from "effect/ai/Response"
import * as Tool from "effect/ai/Tool"
import * as Base64 from "effect/encoding/Base64"
import * as Result from "effect/Result"
import type * as BedrockError from "../BedrockError.js"
import type { FinishMetadata } from "../BedrockLanguageModel.js"

// =============================================================================
// Request
// =============================================================================

/** @internal */
export class MappingIssue {
  constructor(readonly message: string, readonly path: string) {}
}

const fail = (message: string, path: string): never => {
  throw new MappingIssue(message, path)
}

/** @internal */
export interface MappedRequest {
  readonly request: Request.Request
  /** Tool names as sent to Bedrock -> the toolkit's names, when a name had to change. */
  readonly toolNames: ReadonlyMap<string, string> | undefined
}

const URL_DATA = /^(https?|s3|data):/i

const fileSource = (data: string | Uint8Array | URL, path: string): EnginePrompt.FileSource => {
  if (data instanceof Uint8Array) return { _tag: "Bytes", data }
  if (data instanceof URL) return { _tag: "Url", url: data.href }
  if (URL_DATA.test(data)) return { _tag: "Url", url: data }
  const bytes = Base64.decode(data)
  if (Result.isFailure(bytes)) {
    return fail("File data must be bytes, a URL (https://, s3://, data:) or base64 text", path)
  }
  return { _tag: "Bytes", data: bytes.success }
}

const messages = (prompt: LanguageModel.ProviderOptions["prompt"]): Array<EnginePrompt.Message> => {
  const out: Array<EnginePrompt.Message> = []
  const content = prompt.content
  for (let i = 0; i < content.length; i++) {
    const message = content[i]!
    switch (message.role) {
      case "system": {
        out.push({ _tag: "System", content: message.content })
        break
      }
      case "user": {
        const parts: Array<EnginePrompt.UserPart> = []
        for (let j = 0; j < message.content.length; j++) {
          const part = message.content[j]!
          if (part.type === "text") {
            parts.push({ _tag: "Text", text: part.text })
          } else {
            const path = `prompt.content[${i}].content[${j}]`
            parts.push({
              _tag: "File",
              mediaType: part.mediaType,
              source: fileSource(part.data, `${path}.data`),
              ...(part.fileName !== undefined ? { name: part.fileName } : {})
            })
          }
        }
        out.push({ _tag: "User", parts })
        break
      }
      case "assistant": {
        const parts: Array<EnginePrompt.AssistantPart> = []
        for (let j = 0; j < message.content.length; j++) {
          const part = message.content[j]!
          switch (part.type) {
            case "text": {
              parts.push({ _tag: "Text", text: part.text })
              break
            }
            case "reasoning": {
              // The signature comes back in the part's options, as `reasoningPart` put it in its metadata.
              const signature = part.options.effectBedrock?.signature
              parts.push(
                signature === undefined
                  ? { _tag: "Thinking", text: part.text }
                  : { _tag: "Thinking", text: part.text, signature, provider: "bedrock" }
              )
              break
            }
            case "tool-call": {
              // Bedrock runs none of effect/ai's provider-executed tools: nothing to send back.
              if (!part.providerExecuted) {
                parts.push({ _tag: "ToolCall", id: part.id, name: sanitizeToolName(part.name), input: part.params })
              }
              break
            }
            case "file": {
              return fail(
                "Bedrock takes files in user messages only, not in assistant messages",
                `prompt.content[${i}].content[${j}]`
              )
            }
            default:
              break
          }
        }
        out.push({ _tag: "Assistant", parts })
        break
      }
      case "tool": {
        const parts: Array<EnginePrompt.ToolPart> = []
        for (const part of message.content) {
          if (part.type !== "tool-result") continue
          parts.push({
            _tag: "ToolResult",
            id: part.id,
            name: sanitizeToolName(part.name),
            result: part.result,
            isError: part.isFailure
          })
        }
        if (parts.length > 0) out.push({ _tag: "Tool", parts })
        break
      }
    }
  }
  return out
}

const definitions = new WeakMap<object, Request.ToolDefinition>()

/** A tool's definition, made once per tool (a tool's JSON Schema is costly to make). */
const toolDefinition = (tool: Tool.Any, index: number): Request.ToolDefinition => {
  let definition = definitions.get(tool)
  if (definition === undefined) {
    if (Tool.isProviderDefined(tool)) {
      return fail(`The provider-defined tool "${tool.name}" is not available on Bedrock`, `tools[${index}]`)
    }
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

const toolChoice = (choice: LanguageModel.ToolChoice<any>): Request.ToolChoice => {
  if (typeof choice === "string") return choice
  if ("tool" in choice) return { tool: sanitizeToolName(choice.tool) }
  // `oneOf`: effect/ai has already narrowed the tools to those named.
  return choice.mode === "required" ? "required" : "auto"
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
 * The engine request for effect/ai's provider options; `settings` are the call's (`Config`).
 *
 * @internal
 */
export const toRequest = (options: LanguageModel.ProviderOptions): Result.Result<MappedRequest, MappingIssue> => {
  try {
    const prompt: EnginePrompt.Prompt = { messages: messages(options.prompt) }
    let toolNames: Map<string, string> | undefined
    let tools: Array<Request.ToolDefinition> | undefined
    if (options.tools.length > 0) {
      tools = options.tools.map(toolDefinition)
      for (let i = 0; i < tools.length; i++) {
        const original = options.tools[i]!.name
        if (tools[i]!.name !== original) (toolNames ??= new Map()).set(tools[i]!.name, original)
      }
    }
    const format = options.responseFormat
    const output = format.type === "json" ? outputSchema(format.objectName, format) : undefined
    const request: Request.Request = {
      prompt,
      ...(tools !== undefined ? { tools, toolChoice: toolChoice(options.toolChoice) } : {}),
      ...(output !== undefined ? { output } : {})
    }
    return Result.succeed({ request, toolNames })
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
  const metadata: FinishMetadata = {
    rawFinishReason: response.rawFinishReason,
    ...(response.requestId !== undefined ? { requestId: response.requestId } : {}),
    ...(response.latencyMs !== undefined ? { latencyMs: response.latencyMs } : {}),
    ...(cost !== undefined ? { cost } : {}),
    ...(response.usage.unknown === true ? { usageUnknown: true } : {})
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
      usage: usageOf(response.usage),
      metadata: { effectBedrock: metadata }
    }
  ]
}

const nameOf = (toolNames: ReadonlyMap<string, string> | undefined, name: string) => toolNames?.get(name) ?? name

const reasoningMetadata = (signature: string | undefined) =>
  signature === undefined ? undefined : { effectBedrock: { signature } }

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
        const metadata = reasoningMetadata(part.signature)
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
      default:
        // Native (Bedrock-run) tools and unknown blocks have no effect/ai part without a provider-defined tool.
        break
    }
  }
  return out
}

/**
 * The stream state of one run: ids of the open blocks and the tool names.
 *
 * @internal
 */
export class StreamMapper {
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
        out.push({ type: "reasoning-start", id: String(part.index) })
        return
      case "ThinkingDelta": {
        const metadata = reasoningMetadata(part.signature)
        out.push(
          metadata === undefined
            ? { type: "reasoning-delta", id: String(part.index), delta: part.delta ?? "" }
            : { type: "reasoning-delta", id: String(part.index), delta: part.delta ?? "", metadata }
        )
        return
      }
      case "ThinkingEnd":
        out.push({ type: "reasoning-end", id: String(part.index) })
        return
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
      return new AiError.AuthenticationError({ kind: "MissingKey", description, metadata })
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
