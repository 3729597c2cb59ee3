/**
 * Bedrock's quotas (requests and tokens per minute, per model and account) on the client side: a
 * Layer over `BedrockClient` that admits every `converse` and `converseStream` call against a
 * requests-per-minute and a tokens-per-minute budget of its model id (or inference profile), plus
 * an optional concurrency limit, so calls wait for budget instead of being throttled by Bedrock.
 *
 * - Tokens are reserved on admission (an estimate of the input plus `maxTokens`, or your own
 *   estimate) and corrected with the real usage when the call ends (a stream's `metadata` event).
 * - A call waits at most `maxWait`, in a queue of at most `maxQueued` calls per model; one that
 *   could not start in time fails with `BedrockError.BudgetExhaustedError` naming the budget,
 *   before anything is sent.
 * - Adaptive: a `ThrottlingError` from Bedrock lowers the admitted rate of that model, and calls
 *   that keep succeeding raise it again (additive increase, multiplicative decrease), so the
 *   instances converge on the real quota even when the configured numbers are too high.
 * - Built on `@effect/experimental`'s `RateLimiter` (token buckets): in memory by default
 *   (`layer`), or in Redis (`layerRedis`) so every instance of a fleet shares one budget and they
 *   back off together. Both are optional peer dependencies: install `@effect/experimental` to use
 *   this module, and `ioredis` for `layerRedis`; they are loaded when the Layer is built.
 *
 * Retry is applied once, outside the limiter, so that every attempt is admitted: the limiter takes
 * the wrapped client apart, limits its attempts, and applies one retry policy around them
 * (`options.retry`, by default the client's own) and the client's `deadline` around it all, so the
 * deadline covers the time a call waits for budget too. `BedrockClient.withRetry` over the limited
 * client replaces that policy.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockLanguageModel, BedrockRateLimiter } from "@effect-bedrock/core"
 * import { Layer } from "effect"
 *
 * const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 *
 * // One instance: budgets in memory.
 * const Bedrock = BedrockLanguageModel.layer({ model }).pipe(
 *   Layer.provide(BedrockRateLimiter.layer({ budgets: { [model]: { requestsPerMinute: 50, tokensPerMinute: 200_000 } } })),
 *   Layer.provide(BedrockClient.layer({ region: "us-east-1" }))
 * )
 *
 * // A fleet: the same budgets, shared by every instance through Redis.
 * const FleetBedrock = BedrockLanguageModel.layer({ model }).pipe(
 *   Layer.provide(BedrockRateLimiter.layerRedis({
 *     budgets: { [model]: { requestsPerMinute: 50, tokensPerMinute: 200_000 } },
 *     redis: { url: "redis://127.0.0.1:6379" }
 *   })),
 *   Layer.provide(BedrockClient.layer({ region: "us-east-1" }))
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as Admission from "@effect-bedrock/converse/limits/admission"
import type * as Models from "@effect-bedrock/converse/limits/models"
import type * as ExperimentalRateLimiter from "@effect/experimental/RateLimiter"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as BedrockClient from "./BedrockClient.js"
import type * as BedrockError from "./BedrockError.js"
import * as ClientRetry from "./internal/client/clientRetry.js"
import * as internal from "./internal/limits/rateLimiter.js"

// =============================================================================
// Models
// =============================================================================

/**
 * One model's budget. `requestsPerMinute` and `tokensPerMinute` are Bedrock's quotas for the
 * model (or inference profile) in your account and region; `concurrency` caps the calls in flight
 * at once in this instance (with a shared store, the per-minute budgets are fleet-wide, the
 * concurrency limit is not). Any of them may be left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Budget extends Admission.Budget {}

/**
 * What a token estimate is given: the request, a cheap estimate of its input tokens (about four
 * characters a token, 1,600 an image) and the most it may generate (`maxTokens`, or
 * `defaultMaxTokens`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface TokenEstimateRequest extends Models.EstimateRequest {}

/**
 * The adaptive rate, as a fraction of the configured budgets (1 = as configured).
 *
 * - `decrease`: the fraction is multiplied by it on a `ThrottlingError` (default 0.7), at most
 *   once per `interval`.
 * - `increase`: added to the fraction by a successful call once `interval` has passed since the
 *   last change (default 0.05).
 * - `interval`: default 2 seconds.
 * - `min` / `max`: the range of the fraction (default 0.1 to 1; a `max` above 1 lets the rate
 *   climb over budgets that are known to be too low).
 *
 * @since 0.1.0
 * @category Models
 */
export interface AdaptiveOptions {
  readonly decrease?: number | undefined
  readonly increase?: number | undefined
  readonly interval?: Duration.DurationInput | undefined
  readonly min?: number | undefined
  readonly max?: number | undefined
}

