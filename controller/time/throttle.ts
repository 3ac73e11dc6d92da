/**
 * The one throttle for writes that report progress (interim status, the status file): at most one
 * run per `intervalMs` and never two at once. A task submitted too soon replaces any task still
 * waiting (only the latest state matters) and runs when the interval has passed and the previous
 * run has finished (trailing edge), so the last report of a burst is never lost.
 */
import type { Clock, TimerHandle } from "./clock.js";

export interface ThrottleOptions {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** A run started by the timer failed. Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** Keep a failed task waiting (the next submit or flush runs it) instead of dropping it. */
  readonly retainFailed?: boolean;
}

export class Throttle {
  readonly #options: ThrottleOptions;
  #waiting: (() => Promise<void>) | undefined;
  #running: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #lastRunAt = Number.NEGATIVE_INFINITY;

  constructor(options: ThrottleOptions) {
    this.#options = options;
  }

  /** True while a task waits or runs. */
  get busy(): boolean {
    return this.#waiting !== undefined || this.#running !== undefined;
  }

  /**
   * Runs `task` now when the interval since the last run has passed and nothing runs; otherwise
   * keeps it as the waiting task. Returns the run when it started now (so a caller may await it).
   */
  submit(task: () => Promise<void>): Promise<void> | undefined {
    this.#waiting = task;
    if (this.#running !== undefined || this.#timer !== undefined) return undefined;
    const waitMs = this.#lastRunAt + this.#options.intervalMs - this.#options.clock.now();
    if (waitMs > 0) {
      this.#timer = this.#options.clock.setTimeout(() => this.#fire(), waitMs);
      return undefined;
    }
    return this.#start();
  }

  /** A run made outside the throttle (an unthrottled write) also starts a new interval. */
  markRun(): void {
    this.#lastRunAt = this.#options.clock.now();
  }

  /** Runs the waiting task now and resolves when nothing runs or waits; rejects if a run fails. */
  async flush(): Promise<void> {
    this.#clearTimer();
    while (this.#running !== undefined || this.#waiting !== undefined) {
      if (this.#running !== undefined) await this.#running.catch(() => undefined);
      else await this.#start();
    }
  }

  /** Drops the waiting task; resolves when the run in flight (if any) has finished. */
  async cancel(): Promise<void> {
    this.#waiting = undefined;
    this.#clearTimer();
    await this.#running?.catch(() => undefined);
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#waiting !== undefined && this.#running === undefined) this.#start().catch((error: unknown) => this.#options.onError?.(error));
  }

  #start(): Promise<void> {
    const task = this.#waiting;
    this.#waiting = undefined;
    if (task === undefined) return Promise.resolve();
    const run = task().then(
      () => this.#finished(),
      (error: unknown) => {
        if (this.#options.retainFailed === true) this.#waiting ??= task;
        // A retained task waits for the next submit or flush: a failing store is not retried in a loop.
        this.#finished(this.#options.retainFailed !== true);
        throw error;
      },
    );
    this.#running = run;
    return run;
  }

  #finished(reschedule = true): void {
    this.#running = undefined;
    this.markRun();
    if (reschedule && this.#waiting !== undefined) {
      const waitMs = this.#lastRunAt + this.#options.intervalMs - this.#options.clock.now();
      this.#timer = this.#options.clock.setTimeout(() => this.#fire(), waitMs);
    }
  }

  #clearTimer(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
