/**
 * Validation of single blocks (text, media and their sources, cache points, tool results) and the
 * shape of Bedrock's ValidationException messages. A failed check throws `Invalid`; the entry
 * points in `validation.ts` turn it into the message.
 *
 * @internal
 */
import * as Rules from "@effect-bedrock/converse/request/rules"
import { isObject, type Json } from "./json.js"

// S3Location.uri: Bedrock refuses a location without a bucket name.
const S3_URI = /^s3:\/\/[^/?#\s]+/

/** @internal */
export class Invalid extends Error {}

/** @internal */
export const fail = (message: string): never => {
  throw new Invalid(message)
}

/**
 * Bedrock's message for a value that breaks a model constraint.
 *
 * @internal
 */
export const constraint = (value: unknown, path: string, rule: string): never =>
  fail(
    `1 validation error detected: Value ${
      value === undefined || value === null ? "null" : `'${typeof value === "string" ? value : JSON.stringify(value)}'`
    } at '${path}' failed to satisfy constraint: ${rule}`
  )

/**
 * Bedrock's message for a JSON document that must be an object (`toolUse.input`, a `toolResult`'s
 * `json` block, a tool's input schema) and is not: an array, a string, a number, `null`.
 *
 * @internal
 */
export const checkJsonObject = (value: unknown, path: string): void => {
  if (!isObject(value)) {
    fail(`The format of the value at ${path} is invalid. Provide a json object for the field and try again.`)
  }
}

/**
 * The members of a message's ContentBlock union.
 *
 * @internal
 */
export const CONTENT_BLOCK_KINDS: ReadonlyArray<string> = [
  "text",
  "image",
  "document",
  "video",
  "toolUse",
  "toolResult",
  "reasoningContent",
  "cachePoint",
  "guardContent",
  "citationsContent"
]

// Bedrock's media formats and document-name rule, written once in the engine.
const IMAGE_FORMATS = Rules.formatsByKind.image
const DOCUMENT_FORMATS = Rules.formatsByKind.document
const VIDEO_FORMATS = Rules.formatsByKind.video

/**
 * The name of the one member a union structure (content block, source, tool, ...) has set.
 *
 * @internal
 */
export const singleMember = (block: Json, path: string, what: string): string => {
  const keys = Object.keys(block).filter((k) => block[k] !== undefined && block[k] !== null)
  if (keys.length !== 1) {
    fail(`The ${what} at ${path} must have exactly one member set, but ${keys.length} were set (${keys.join(", ")}).`)
  }
  return keys[0]!
}

/** @internal */
export const checkCachePoint = (value: unknown, path: string): void => {
  if (!isObject(value) || value.type !== "default") {
    constraint(
      isObject(value) ? value.type : value,
      `${path}.cachePoint.type`,
      "Member must satisfy enum value set: [default]"
    )
  }
  const ttl = (value as Json).ttl
  if (ttl !== undefined && ttl !== "5m" && ttl !== "1h") {
    constraint(ttl, `${path}.cachePoint.ttl`, "Member must satisfy enum value set: [5m, 1h]")
  }
}

/** @internal */
export const checkText = (value: unknown, path: string, where: string): void => {
  if (typeof value !== "string") constraint(value, `${path}.text`, "Member must be a string")
  if ((value as string).trim().length === 0) {
    fail(`The text field in the ${where} object at ${path} is blank. Add text to the text field, and try again.`)
  }
}

const checkSource = (
  source: unknown,
  path: string,
  allowed: ReadonlyArray<string>
): void => {
  if (!isObject(source)) return constraint(source, `${path}.source`, "Member must not be null")
  const kind = singleMember(source, `${path}.source`, "source")
  if (!allowed.includes(kind)) {
    fail(`The source at ${path}.source has an unsupported type '${kind}'. Supported types: ${allowed.join(", ")}.`)
  }
  if (kind === "bytes" && (typeof source.bytes !== "string" || source.bytes.length === 0)) {
    constraint(source.bytes, `${path}.source.bytes`, "Member must have length greater than or equal to 1")
  }
  if (kind === "s3Location") {
    const loc = source.s3Location
    if (!isObject(loc) || typeof loc.uri !== "string" || !S3_URI.test(loc.uri)) {
      constraint(
        isObject(loc) ? loc.uri : loc,
        `${path}.source.s3Location.uri`,
        "Member must satisfy regular expression pattern: s3://[bucket]/..."
      )
    }
  }
  if (kind === "text" && (typeof source.text !== "string" || source.text.trim().length === 0)) {
    fail(
      `The text field in the DocumentSource object at ${path}.source is blank. Add text to the text field, and try again.`
    )
  }
}

/** @internal */
export const checkMedia = (kind: "image" | "document" | "video", value: unknown, path: string): void => {
  const p = `${path}.${kind}`
  if (!isObject(value)) return constraint(value, p, "Member must not be null")
  const formats = kind === "image" ? IMAGE_FORMATS : kind === "document" ? DOCUMENT_FORMATS : VIDEO_FORMATS
  if (typeof value.format !== "string" || !formats.includes(value.format)) {
    constraint(value.format, `${p}.format`, `Member must satisfy enum value set: [${formats.join(", ")}]`)
  }
  if (kind === "document") {
    if (typeof value.name !== "string" || value.name.length === 0) {
      constraint(value.name, `${p}.name`, "Member must not be null")
    }
    const name = value.name as string
    if (!Rules.documentNamePattern.test(name) || Rules.documentNameRepeatedWhitespace.test(name)) {
      fail(
        `The document file name at ${p}.name can only contain alphanumeric characters, whitespace characters, ` +
          `hyphens, parentheses, and square brackets. The name can't contain more than one consecutive whitespace character.`
      )
    }
  }
  checkSource(
    value.source,
    p,
    kind === "image"
      ? ["bytes", "s3Location"]
      : kind === "video"
      ? ["bytes", "s3Location"]
      : ["bytes", "s3Location", "text", "content"]
  )
}

/** @internal */
export const checkToolResultContent = (content: unknown, path: string): void => {
  if (!Array.isArray(content) || content.length === 0) {
    return constraint(content, `${path}.content`, "Member must have length greater than or equal to 1")
  }
  content.forEach((block: unknown, j) => {
    const p = `${path}.content.${j}`
    if (!isObject(block)) return constraint(block, p, "Member must not be null")
    const kind = singleMember(block, p, "ToolResultContentBlock")
    switch (kind) {
      case "text":
        return checkText(block.text, p, "ToolResultContentBlock")
      case "json":
        return checkJsonObject(block.json, `${p}.json`)
      case "image":
      case "document":
      case "video":
        return checkMedia(kind, block[kind], p)
      default:
        return fail(
          `The tool result content block at ${p} has an unknown type '${kind}'. Supported types: text, json, image, document, video.`
        )
    }
  })
}
