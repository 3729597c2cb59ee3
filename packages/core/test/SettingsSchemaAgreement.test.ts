// The engine's settings validator (`@effect-bedrock/converse/settings/validate`, which
// `BedrockModelSettings.decode` adapts) against the `BedrockModelSettings` Schema, on settings generated
// from the Schema (effect's Arbitrary + fast-check): (a) what the Schema accepts, the validator accepts,
// as it is; (b) with one leaf replaced by a wrong value, the Schema rejects it exactly when the validator
// does, and the validator names that leaf or a setting holding it.
import { settingKeys, validateSettings } from "@effect-bedrock/converse/settings/validate"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import * as BedrockModelSettings from "../src/BedrockModelSettings.js"

// Random strings are almost never header names or model ids: generate ones.
const Generated = Schema.Struct({
  ...BedrockModelSettings.BedrockModelSettings.fields,
  extraHeaders: Schema.optional(
    Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
      arbitrary: () => (fc) =>
        fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9 ]{0,8}$/), { maxKeys: 2 })
    })
  ),
  inferenceProfile: Schema.optional(Schema.String.annotations({
    arbitrary: () => (fc) => fc.stringMatching(/^[a-z][a-z0-9.:-]{2,20}$/)
  }))
})

const settingsArb = Arbitrary.make(Generated) as fc.Arbitrary<Record<string, unknown>>
// Unknown keys are refused at every level (the Schema's own docs say so; the engine's validator does it
// with a "did you mean"), so the Schema is asked with excess properties as errors.
const schemaAccepts = (u: unknown) =>
  Either.isRight(
    Schema.validateEither(BedrockModelSettings.BedrockModelSettings, { onExcessProperty: "error" })(u)
  )

type Path = ReadonlyArray<string | number>
const isRec = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const leaves = (value: unknown, path: Path = [], out: Array<Path> = []): Array<Path> => {
  if (Array.isArray(value) && value.length > 0) value.forEach((child, i) => leaves(child, [...path, i], out))
  else if (isRec(value) && Object.keys(value).length > 0 && path[0] !== "additionalModelRequestFields") {
    for (const key of Object.keys(value)) leaves(value[key], [...path, key], out)
  } else out.push(path)
  return out
}

const replaced = (root: Record<string, unknown>, path: Path, value: unknown) => {
  const copy = structuredClone(root)
  let node: any = copy
  for (const key of path.slice(0, -1)) node = node[key]
  node[path[path.length - 1]!] = value
  return copy
}

const wrongValues: ReadonlyArray<unknown> = [42, -1, 1.5, "x", "", true, null, {}, [], { type: "Nope" }, undefined]
const runs = { numRuns: 200, interruptAfterTimeLimit: 20_000 }

describe("the settings validator agrees with the BedrockModelSettings Schema", () => {
  it("knows the same settings", () => {
    assert.deepStrictEqual([...settingKeys].sort(), [...BedrockModelSettings.keys].sort())
  })

  it("accepts every generated setting, as it is", () => {
    fc.assert(
      fc.property(settingsArb, (settings) => {
        assert.isTrue(schemaAccepts(settings))
        const result = validateSettings(settings)
        assert.isTrue(result.ok, result.ok ? "" : result.issues[0]!.message)
        if (result.ok) assert.strictEqual<unknown>(result.value, settings)
      }),
      runs
    )
  }, 30_000)

  it("rejects settings with one leaf replaced by a wrong value exactly when the Schema does, at that leaf", () => {
    let rejected = 0
    const cases = settingsArb.filter((s) => Object.keys(s).length > 0).chain((settings) =>
      fc.tuple(fc.constant(settings), fc.constantFrom(...leaves(settings)), fc.constantFrom(...wrongValues))
    )
    fc.assert(
      fc.property(cases, ([original, path, value]) => {
        const settings = replaced(original, path, value)
        const leaf = path.join(".")
        const result = validateSettings(settings)
        if (schemaAccepts(settings)) {
          assert.isTrue(result.ok, `rejected what the Schema accepts: ${leaf} = ${JSON.stringify(value)}`)
        } else {
          assert.isFalse(result.ok, `accepted what the Schema rejects: ${leaf} = ${JSON.stringify(value)}`)
          if (!result.ok) {
            const field = result.issues[0]!.path
            const holds = (a: string, b: string) => a === b || b.startsWith(`${a}.`)
            assert.isTrue(holds(field, leaf) || holds(leaf, field), `${leaf}: ${result.issues[0]!.message}`)
          }
          rejected++
        }
      }),
      runs
    )
    assert.isAbove(rejected, 50)
  }, 30_000)
})
