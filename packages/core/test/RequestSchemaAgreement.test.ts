// The engine's request validator (`@effect-bedrock/converse/request/validate`, which core's
// internal/languageModel/requestValidation.ts adapts) against the `LanguageModel.Request` Schema, on requests generated from the Schema itself (effect's Arbitrary + fast-check):
// (a) what the Schema accepts, the check accepts, unless one of its own documented rules applies;
// (b) with one leaf replaced by a wrong value (another type, a bad name), the Schema rejects it exactly when
//     the check does, and the check names that leaf, a field holding it or one inside the new value.
import { requestKeys, validateRequest } from "@effect-bedrock/converse/request/validate"
import { jsonProblem } from "@effect-bedrock/converse/util/jsonValue"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import * as LanguageModel from "../src/LanguageModel.js"

/** The validator's first issue (every issue is reported; the first is the one an error carries). */
const checkRequest = (request: unknown) => {
  const result = validateRequest(request)
  return result.ok ? undefined : result.issues[0]
}

// `LanguageModel.JsonSchema` is a `Schema.declare` (no Arbitrary): a JSON object in its place, often
// an object schema, sometimes one of another type (a rule of the check alone).
const JsonObject = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  arbitrary: () => (fc) =>
    fc.oneof(
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      fc.record({
        type: fc.constantFrom("object", "object", "string"),
        properties: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
      })
    )
})

// A random string almost never is a tool name: generate ones.
const ToolName = LanguageModel.ToolName.annotations({
  arbitrary: () => (fc) => fc.stringMatching(/^[a-zA-Z0-9_-]{1,64}$/)
})

/** `LanguageModel.Request` with generable JSON schemas (the values are checked against the real one). */
const GeneratedRequest = Schema.Struct({
  ...LanguageModel.Request.fields,
  tools: Schema.optional(Schema.Array(Schema.Struct({
    name: ToolName,
    description: Schema.optional(Schema.String),
    parameters: JsonObject,
    strict: Schema.optional(Schema.Boolean)
  }))),
  output: Schema.optional(Schema.Struct({
    name: Schema.optional(Schema.String),
    description: Schema.optional(Schema.String),
    schema: JsonObject,
    mode: Schema.optional(LanguageModel.OutputMode)
  }))
})

const requests = Arbitrary.make(GeneratedRequest) as fc.Arbitrary<Record<string, unknown>>
const schemaIssue = Schema.validateEither(LanguageModel.Request)

type Rec = Record<string, unknown>
const isRec = (u: unknown): u is Rec => typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * The rules of the check that the Schema does not have (documented in the engine's request/validate.ts),
 * as the path they report: an empty prompt without instructions, a prompt object with both `messages`
 * and `_tag` (the Schema takes it as a message; `Prompt.make` as a Prompt), a value with no JSON form (a
 * tool call's input, a tool result, a schema), tool parameters that are not an object schema. Unknown
 * request keys are a rule too, but a generated request has none.
 */
const validatorOnly = (request: Rec): string | undefined => {
  const { instructions, output, prompt, tools } = request
  if (isRec(prompt) && "messages" in prompt && "_tag" in prompt) return "prompt"
  const instructed = typeof instructions === "string"
    ? instructions.trim() !== ""
    : Array.isArray(instructions) &&
      instructions.some((i) => {
        const text = typeof i === "string" ? i : isRec(i) ? i.text : undefined
        return typeof text === "string" && text.trim() !== ""
      })
  const messages: ReadonlyArray<unknown> = typeof prompt === "string"
    ? []
    : Array.isArray(prompt)
    ? prompt
    : isRec(prompt) && "messages" in prompt
    ? (Array.isArray(prompt.messages) ? prompt.messages : [undefined])
    : [prompt]
  const empty = typeof prompt === "string" ? prompt.trim() === "" : messages.length === 0
  if (empty && !instructed) return "prompt"
  const base = Array.isArray(prompt) ? "prompt" : isRec(prompt) && "messages" in prompt ? "prompt.messages" : undefined
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]
    const parts = isRec(message) ? message.parts : undefined
    if (!Array.isArray(parts)) continue
    for (let j = 0; j < parts.length; j++) {
      const part = parts[j]
      if (!isRec(part)) continue
      const at = `${base === undefined ? "prompt" : `${base}[${i}]`}.parts[${j}]`
      if (part._tag === "ToolCall" && jsonProblem(part.input) !== undefined) return `${at}.input`
      if (part._tag === "ToolResult" && jsonProblem(part.result) !== undefined) return `${at}.result`
    }
  }
  if (Array.isArray(tools)) {
    for (let i = 0; i < tools.length; i++) {
      const parameters = isRec(tools[i]) ? (tools[i] as Rec).parameters : undefined
      if (!isRec(parameters)) continue
      if (jsonProblem(parameters) !== undefined || (parameters.type !== undefined && parameters.type !== "object")) {
        return `tools[${i}].parameters`
      }
    }
  }
  if (isRec(output) && jsonProblem(output.schema) !== undefined) return "output.schema"
  return undefined
}

