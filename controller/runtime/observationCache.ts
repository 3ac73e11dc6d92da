/**
 * One shared view of Batch for all reconciles: pools and jobs are listed page by page at most once
 * per `maxAgeMs` and concurrent callers share the in-flight listing, so a resync of 1,000 pools
 * costs one list page instead of 1,000 gets. A reconcile that wrote to Batch asks for a snapshot
 * taken after its write (`notBefore`), so it never plans from what it already changed.
 */
import type { BatchAdapter } from "../batch/adapter.js";
import type { ObservedJob, ObservedPool, ObservedTaskCounts } from "../core/observed.js";
import { TASKS_SUBMITTED_KEY } from "../core/ownership.js";

interface Snapshot<T> {
  readonly takenAt: number;
  readonly value: Promise<T[]>;
}

export interface ObservationCacheOptions {
  readonly maxAgeMs: number;
  readonly now: () => number;
  /** How long counts of a settled job (nothing active or running) are reused. Default 30 min. */
  readonly settledCountsMaxAgeMs?: number;
}

export class ObservationCache {
  #pools: Snapshot<ObservedPool> | undefined;
  #jobs: Snapshot<ObservedJob> | undefined;
  readonly #settledCounts = new Map<string, { counts: ObservedTaskCounts; fingerprint: string; at: number }>();

  constructor(
    private readonly batch: BatchAdapter,
    private readonly options: ObservationCacheOptions,
  ) {}

  pools(notBefore: number, signal: AbortSignal): Promise<ObservedPool[]> {
    this.#pools = this.#fresh(this.#pools, notBefore, () => this.batch.listPools({ signal }));
    return this.#pools.value;
  }

  jobs(notBefore: number, signal: AbortSignal): Promise<ObservedJob[]> {
    this.#jobs = this.#fresh(this.#jobs, notBefore, () => this.batch.listJobs({ signal }));
    return this.#jobs.value;
  }

  /**
   * Task counts of one job. A settled job (all submitted, none active or running) cannot change
   * unless its state or task set does, so its counts are reused: a steady-state resync of many
   * finished jobs costs no per-job call.
   */
  async taskCounts(job: ObservedJob, notBefore: number, signal: AbortSignal): Promise<ObservedTaskCounts> {
    const fingerprint = `${job.state}|${job.metadata[TASKS_SUBMITTED_KEY] ?? ""}`;
    const now = this.options.now();
    const cached = this.#settledCounts.get(job.id);
    if (cached !== undefined && cached.fingerprint === fingerprint && cached.at > notBefore && now - cached.at <= (this.options.settledCountsMaxAgeMs ?? 1_800_000)) {
      return cached.counts;
    }
    const counts = await this.batch.getTaskCounts(job.id, { signal });
    const settled = counts.active + counts.running === 0 && job.metadata[TASKS_SUBMITTED_KEY] !== undefined;
    if (settled) this.#settledCounts.set(job.id, { counts, fingerprint, at: now });
    else this.#settledCounts.delete(job.id);
    return counts;
  }

  /** Forget everything (after a failed listing, or when a resync starts). */
  invalidate(): void {
    this.#pools = undefined;
    this.#jobs = undefined;
  }

  #fresh<T>(current: Snapshot<T> | undefined, notBefore: number, list: () => Promise<T[]>): Snapshot<T> {
    const now = this.options.now();
    if (current !== undefined && current.takenAt > notBefore && now - current.takenAt <= this.options.maxAgeMs) return current;
    const value = list();
    const snapshot = { takenAt: now, value };
    // A failed listing must not be served to later callers.
    value.catch(() => {
      if (this.#pools === (snapshot as unknown) || this.#jobs === (snapshot as unknown)) this.invalidate();
    });
    return snapshot;
  }
}
