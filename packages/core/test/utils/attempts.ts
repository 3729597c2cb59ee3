// Counting attempts at the local Bedrock, for the tests that prove a retry is applied once
// (RetryOnce.local.test.ts, SwapRetryOnce.local.test.ts).
import { LocalBedrock, LocalBedrockScript as Script } from "@effect-bedrock/local"
import { Effect } from "effect"

/** The model every attempt-counting test calls. */
export const MODEL = "us.amazon.nova-micro-v1:0"

/** The next `n` requests are throttled: `converse` with a 429, `converseStream` before its first event. */
export const throttle = (operation: "converse" | "converse-stream", n = 20) =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
    Effect.zipRight(
      local.reset,
      local.script(
        ...Array.from({ length: n }, () =>
          operation === "converse"
            ? Script.failure("ThrottlingException", { modelId: MODEL })
            : Script.stream(undefined, { modelId: MODEL, fault: Script.exceptionAfter(0, "throttlingException") }))
      )
    ))

/** The requests of `operation` for MODEL that reached the local Bedrock. */
export const requests = (operation: "converse" | "converse-stream") =>
  Effect.flatMap(LocalBedrock.LocalBedrock, (local) =>
    Effect.map(
      local.requests,
      (all) => all.filter((request) => request.modelId === MODEL && request.operation === operation).length
    ))
