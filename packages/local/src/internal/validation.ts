/**
 * Request validation modelled on Bedrock's: the point is to catch client-side mapping bugs, so
 * every rule here is one Bedrock (or the model behind it) enforces.
 *
 * @internal
 */
import * as Rules from "@effect-bedrock/converse/request/rules"
import {
  checkCachePoint,
  checkJsonObject,
  checkMedia,
  checkText,
  checkToolResultContent,
  constraint,
  CONTENT_BLOCK_KINDS,
  fail,
  Invalid,
  singleMember
} from "./contentValidation.js"
import { isObject, type Json } from "./json.js"
import { checkOutputConfig, checkStrictTool, maxStrictTools } from "./strictSchema.js"

const TOOL_NAME = Rules.toolNamePattern

interface Counters {
  cachePoints: number
  /** toolUse and toolResult blocks in the messages: Bedrock wants a toolConfig beside them. */
  toolBlocks: number
}

const checkMessages = (messages: unknown, modelId: string, counters: Counters): void => {
  if (messages === undefined || messages === null) {
    return constraint(messages, "messages", "Member must not be null")
  }
  if (!Array.isArray(messages)) return constraint(messages, "messages", "Member must be a list")
  if (messages.length === 0) {
    return fail(
      "1 validation error detected: Value '[]' at 'messages' failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
  }
  const leadingAssistantOk = /(^|[.:/])(anthropic|qwen)\./.test(modelId)
  let previous: { role: string; toolUseIds: Array<string> } | undefined
  messages.forEach((message: unknown, i) => {
    const path = `messages.${i}`
    if (!isObject(message)) return constraint(message, path, "Member must not be null")
    const role = message.role
    if (role !== "user" && role !== "assistant") {
      return constraint(role, `${path}.member.role`, "Member must satisfy enum value set: [user, assistant]")
    }
    if (i === 0 && role !== "user" && !leadingAssistantOk) {
      return fail(
        "A conversation must start with a user message. Try again with a conversation that starts with a user message."
      )
    }
    if (previous !== undefined && previous.role === role) {
      return fail(
        "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
      )
    }
    const content = message.content
    if (!Array.isArray(content) || content.length === 0) {
      return fail(
        `The content field in the Message object at ${path} is empty. Add a ContentBlock object to the content field and try again.`
      )
    }
    const toolUseIds: Array<string> = []
    const toolResultIds: Array<string> = []
    let last: string | undefined
    content.forEach((block: unknown, j) => {
      const p = `${path}.content.${j}`
      if (!isObject(block)) return constraint(block, p, "Member must not be null")
      const kind = singleMember(block, p, "ContentBlock")
      if (!CONTENT_BLOCK_KINDS.includes(kind)) {
        return fail(
          `The content block at ${p} has an unknown type '${kind}'. Supported types: ${CONTENT_BLOCK_KINDS.join(", ")}.`
        )
      }
      switch (kind) {
        case "text":
          checkText(block.text, p, "ContentBlock")
          break
        case "image":
        case "document":
        case "video":
          checkMedia(kind, block[kind], p)
          break
        case "cachePoint":
          checkCachePoint(block.cachePoint, p)
          counters.cachePoints++
          if (j === 0) {
            fail(
              `The cachePoint block at ${p} can't be the first block of a message. Place it after the content to cache.`
            )
          }
          if (last === "cachePoint") fail(`The cachePoint block at ${p} directly follows another cachePoint block.`)
          if (last === "document" || last === "video") {
            fail(`The cachePoint block at ${p} can't directly follow a ${last} block. Place it before the ${last}.`)
          }
          break
        case "toolUse": {
          if (role !== "assistant") fail(`The toolUse block at ${p} is only allowed in an assistant message.`)
          const use = block.toolUse
          if (!isObject(use)) return constraint(use, `${p}.toolUse`, "Member must not be null")
          if (typeof use.toolUseId !== "string" || use.toolUseId.length === 0) {
            constraint(use.toolUseId, `${p}.toolUse.toolUseId`, "Member must have length greater than or equal to 1")
          }
          if (typeof use.name !== "string" || !TOOL_NAME.test(use.name)) {
            constraint(use.name, `${p}.toolUse.name`, "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+")
          }
          if (use.input === undefined) constraint(use.input, `${p}.toolUse.input`, "Member must not be null")
          checkJsonObject(use.input, `${p}.toolUse.input`)
          // A server tool's call (Nova's code interpreter) is answered by Bedrock itself, in the same turn.
          if (use.type === "server_tool_use") break
          if (use.type !== undefined) {
            constraint(use.type, `${p}.toolUse.type`, "Member must satisfy enum value set: [server_tool_use]")
          }
          toolUseIds.push(use.toolUseId as string)
          counters.toolBlocks++
          break
        }
        case "toolResult": {
          counters.toolBlocks++
          const result = block.toolResult
          if (!isObject(result)) return constraint(result, `${p}.toolResult`, "Member must not be null")
          if (role === "assistant" && result.type === "nova_code_interpreter_result") {
            // The server tool's result, sent back as Bedrock returned it.
            checkToolResultContent(result.content, `${p}.toolResult`)
            break
          }
          if (role !== "user") fail(`The toolResult block at ${p} is only allowed in a user message.`)
          if (typeof result.toolUseId !== "string" || result.toolUseId.length === 0) {
            constraint(
              result.toolUseId,
              `${p}.toolResult.toolUseId`,
              "Member must have length greater than or equal to 1"
            )
          }
          if (result.status !== undefined && result.status !== "success" && result.status !== "error") {
            constraint(result.status, `${p}.toolResult.status`, "Member must satisfy enum value set: [success, error]")
          }
          checkToolResultContent(result.content, `${p}.toolResult`)
          const id = result.toolUseId as string
          if (previous === undefined || !previous.toolUseIds.includes(id)) {
            fail(
              `The toolResult block at ${p} has toolUseId '${id}', which doesn't match any toolUse block in the previous assistant turn.`
            )
          }
          toolResultIds.push(id)
          break
        }
        case "reasoningContent": {
          if (role !== "assistant") fail(`The reasoningContent block at ${p} is only allowed in an assistant message.`)
          const reasoning = block.reasoningContent
          if (!isObject(reasoning)) return constraint(reasoning, `${p}.reasoningContent`, "Member must not be null")
          const rk = singleMember(reasoning, `${p}.reasoningContent`, "ReasoningContentBlock")
          if (rk === "reasoningText") {
            const rt = reasoning.reasoningText
            if (!isObject(rt) || typeof rt.text !== "string") {
              constraint(rt, `${p}.reasoningContent.reasoningText.text`, "Member must not be null")
            }
          } else if (rk !== "redactedContent") {
            fail(`The reasoningContent block at ${p} has an unknown type '${rk}'.`)
          }
          break
        }
        default:
          break
      }
      last = kind
    })
    if (previous !== undefined && previous.toolUseIds.length > 0) {
      if (toolResultIds.length > previous.toolUseIds.length) {
        fail(
          `The number of toolResult blocks at ${path}.content exceeds the number of toolUse blocks of previous turn.`
        )
      }
      const missing = previous.toolUseIds.filter((id) => !toolResultIds.includes(id))
      if (missing.length > 0) {
        fail(`Expected toolResult blocks at ${path}.content for the following Ids: ${missing.join(", ")}`)
      }
    }
    previous = { role, toolUseIds }
  })
}

const checkSystem = (system: unknown, counters: Counters): void => {
  if (system === undefined) return
  if (!Array.isArray(system)) return constraint(system, "system", "Member must be a list")
  system.forEach((block: unknown, i) => {
    const p = `system.${i}`
    if (!isObject(block)) return constraint(block, p, "Member must not be null")
    const kind = singleMember(block, p, "SystemContentBlock")
    switch (kind) {
      case "text":
        return checkText(block.text, p, "SystemContentBlock")
      case "cachePoint":
        checkCachePoint(block.cachePoint, p)
        counters.cachePoints++
        if (i === 0) {
          fail(`The cachePoint block at ${p} can't be the first system block. Place it after the content to cache.`)
        }
        return
      case "guardContent":
        return
      default:
        return fail(
          `The system content block at ${p} has an unknown type '${kind}'. Supported types: text, guardContent, cachePoint.`
        )
    }
  })
}

const checkToolConfig = (toolConfig: unknown, counters: Counters, thinking: boolean): void => {
  if (toolConfig === undefined) return
  if (!isObject(toolConfig)) return constraint(toolConfig, "toolConfig", "Member must be a structure")
  const tools = toolConfig.tools
  if (tools === undefined || tools === null) {
    return constraint(tools, "toolConfig.tools", "Member must not be null")
  }
  if (!Array.isArray(tools) || tools.length === 0) {
    return constraint(tools, "toolConfig.tools", "Member must have length greater than or equal to 1")
  }
  const names: Array<string> = []
  let strictTools = 0
  tools.forEach((tool: unknown, i) => {
    const p = `toolConfig.tools.${i}`
    if (!isObject(tool)) return constraint(tool, p, "Member must not be null")
    const kind = singleMember(tool, p, "Tool")
    switch (kind) {
      case "toolSpec": {
        const spec = tool.toolSpec
        if (!isObject(spec)) return constraint(spec, `${p}.toolSpec`, "Member must not be null")
        if (typeof spec.name !== "string" || !TOOL_NAME.test(spec.name)) {
          constraint(spec.name, `${p}.toolSpec.name`, "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+")
        }
        if (names.includes(spec.name as string)) {
          fail(`The tool name '${spec.name}' at ${p}.toolSpec.name is used more than once.`)
        }
        names.push(spec.name as string)
        if (spec.description !== undefined && (typeof spec.description !== "string" || spec.description.length === 0)) {
          constraint(
            spec.description,
            `${p}.toolSpec.description`,
            "Member must have length greater than or equal to 1"
          )
        }
        const schema = spec.inputSchema
        if (!isObject(schema) || !isObject(schema.json)) {
          constraint(
            isObject(schema) ? schema.json : schema,
            `${p}.toolSpec.inputSchema.json`,
            "Member must not be null"
          )
        }
        const jsonType = ((schema as Json).json as Json).type
        if (jsonType !== undefined && jsonType !== "object") {
          fail(`The value at ${p}.toolSpec.inputSchema.json.type must be one of the following: object.`)
        }
        checkStrictTool(spec, `${p}.toolSpec`)
        if (spec.strict === true && ++strictTools > maxStrictTools) {
          fail(
            `The request has more than ${maxStrictTools} tools with strict: true. Reduce the strict tools and try again.`
          )
        }
        return
      }
      case "cachePoint":
        checkCachePoint(tool.cachePoint, p)
        counters.cachePoints++
        if (i === 0) fail(`The cachePoint block at ${p} can't be the first tool. Place it after the tools to cache.`)
        return
      case "systemTool": {
        const st = tool.systemTool
        if (!isObject(st) || typeof st.name !== "string") {
          constraint(st, `${p}.systemTool.name`, "Member must not be null")
        }
        names.push((st as Json).name as string)
        return
      }
      default:
        return fail(
          `The tool at ${p} has an unknown type '${kind}'. Supported types: toolSpec, systemTool, cachePoint.`
        )
    }
  })
  const choice = toolConfig.toolChoice
  if (choice !== undefined) {
    if (!isObject(choice)) return constraint(choice, "toolConfig.toolChoice", "Member must be a structure")
    const kind = singleMember(choice, "toolConfig.toolChoice", "ToolChoice")
    if (kind === "tool") {
      const tool = choice.tool
      const name = isObject(tool) ? tool.name : undefined
      if (typeof name !== "string" || !names.includes(name)) {
        fail(`The tool '${String(name)}' named by toolConfig.toolChoice.tool isn't defined in toolConfig.tools.`)
      }
    } else if (kind !== "auto" && kind !== "any") {
      fail(`The toolChoice at toolConfig.toolChoice has an unknown type '${kind}'. Supported types: auto, any, tool.`)
    }
    if (thinking && (kind === "any" || kind === "tool")) {
      fail("The model returned the following errors: Thinking may not be enabled when tool_choice forces tool use.")
    }
  }
}

const checkInferenceConfig = (config: unknown): void => {
  if (config === undefined) return
  if (!isObject(config)) return constraint(config, "inferenceConfig", "Member must be a structure")
  const { maxTokens, stopSequences, temperature, topP } = config
  if (maxTokens !== undefined) {
    if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens)) {
      constraint(maxTokens, "inferenceConfig.maxTokens", "Member must be an integer")
    }
    if ((maxTokens as number) < 1) {
      constraint(maxTokens, "inferenceConfig.maxTokens", "Member must have value greater than or equal to 1")
    }
  }
  for (const [name, value] of [["temperature", temperature], ["topP", topP]] as const) {
    if (value === undefined) continue
    if (typeof value !== "number" || Number.isNaN(value)) {
      constraint(value, `inferenceConfig.${name}`, "Member must be a number")
    }
    if ((value as number) < 0) {
      constraint(value, `inferenceConfig.${name}`, "Member must have value greater than or equal to 0")
    }
    if ((value as number) > 1) {
      constraint(value, `inferenceConfig.${name}`, "Member must have value less than or equal to 1")
    }
  }
  if (stopSequences !== undefined) {
    if (!Array.isArray(stopSequences)) {
      return constraint(stopSequences, "inferenceConfig.stopSequences", "Member must be a list")
    }
    stopSequences.forEach((s: unknown, i) => {
      if (typeof s !== "string" || s.length === 0) {
        constraint(s, `inferenceConfig.stopSequences.${i}`, "Member must have length greater than or equal to 1")
      }
    })
  }
}

