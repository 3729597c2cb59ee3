/**
 * What the engine's checks return: every problem found, each with the path of the field it is about, and
 * the value when there is none. No exception crosses the engine's API for bad input.
 *
 * @since 0.1.0
 */

/**
 * One problem with an input: the dotted path of the field (`prompt.0.content.1.source`, `toolChoice`), a
 * message for a person, and for a mistyped key or name the closest known one.
 *
 * @since 0.1.0
 * @category Issues
 */
export interface Issue {
  readonly path: string
  readonly message: string
  readonly suggestion?: string | undefined
}

/**
 * A value, or every problem that kept it from being one (never an empty list).
 *
 * @since 0.1.0
 * @category Issues
 */
export type Result<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly issues: ReadonlyArray<Issue> }

/**
 * A successful result.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const succeed = <A>(value: A): Result<A> => ({ ok: true, value })

/**
 * A failed result; `issues` must not be empty.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const fail = <A = never>(issues: ReadonlyArray<Issue>): Result<A> => ({ ok: false, issues })
