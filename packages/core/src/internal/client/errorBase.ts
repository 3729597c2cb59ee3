/**
 * The shared base of every `BedrockError` class: the common fields, the `retryable` default, the
 * type id, and printing (`toJSON`, `toString`, `util.inspect`) that never shows the SDK error kept
 * as `cause` (it holds `$response`, with headers and the raw body stream) nor anything that looks
 * like a credential.
 *
 * @internal
 */
import type * as Classify from "@effect-bedrock/converse/errors/classify"
import type * as Exceptions from "@effect-bedrock/converse/errors/exceptions"
import { scrubCause, scrubSecrets, summariseCause } from "@effect-bedrock/converse/errors/scrub"
import * as Inspectable from "effect/Inspectable"
import * as Schema from "effect/Schema"

/** @internal */
export const TypeId: unique symbol = Symbol.for("@effect-bedrock/core/BedrockError")

/** @internal */
export type ExceptionInfo = Exceptions.ExceptionInfo

/**
 * See `BedrockError.FromSdkContext`.
 *
 * @internal
 */
export type FromSdkContext = Classify.Context

/** @internal */
export const Position = Schema.Literal("request", "stream")

/** @internal */
export const commonFields = {
  message: Schema.String,
  status: Schema.optional(Schema.Number),
  requestId: Schema.optional(Schema.String),
  position: Schema.optionalWith(Position, { default: () => "request" as const }),
  exceptionName: Schema.optional(Schema.String),
  operation: Schema.optional(Schema.String),
  cause: Schema.optional(Schema.Defect)
}

/** @internal */
export const retryableField = (value: boolean) => Schema.optionalWith(Schema.Boolean, { default: () => value })

/** No extra fields. */
type NoFields = Record<never, never>

/** @internal */
export type Fields<Extra extends Schema.Struct.Fields = NoFields> =
  & typeof commonFields
  & { readonly retryable: ReturnType<typeof retryableField> }
  & Extra

interface Printable {
  readonly _tag: string
  readonly message: string
  readonly status?: number | undefined
  readonly requestId?: string | undefined
  readonly position: "request" | "stream"
  readonly kind?: string | undefined
  readonly cause?: unknown
}

const safeJson = function(this: Printable): Record<string, unknown> {
  const out: Record<string, unknown> = { _tag: this._tag }
  for (const key of Object.keys(this)) {
    const value = (this as unknown as Record<string, unknown>)[key]
    if (value === undefined) continue
    if (key === "cause") out.cause = summariseCause(value)
    else if (key === "message" && typeof value === "string") out.message = scrubSecrets(value)
    else out[key] = value
  }
  if (out.message === undefined) out.message = scrubSecrets(this.message)
  // `cause` is a non-enumerable own property (set through `Error`'s options).
  if (out.cause === undefined && this.cause !== undefined) out.cause = summariseCause(this.cause)
  return out
}

const safeString = function(this: Printable): string {
  const details: Array<string> = []
  if (this.status !== undefined) details.push(`status ${this.status}`)
  if (this.requestId !== undefined) details.push(`request id ${this.requestId}`)
  if (this.position === "stream") details.push("in stream")
  if (this.kind !== undefined) details.push(this.kind)
  const suffix = details.length > 0 ? ` (${details.join(", ")})` : ""
  return `${this._tag}: ${scrubSecrets(this.message)}${suffix}`
}

const scrubProps = (props: any): any => {
  if (typeof props !== "object" || props === null) return props
  const message = props.message
  const scrubbedMessage = typeof message === "string" ? scrubSecrets(message) : message
  const cause = props.cause === undefined ? undefined : scrubCause(props.cause)
  if (scrubbedMessage === message && cause === props.cause) return props
  return { ...props, message: scrubbedMessage, ...(cause === undefined ? {} : { cause }) }
}

/**
 * The shared base of every `BedrockError` class: the common fields, the `retryable` default, the
 * type id and printing that never shows the SDK error kept as `cause` (it holds `$response`, with
 * headers and the raw body stream) nor anything that looks like a credential.
 *
 * @internal
 */
export const Base = <Self>() =>
<Tag extends string, Extra extends Schema.Struct.Fields = NoFields>(
  tag: Tag,
  retryable: boolean,
  extra?: Extra
): Schema.TaggedErrorClass<Self, Tag, { readonly _tag: Schema.tag<Tag> } & Fields<Extra>> => {
  const Class: new(props: any, options?: Schema.MakeOptions) => object = Schema.TaggedError<any>(
    `@effect-bedrock/core/BedrockError/${tag}`
  )(tag, {
    ...commonFields,
    retryable: retryableField(retryable),
    ...extra
  })
  class BedrockErrorBase extends Class {
    constructor(props: any, options?: Schema.MakeOptions) {
      // Scrubbed on the way in, so no representation can show a secret: the Schema encoding, a
      // logged or pretty-printed `Cause` (which renders the `cause` chain), a rejected promise.
      super(scrubProps(props), options)
    }
    toJSON() {
      return safeJson.call(this as unknown as Printable)
    }
    override toString() {
      return safeString.call(this as unknown as Printable)
    }
    [Inspectable.NodeInspectSymbol]() {
      return safeJson.call(this as unknown as Printable)
    }
  }
  Object.defineProperty(BedrockErrorBase.prototype, TypeId, { value: TypeId })
  return BedrockErrorBase as unknown as Schema.TaggedErrorClass<
    Self,
    Tag,
    { readonly _tag: Schema.tag<Tag> } & Fields<Extra>
  >
}

/**
 * A modelled exception's class: the base plus its `ExceptionInfo` as a static `exception`.
 *
 * @internal
 */
export const Exception = <Self>() =>
<Tag extends string, Extra extends Schema.Struct.Fields = NoFields>(
  tag: Tag,
  exception: ExceptionInfo,
  extra?: Extra
) => {
  const Class = Base<Self>()(tag, exception.retryable, extra)
  return Object.assign(Class, { exception }) as typeof Class & { readonly exception: ExceptionInfo }
}
