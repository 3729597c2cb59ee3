/**
 * The counters of one model in `BedrockRateLimiter` that `stats` reports: calls in flight, admitted,
 * throttled and rejected. Owned by the model's `ModelState`; mutated only by the limiter's
 * admission (`admitted`, `inFlight`, `rejected`) and its failure hook (`throttled`).
 *
 * @internal
 */

/** @internal */
export class AdmissionStats {
  inFlight = 0
  admitted = 0
  throttled = 0
  rejected = 0
}
