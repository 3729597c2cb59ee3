/**
 * The recorder: an SDK request handler that wraps the one a client uses (the engine's
 * `net/requestHandler`, or any handler of yours) and copies each Bedrock exchange into a cassette file
 * (`cassette/format.ts`) as it completes.
 *
 * - Converse and CountTokens answers, and every error answer, are read whole (the SDK reads them whole
 *   too), recorded, and handed to the SDK as the same bytes.
 * - A ConverseStream answer is teed: each chunk is copied as it passes on its way to the SDK, so the
 *   consumer gets its events as they arrive; the frames are cut, described and scrubbed once the stream
 *   has ended. A stream cut short (a failed connection, a client that stopped reading) is recorded as far
 *   as it went, with `end: "reset"`; one that ended on an exception frame is whole.
 * - Secrets are scrubbed before anything is written (`cassette/scrub.ts`): the ones given, the ones each
 *   request shows (its SigV4 key id, security token, bearer key), and, by default, the AWS secrets of the
 *   environment.
 * - Interactions are written in the order their requests started, whatever order they complete in
 *   (concurrent requests); the file is rewritten atomically after each completion (batched per turn of
 *   the event loop), and at once by `flush` or `destroy`.
 * - Requests other than Converse, ConverseStream and CountTokens pass through unrecorded; a request that
 *   failed before any response (no connection) has nothing to replay and is not recorded.
 *
 * @since 0.1.0
 */
import { type NodeHttp2Handler, NodeHttpHandler } from "@smithy/node-http-handler"
import { Readable } from "node:stream"
import * as CassetteFile from "./file.js"
import type { Cassette, Frame, Interaction, Operation } from "./format.js"
import { version } from "./format.js"
import * as Frames from "./frames.js"
import { Player } from "./match.js"
import * as Scrub from "./scrub.js"

type HttpRequest = Parameters<NodeHttp2Handler["handle"]>[0]
type HttpHandlerOptions = NonNullable<Parameters<NodeHttp2Handler["handle"]>[1]>
type HttpResponse = Awaited<ReturnType<NodeHttp2Handler["handle"]>>["response"]
type RequestHandlerMetadata = NodeHttp2Handler["metadata"]

/**
 * What the recorder wraps: any AWS SDK v3 request handler.
 *
 * @since 0.1.0
 * @category Models
 */
export interface SdkHandler {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>
  updateHttpClientConfig?(key: never, value: never): void
  httpHandlerConfigs?(): object
  destroy?(): void
  readonly metadata?: RequestHandlerMetadata | undefined
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  /** The cassette file (written atomically, its folder created). */
  readonly file: string
  /**
   * `"replace"` (default): the file holds this recording only (VCR's `all`). `"append"`: what the file holds
   * already is kept, new exchanges are added after it.
   */
  readonly existing?: "replace" | "append" | undefined
  /** Secrets to scrub wherever they appear (credentials you gave the client). */
  readonly secrets?: ReadonlyArray<string> | undefined
  /** Account ids to replace wherever they appear (ARNs are always scrubbed). */
  readonly accountIds?: ReadonlyArray<string> | undefined
  /** Also scrub the AWS secrets of `process.env` (default true). */
  readonly environmentSecrets?: boolean | undefined
  /**
   * Replay instead of record: a request matching one of `interactions` (unplayed) goes to `endpoint` (a
   * local Bedrock serving the same cassette) and is not recorded again; the others go where the client
   * sends them and are recorded. This is the `once` mode of `LocalBedrock.cassette`.
   */
  readonly replay?: { readonly endpoint: string; readonly interactions: ReadonlyArray<Interaction> } | undefined
  /** Told the counts after each exchange recorded or replayed. */
  readonly onRecord?: ((stats: Stats) => void) | undefined
}

/**
 * What a recorder counts.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Stats {
  /** Exchanges recorded and written. */
  readonly recorded: number
  /** Requests sent to the replay endpoint. */
  readonly replayed: number
  /** Requests that passed through unrecorded (other operations). */
  readonly passedThrough: number
}