/**
 * How calls are admitted.
 *
 * - `budgets`: by model id or inference profile, as sent in `modelId`; `"*"` gives every other
 *   model id its own budget of that size. Calls to a model without a budget, and `countTokens`,
 *   pass straight through.
 * - `maxWait`: the deadline of a call waiting for its budget (default 60 seconds). A call that
 *   would start later fails at once with `BudgetExhaustedError`.
 * - `maxQueued`: how many calls per model may wait at once in this instance (default 1,000).
 * - `burst`: how much of a budget may be spent at once: the buckets hold this long's worth of
 *   their rate (default 1 second; at least one request, at least one call's tokens).
 * - `estimateTokens`: the tokens reserved on admission (default `inputTokens + maxTokens`, which
 *   is what Bedrock reserves); the real usage corrects it when the call ends.
 * - `defaultMaxTokens`: what a request without `maxTokens` may generate (default 4,096).
 * - `adaptive`: see `AdaptiveOptions`; `false` keeps the configured rates.
 * - `retry`: the retry policy around the admitted attempts (as for `BedrockClient.withRetry`), in
 *   place of the wrapped client's own, which is the default (a client built with `retry: false`
 *   gets the default policy here; give `retry: false` here for none).
 * - `keyPrefix`: prefix of the store's keys (default `"effect-bedrock:ratelimit:"`).
 * - `storeTimeout`: a store (Redis) that fails or does not answer within it lets the call through,
 *   with a logged warning (default 1 second).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly budgets: Readonly<Record<string, Budget>>
  readonly maxWait?: Duration.DurationInput | undefined
  readonly maxQueued?: number | undefined
  readonly burst?: Duration.DurationInput | undefined
  readonly estimateTokens?: ((request: TokenEstimateRequest) => number) | undefined
  readonly defaultMaxTokens?: number | undefined
  readonly adaptive?: AdaptiveOptions | false | undefined
  readonly retry?:
    | Schedule.Schedule<unknown, BedrockError.BedrockError>
    | BedrockClient.RetryOptions
    | false
    | undefined
  readonly keyPrefix?: string | undefined
  readonly storeTimeout?: Duration.DurationInput | undefined
}

/**
 * Where the shared budgets live: a `url` (`redis://[user:password@]host:port[/db]`, `rediss://`
 * for TLS), or its parts. The password (or a URL holding one) stays `Redacted` until the
 * connection is made.
 *
 * @since 0.1.0
 * @category Models
 */
export interface RedisOptions {
  readonly url?: string | Redacted.Redacted<string> | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  readonly db?: number | undefined
  readonly tls?: boolean | undefined
}

/**
 * One model's admission in this instance: the adaptive `rate` (fraction of the configured
 * budgets), calls `waiting` for budget and `inFlight`, and counts of calls `admitted`,
 * `throttled` by Bedrock and `rejected` with `BudgetExhaustedError`.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ModelStats extends Models.ModelStats {}

/**
 * @since 0.1.0
 * @category Models
 */
export interface Service {
  /** Every model with a budget that was called so far. */
  readonly stats: Effect.Effect<ReadonlyArray<ModelStats>>
}

/**
 * The limiter's own service, provided next to the limited `BedrockClient`.
 *
 * @since 0.1.0
 * @category Context
 */
export class BedrockRateLimiter extends Context.Tag("@effect-bedrock/core/BedrockRateLimiter")<
  BedrockRateLimiter,
  Service
>() {}

// =============================================================================
// Layers
// =============================================================================

type RateLimiterModule = typeof ExperimentalRateLimiter
type Store = Context.Tag.Service<ExperimentalRateLimiter.RateLimiterStore>

const optionalPeer = <A>(name: string, load: () => Promise<A>): Effect.Effect<A> =>
  Effect.tryPromise({
    try: load,
    catch: (cause) =>
      new Error(`BedrockRateLimiter needs the optional peer dependency ${name}: npm install ${name}`, { cause })
  }).pipe(Effect.orDie)

const build = (
  options: Options,
  makeStore: (RateLimiter: RateLimiterModule) => Effect.Effect<Store, never, Scope.Scope>
): Layer.Layer<
  BedrockClient.BedrockClient | BedrockRateLimiter,
  ConfigError.ConfigError,
  BedrockClient.BedrockClient
