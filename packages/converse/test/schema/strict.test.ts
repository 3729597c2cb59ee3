// Schemas as Bedrock takes them: title/$schema dropped everywhere, $defs inlined for Amazon and
// Meta, and the strict rewrite (additionalProperties false, rejected keywords moved into the
// description). Nothing is copied when nothing changes, and the result is cached per schema.
import { forBedrock, isStrictPattern } from "@effect-bedrock/converse/schema/strict"
import { assert, describe, it } from "vitest"

describe("schema/strict", () => {
  it("a schema that needs nothing comes back as it is, and results are cached", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] }
    assert.strictEqual(forBedrock(schema, false, false).schema, schema)
    const strict = forBedrock(schema, true, false)
    assert.deepStrictEqual(strict.schema, { ...schema, additionalProperties: false })
    assert.strictEqual(forBedrock(schema, true, false), strict)
    // The user's schema is never changed.
    assert.isFalse("additionalProperties" in schema)
  })

  it("drops title and $schema on every node, but not properties that are called title", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "Book",
      type: "object",
      properties: { title: { type: "string", title: "The title" }, tags: { type: "array", items: { title: "x" } } }
    }
    assert.deepStrictEqual(forBedrock(schema, false, false).schema, {
      type: "object",
      properties: { title: { type: "string" }, tags: { type: "array", items: {} } }
    })
  })

  it("strict: rejected keywords move into the description, in order, with the existing one first", () => {
    const schema = {
      type: "object",
      properties: {
        age: { type: "integer", description: "Age", minimum: 0, maximum: 150 },
        score: { type: "number", exclusiveMinimum: 0, multipleOf: 0.5 },
        tags: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 5 },
        one: { type: "array", items: { type: "string" }, minItems: 1 },
        id: { type: "string", format: "uuid", pattern: "^[a-f0-9-]+$" },
        code: { type: "string", format: "iso-4217", pattern: "^(?!XXX)[A-Z]{3}$", minLength: 3 }
      }
    }
    assert.deepStrictEqual(forBedrock(schema, true, false).schema, {
      type: "object",
      additionalProperties: false,
      properties: {
        age: { type: "integer", description: "Age (minimum=0, maximum=150)" },
        score: { type: "number", description: "exclusiveMinimum=0, multipleOf=0.5" },
        tags: { type: "array", items: { type: "string" }, description: "maxItems=5, minItems=2" },
        one: { type: "array", items: { type: "string" }, minItems: 1 },
        id: { type: "string", format: "uuid", pattern: "^[a-f0-9-]+$" },
        code: { type: "string", minLength: 3, description: "format=iso-4217, pattern=^(?!XXX)[A-Z]{3}$" }
      }
    })
    // Not strict: only title and $schema go.
    assert.strictEqual(forBedrock(schema, false, false).schema, schema)
  })

  it("strict: Schema.positive() and a Record as effect's JSONSchema.make writes them", () => {
    // JSONSchema.make(Schema.Struct({ quantity: Schema.Number.pipe(Schema.positive()),
    //   prices: Schema.Record({ key: Schema.String, value: Schema.Number }) })), effect 3.
    const order = {
      $schema: "http://json-schema.org/draft-07/schema#",
      type: "object",
      required: ["quantity", "prices"],
      properties: {
        quantity: { type: "number", description: "a positive number", title: "positive", exclusiveMinimum: 0 },
        prices: { type: "object", required: [], properties: {}, additionalProperties: { type: "number" } }
      },
      additionalProperties: false
    }
    const result = forBedrock(order, true, false)
    const properties = (result.schema as any).properties
    assert.deepStrictEqual(properties.quantity, {
      type: "number",
      description: "a positive number (exclusiveMinimum=0)"
    })
    assert.strictEqual(properties.prices.additionalProperties, false)
    assert.isUndefined((result.schema as any).$schema)
    assert.strictEqual(result.warnings.length, 1)
    assert.match(result.warnings[0]!, /\$\.properties\.prices is a map/)
  })

  it("inlines local $refs (siblings win), keeping recursive definitions under $defs", () => {
    const schema = {
      type: "object",
      properties: {
        home: { $ref: "#/$defs/Address", description: "Where they live" },
        work: { $ref: "#/$defs/Address" },
        tree: { $ref: "#/$defs/Node" }
      },
      $defs: {
        Address: { type: "object", title: "Address", properties: { city: { type: "string" } } },
        Node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } } }
      }
    }
    const address = { type: "object", properties: { city: { type: "string" } } }
    assert.deepStrictEqual(forBedrock(schema, false, true).schema, {
      type: "object",
      properties: {
        home: { ...address, description: "Where they live" },
        work: address,
        tree: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } } }
      },
      $defs: {
        Node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } } }
      }
    })
    // Without inlining the definitions stay, rewritten like the rest.
    const kept = forBedrock(schema, true, false).schema as any
    assert.strictEqual(kept.properties.home.$ref, "#/$defs/Address")
    assert.deepStrictEqual(kept.$defs.Address, { ...address, additionalProperties: false })
  })

  it("isStrictPattern rejects lookaround, backreferences and word boundaries", () => {
    assert.isTrue(isStrictPattern("^[0-9]{3}-[0-9]{4}$"))
    assert.isTrue(isStrictPattern("^\\S[\\s\\S]*\\S$"))
    for (const pattern of ["(?=a)", "(?!a)", "(?<=a)", "(?<!a)", "(a)\\1", "(?<x>a)\\k<x>", "\\bword\\b"]) {
      assert.isFalse(isStrictPattern(pattern), pattern)
    }
  })
})
