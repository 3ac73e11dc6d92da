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

/** The failure a retry is decided for: its class and the Retry-After it carried, if any. */
export interface RetryFailure {
  readonly errorClass: ErrorClass;
  readonly retryAfterMs: number | undefined;
}

export function decideRetry(attempt: number, failure: RetryFailure, options: RetryOptions, random: () => number): RetryDecision {
  const { errorClass, retryAfterMs } = failure;
  if (attempt >= (options.maxAttempts ?? 8)) return { retry: false };
  if (errorClass === "throttled" && retryAfterMs !== undefined) return honourRetryAfter(retryAfterMs, options);
  if (errorClass !== "transient" && errorClass !== "throttled") return { retry: false };
  return { retry: true, delayMs: backoffDelayMs(attempt, backoffOptions(options), random) };
}

function honourRetryAfter(retryAfterMs: number, options: RetryOptions): RetryDecision {
  return retryAfterMs <= (options.maxRetryAfterMs ?? 60_000) ? { retry: true, delayMs: retryAfterMs } : { retry: false };
}

function backoffOptions(options: RetryOptions): { baseMs: number; maxMs: number } {
  return { baseMs: options.baseDelayMs ?? 200, maxMs: options.maxDelayMs ?? 10_000 };
}