const ROUTE = /\/model\/([^/]+)\/(converse|converse-stream|count-tokens)$/

/** The response headers a cassette keeps (the rest is transport: date, length, connection). */
const keptHeader = (name: string): boolean =>
  name === "content-type" || name === "x-amzn-requestid" || name === "x-amzn-errortype" ||
  name === "x-amzn-errormessage" || name === "retry-after" || name.startsWith("x-amzn-bedrock-")

const utf8 = new TextDecoder()

const bodyOf = (body: unknown): unknown => {
  const text = typeof body === "string"
    ? body
    : body instanceof Uint8Array
    ? utf8.decode(body)
    : undefined
  if (text === undefined || text === "") return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A stream that gives `bytes`, then ends (or fails with `failure`, as the original did). */
const readableOf = (bytes: Uint8Array, failure: unknown): Readable => {
  let sent = false
  return new Readable({
    read() {
      if (sent) return
      sent = true
      if (bytes.length > 0) this.push(bytes)
      if (failure === undefined) this.push(null)
      else this.destroy(failure instanceof Error ? failure : new Error(String(failure)))
    }
  })
}

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => Buffer.concat(chunks)

interface Pending {
  readonly seq: number
  readonly interaction: Interaction
}

/**
 * The recording handler (see the module's description).
 *
 * @since 0.1.0
 * @category Models
 */
export class RecordingHandler {
  private readonly kept: ReadonlyArray<Interaction>
  private readonly done: Array<Pending> = []
  private readonly known = new Set<string>()
  private readonly open = new Set<(cut: boolean) => void>()
  private readonly player: Player | undefined
  private next = 0
  private scheduled: ReturnType<typeof setImmediate> | undefined
  private written = false
  private counts = { recorded: 0, replayed: 0, passedThrough: 0 }

  constructor(readonly inner: SdkHandler, private readonly options: Options) {
    let kept: ReadonlyArray<Interaction> = []
    if (options.existing === "append") {
      const existing = CassetteFile.read(options.file)
      if (existing.ok) kept = existing.cassette.interactions
      else if (!("missing" in existing)) throw new Error(existing.message)
    }
    this.kept = kept
    for (const secret of options.secrets ?? []) this.addSecret(secret)
    if (options.environmentSecrets !== false) {
      for (const secret of Scrub.secretsOfEnvironment(process.env)) this.addSecret(secret)
    }
    this.player = options.replay === undefined ? undefined : new Player(options.replay.interactions)
  }

  /** The SDK reads the handler's protocol from here (`h2` for the engine's). */
  get metadata(): RequestHandlerMetadata {
    return this.inner.metadata ?? { handlerProtocol: "http/1.1" }
  }

  /** What was recorded so far. */
  get stats(): Stats {
    return { ...this.counts }
  }

  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const route = ROUTE.exec(request.path ?? "")
    if (route === null) {
      this.counts.passedThrough++
      return this.inner.handle(request, options)
    }
    const operation = route[2] as Operation
    let modelId: string
    try {
      modelId = decodeURIComponent(route[1]!)
    } catch {
      modelId = route[1]!
    }
    const requestBody = bodyOf(request.body)
    if (this.player !== undefined && this.options.replay !== undefined) {
      const asked = { operation, modelId, body: requestBody }
      if (this.player.has(asked)) {
        this.player.take(asked)
        this.counts.replayed++
        this.options.onRecord?.(this.stats)
        const target = new URL(this.options.replay.endpoint)
        const redirected = Object.assign(Object.create(Object.getPrototypeOf(request)), request, {
          protocol: target.protocol,
          hostname: target.hostname,
          port: Number(target.port),
          headers: { ...request.headers, host: target.host }
        }) as HttpRequest
        return this.inner.handle(redirected, options)
      }
    }
    for (const secret of Scrub.secretsOfHeaders(request.headers)) this.addSecret(secret)
    const seq = this.next++
    const recordedAt = new Date().toISOString()
    const { response } = await this.inner.handle(request, options)
    const status = response.statusCode
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      const lower = name.toLowerCase()
      if (keptHeader(lower) && typeof value === "string") headers[lower] = value
    }
    const record = (response: Interaction["response"]) =>
      this.complete(seq, { operation, modelId, request: { body: requestBody }, response, recordedAt })
    if (operation === "converse-stream" && status >= 200 && status < 300 && response.body != null) {
      const tee = this.tee(response.body as AsyncIterable<Uint8Array>, (chunks, cut) => {
        this.open.delete(tee.finish)
        record({ status, headers, ...this.framesOf(concat(chunks), cut) })
      })
      this.open.add(tee.finish)
      // A reader that stops without telling the body (the SDK after an exception frame) aborts the request.
      const signal = options?.abortSignal as AbortSignal | undefined
      signal?.addEventListener?.("abort", () => tee.finish(true), { once: true })
      response.body = tee.body
      return { response }
    }
    const chunks: Array<Uint8Array> = []
    let failure: unknown = undefined
    if (response.body != null) {
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array | string>) {
          chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk)
        }
      } catch (error) {
        failure = error
      }
    }
    const bytes = concat(chunks)
    const body = bodyOf(bytes)
    record({
      status,
      headers,
      ...(body === null ? {} : typeof body === "string" ? { bodyText: body } : { body }),
      ...(failure === undefined ? {} : { end: "reset" as const })
    })
    response.body = readableOf(bytes, failure)
    return { response }
  }

  updateHttpClientConfig(key: never, value: never): void {
    this.inner.updateHttpClientConfig?.(key, value)
  }

  httpHandlerConfigs(): object {
    return this.inner.httpHandlerConfigs?.() ?? {}
  }

  /** Writes what is pending now (synchronously). */
  flush(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled)
      this.scheduled = undefined
    }
    this.write()
  }

  /** Records the streams still open as cut, writes what is pending, then destroys the wrapped handler. */
  destroy(): void {
    for (const finish of [...this.open]) finish(true)
    try {
      this.flush()
    } finally {
      this.inner.destroy?.()
    }
  }

  private addSecret(secret: string): void {
    if (secret.length >= 4) this.known.add(secret)
  }

  private get secrets(): Scrub.Secrets {
    return { exact: [...this.known], accountIds: this.options.accountIds }
  }

  /**
   * The body, passed on chunk by chunk; each chunk is copied as it passes. `done` runs once: at the end,
   * on a failure, or when the reader stops early.
   */
  private tee(
    body: AsyncIterable<Uint8Array>,
    done: (chunks: ReadonlyArray<Uint8Array>, cut: boolean) => void
  ): { readonly body: AsyncIterable<Uint8Array>; readonly finish: (cut: boolean) => void } {
    const chunks: Array<Uint8Array> = []
    let finished = false
    const finish = (cut: boolean) => {
      if (finished) return
      finished = true
      done(chunks, cut)
    }
    const teed: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => {
        const source = body[Symbol.asyncIterator]()
        return {
          next: () =>
            source.next().then(
              (result) => {
                if (result.done === true) finish(false)
                else if (!finished) chunks.push(result.value.slice())
                return result
              },
              (error: unknown) => {
                finish(true)
                throw error
              }
            ),
          return: (value?: unknown) => {
            finish(true)
            return source.return !== undefined
              ? source.return(value)
              : Promise.resolve({ done: true as const, value: undefined })
          }
        }
      }
    }
    return { body: teed, finish }
  }

  /** The frames of a stream's bytes, scrubbed; `cut` unless it ended on an exception or `metadata`. */
  private framesOf(bytes: Uint8Array, cut: boolean): Pick<Interaction["response"], "frames" | "end"> {
    const { frames, rest } = Frames.split(bytes)
    const secrets = this.secrets
    const out: Array<Frame> = frames.map((frame): Frame => {
      const described = Frames.describe(frame)
      if (described === undefined) {
        const text = Buffer.from(frame).toString("latin1")
        // A frame that cannot be read as words cannot be scrubbed: kept only when it holds no secret.
        return Scrub.scrubText(text, secrets) === text
          ? { bytes: Buffer.from(frame).toString("base64") }
          : { event: "redactedFrame", payload: {}, scrubbed: true }
      }
      const kind = described.kind === "event" ? { event: described.type } : { exception: described.type }
      const payload = Scrub.scrubJson(described.payload, secrets)
      if (payload === described.payload) {
        return { ...kind, payload, bytes: Buffer.from(frame).toString("base64") }
      }
      const encoded = Frames.encode({ ...described, payload })
      return { ...kind, payload, bytes: Buffer.from(encoded).toString("base64"), scrubbed: true }
    })
    const last = frames.length > 0 ? Frames.describe(frames[frames.length - 1]!) : undefined
    const whole = rest.length === 0 &&
      (!cut || last?.kind === "exception" || (last?.kind === "event" && last.type === "metadata"))
    return { frames: out, ...(whole ? {} : { end: "reset" as const }) }
  }

  private complete(seq: number, interaction: Interaction): void {
    const secrets = this.secrets
    const response = interaction.response
    const scrubbed: Interaction = {
      operation: interaction.operation,
      modelId: Scrub.scrubText(interaction.modelId, secrets),
      request: { body: Scrub.scrubJson(interaction.request.body, secrets) },
      response: {
        status: response.status,
        headers: Scrub.scrubJson(response.headers, secrets) as Record<string, string>,
        ...(response.body === undefined ? {} : { body: Scrub.scrubJson(response.body, secrets) }),
        ...(response.bodyText === undefined ? {} : { bodyText: Scrub.scrubText(response.bodyText, secrets) }),
        ...(response.frames === undefined ? {} : { frames: response.frames }),
        ...(response.end === undefined ? {} : { end: response.end })
      },
      recordedAt: interaction.recordedAt
    }
    this.done.push({ seq, interaction: scrubbed })
    this.counts.recorded++
    this.options.onRecord?.(this.stats)
    if (this.scheduled === undefined) {
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined
        this.write()
      })
    }
  }

  private write(): void {
    if (this.written && this.done.length === this.writtenCount) return
    const recorded = this.done.slice().sort((a, b) => a.seq - b.seq).map((pending) => pending.interaction)
    const cassette: Cassette = { version, interactions: [...this.kept, ...recorded] }
    CassetteFile.write(this.options.file, cassette)
    this.written = true
    this.writtenCount = this.done.length
  }

  private writtenCount = 0
}

