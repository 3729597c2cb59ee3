/**
 * Bedrock's quotas (requests and tokens per minute, per model and account) on the client side, for Effect 4: a
 * Layer over `BedrockClient` that admits every `converse` and `converseStream` call against a requests-per-minute
 * and a tokens-per-minute budget of its model id (or inference profile), plus an optional concurrency limit, so
 * calls wait for budget instead of being throttled by Bedrock. Built on `effect/persistence`'s `RateLimiter`
 * (token buckets): in memory (`layer`), in Redis (`layerRedis`, over the `Redis` service of
 * `effect/persistence`, which `@effect/platform-node` provides) so every instance of a fleet shares one budget,
 * or on any `RateLimiterStore` (`layerStore`).
 *
 * - Tokens are reserved on admission: the engine's estimate of the input plus `maxTokens` (or your own estimate).
 * - Calls to one model are admitted one after the other, in arrival order, in this instance. A call waits at most
 *   `maxWait`, in a queue of at most `maxQueued` calls per model; when its budget says it cannot start in time,
 *   or its turn does not come in time, it fails with `BedrockError.BudgetExhaustedError` naming the budget,
 *   before anything is sent.
 * - Options are checked when the Layer is built: a rate of 0, negative or NaN, a `maxWait` that is not a
 *   duration, `budgets` that is not an object fail it with `OptionsError` naming the option.
 * - A store that fails or does not answer within `storeTimeout` lets the call through, with a logged warning.
 *
 * Not in this line yet (the Effect 3 `BedrockRateLimiter` has them): corrections of the reserved tokens with the
 * real usage when a call ends, the adaptive rate (AIMD on `ThrottlingError`), the retry applied once outside the
 * limiter (this package's `BedrockClient` has no retry of its own yet), and a `stats` service.
 *
 * @example
 * ```ts
 * import { BedrockClient, BedrockRateLimiter } from "@effect-bedrock/effect4"
 * import * as Layer from "effect/Layer"
 *
 * const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
 *
 * const Bedrock = BedrockRateLimiter.layer({
 *   budgets: { [model]: { requestsPerMinute: 50, tokensPerMinute: 200_000, concurrency: 8 } },
 *   maxWait: "30 seconds"
 * }).pipe(Layer.provide(BedrockClient.layer({ region: "us-east-1" })))
 * ```
 *
 * @since 0.1.0
 */
import type { ConverseCommandInput, ConverseStreamCommandInput } from "@aws-sdk/client-bedrock-runtime"
import * as TokenEstimate from "@effect-bedrock/converse/limits/tokenEstimate"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as RateLimiter from "effect/persistence/RateLimiter"
import type * as Redis from "effect/persistence/Redis"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Semaphore from "effect/Semaphore"
import * as Stream from "effect/Stream"
import * as BedrockClient from "./BedrockClient.js"
import * as BedrockError from "./BedrockError.js"

// =============================================================================
// Models
// =============================================================================

/**
 * One model's budget. `requestsPerMinute` and `tokensPerMinute` are Bedrock's quotas for the model (or inference
 * profile) in your account and region; `concurrency` caps the calls in flight at once in this instance (with a
 * shared store the per-minute budgets are fleet-wide, the concurrency limit is not). Any of them may be left out.
 *
 * @since 0.1.0
 * @category Models
 */
export interface Budget {
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
  readonly concurrency?: number | undefined
}

/**
 * What a token estimate is given: the request, the engine's cheap estimate of its input tokens (about four
 * characters a token, 1,600 an image) and the most it may generate (`maxTokens`, or `defaultMaxTokens`).
 *
 * @since 0.1.0
 * @category Models
 */
export interface TokenEstimateRequest {
  readonly input: ConverseCommandInput | ConverseStreamCommandInput
  readonly inputTokens: number
  readonly maxTokens: number
}

/**
 * How calls are admitted.
 *
 * - `budgets`: by model id or inference profile, as sent in `modelId`; `"*"` gives every other model id its own
 *   budget of that size. Calls to a model without a budget, and `countTokens`, pass straight through.
 * - `maxWait`: how long a call may wait for its budget (default 60 seconds).
 * - `maxQueued`: how many calls per model may wait at once in this instance (default 1,000).
 * - `burst`: how much of a budget may be spent at once: the buckets hold this long's worth of their rate (default
 *   1 second, at least one request). A call estimated above the token bucket's size is charged the whole bucket.
 * - `estimateTokens`: the tokens reserved on admission (default `inputTokens + maxTokens`, what Bedrock
 *   reserves). A result below 0 counts as 0; one that is not a finite number, or a throw, as the default.
 * - `defaultMaxTokens`: what a request without `maxTokens` may generate (default 4,096).
 * - `keyPrefix`: prefix of the store's keys (default `"effect-bedrock:ratelimit:"`).
 * - `storeTimeout`: a store that fails or does not answer within it lets the call through, with a logged warning
 *   (default 1 second).
 *
 * @since 0.1.0
 * @category Models
 */
