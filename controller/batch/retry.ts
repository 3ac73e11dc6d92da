/**
 * Retry decisions (Azure core style: the strategy only decides, the caller sleeps).
 * Throttled answers wait for Retry-After when given; transient ones back off exponentially with
 * 50 % jitter up to a cap. Conflicts, not-found and permanent errors are never retried here.
 */
import { backoffDelayMs } from "../time/backoff.js";
import type { ErrorClass } from "./errors.js";

export interface RetryOptions {
  /** Attempts in total, first included. Default 8. */
  readonly maxAttempts?: number;
  /** First backoff. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Cap on one backoff (Retry-After is honoured up to maxRetryAfterMs). Default 10 s. */
  readonly maxDelayMs?: number;
  /** Longest Retry-After honoured before giving up to the work queue. Default 60 s. */
  readonly maxRetryAfterMs?: number;
}

export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false };

export function decideRetry(
  attempt: number,
  errorClass: ErrorClass,
  retryAfterMs: number | undefined,
  options: RetryOptions,
  random: () => number,
): RetryDecision {
  const maxAttempts = options.maxAttempts ?? 8;
  if (attempt >= maxAttempts) return { retry: false };
  if (errorClass === "throttled" && retryAfterMs !== undefined) {
    return retryAfterMs <= (options.maxRetryAfterMs ?? 60_000) ? { retry: true, delayMs: retryAfterMs } : { retry: false };
  }
  if (errorClass !== "transient" && errorClass !== "throttled") return { retry: false };
  return {
    retry: true,
    delayMs: backoffDelayMs(attempt, { baseMs: options.baseDelayMs ?? 200, maxMs: options.maxDelayMs ?? 10_000 }, random),
  };
}
