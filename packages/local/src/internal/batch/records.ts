/**
 * One batch record through the same path as a runtime `converse` call: Bedrock's request validation,
 * then the next matching script from the queue (or a reserved `local.*` model id's script), else the
 * default model. The answer is written to an exchange that keeps it in memory instead of a socket, so
 * scripted answers, failures, delays and hangs apply to batch records exactly as to live calls.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import type * as Script from "../../LocalBedrockScript.js"
import type { Exchange } from "../exchange.js"
import type { Json } from "../json.js"
import * as operations from "../operations.js"
import * as reserved from "../reserved.js"
import * as scriptAnswer from "../scriptAnswer.js"
import * as validation from "../validation.js"

/**
 * What the runtime would have answered: its status, the error type of an error, and the body.
 *
 * @internal
 */
export interface Answer {
  readonly status: number
  /** The `x-amzn-errortype` name (before the `:`), for an error. */
  readonly errorType: string | undefined
  readonly body: string
}

/**
 * What running a record needs from the server.
 *
 * @internal
 */
export interface Runtime {
  /** The first queued script for a converse call of the model, removed from the queue. */
  readonly takeScript: (operation: Script.Operation, modelId: string) => Script.Script | undefined
  /** The prompt-cache prefixes seen so far. */
  readonly cache: Set<string>
}

/** An exchange that keeps the answer; a reset or an abort ends it as a 500. */
const capture = (signal: AbortSignal): { readonly exchange: Exchange; readonly answer: Promise<Answer> } => {
  let status = 200
  let errorType: string | undefined
  const chunks: Array<Buffer> = []
  let settle: (answer: Answer) => void = () => {}
  const answer = new Promise<Answer>((resolve) => {
    settle = resolve
  })
  const reset = () =>
    settle({
      status: 500,
      errorType: "InternalServerException",
      body: JSON.stringify({ message: "The connection to the model was reset." })
    })
  if (signal.aborted) reset()
  else signal.addEventListener("abort", reset, { once: true })
  const exchange: Exchange = {
    httpVersion: "1.1",
    signal,
    head: (s, headers) => {
      status = s
      const type = headers["x-amzn-errortype"]
      errorType = type === undefined ? undefined : type.split(":")[0]
    },
    write: (chunk) => {
      chunks.push(chunk)
      return Promise.resolve(true)
    },
    end: (chunk) => {
      if (chunk !== undefined) chunks.push(chunk)
      signal.removeEventListener("abort", reset)
      settle({ status, errorType, body: Buffer.concat(chunks).toString("utf8") })
    },
    reset
  }
  return { exchange, answer }
}

/**
 * Runs one Converse request body for `modelId` and resolves to what the runtime would answer. Never
 * rejects; an aborted `signal` (the job was stopped) ends a record still running as a 500.
 *
 * @internal
 */
export const converse = (runtime: Runtime, modelId: string, body: Json, signal: AbortSignal): Promise<Answer> => {
  const invalid = validation.validateConverse(body, modelId)
  if (invalid !== undefined) {
    return Promise.resolve({
      status: 400,
      errorType: "ValidationException",
      body: JSON.stringify({ message: invalid })
    })
  }
  const { answer, exchange } = capture(signal)
  const script = runtime.takeScript("converse", modelId) ?? reserved.scriptFor(modelId, "converse")
  const call: operations.Call = {
    ex: exchange,
    requestId: randomUUID(),
    operation: "converse",
    modelId,
    body,
    receivedAt: Date.now(),
    padding: false,
    cache: runtime.cache,
    onUsage: undefined
  }
  try {
    const done = script === undefined ? operations.answer(call) : scriptAnswer.answer(call, script)
    Promise.resolve(done).catch(() => exchange.reset())
  } catch {
    exchange.reset()
  }
  return answer
}