export interface Options {
  readonly budgets: Readonly<Record<string, Budget>>
  readonly maxWait?: Duration.Input | undefined
  readonly maxQueued?: number | undefined
  readonly burst?: Duration.Input | undefined
  readonly estimateTokens?: ((request: TokenEstimateRequest) => number) | undefined
  readonly defaultMaxTokens?: number | undefined
  readonly keyPrefix?: string | undefined
  readonly storeTimeout?: Duration.Input | undefined
}

/**
 * Options the Layer cannot work with (`option` names which, `message` says why); the Layer fails to build.
 *
 * @since 0.1.0
 * @category Errors
 */
export class OptionsError extends Schema.TaggedError<OptionsError>()("BedrockRateLimiterOptionsError", {
  option: Schema.String,
  message: Schema.String
}) {}

// =============================================================================
// Options
// =============================================================================

interface Checked {
  readonly budgets: ReadonlyMap<string, Budget>
  readonly fallback: Budget | undefined
  readonly maxWaitMillis: number
  readonly maxQueued: number
  readonly burstMillis: number
  readonly estimateTokens: ((request: TokenEstimateRequest) => number) | undefined
  readonly defaultMaxTokens: number
  readonly keyPrefix: string
  readonly storeTimeout: Duration.Duration
}

const isPositive = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value) && value > 0

const duration = (
  option: string,
  value: Duration.Input | undefined,
  fallback: Duration.Duration,
  allowZero: boolean
): Duration.Duration | OptionsError => {
  if (value === undefined) return fallback
  let parsed: Duration.Duration | undefined
  try {
    parsed = Duration.fromInputUnsafe(value)
  } catch {
    parsed = undefined
  }
  const millis = parsed === undefined ? Number.NaN : Duration.toMillis(parsed)
  if (parsed === undefined || !Number.isFinite(millis) || millis < 0 || (!allowZero && millis === 0)) {
    return new OptionsError({ option, message: `${option} must be a finite duration${allowZero ? "" : " above 0"}` })
  }
  return parsed
}

const checkOptions = (options: Options): Checked | OptionsError => {
  const budgets = (options as { readonly budgets?: unknown } | undefined)?.budgets
  if (typeof budgets !== "object" || budgets === null || Array.isArray(budgets)) {
    return new OptionsError({ option: "budgets", message: "budgets must be an object of budgets by model id" })
  }
  const byModel = new Map<string, Budget>()
  for (const [modelId, budget] of Object.entries(budgets as Record<string, unknown>)) {
    if (typeof budget !== "object" || budget === null) {
      return new OptionsError({ option: `budgets.${modelId}`, message: `the budget of ${modelId} must be an object` })
    }
    const { concurrency, requestsPerMinute, tokensPerMinute } = budget as Budget
    for (const [name, value] of [["requestsPerMinute", requestsPerMinute], ["tokensPerMinute", tokensPerMinute]]) {
      if (value !== undefined && !isPositive(value)) {
        return new OptionsError({
          option: `budgets.${modelId}.${name}`,
          message: `${name} of ${modelId} must be a finite number above 0 (leave it out for no limit), not ${value}`
        })
      }
    }
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
      return new OptionsError({
        option: `budgets.${modelId}.concurrency`,
        message: `concurrency of ${modelId} must be a whole number above 0, not ${concurrency}`
      })
    }
    byModel.set(modelId, budget as Budget)
  }
  const maxWait = duration("maxWait", options.maxWait, Duration.seconds(60), true)
  if (maxWait instanceof OptionsError) return maxWait
  const burst = duration("burst", options.burst, Duration.seconds(1), false)
  if (burst instanceof OptionsError) return burst
  const storeTimeout = duration("storeTimeout", options.storeTimeout, Duration.seconds(1), false)
  if (storeTimeout instanceof OptionsError) return storeTimeout
  const maxQueued = options.maxQueued ?? 1000
  if (!(Number.isInteger(maxQueued) && maxQueued > 0)) {
    return new OptionsError({ option: "maxQueued", message: `maxQueued must be a whole number above 0` })
  }
  const defaultMaxTokens = options.defaultMaxTokens ?? TokenEstimate.defaultMaxTokens
  if (!isPositive(defaultMaxTokens)) {
    return new OptionsError({ option: "defaultMaxTokens", message: `defaultMaxTokens must be a number above 0` })
  }
  if (options.estimateTokens !== undefined && typeof options.estimateTokens !== "function") {
    return new OptionsError({ option: "estimateTokens", message: "estimateTokens must be a function" })
  }
  const keyPrefix = options.keyPrefix ?? "effect-bedrock:ratelimit:"
  if (typeof keyPrefix !== "string") {
    return new OptionsError({ option: "keyPrefix", message: "keyPrefix must be a string" })
  }
  return {
    budgets: byModel,
    fallback: byModel.get("*"),
    maxWaitMillis: Duration.toMillis(maxWait),
    maxQueued,
    burstMillis: Duration.toMillis(burst),
    estimateTokens: options.estimateTokens,
    defaultMaxTokens,
    keyPrefix,
    storeTimeout
  }
}

