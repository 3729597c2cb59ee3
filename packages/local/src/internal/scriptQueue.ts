/**
 * The FIFO script queue: a request takes the first queued script whose filters match it and whose
 * kind fits its operation (see `LocalBedrockScript`).
 *
 * @internal
 */
import type * as Script from "../LocalBedrockScript.js"

const fits = (script: Script.Script, operation: Script.Operation, modelId: string): boolean => {
  if (script.operation !== undefined && script.operation !== operation) return false
  if (script.modelId !== undefined && script.modelId !== modelId) return false
  switch (script._tag) {
    case "Json":
      return operation !== "converse-stream"
    case "Stream":
    case "Generated":
      return operation === "converse-stream"
    default:
      return true
  }
}

/** @internal */
export class ScriptQueue {
  private readonly scripts: Array<Script.Script> = []

  get pending(): number {
    return this.scripts.length
  }

  add(scripts: ReadonlyArray<Script.Script>): void {
    for (const script of scripts) this.scripts.push(script)
  }

  /** Removes and returns the first script for the request, if any. */
  take(operation: Script.Operation, modelId: string): Script.Script | undefined {
    const index = this.scripts.findIndex((s) => fits(s, operation, modelId))
    return index >= 0 ? this.scripts.splice(index, 1)[0] : undefined
  }

  clear(): void {
    this.scripts.length = 0
  }
}
