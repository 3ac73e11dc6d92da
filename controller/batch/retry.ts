/**
 * Retry decisions (Azure core style: the strategy only decides, the caller sleeps).
 * Throttled answers wait for Retry-After when given; transient ones back off exponentially with
 * 50 % jitter up to a cap. Conflicts, not-found and permanent errors are never retried here.
 */
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

export function decideRetry(attempt: number, errorClass: ErrorClass, retryAfterMs: number | undefined, options: RetryOptions, random: () => number): RetryDecision {
  const maxAttempts = options.maxAttempts ?? 8;
  if (attempt >= maxAttempts) return { retry: false };
  if (errorClass === "throttled" && retryAfterMs !== undefined) {
    return retryAfterMs <= (options.maxRetryAfterMs ?? 60_000) ? { retry: true, delayMs: retryAfterMs } : { retry: false };
  }
  if (errorClass !== "transient" && errorClass !== "throttled") return { retry: false };
  const cap = Math.min(options.maxDelayMs ?? 10_000, (options.baseDelayMs ?? 200) * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.round(cap / 2 + (cap / 2) * random()) };
}

/** Sleeps, resolving early (with a rejection) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