/**
 * Wraps `handler` (an SDK handler instance, or the options of the SDK's default Node handler, or nothing
 * for that default) in a recorder.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const wrap = (handler: unknown, options: Options): RecordingHandler => {
  const inner = typeof (handler as SdkHandler | undefined)?.handle === "function"
    ? handler as SdkHandler
    : NodeHttpHandler.create(handler as ConstructorParameters<typeof NodeHttpHandler>[0]) as unknown as SdkHandler
  return new RecordingHandler(inner, options)
}

const stringsOf = (value: unknown, keys: ReadonlyArray<string>): Array<string> =>
  typeof value === "object" && value !== null
    ? keys.map((key) => (value as Record<string, unknown>)[key]).filter((v): v is string => typeof v === "string")
    : []

/**
 * An SDK client configuration whose request handler records into a cassette (`record`: the file, or the
 * recorder's options). The configuration's static credentials and bearer token, when given as values, are
 * added to the secrets to scrub.
 *
 * @since 0.1.0
 * @category Constructors
 */
export const recordingConfig = <C extends { readonly requestHandler?: unknown }>(
  config: C,
  record: string | Options
): C => {
  const options = typeof record === "string" ? { file: record } : record
  const own = [
    ...stringsOf((config as { credentials?: unknown }).credentials, ["accessKeyId", "secretAccessKey", "sessionToken"]),
    ...stringsOf((config as { token?: unknown }).token, ["token"])
  ]
  return {
    ...config,
    requestHandler: wrap(config.requestHandler, { ...options, secrets: [...(options.secrets ?? []), ...own] })
  }
}