// =============================================================================
// Admission
// =============================================================================

interface ModelState {
  /** One call at a time goes through admission: the order of arrival. */
  readonly turn: Semaphore.Semaphore
  readonly inFlight: Semaphore.Semaphore | undefined
  waiting: number
  /** The budget the call at the head of the queue is waiting for. */
  blockedOn: BedrockError.Budget
}

/** A token bucket holding `burst`'s worth of `perMinute` (at least one), refilled at `perMinute`. */
const bucket = (perMinute: number, burstMillis: number) => {
  const limit = Math.max(1, Math.floor(perMinute * burstMillis / 60_000))
  return { limit, window: Duration.millis(limit * 60_000 / perMinute) }
}

const estimate = (checked: Checked, input: ConverseCommandInput | ConverseStreamCommandInput): number => {
  const inputTokens = TokenEstimate.inputTokens(input)
  const maxTokens = TokenEstimate.maxTokens(input, checked.defaultMaxTokens)
  const fallback = inputTokens + maxTokens
  if (checked.estimateTokens === undefined) return fallback
  try {
    const value = checked.estimateTokens({ input, inputTokens, maxTokens })
    return typeof value === "number" && Number.isFinite(value) ? Math.max(0, value) : fallback
  } catch {
    return fallback
  }
}

