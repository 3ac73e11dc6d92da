/**
 * The one backoff formula (Azure core's exponential strategy, client-go's per-item limiter):
 * `baseMs · 2^(attempt-1)`, capped at `maxMs`, then jittered down by up to `jitter` of itself,
 * so retries of many clients spread out instead of arriving together.
 */
export interface BackoffPolicy {
  /** Delay before the first retry (attempt 1), before jitter. */
  readonly baseMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /** Fraction of the delay taken off at random, 0 to 1. Default 0.5: the delay is in [d/2, d). */
  readonly jitter?: number;
}

/** Delay before retry number `attempt` (1-based). `random` is [0,1), injectable for tests. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  // The exponent is bounded so a long failure streak cannot overflow to Infinity.
  const exponential = policy.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 40);
  const capped = Math.min(policy.maxMs, exponential);
  const jitter = policy.jitter ?? 0.5;
  return Math.round(capped * (1 - jitter) + capped * jitter * random());
}
