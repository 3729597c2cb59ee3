/**
 * Builds the AWS SDK client configuration from `BedrockClient.Options`, and the per-call header
 * middleware.
 *
 * @internal
 */
import type { BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime"
import * as Recorder from "@effect-bedrock/converse/cassette/recorder"
import * as RequestHandler from "@effect-bedrock/converse/net/requestHandler"
import * as EventPump from "@effect-bedrock/converse/stream/eventPump"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type * as BedrockClient from "../../BedrockClient.js"

/** The client options that configure the SDK client: `BedrockClient.Options` without the retry and deadline. @internal */
export type SdkOptions = Omit<BedrockClient.Options, "retry" | "deadline">

/** @internal */
export const defaultConnectTimeout: Duration.Duration = Duration.millis(RequestHandler.defaultConnectTimeoutMs)

/** @internal */
export const defaultRequestTimeout: Duration.Duration = Duration.millis(RequestHandler.defaultRequestTimeoutMs)

/**
 * The request timeout in milliseconds, `undefined` when disabled (infinite).
 *
 * @internal
 */
export const requestTimeoutMillis = (options: SdkOptions): number | undefined =>
  millis(options.requestTimeout, defaultRequestTimeout)

// Over 24.8 days: as good as no timeout (a timer cannot be set that far); the engine's rule.
const millis = (input: Duration.DurationInput | undefined, fallback: Duration.Duration): number | undefined =>
  EventPump.idleTimerMillis(Duration.toMillis(Duration.decode(input ?? fallback)))

/**
 * The SDK client configuration. Secrets are unwrapped here and nowhere else.
 *
 * @internal
 */
export const toClientConfig = (options: SdkOptions): BedrockRuntimeClientConfig => {
  const connectMs = millis(options.connectTimeout, defaultConnectTimeout)
  const requestMs = millis(options.requestTimeout, defaultRequestTimeout)
  const config: BedrockRuntimeClientConfig = {
    // Retries are ours (Effect Schedule, retryable errors only, never after a stream's first event).
    maxAttempts: 1,
    requestHandler: RequestHandler.make({
      connectTimeoutMs: connectMs,
      requestTimeoutMs: requestMs,
      ca: options.ca,
      resumeSessions: options.tlsSessionResumption !== false,
      warmSpare: options.warmConnection === true,
      shareStreams: options.shareStreamSessions === true,
      maxEventBytes: options.maxEventBytes
    }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : {
      credentials: {
        accessKeyId: options.credentials.accessKeyId,
        secretAccessKey: Redacted.value(options.credentials.secretAccessKey),
        ...(options.credentials.sessionToken === undefined
          ? {}
          : { sessionToken: Redacted.value(options.credentials.sessionToken) })
      }
    }),
    ...(options.apiKey === undefined ? {} : {
      token: { token: Redacted.value(options.apiKey) },
      authSchemePreference: ["httpBearerAuth"]
    })
  }
  const final = options.transformClientConfig === undefined ? config : options.transformClientConfig(config)
  return options.record === undefined ? final : {
    ...final,
    // Outermost: it records what the handler the client ends up with sends and receives.
    requestHandler: Recorder.wrap(final.requestHandler, recordOptions(options.record, options))
  }
}

const recordOptions = (record: string | Recorder.Options, options: SdkOptions): Recorder.Options => {
  const base = typeof record === "string" ? { file: record } : record
  const own = [
    ...secretsOf(options).map(Redacted.value),
    ...(options.credentials ? [options.credentials.accessKeyId] : [])
  ]
  return { ...base, secrets: [...(base.secrets ?? []), ...own] }
}

/**
 * The secrets of these options, still redacted; `fromSdk` removes their values from messages.
 *
 * @internal
 */
export const secretsOf = (options: SdkOptions): Array<Redacted.Redacted<string>> => {
  const out: Array<Redacted.Redacted<string>> = []
  if (options.credentials !== undefined) {
    out.push(options.credentials.secretAccessKey)
    if (options.credentials.sessionToken !== undefined) out.push(options.credentials.sessionToken)
  }
  if (options.apiKey !== undefined) out.push(options.apiKey)
  return out
}

// =============================================================================
// Per-call headers: the engine's (`@effect-bedrock/converse/net/callOptions`, shared with Effect 4)
// =============================================================================

export {
  /** @internal */
  addHeaders,
  /** @internal */
  setHeaders
} from "@effect-bedrock/converse/net/callOptions"