const thinkingEnabled = (fields: unknown): boolean => {
  if (!isObject(fields)) return false
  const thinking = fields.thinking
  return isObject(thinking) && (thinking.type === "enabled" || thinking.type === "adaptive")
}

const checkBody = (body: Json, modelId: string, withInference: boolean): void => {
  const counters: Counters = { cachePoints: 0, toolBlocks: 0 }
  const isPrompt = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:prompt\//.test(modelId)
  if (!(isPrompt && body.messages === undefined)) checkMessages(body.messages, modelId, counters)
  checkSystem(body.system, counters)
  if (body.additionalModelRequestFields !== undefined && !isObject(body.additionalModelRequestFields)) {
    constraint(body.additionalModelRequestFields, "additionalModelRequestFields", "Member must be a document object")
  }
  checkToolConfig(body.toolConfig, counters, thinkingEnabled(body.additionalModelRequestFields))
  if (counters.toolBlocks > 0 && body.toolConfig === undefined) {
    fail("The toolConfig field must be defined when using toolUse and toolResult content blocks.")
  }
  checkOutputConfig(body.outputConfig)
  if (withInference) checkInferenceConfig(body.inferenceConfig)
  if (counters.cachePoints > 4) {
    fail(
      `The number of cachePoint blocks in the request (${counters.cachePoints}) exceeds the maximum of 4 ` +
        `(system, messages and tools together). Remove some cachePoint blocks and try again.`
    )
  }
}

