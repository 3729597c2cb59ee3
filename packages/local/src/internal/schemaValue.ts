/**
 * JSON Schema -> a value satisfying it: the default model's tool inputs and structured output.
 * Values are plausible, not placeholders: strings come from the prompt (its proper nouns and quoted
 * phrases, then its words) or a small fixed vocabulary keyed by the field's name (`city` -> Lisbon,
 * `unit` -> celsius), numbers are whole where the bounds allow (`population` -> 500000, `days` ->
 * 3). Deterministic: the same schema and prompt give the same value.
 *
 * @internal
 */
import { asArray, isObject, type Json } from "./json.js"

// =============================================================================
// What the prompt offers
// =============================================================================

/**
 * The strings a prompt offers for string fields.
 *
 * @internal
 */
export interface Hints {
  /** Proper nouns (runs of capitalised words not opening a sentence), in order. */
  readonly names: ReadonlyArray<string>
  /** Quoted phrases, in order. */
  readonly phrases: ReadonlyArray<string>
  /** The prompt's other content words, in order. */
  readonly words: ReadonlyArray<string>
  /** The prompt itself, on one line (for free-text fields such as `query`). */
  readonly text: string
}

const STOP_WORDS = new Set(
  ("a an and are as at be but by can could do does for from give had has have how i if in into is it its me my " +
    "name of on or our please should so tell than that the their them then there these they this to us was we " +
    "were what when where which who why will with would you your right now").split(" ")
)

/**
 * The hints of a prompt: `"What is the weather in Porto?"` offers the name `Porto` and the word
 * `weather`.
 *
 * @internal
 */
