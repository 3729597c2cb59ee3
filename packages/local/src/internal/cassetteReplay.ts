/**
 * The local Bedrock's cassette replay: a request is answered by the recorded interaction that matches it
 * (the engine's `cassette/match.ts`), with the recorded status, headers (request id included) and body or
 * event-stream frames; a request with no match gets a `CassetteMismatchException` (400) whose message
 * shows the diff against the closest recorded request, and is kept for the report.
 *
 * @internal
 */
import * as CassetteFile from "@effect-bedrock/converse/cassette/file"
import { type Cassette, frameBytes, type Operation } from "@effect-bedrock/converse/cassette/format"
import { Player } from "@effect-bedrock/converse/cassette/match"
import type { Mismatch, Report } from "@effect-bedrock/converse/cassette/session"
import type { Exchange } from "./exchange.js"
import { replyError } from "./exchange.js"

/** @internal */
export const mismatchException = "CassetteMismatchException"

/** @internal */
export class CassetteReplay {
  private readonly player: Player
  private readonly mismatches: Array<Mismatch> = []

  constructor(readonly file: string, cassette: Cassette) {
    this.player = new Player(cassette.interactions, file)
  }

  /** The cassette at `file`; throws an `Error` saying what is wrong with it. */
  get interactions(): Cassette["interactions"] {
    return this.player.interactions
  }

  static load(file: string): CassetteReplay {
    const read = CassetteFile.read(file)
    if (!read.ok) throw new Error(read.message)
    return new CassetteReplay(file, read.cassette)
  }

  /** The replay of a server's `cassette` option: a path read here, or a cassette read already. */
  static of(option: string | { readonly file: string; readonly cassette: Cassette }): CassetteReplay {
    return typeof option === "string" ? CassetteReplay.load(option) : new CassetteReplay(option.file, option.cassette)
  }

  report(): Report {
    return {
      file: this.file,
      interactions: this.player.interactions.length,
      played: this.player.playedCount,
      unplayed: this.player.unplayed().map(({ index, interaction }) => ({
        index,
        operation: interaction.operation,
        modelId: interaction.modelId
      })),
      mismatches: this.mismatches.slice()
    }
  }

  async answer(ex: Exchange, operation: Operation, modelId: string, body: unknown, requestId: string): Promise<void> {
    const take = this.player.take({ operation, modelId, body })
    if (take._tag === "Miss") {
      this.mismatches.push({ operation, modelId, message: take.message, closest: take.closest, diff: take.diff })
      return replyError(ex, requestId, 400, mismatchException, take.message)
    }
    const response = take.interaction.response
    if (ex.signal.aborted) return
    const headers: Record<string, string> = {
      "content-type": response.frames !== undefined ? "application/vnd.amazon.eventstream" : "application/json",
      "x-amzn-requestid": requestId,
      ...response.headers
    }
    ex.head(response.status, headers)
    if (response.frames !== undefined) {
      for (const frame of response.frames) {
        const bytes = frameBytes(frame)
        if (!(await ex.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)))) return
      }
    } else {
      const text = response.body !== undefined ? JSON.stringify(response.body) : response.bodyText
      if (text !== undefined && text !== "") {
        if (response.end === "reset") await ex.write(Buffer.from(text))
        else return ex.end(Buffer.from(text))
      }
    }
    if (response.end === "reset") return ex.reset()
    ex.end()
  }
}
