import { assert, describe, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Schedule } from "effect"
import { makeSchedule } from "../src/internal/clientRetry.js"

describe("the retry schedule", () => {
  it.effect("exponential delays, jittered x0.5 to x1.5, capped at maxDelay", () =>
    Effect.gen(function*() {
      const schedule = makeSchedule({ maxAttempts: 6, baseDelay: "100 millis", maxDelay: "500 millis" })!
      const runs = yield* Effect.forEach(Array.from({ length: 20 }), () =>
        Schedule.run(Schedule.delays(schedule), 0, [1, 2, 3, 4, 5]).pipe(
          Effect.map((delays) =>
            Chunk.toReadonlyArray(delays).map(Duration.toMillis)
          )
        ))
      for (const delays of runs) {
        assert.strictEqual(delays.length, 5)
        delays.forEach((delay, i) => {
          const base = 100 * 2 ** i
          assert.isAtLeast(delay, Math.min(base * 0.5, 500))
          assert.isAtMost(delay, Math.min(base * 1.5, 500))
        })
      }
      // Jittered: the first delays are not all exactly the base delay.
      assert.isTrue(runs.some((delays) => delays[0] !== 100))
    }))
})