export const hintsOf = (prompt: string): Hints => {
  const text = prompt.replace(/\s+/g, " ").trim()
  const names: Array<string> = []
  const phrases: Array<string> = []
  const words: Array<string> = []
  const add = (list: Array<string>, value: string) => {
    if (value.length > 0 && !list.includes(value)) list.push(value)
  }
  for (const [, quoted] of text.matchAll(/["“]([^"”]{1,60})["”]/g)) add(phrases, quoted!.trim())
  // A run of capitalised words is one name ("New York"); the first word of a sentence is no name.
  const tokens = text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*[.!?]?/gu) ?? []
  let sentenceStart = true
  let run: Array<string> = []
  const flush = () => {
    if (run.length > 0) add(names, run.join(" "))
    run = []
  }
  for (const token of tokens) {
    const word = token.replace(/[.!?]$/, "").replace(/['’]s$/, "")
    const capitalised = /^\p{Lu}/u.test(word) && !STOP_WORDS.has(word.toLowerCase())
    if (capitalised && !sentenceStart) run.push(word)
    else {
      flush()
      const lower = word.toLowerCase()
      if (!capitalised && lower.length >= 3 && !STOP_WORDS.has(lower) && /^\p{L}+$/u.test(lower)) add(words, lower)
    }
    sentenceStart = /[.!?]$/.test(token)
    if (sentenceStart) flush()
  }
  flush()
  return { names, phrases, words, text: text.length > 120 ? text.slice(0, 120).trimEnd() : text }
}

const noHints: Hints = { names: [], phrases: [], words: [], text: "" }

// =============================================================================
// The vocabulary, by field name
// =============================================================================

/** A field name's words, lower case: `observedAt` -> `["observed", "at"]`. */
const nameWords = (name: string): Array<string> =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[^A-Za-z0-9]+/g, " ").toLowerCase().trim().split(" ")
    .filter((w) => w.length > 0)

const has = (name: string, ...keys: ReadonlyArray<string>): boolean => {
  const words = nameWords(name)
  return keys.some((key) => words.includes(key) || words.includes(`${key}s`))
}

/** Fields that name a place or a person: a proper noun of the prompt, else these. */
const NAMED: ReadonlyArray<readonly [ReadonlyArray<string>, ReadonlyArray<string>]> = [
  [["city", "town", "place", "location", "destination", "origin", "where", "capital"], ["Lisbon", "Porto", "Madrid"]],
  [["country", "nation"], ["Portugal", "Spain", "France"]],
  [["name", "title", "person", "author", "user", "username", "who"], ["Ada Lovelace", "Alan Turing", "Grace Hopper"]]
]

/** Fields with a conventional value, prompt or not. */
const FIXED: ReadonlyArray<readonly [ReadonlyArray<string>, ReadonlyArray<string>]> = [
  [["unit", "units"], ["celsius", "fahrenheit"]],
  [["language", "lang", "locale"], ["en", "pt"]],
  [["currency"], ["EUR", "USD"]],
  [["color", "colour"], ["blue", "green", "red"]],
  [["zone", "timezone", "tz"], ["Europe/Lisbon", "UTC"]],
  [["status", "state"], ["active", "pending"]],
  [["condition", "conditions", "weather", "forecast"], ["sunny", "light rain", "cloudy"]],
  [["category", "kind", "type", "tag", "label"], ["general", "travel", "weather"]],
  [["id", "key", "code", "ref", "sku"], ["a1b2c3", "d4e5f6", "g7h8i9"]],
  [["phone"], ["+351 210 000 000"]]
]

/** Free-text fields: the prompt itself. */
const FREE_TEXT = [
  "query",
  "q",
  "question",
  "prompt",
  "search",
  "text",
  "message",
  "content",
  "input",
  "topic",
  "subject"
]

/** Sentences for descriptive fields. */
const DESCRIPTIVE = ["description", "summary", "answer", "reason", "explanation", "note", "comment", "details"]

/** `cities` -> `city`, `tags` -> `tag`: an array item's name. */
const singular = (name: string): string => name.replace(/ies$/, "y").replace(/([^s])s$/, "$1")

const pick = <A>(values: ReadonlyArray<A>, index: number): A => values[index % values.length]!

const vocabularyString = (name: string, index: number, hints: Hints): string => {
  for (const [keys, values] of FIXED) if (has(name, ...keys)) return pick(values, index)
  // The prompt's names first, then the vocabulary's (an array of cities: Porto, Lisbon, Madrid).
  for (const [keys, values] of NAMED) {
    if (has(name, ...keys)) return pick([...hints.names, ...values.filter((v) => !hints.names.includes(v))], index)
  }
  if (has(name, ...FREE_TEXT) && hints.text.length > 0) return hints.text
  if (has(name, ...DESCRIPTIVE)) {
    const about = hints.phrases[0] ?? hints.names[0] ?? hints.words[0]
    return about === undefined ? "A short sample answer." : `A short answer about ${about}.`
  }
  const offered = [...hints.phrases, ...hints.names, ...hints.words]
  return pick(offered.length > 0 ? offered : ["sample", "example", "other"], index)
}

/** A whole number a field of that name plausibly holds, when its bounds do not say otherwise. */
const vocabularyNumber = (name: string): number => {
  if (has(name, "temperature", "celsius", "temp", "degrees")) return 18
  if (has(name, "fahrenheit")) return 64
  if (has(name, "population", "inhabitants", "residents")) return 500000
  if (has(name, "year", "founded", "established", "born")) return 1990
  if (has(name, "age")) return 30
  if (has(name, "price", "cost", "amount", "total", "salary")) return 25
  if (has(name, "percent", "percentage", "humidity", "chance", "probability")) return 40
  if (has(name, "rating", "score", "stars")) return 4
  if (has(name, "latitude", "lat")) return 38
  if (has(name, "longitude", "lon", "lng")) return -9
  if (has(name, "hour", "hours")) return 12
  if (has(name, "minute", "minutes", "second", "seconds")) return 30
  if (has(name, "speed", "wind")) return 12
  if (has(name, "distance", "km", "miles", "length", "height", "width", "weight")) return 10
  return 3
}

const resolveRef = (root: Json, ref: string): Json => {
  if (!ref.startsWith("#/")) return {}
  let node: unknown = root
  for (const part of ref.slice(2).split("/")) {
    node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined
  }
  return isObject(node) ? node : {}
}

const numberIn = (schema: Json, integer: boolean, name: string, index: number): number => {
  const step = integer ? 1 : 0.5
  const exMin = schema.exclusiveMinimum
  const exMax = schema.exclusiveMaximum
  let lo: number | undefined = typeof schema.minimum === "number" ? schema.minimum : undefined
  let hi: number | undefined = typeof schema.maximum === "number" ? schema.maximum : undefined
  if (typeof exMin === "number") lo = lo === undefined ? exMin + step : Math.max(lo, exMin + step)
  else if (exMin === true && lo !== undefined) lo = lo + step
  if (typeof exMax === "number") hi = hi === undefined ? exMax - step : Math.min(hi, exMax - step)
  else if (exMax === true && hi !== undefined) hi = hi - step
  if (integer) {
    if (lo !== undefined) lo = Math.ceil(lo)
    if (hi !== undefined) hi = Math.floor(hi)
  }
  // The value a field of that name plausibly holds where the bounds allow it; else the middle of the
  // bounds (a whole number when one fits), else the bound itself.
  const plausible = vocabularyNumber(name) + index
  let value: number
  if ((lo === undefined || plausible >= lo) && (hi === undefined || plausible <= hi)) value = plausible
  else if (lo !== undefined && hi !== undefined) {
    const middle = (lo + hi) / 2
    value = (integer ? Math.floor(middle) : middle) + index
  } else value = lo !== undefined ? lo + index : hi! - index
  if (hi !== undefined && value > hi) value = lo ?? hi
  const multipleOf = schema.multipleOf
  if (typeof multipleOf === "number" && multipleOf > 0) {
    value = Math.ceil(value / multipleOf) * multipleOf
    if (hi !== undefined && value > hi) value = Math.floor(hi / multipleOf) * multipleOf
  }
  return value
}

const stringFor = (schema: Json, name: string, index: number, hints: Hints): string => {
  switch (schema.format) {
    case "date-time":
      return "2026-01-01T00:00:00Z"
    case "date":
      return "2026-01-01"
    case "time":
      return "12:00:00"
    case "email":
      return `${name || "local"}${index > 0 ? index : ""}@example.com`
    case "uri":
    case "url":
      return `https://example.com/${name || "local"}${index > 0 ? index : ""}`
    case "uuid":
      return `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`
  }
  let value = vocabularyString(name, index, hints)
  const min = typeof schema.minLength === "number" ? schema.minLength : 0
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity
  while (value.length < min) value += "x"
  if (value.length > max) value = value.slice(0, max)
  return value
}

const typeOf = (schema: Json): string | undefined => {
  const type = schema.type
  if (typeof type === "string") return type
  if (Array.isArray(type)) {
    const nonNull = type.find((t) => t !== "null")
    return typeof nonNull === "string" ? nonNull : "null"
  }
  if (isObject(schema.properties)) return "object"
  if (schema.items !== undefined) return "array"
  return undefined
}

/**
 * A value satisfying the JSON schema (the common subset: types, required properties, enums,
 * const, numeric and length bounds, arrays, nested objects, `$ref`, `anyOf` / `oneOf` / `allOf`),
 * with strings taken from `prompt` where the field's name asks for a name or for text.
 *
 * @internal
 */
export const valueFor = (schema: unknown, prompt = ""): unknown =>
  go(schema, isObject(schema) ? schema : {}, prompt.length > 0 ? hintsOf(prompt) : noHints, "", 0, 0)

const go = (schema: unknown, root: Json, hints: Hints, name: string, index: number, depth: number): unknown => {
  if (!isObject(schema) || depth > 12) return null
  if (typeof schema.$ref === "string") return go(resolveRef(root, schema.$ref), root, hints, name, index, depth + 1)
  if (schema.const !== undefined) return schema.const
  // Schema authors' own examples make the most plausible arguments.
  if (Array.isArray(schema.examples) && schema.examples.length > 0) {
    return schema.examples[index % schema.examples.length]
  }
  if (schema.default !== undefined) return schema.default
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const options = schema.enum.filter((e) => e !== null)
    const pool = options.length > 0 ? options : schema.enum
    return pool[index % pool.length]
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) {
      const pick = options.find((o) => !(isObject(o) && o.type === "null")) ?? options[0]
      return go(pick, root, hints, name, index, depth + 1)
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const parts = schema.allOf.map((s) => go(s, root, hints, name, index, depth + 1))
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0]
  }
  switch (typeOf(schema)) {
    case "object": {
      const out: Json = {}
      const properties = isObject(schema.properties) ? schema.properties : {}
      const required = asArray(schema.required).filter((r): r is string => typeof r === "string")
      for (const [key, sub] of Object.entries(properties)) {
        if (required.includes(key) || depth < 3) out[key] = go(sub, root, hints, key, 0, depth + 1)
      }
      for (const key of required) {
        if (!(key in out)) {
          out[key] = isObject(schema.additionalProperties)
            ? go(schema.additionalProperties, root, hints, key, 0, depth + 1)
            : vocabularyString(key, 0, hints)
        }
      }
      return out
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 1
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity
      const length = Math.min(Math.max(min, 1), max)
      const prefix = asArray(schema.prefixItems)
      const items: Array<unknown> = []
      for (let i = 0; i < length; i++) {
        const itemSchema = i < prefix.length
          ? prefix[i]
          : Array.isArray(schema.items)
          ? schema.items[i] ?? {}
          : schema.items ?? {}
        items.push(go(itemSchema, root, hints, singular(name), i, depth + 1))
      }
      return items
    }
    case "string":
      return stringFor(schema, name, index, hints)
    case "integer":
      return numberIn(schema, true, name, index)
    case "number":
      return numberIn(schema, false, name, index)
    case "boolean":
      return true
    case "null":
      return null
    default:
      return vocabularyString(name, index, hints)
  }
}