type Path = ReadonlyArray<string | number>

const formatPath = (path: Path): string => {
  let out = ""
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? key : `.${key}`
  return out
}

/** Whether the field at path `field` is the one at `leaf` or holds it. */
const holds = (field: string, leaf: string): boolean =>
  field === leaf || leaf.startsWith(`${field}.`) || leaf.startsWith(`${field}[`)

/** Every leaf (a primitive, `undefined`, bytes, an empty object or array) of a request, with its path. */
const leaves = (value: unknown, path: Path = [], out: Array<Path> = []): Array<Path> => {
  if (Array.isArray(value) && value.length > 0) value.forEach((child, i) => leaves(child, [...path, i], out))
  else if (isRec(value) && !(value instanceof Uint8Array) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value)) leaves(value[key], [...path, key], out)
  } else out.push(path)
  return out
}

/**
 * Values of each type, all with a JSON form (a replacement never trips a JSON rule by itself), and
 * strings that break the refinements (tool and document names, literals).
 */
const wrongValues: ReadonlyArray<unknown> = [42, "x", true, null, {}, [], { _tag: "Nope" }, "", "a  b.c", undefined]

const replaced = (root: Rec, path: Path, value: unknown): Rec => {
  const copy = structuredClone(root)
  let node: any = copy
  for (const key of path.slice(0, -1)) node = node[key]
  node[path[path.length - 1]!] = value
  return copy
}

const runs = { numRuns: 200, interruptAfterTimeLimit: 20_000 }

describe("the request check agrees with the LanguageModel.Request Schema", () => {
  it("knows the same request keys", () => {
    assert.deepStrictEqual([...requestKeys].sort(), Object.keys(LanguageModel.Request.fields).sort())
  })

  it("a prompt object with both `messages` and `_tag` is refused (the Schema takes it as a message)", () => {
    const prompt = { _tag: "User", parts: [{ _tag: "Text", text: "hi" }], messages: 5 }
    assert.isTrue(Either.isRight(schemaIssue({ prompt })))
    const result = validateRequest({ prompt })
    assert.isFalse(result.ok)
    if (!result.ok) assert.strictEqual(result.issues[0]!.path, "prompt")
  })

  it("accepts every generated request, but for its own documented rules", () => {
    let accepted = 0
    fc.assert(
      fc.property(requests, (request) => {
        assert.isTrue(Either.isRight(schemaIssue(request)), "the generated request is a LanguageModel.Request")
        const issue = checkRequest(request)
        const rule = validatorOnly(request)
        if (rule === undefined) {
          assert.isUndefined(issue, issue?.message)
          accepted++
        } else {
          assert.isDefined(issue, `the check accepted what its rule at ${rule} refuses`)
          assert.strictEqual(issue!.path, rule, issue!.message)
        }
      }),
      runs
    )
    // Most generated requests need no rule of the check's own.
    assert.isAbove(accepted, 50)
  }, 30_000)

  it("rejects a request with one leaf replaced by a wrong value exactly when the Schema does, at that leaf", () => {
    let rejected = 0
    const cases = requests.filter((request) => validatorOnly(request) === undefined).chain((request) => {
      const paths = leaves(request)
      return fc.tuple(fc.constant(request), fc.constantFrom(...paths), fc.constantFrom(...wrongValues))
    })
    fc.assert(
      fc.property(cases, ([original, path, value]) => {
        const request = replaced(original, path, value)
        const leaf = formatPath(path)
        const schemaRejects = Either.isLeft(schemaIssue(request))
        const issue = checkRequest(request)
        const rule = validatorOnly(request)
        if (schemaRejects) {
          assert.isDefined(issue, `the check accepted what the Schema rejects: ${leaf} = ${JSON.stringify(value)}`)
          // The check names the leaf, a field holding it or one inside the new value (`output` = {}:
          // `output.schema` is missing), unless a rule of its own comes first.
          const field = issue!.path ?? ""
          if (rule === undefined || !holds(rule, field)) {
            assert.isTrue(
              holds(field, leaf) || holds(leaf, field),
              `${leaf} = ${JSON.stringify(value)}: ${issue!.message}`
            )
          }
          rejected++
        } else if (rule === undefined) {
          assert.isUndefined(issue, `the check rejected what the Schema accepts: ${leaf}: ${issue?.message}`)
        } else {
          assert.isDefined(issue, `the check accepted what its rule at ${rule} refuses`)
        }
      }),
      runs
    )
    assert.isAbove(rejected, 50)
  }, 30_000)
})
