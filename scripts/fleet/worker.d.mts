export interface Setup {
  readonly mode: "independent" | "shared"
  readonly endpoint: string
  readonly redisUrl: string
  readonly keyPrefix: string
  readonly modelId: string
  readonly requestsPerMinute: number
  readonly tokensPerMinute: number
  /** Concurrent callers in this instance, each calling again as soon as its call is done. */
  readonly loops: number
  readonly maxTokens: number
}

export interface WorkerResult {
  readonly completed: number
  readonly failed: number
  /** Failures by tag (ThrottlingError after the retries, BudgetExhaustedError, ...). */
  readonly failures: Record<string, number>
  /** Of the completed calls, from the first attempt (or the wait for budget) to the answer. */
  readonly latenciesMs: ReadonlyArray<number>
}
