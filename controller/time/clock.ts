/**
 * The one source of time for the controller: `now`, one-shot timers, an abortable delay and a
 * repeating timer, all on an injectable `Clock` (client-go's clock, Azure core-util's `delay`).
 * Production code takes a Clock (default `systemClock`); tests pass a `ManualClock`, or the
 * emulator's virtual clock, and move time themselves instead of sleeping (docs/adr/0011).
 */

/** A pending timer; `cancel` is safe to call twice or after the timer ran. */
export interface TimerHandle {
  cancel(): void;
}

export interface TimerOptions {
  /**
   * Keep the Node process alive while the timer is pending. Default false: a pending retry or
   * throttled write never holds a process that has nothing else to do. Loops that are the
   * process's work (resync, polls) keep it alive.
   */
  readonly keepAlive?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch, on this clock. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now on this clock (a negative delay counts as 0). */
  setTimeout(callback: () => void, delayMs: number, options?: TimerOptions): TimerHandle;
}

/** Wall-clock time and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs, options) {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    if (options?.keepAlive !== true) timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Waits `ms` on `clock`, or until `signal` aborts, whichever comes first. Never rejects: resolves
 * true when the whole time passed and false when aborted, so a loop writes
 * `if (!(await delay(...))) return;` and a request path throws its own abort error.
 */
export function delay(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      },
      ms,
      { keepAlive: true },
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Calls `tick` every `intervalMs` on `clock` until the handle is cancelled. The next tick is armed
 * before `tick` runs, so a slow or throwing tick never stops the repetition.
 */
export function every(clock: Clock, intervalMs: number, tick: () => void, options?: TimerOptions): TimerHandle {
  let timer: TimerHandle | undefined;
  let cancelled = false;
  const arm = (): void => {
    timer = clock.setTimeout(
      () => {
        if (cancelled) return;
        arm();
        tick();
      },
      intervalMs,
      options,
    );
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      timer?.cancel();
    },
  };
}
