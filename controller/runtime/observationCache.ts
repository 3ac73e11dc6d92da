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
  /** How long counts of an active job, and node counts of a pool whose nodes are still moving, are reused. Default 60 s. */
  readonly countsMaxAgeMs?: number;
  /** How long per-state node counts of a steady pool at its target are reused. Default 10 min. */
  readonly settledNodeCountsMaxAgeMs?: number;
}

export interface NodeCountsRequest {
  readonly signal: AbortSignal;
  /** Delay of the first read of a pool this process has not counted yet. */
  readonly firstReadDelayMs: number;
}

interface NodeCountsEntry {
  readonly counts?: Record<string, number>;
  /** What the pool listing showed when they were read: a change means they are stale. */
  readonly seen: string;
  readonly at: number;
  readonly dueAt: number;
}

/** Batch's NodeCounts of a pool without nodes: every state (and the total) 0. */
const NO_NODES: Readonly<Record<string, number>> = Object.fromEntries(
  [
    "creating",
    "idle",
    "offline",
    "preempted",
    "rebooting",
    "reimaging",
    "running",
    "starting",
    "startTaskFailed",
    "leavingPool",
    "unknown",
    "unusable",
    "waitingForStartTask",
    "total",
  ].map((state) => [state, 0]),
);

/** The listing's view of a pool's nodes: per-state counts read under another view are stale. */
function nodesSeen(pool: ObservedPool): string {
  return [
    pool.allocationState,
    pool.currentDedicatedNodes,
    pool.currentLowPriorityNodes,
    pool.targetDedicatedNodes,
    pool.targetLowPriorityNodes,
  ].join("/");
}

/** Node states a node passes through on its way in or out: counts with any of them are still moving. */
const TRANSIT_STATES = ["creating", "starting", "waitingForStartTask", "rebooting", "reimaging", "leavingPool", "unknown"];

function nodesInTransit(counts: Readonly<Record<string, number>>): boolean {
  return TRANSIT_STATES.some((state) => (counts[state] ?? 0) > 0);
}

function settledPool(pool: ObservedPool): boolean {
  return (
    pool.allocationState === "steady" &&
    pool.currentDedicatedNodes === pool.targetDedicatedNodes &&
    pool.currentLowPriorityNodes === pool.targetLowPriorityNodes
  );
}

export interface TaskCountsRequest {
  /** Counts read before this time are not served (the key wrote to Batch or asked to poll). */
  readonly notBefore: number;
  readonly signal: AbortSignal;
  /** Read now even if not due (a pool move needs to know whether tasks run). */
  readonly force: boolean;
  /** Delay of the first read of a job this process has not counted yet. */
  readonly firstReadDelayMs: number;
}

interface CountsEntry {
  readonly counts?: ObservedTaskCounts;
  /** The job's state and tasks-submitted marker when last seen: a change means the counts are stale. */
  readonly state: string;
  readonly marker: string;
  readonly at: number;
  readonly dueAt: number;
}

/**
 * Whether the first read of a job's counts is still to wait: a job first seen waits `firstReadDelayMs`,
 * except one seen to complete before that read (its completion is reported once, with counts).
 */
function isDeferred(entry: CountsEntry | undefined, job: ObservedJob, now: number): boolean {
  if (entry === undefined) return true;
  const justCompleted = job.state === "completed" && entry.state !== "completed";
  return !justCompleted && entry.counts === undefined && now < entry.dueAt;
}