const make = (
  base: BedrockClient.Service,
  limiter: RateLimiter.RateLimiter,
  checked: Checked
): BedrockClient.Service => {
  const states = new Map<string, ModelState>()
  const stateOf = (modelId: string, budget: Budget): ModelState => {
    let state = states.get(modelId)
    if (state === undefined) {
      state = {
        turn: Semaphore.makeUnsafe(1),
        inFlight: budget.concurrency === undefined ? undefined : Semaphore.makeUnsafe(budget.concurrency),
        waiting: 0,
        blockedOn: "requests"
      }
      states.set(modelId, state)
    }
    return state
  }

  const exhausted = (modelId: string, budget: BedrockError.Budget, retryAfterMillis?: number) =>
    new BedrockError.BudgetExhaustedError({
      message: budget === "queue"
        ? `${modelId}: ${checked.maxQueued} calls are already waiting for budget`
        : `${modelId}: the ${budget} budget cannot admit this call within maxWait (${checked.maxWaitMillis} ms)`,
      position: "request",
      retryable: false,
      budget,
      modelId,
      ...(retryAfterMillis === undefined ? {} : { retryAfterMillis: Math.ceil(retryAfterMillis) })
    })

  /** Takes `tokens` from one bucket, waiting for them until `deadline`; a store failure lets the call through. */
  const take = (
    state: ModelState,
    modelId: string,
    budget: "requests" | "tokens",
    perMinute: number,
    tokens: number,
    deadline: number
  ): Effect.Effect<void, BedrockError.BudgetExhaustedError> => {
    const { limit, window } = bucket(perMinute, checked.burstMillis)
    const consume = limiter.consume({
      algorithm: "token-bucket",
      onExceeded: "fail",
      key: `${checked.keyPrefix}${modelId}:${budget}`,
      limit,
      window,
      // A call above the bucket's size could never be admitted: it is charged the whole bucket.
      tokens: Math.min(tokens, limit)
    })
    const attempt: Effect.Effect<void, BedrockError.BudgetExhaustedError> = consume.pipe(
      Effect.timeoutOption(checked.storeTimeout),
      Effect.flatMap((result) =>
        result._tag === "Some"
          ? Effect.void
          : Effect.logWarning(`BedrockRateLimiter: the store did not answer; ${modelId} admitted without budget`)
      ),
      Effect.catch((error: RateLimiter.RateLimiterError) => {
        if (error.reason._tag === "RateLimitStoreError") {
          return Effect.logWarning(`BedrockRateLimiter: the store failed; ${modelId} admitted without budget`, error)
        }
        const wait = Math.max(1, Duration.toMillis(error.reason.retryAfter))
        return Effect.flatMap(Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe())), (now) => {
          if (now + wait > deadline) return Effect.fail(exhausted(modelId, budget, wait))
          state.blockedOn = budget
          return Effect.andThen(Effect.sleep(Duration.millis(wait)), attempt)
        })
      })
    )
    return attempt
  }

  /** Admits one call to `modelId` (or lets it through without a budget); its concurrency slot is the scope's. */
  const admit = (
    input: ConverseCommandInput | ConverseStreamCommandInput
  ): Effect.Effect<void, BedrockError.BudgetExhaustedError, Scope.Scope> =>
    Effect.suspend(() => {
      const modelId = input.modelId
      if (typeof modelId !== "string") return Effect.void
      const budget = checked.budgets.get(modelId) ?? checked.fallback
      if (budget === undefined) return Effect.void
      const state = stateOf(modelId, budget)
      if (state.waiting >= checked.maxQueued) return Effect.fail(exhausted(modelId, "queue"))
      state.waiting++
      return Effect.gen(function*() {
        const deadline = (yield* Effect.clockWith((clock) => Effect.succeed(clock.currentTimeMillisUnsafe()))) +
          checked.maxWaitMillis
        const remaining = Effect.clockWith((clock) =>
          Effect.succeed(Duration.millis(Math.max(0, deadline - clock.currentTimeMillisUnsafe())))
        )
        const headOfQueue = Effect.gen(function*() {
          if (state.inFlight !== undefined) {
            state.blockedOn = "concurrency"
            const inFlight = state.inFlight
            const slot = yield* Effect.timeoutOption(inFlight.take(1), yield* remaining)
            if (slot._tag === "None") return yield* exhausted(modelId, "concurrency")
            yield* Effect.addFinalizer(() => inFlight.release(1))
          }
          if (budget.requestsPerMinute !== undefined) {
            yield* take(state, modelId, "requests", budget.requestsPerMinute, 1, deadline)
          }
          if (budget.tokensPerMinute !== undefined) {
            const tokens = estimate(checked, input)
            if (tokens > 0) yield* take(state, modelId, "tokens", budget.tokensPerMinute, tokens, deadline)
          }
        })
        const turn = yield* Effect.timeoutOption(state.turn.withPermit(headOfQueue), yield* remaining)
        if (turn._tag === "None") return yield* exhausted(modelId, state.blockedOn)
      }).pipe(Effect.ensuring(Effect.sync(() => state.waiting--)))
    })

  return {
    client: base.client,
    countTokens: base.countTokens,
    converse: (input) => Effect.scoped(Effect.andThen(admit(input), base.converse(input))),
    // The stream's scope holds the concurrency slot until the stream ends.
    converseStream: (input) => Stream.unwrap(Effect.as(admit(input), base.converseStream(input)))
  }
}

// =============================================================================
// Layers
// =============================================================================

/**
 * The limited `BedrockClient` over the one it is given, on any `RateLimiterStore` of `effect/persistence`.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerStore = (
  options: Options
): Layer.Layer<BedrockClient.BedrockClient, OptionsError, BedrockClient.BedrockClient | RateLimiter.RateLimiterStore> =>
  Layer.effect(
    BedrockClient.BedrockClient,
    Effect.gen(function*() {
      const checked = checkOptions(options)
      if (checked instanceof OptionsError) return yield* checked
      const limiter = yield* RateLimiter.make
      return make(yield* BedrockClient.BedrockClient, limiter, checked)
    })
  )

/**
 * The limited `BedrockClient` over the one it is given, with the budgets in this process's memory.
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer = (
  options: Options
): Layer.Layer<BedrockClient.BedrockClient, OptionsError, BedrockClient.BedrockClient> =>
  layerStore(options).pipe(Layer.provide(Layer.fresh(RateLimiter.layerStoreMemory)))

/**
 * The limited `BedrockClient` with the budgets in Redis (`effect/persistence`'s Redis store), shared by every
 * instance that uses the same Redis and `keyPrefix`. Provide `effect/persistence`'s `Redis` service (for example
 * `@effect/platform-node`'s `NodeRedis` layer).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layerRedis = (
  options: Options
): Layer.Layer<BedrockClient.BedrockClient, OptionsError, BedrockClient.BedrockClient | Redis.Redis> =>
  layerStore(options).pipe(Layer.provide(RateLimiter.layerStoreRedis()))
