/**
 * A work queue of keys with client-go semantics: duplicates merge, one worker per key at a time
 * (a key added while it is processed runs again afterwards), bounded concurrency across keys,
 * per-key capped exponential backoff with jitter for errors (`addRateLimited`), delayed adds for
 * polling kept apart from backoff (`addAfter`), and a global token bucket over error retries.
 */
import type { WorkQueueMetrics } from "./ports.js";
import { backoffDelayMs } from "../time/backoff.js";
import { systemClock, type Clock, type TimerHandle } from "../time/clock.js";
import { Fifo } from "./fifo.js";

export interface WorkQueueOptions {
  /** Keys processed at once. Default 4. */
  readonly concurrency?: number;
  /** First error backoff. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Backoff cap. Default 5 minutes. */
  readonly maxDelayMs?: number;
  /** Global bucket over error retries: refill per second and burst. Defaults 10 and 100. */
  readonly retriesPerSecond?: number;
  readonly retryBurst?: number;
  /** [0,1) source for jitter; injectable for deterministic tests. */
  readonly random?: () => number;
  /** Time for delayed adds and the bucket. Default the system clock. */
  readonly clock?: Clock;
  /** workqueue_* metrics (observability/metrics.ts); none by default. */
  readonly metrics?: WorkQueueMetrics;
}

export interface WorkQueue<K extends string> {
  add(key: K): void;
  /** Adds after a delay (polling a resize, periodic resync). Does not touch the backoff. */
  addAfter(key: K, delayMs: number): void;
  /** Adds after the key's next error backoff delay; returns that delay. */
  addRateLimited(key: K): number;
  /** Clears the key's error history (after a success). */
  forget(key: K): void;
  failures(key: K): number;
  /** Runs `handler` for keys until `signal` aborts; resolves when in-flight work has finished. */
  run(handler: (key: K) => Promise<void>, signal: AbortSignal): Promise<void>;
  /** Resolves when nothing is queued or in flight (timers may still be pending). */
  idle(): Promise<void>;
  readonly length: number;
}

export function createWorkQueue<K extends string>(options: WorkQueueOptions = {}): WorkQueue<K> {
  return new KeyedWorkQueue<K>(options);
}

class KeyedWorkQueue<K extends string> implements WorkQueue<K> {
  readonly #queue = new Fifo<K>();
  readonly #queued = new Set<K>();
  readonly #processing = new Set<K>();
  /** Keys added while processing: re-queued when their worker finishes. */
  readonly #dirty = new Set<K>();
  readonly #timers = new Map<K, { at: number; timer: TimerHandle }>();
  readonly #failures = new Map<K, number>();
  /** When each queued key entered the queue (workqueue_queue_duration_seconds). */
  readonly #addedAt = new Map<K, number>();
  readonly #idleWaiters: (() => void)[] = [];
  #wake: (() => void) | undefined;
  #tokens: number;
  #tokensAt: number;
  readonly #opts: Required<Omit<WorkQueueOptions, "metrics">>;
  readonly #metrics: WorkQueueMetrics | undefined;

  constructor(options: WorkQueueOptions) {
    this.#opts = {
      concurrency: options.concurrency ?? 4,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 300_000,
      retriesPerSecond: options.retriesPerSecond ?? 10,
      retryBurst: options.retryBurst ?? 100,
      random: options.random ?? Math.random,
      clock: options.clock ?? systemClock,
    };
    this.#metrics = options.metrics;
    this.#tokens = this.#opts.retryBurst;
    this.#tokensAt = this.#opts.clock.now();
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: K): void {
    this.#clearTimer(key);
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#addedAt.set(key, this.#opts.clock.now());
    this.#metrics?.added(this.#queue.length);
    this.#wake?.();
  }

  addAfter(key: K, delayMs: number): void {
    if (delayMs <= 0) return this.add(key);
    const at = this.#opts.clock.now() + delayMs;
    const existing = this.#timers.get(key);
    // Keep the earliest wake-up: a poll never postpones a sooner retry or vice versa.
    if (existing !== undefined && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.#opts.clock.setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, delayMs);
    this.#timers.set(key, { at, timer });
  }

  addRateLimited(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    this.#metrics?.retried();
    const perKey = backoffDelayMs(failures + 1, { baseMs: this.#opts.baseDelayMs, maxMs: this.#opts.maxDelayMs }, this.#opts.random);
    const delay = Math.max(perKey, this.#bucketDelayMs());
    this.addAfter(key, delay);
    return delay;
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  failures(key: K): number {
    return this.#failures.get(key) ?? 0;
  }

  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async run(handler: (key: K) => Promise<void>, signal: AbortSignal): Promise<void> {
    const workers = Array.from({ length: this.#opts.concurrency }, () => this.#worker(handler, signal));
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener("abort", onAbort);
    try {
      await Promise.all(workers);
    } finally {
      signal.removeEventListener("abort", onAbort);
      for (const { timer } of this.#timers.values()) timer.cancel();
      this.#timers.clear();
    }
  }

  async #worker(handler: (key: K) => Promise<void>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const key = this.#next();
      if (key === undefined) {
        await new Promise<void>((resolve) => {
          const previous = this.#wake;
          this.#wake = () => {
            this.#wake = undefined;
            previous?.();
            resolve();
          };
        });
        continue;
      }
      await this.#process(key, handler);
    }
  }

  async #process(key: K, handler: (key: K) => Promise<void>): Promise<void> {
    this.#processing.add(key);
    const started = this.#opts.clock.now();
    try {
      await handler(key);
    } catch {
      // The handler owns error policy; a throw here must not kill the worker.
    } finally {
      this.#processing.delete(key);
      this.#metrics?.finished((this.#opts.clock.now() - started) / 1000);
      if (this.#dirty.delete(key)) this.add(key);
      this.#notifyIdle();
    }
  }

  #next(): K | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#queued.delete(key);
    const addedAt = this.#addedAt.get(key) ?? this.#opts.clock.now();
    this.#addedAt.delete(key);
    this.#metrics?.started((this.#opts.clock.now() - addedAt) / 1000, this.#queue.length);
    return key;
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#processing.size === 0;
  }

  #notifyIdle(): void {
    if (!this.#isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #clearTimer(key: K): void {
    const existing = this.#timers.get(key);
    if (existing === undefined) return;
    existing.timer.cancel();
    this.#timers.delete(key);
  }

  /** Token bucket: each error retry takes a token; an empty bucket spaces retries globally. */
  #bucketDelayMs(): number {
    const now = this.#opts.clock.now();
    const rate = this.#opts.retriesPerSecond;
    this.#tokens = Math.min(this.#opts.retryBurst, this.#tokens + ((now - this.#tokensAt) / 1000) * rate);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / rate) * 1000);
  }
}