export class ObservationCache {
  #pools: Snapshot<ObservedPool> | undefined;
  #jobs: Snapshot<ObservedJob> | undefined;
  readonly #counts = new Map<string, CountsEntry>();
  readonly #nodeCounts = new Map<string, NodeCountsEntry>();

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
   * Task counts of one job: status figures, not needed to plan (except a pool move, `force`).
   * They are read at most once per `countsMaxAgeMs` per active job and once per 30 min for a
   * settled one (all submitted, none active or running); a job first seen gets its first read
   * deferred by `firstReadDelayMs` (jittered by the caller) so a resync burst only lists.
   * `refreshInMs` tells the caller when to come back for them.
   */
  async taskCounts(job: ObservedJob, request: TaskCountsRequest): Promise<{ counts?: ObservedTaskCounts; refreshInMs?: number }> {
    const seen = { state: job.state, marker: job.metadata[TASKS_SUBMITTED_KEY] ?? "" };
    const now = this.options.now();
    const entry = this.#counts.get(job.id);
    const cached = entry?.counts;
    if (entry !== undefined && cached !== undefined && this.#reusable(entry, cached, job, request.notBefore)) return { counts: cached };
    if (!request.force && isDeferred(entry, job, now))
      return this.#defer(job.id, { ...(entry ?? { at: 0, dueAt: now + request.firstReadDelayMs }), ...seen });
    const counts = await this.batch.getTaskCounts(job.id, { signal: request.signal });
    this.#counts.set(job.id, { counts, ...seen, at: this.options.now(), dueAt: 0 });
    return { counts };
  }

  /**
   * Per-state node counts of one pool (status.nodeCounts; docs/status.md). A pool without nodes needs
   * no call: every state is 0. Otherwise one Account_ListPoolNodeCounts call filtered by the pool id,
   * reused while the listing shows the pool unchanged, for 60 s (`countsMaxAgeMs`) while it or its nodes
   * move and 10 min (`settledNodeCountsMaxAgeMs`) once steady at its target with every node settled
   * (none creating, starting, rebooting...); the first read is deferred like a
   * job's task counts, so a resync burst only lists.
   */
  async nodeCounts(pool: ObservedPool, request: NodeCountsRequest): Promise<{ counts?: Record<string, number>; refreshInMs?: number }> {
    if (pool.currentDedicatedNodes + pool.currentLowPriorityNodes === 0) return { counts: NO_NODES };
    const entry = this.#nodeCounts.get(pool.id);
    const seen = nodesSeen(pool);
    const fresh = this.#freshNodeCounts(entry, pool, seen);
    if (fresh !== undefined) return { counts: fresh, refreshInMs: this.#transitRefreshInMs(fresh, entry?.at ?? 0) };
    const now = this.options.now();
    if (entry === undefined || (entry.counts === undefined && now < entry.dueAt)) {
      const deferred = entry ?? { seen, at: 0, dueAt: now + request.firstReadDelayMs };
      this.#nodeCounts.set(pool.id, deferred);
      return { refreshInMs: Math.max(1, deferred.dueAt - now) };
    }
    const counts = await this.batch.getPoolNodeCounts(pool.id, { signal: request.signal });
    const at = this.options.now();
    this.#nodeCounts.set(pool.id, { counts, seen, at, dueAt: 0 });
    return { counts, refreshInMs: counts === undefined ? undefined : this.#transitRefreshInMs(counts, at) };
  }

  /**
   * Nodes still starting, leaving or rebooting change state without the pool listing changing (a pool
   * is steady at its target while its nodes boot): the pass comes back when such counts expire, so
   * status does not say `starting` long after the nodes are idle.
   */
  #transitRefreshInMs(counts: Readonly<Record<string, number>>, at: number): number | undefined {
    if (!nodesInTransit(counts)) return undefined;
    return Math.max(1, at + (this.options.countsMaxAgeMs ?? 60_000) - this.options.now());
  }

  /** Counts read while the listing showed the pool as it does now, within their age limit. */
  #freshNodeCounts(entry: NodeCountsEntry | undefined, pool: ObservedPool, seen: string): Record<string, number> | undefined {
    if (entry?.counts === undefined || entry.seen !== seen) return undefined;
    const settled = settledPool(pool) && !nodesInTransit(entry.counts);
    const maxAge = settled ? (this.options.settledNodeCountsMaxAgeMs ?? 600_000) : (this.options.countsMaxAgeMs ?? 60_000);
    return this.options.now() - entry.at <= maxAge ? entry.counts : undefined;
  }

  /** Keeps the read for later; the caller comes back in `refreshInMs`. */
  #defer(jobId: string, entry: CountsEntry): { counts?: ObservedTaskCounts; refreshInMs: number } {
    this.#counts.set(jobId, entry);
    return { counts: entry.counts, refreshInMs: Math.max(1, entry.dueAt - this.options.now()) };
  }

  /** Counts read after `notBefore`, while the job looks the same, within their age limit. */
  #reusable(entry: CountsEntry, counts: ObservedTaskCounts, job: ObservedJob, notBefore: number): boolean {
    const same = entry.state === job.state && entry.marker === (job.metadata[TASKS_SUBMITTED_KEY] ?? "");
    return same && entry.at > notBefore && this.options.now() - entry.at <= this.#maxAge(counts, job);
  }

  /** A job this process created: its completion, however soon, is a transition it has seen. */
  noteJobCreated(jobId: string): void {
    if (!this.#counts.has(jobId)) this.#counts.set(jobId, { state: "active", marker: "", at: 0, dueAt: this.options.now() });
  }

  #maxAge(counts: ObservedTaskCounts, job: ObservedJob): number {
    const settled = counts.active + counts.running === 0 && job.metadata[TASKS_SUBMITTED_KEY] !== undefined;
    return settled ? (this.options.settledCountsMaxAgeMs ?? 1_800_000) : (this.options.countsMaxAgeMs ?? 60_000);
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
