/** Capped exponential backoff with jitter, and an abortable sleep. */

export interface BackoffOptions {
  /** First delay after a failure. */
  readonly initialMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
}

/** Delay before retry number `attempt` (1-based): initial·2^(attempt-1), capped, with 50% jitter below the value. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = options.initialMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * random());
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
