/**
 * How the mapping parts report a problem: `fail` throws an `Issue`, caught
 * once at the entry point (`converse.ts`) and turned into an `Issue` of the
 * returned `Result` by `toIssue`, so the one pass over the prompt needs no
 * result wrapping per block. Also the small helpers the parts share.
 *
 * @since 0.1.0
 * @internal
 */
import type * as Result from "../request/issue.js"

/**
 * What `fail` throws.
 *
 * @since 0.1.0
 * @internal
 */
export class Issue {
  constructor(readonly message: string, readonly path?: string) {}
}

/**
 * Stops the mapping with an issue (`path` points into the request, e.g.
 * `prompt.messages[2].parts[0]`).
 *
 * @since 0.1.0
 * @internal
 */
export const fail = (message: string, path?: string): never => {
  throw new Issue(message, path)
}

/**
 * The `Issue` for what the mapping threw (`path` `""` when the problem is the
 * request as a whole); anything but an `Issue` is a bug and is thrown again.
 *
 * @since 0.1.0
 * @internal
 */
export const toIssue = (error: unknown): Result.Issue => {
  if (error instanceof Issue) return { path: error.path ?? "", message: error.message }
  throw error
}

/**
 * Whether an object has an own or inherited enumerable key (without building
 * the key array).
 *
 * @since 0.1.0
 * @internal
 */
export const hasKeys = (record: object): boolean => {
  for (const _ in record) return true
  return false
}