> =>
  Layer.scopedContext(Effect.gen(function*() {
    const problem = internal.checkOptions(options)
    if (problem !== undefined) return yield* Effect.fail(problem)
    const RateLimiter = yield* optionalPeer("@effect/experimental", () => import("@effect/experimental/RateLimiter"))
    const store = yield* makeStore(RateLimiter)
    const limiter = yield* Effect.provideService(RateLimiter.make, RateLimiter.RateLimiterStore, store)
    // Retry (and the call deadline) once, outermost, around the limited unretried client: every
    // attempt is admitted, and the deadline covers the wait for budget too.
    const underlying = ClientRetry.unretried(yield* BedrockClient.BedrockClient)
    const limited = yield* internal.make(underlying.base, limiter, options)
    const client = ClientRetry.assemble(
      limited.client,
      // A client built with `retry: false` (once the advice for the wrapped client) keeps the default policy.
      options.retry ?? (underlying.policy === false ? undefined : underlying.policy),
      underlying.deadline
    )
    return Context.make(BedrockClient.BedrockClient, client).pipe(
      Context.add(BedrockRateLimiter, BedrockRateLimiter.of({ stats: limited.stats }))
    )
  }))

/**
 * The limited `BedrockClient` over the one it is given, with the budgets in this instance's memory.
 * Invalid options (a rate of 0, negative or NaN, which would mean no limit; a `maxWait` that is not
 * a duration; `budgets` that is not an object) fail the Layer with a `ConfigError` naming the
 * option. An `estimateTokens` result below 0 counts as 0; one that is not a finite number (or a
 * throw) counts as the default estimate, with a warning.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  BedrockClient.BedrockClient | BedrockRateLimiter,
  ConfigError.ConfigError,
  BedrockClient.BedrockClient
> =>
  build(options, (RateLimiter) =>
    Effect.map(
      Layer.build(RateLimiter.layerStoreMemory),
      (context) => Context.get(context, RateLimiter.RateLimiterStore)
    ))

const ioredisOptions = (redis: RedisOptions) => {
  const fromUrl: Record<string, unknown> = {}
  if (redis.url !== undefined) {
    const url = new URL(Redacted.isRedacted(redis.url) ? Redacted.value(redis.url) : redis.url)
    fromUrl.host = url.hostname
    if (url.port.length > 0) fromUrl.port = Number(url.port)
    if (url.username.length > 0) fromUrl.username = decodeURIComponent(url.username)
    if (url.password.length > 0) fromUrl.password = decodeURIComponent(url.password)
    const db = url.pathname.replace(/^\//, "")
    if (db.length > 0) fromUrl.db = Number(db)
    if (url.protocol === "rediss:") fromUrl.tls = {}
  }
  return {
    ...fromUrl,
    ...(redis.host === undefined ? {} : { host: redis.host }),
    ...(redis.port === undefined ? {} : { port: redis.port }),
    ...(redis.username === undefined ? {} : { username: redis.username }),
    ...(redis.password === undefined ? {} : { password: Redacted.value(redis.password) }),
    ...(redis.db === undefined ? {} : { db: redis.db }),
    ...(redis.tls === true ? { tls: {} } : {}),
    // A command waits for one reconnection at most (calls go through meanwhile: `storeTimeout`).
    maxRetriesPerRequest: 1,
    // The keys carry `options.keyPrefix` already.
    prefix: ""
  }
}

/**
 * The Redis store in a scope of its own, closed with the Layer's: a connection that cannot close
 * cleanly (Redis gone) is dropped after a few seconds instead of failing or holding up the Layer.
 */
const redisStore = (redis: RedisOptions): Effect.Effect<Store, never, Scope.Scope> =>
  Effect.gen(function*() {
    const Redis = yield* optionalPeer(
      "ioredis and @effect/experimental",
      () => import("@effect/experimental/RateLimiter/Redis")
    )
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() =>
      Scope.close(scope, Exit.void).pipe(
        // Closing runs uninterruptibly (and so does this finalizer): disconnected and made
        // interruptible, the wait for it can end while it goes on.
        Effect.disconnect,
        Effect.interruptible,
        Effect.timeout("3 seconds"),
        Effect.catchAllCause((cause) =>
          Effect.logDebug("BedrockRateLimiter: the Redis connection did not close cleanly", cause)
        )
      )
    )
    return yield* Scope.extend(Redis.make(ioredisOptions(redis)), scope)
  })

/**
 * The limited `BedrockClient` with the budgets in Redis (`@effect/experimental`'s Redis store,
 * over `ioredis`), shared by every instance that uses the same Redis and `keyPrefix`. The
 * connection closes with the Layer.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerRedis = (
  options: Options & { readonly redis: RedisOptions }
): Layer.Layer<
  BedrockClient.BedrockClient | BedrockRateLimiter,
  ConfigError.ConfigError,
  BedrockClient.BedrockClient
> => build(options, () => redisStore(options.redis))