/**
 * The ValidationException message for a Converse / ConverseStream body, or undefined when valid.
 *
 * @internal
 */
export const validateConverse = (body: unknown, modelId: string): string | undefined => {
  try {
    if (!isObject(body)) return constraint(body, "body", "Member must be a structure")
    checkBody(body, modelId, true)
    return undefined
  } catch (e) {
    if (e instanceof Invalid) return e.message
    throw e
  }
}

const GEO_PREFIX = /^(us|eu|apac|jp|au|ca|global|us-gov)\./

/**
 * The ValidationException message for a CountTokens body, or undefined when valid. CountTokens
 * takes a foundation model id: no inference profile (ARN or geo prefix).
 *
 * @internal
 */
export const validateCountTokens = (body: unknown, modelId: string): string | undefined => {
  try {
    if (!modelId.startsWith("local.") && (modelId.startsWith("arn:") || GEO_PREFIX.test(modelId))) {
      fail(
        `The provided model identifier is invalid. CountTokens takes a foundation model id, not an inference profile: ${modelId}`
      )
    }
    if (!isObject(body)) return constraint(body, "body", "Member must be a structure")
    const input = body.input
    if (!isObject(input)) return constraint(input, "input", "Member must not be null")
    const converse = input.converse
    if (!isObject(converse)) {
      if (isObject(input.invokeModel)) return undefined
      return constraint(converse, "input.converse", "Member must not be null")
    }
    checkBody(converse, modelId, false)
    return undefined
  } catch (e) {
    if (e instanceof Invalid) return e.message
    throw e
  }
}
