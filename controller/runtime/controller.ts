/**
 * The reconcile loop: keys from the source → work queue → reconcile(key) → status, events,
 * metrics, alerts. Level-based: each pass re-reads desired state and observes Batch, so a missed
 * event is repaired by the periodic resync. One exit writes status (flux SummarizeAndPatch).
 */
import { randomUUID } from "node:crypto";
import { OWNER_KEY, MANAGER_KEY } from "../core/ownership.js";
import { Reasons, reportOf } from "../core/reasons.js";
import { nextStatus } from "./nextStatus.js";
import { ObservationCache } from "./observationCache.js";
import {
  isResourceKey,
  resourceKey,
  noFinalizers,
  parseResourceKey,
  type Controller,
  type ControllerOptions,
  type DesiredResource,
  type Finalizers,
  type ReconcileOutcome,
  type ReconcileResultLabel,
  type ResourceKey,
  type ResourceStatus,
} from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import { classifyFailure, describeError } from "./reconcileErrors.js";
import { reconcileJob } from "./reconcileJob.js";
import { reconcilePool } from "./reconcilePool.js";
import { reconcilePrune } from "./reconcilePrune.js";
import { reconcileAccount } from "./reconcileAccount.js";
import { runOnce, type OnceOptions, type OnceReport } from "./runOnce.js";
import { alreadyReportedStall, alreadyReportedWait } from "./stallReport.js";
import type { StepResult } from "./stepResult.js";
import { createWorkQueue, type WorkQueue } from "./workQueue.js";
import { every, systemClock, type Clock } from "../time/clock.js";
import { Throttle } from "../time/throttle.js";

/** Below this many tasks a job's bodies are built on the main thread: starting a worker would cost more. */
const DEFAULT_TASK_WORKER_MIN_TASKS = 2_000;

export interface EngineOptions extends ControllerOptions {
  /** Delay (then spread up to twice as long) of a job's first task-count read in this process. Default 2 s. */
  readonly taskCountsFirstReadDelayMs?: number;
  /** addtaskcollection calls in flight per job. Default 8. */
  readonly taskSubmissionConcurrency?: number;
  /**
   * Jobs declaring at least this many tasks have them generated, hashed and serialized by a worker thread
   * (runtime/taskStream, docs/adr/0030), except sweeps written from text on the main thread (docs/adr/0033).
   * Default 2,000; Infinity keeps every job on the main thread.
   */
  readonly taskWorkerMinTasks?: number;
  /**
   * How long one Batch listing serves reconciles that neither wrote nor are polling progress.
   * Default 60 s: a resync of every key costs one listing, not one per key.
   */
  readonly observationMaxAgeMs?: number;
  /** How long task counts of an active job and node counts of a pool whose nodes move are reused. Default 60 s. */
  readonly countsMaxAgeMs?: number;
  /** Least time between two interim (progress) status writes of one key during a pass. Default 1 s. */
  readonly progressReportIntervalMs?: number;
  /** Error backoff of the work queue. Defaults 500 ms to 5 min. */
  readonly retryBaseDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

/** A poolRef or accountRef to a resource that is not defined: the reason says which. */
function invalidReason(invalid: readonly { rule?: string }[]): string {
  if (invalid.every((p) => p.rule === "missing-pool")) return Reasons.PoolNotFound;
  if (invalid.every((p) => p.rule === "missing-account")) return Reasons.AccountNotFound;
  return Reasons.InvalidSpec;
}

export function createController(options: EngineOptions): Controller {
  return new Engine(options);
}

class Engine implements Controller {
  readonly #opts: EngineOptions;
  readonly #queue: WorkQueue<ResourceKey>;
  readonly #cache: ObservationCache;
  readonly #statuses = new Map<ResourceKey, ResourceStatus>();
  /** Stalled BatchJobs and the BatchPool their poolRef names (#noteJobOnPool). */
  readonly #stalledJobPools = new Map<ResourceKey, ResourceKey>();
  /** Per key: observations must be taken after this time (its last Batch write, or its last poll request). */
  readonly #freshAfter = new Map<ResourceKey, number>();
  readonly #locks = new Map<ResourceKey, Promise<unknown>>();
  /** Per key during a pass: the throttle of its interim (progress) status writes. */
  readonly #progress = new Map<ResourceKey, Throttle>();
  readonly #clock: Clock;
  readonly #now: () => number;

  constructor(options: EngineOptions) {
    this.#opts = options;
    const base = options.clock ?? systemClock;
    this.#clock = options.now === undefined ? base : { now: options.now, setTimeout: (cb, ms, o) => base.setTimeout(cb, ms, o) };
    this.#now = () => this.#clock.now();
    this.#queue = createWorkQueue<ResourceKey>({
      concurrency: options.concurrency ?? 4,
      baseDelayMs: options.retryBaseDelayMs ?? 500,
      maxDelayMs: options.retryMaxDelayMs ?? 300_000,
      clock: this.#clock,
      metrics: options.metrics.workQueue,
    });
    this.#cache = new ObservationCache(options.batch, {
      maxAgeMs: options.observationMaxAgeMs ?? 60_000,
      now: this.#now,
      ...(options.countsMaxAgeMs === undefined ? {} : { countsMaxAgeMs: options.countsMaxAgeMs }),
    });
  }

  snapshot(): ReadonlyMap<ResourceKey, ResourceStatus> {
    return this.#statuses;
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  async run(): Promise<void> {
    const { source, signal } = this.#opts;
    await source.start((key, change) => {
      if (change?.requested === true) this.#observeAfterNow(key);
      this.#queue.add(key);
    }, signal);
    await this.#enqueueAll();
    const resync = every(this.#clock, this.#opts.resyncIntervalMs ?? 300_000, () => void this.#enqueueAll(), { keepAlive: true });
    try {
      await this.#queue.run((key) => this.#handle(key), signal);
    } finally {
      resync.cancel();
    }
  }

  /** `run --once`: reconciles every key, again while some are unsettled, until settled or timed out. */
  runOnce(options: OnceOptions = {}): Promise<OnceReport> {
    const o = this.#opts;
    return runOnce(
      {
        keys: () => this.#onceKeys(),
        reconcile: (key) => this.reconcileNow(key),
        problems: () => o.source.problems(),
        concurrency: o.concurrency ?? 4,
        clock: this.#clock,
        signal: o.signal,
        retryBaseDelayMs: o.retryBaseDelayMs ?? 500,
        retryMaxDelayMs: Math.min(o.retryMaxDelayMs ?? 300_000, 30_000),
      },
      options,
    );
  }

  async #onceKeys(): Promise<ResourceKey[]> {
    const keys = new Set<ResourceKey>();
    // A source that reports changes during the run adds their keys to nothing: one run reads once.
    await this.#opts.source.start(() => undefined, this.#opts.signal);
    const enqueue = { add: (key: ResourceKey) => keys.add(key) };
    await this.#collectKeys(enqueue);
    return [...keys];
  }

  /** A reconcile a user asked for (`batch-gitops reconcile`): Batch is read afresh, as for SourceChange.requested. */
  reconcileRequested(key: ResourceKey): Promise<ReconcileOutcome> {
    this.#observeAfterNow(key);
    return this.reconcileNow(key);
  }

  reconcileNow(key: ResourceKey): Promise<ReconcileOutcome> {
    // Another account's engine reconciles it (its accountRef changed while it was queued here).
    if (this.#opts.source.elsewhere?.(key) === true) return Promise.resolve({ kind: "done", status: undefined });
    return this.#serialized(key, () => this.#reconcile(key));
  }

  /** Every desired key plus keys that only Batch still knows (owned objects whose manifest is gone). */
  async #enqueueAll(): Promise<void> {
    await this.#collectKeys(this.#queue);
  }

  async #collectKeys(into: { add(key: ResourceKey): unknown }): Promise<void> {
    this.#cache.invalidate();
    for (const key of this.#opts.source.keys()) into.add(key);
    // Invalid resources are not desired resources but still get a (Stalled) status.
    for (const problem of this.#opts.source.problems()) if (problem.key !== undefined) into.add(problem.key);
    try {
      for (const key of await this.#orphanKeys()) into.add(key);
    } catch (error: unknown) {
      this.#opts.logger.warn(
        { err: describeError(error) },
        "could not list Batch objects to find removed resources; retrying at next resync",
      );
    }
  }

  async #orphanKeys(): Promise<ResourceKey[]> {
    const [pools, jobs] = await Promise.all([this.#cache.pools(0, this.#opts.signal), this.#cache.jobs(0, this.#opts.signal)]);
    // Keys with problems are never pruned: a typo must not tear down what the manifest describes.
    const desired = new Set<string>([
      ...this.#opts.source.keys(),
      ...this.#opts.source.problems().flatMap((p) => (p.key === undefined ? [] : [p.key])),
    ]);
    const keys = new Set<ResourceKey>();
    for (const { metadata } of [...pools, ...jobs]) {
      const owner = metadata[OWNER_KEY];
      if (owner === undefined || metadata[MANAGER_KEY] !== this.#opts.managerId || desired.has(owner) || !isResourceKey(owner)) continue;
      // Declared in another account: left alone here (moving a resource does not delete the old one).
      if (this.#opts.source.elsewhere?.(owner) !== true) keys.add(owner);
    }
    return [...keys];
  }

  /** Error policy in one place (kube-rs error_policy): what the queue does after a pass. */
  async #handle(key: ResourceKey): Promise<void> {
    const outcome = await this.reconcileNow(key);
    switch (outcome.kind) {
      case "done":
        this.#queue.forget(key);
        return;
      case "stalled":
        this.#queue.forget(key);
        if (outcome.recheckAfterMs !== undefined) this.#pollAfter(key, outcome.recheckAfterMs);
        return;
      case "requeueAfter":
        this.#queue.forget(key);
        this.#pollAfter(key, outcome.ms);
        return;
      case "error":
        this.#queue.addRateLimited(key);
        return;
    }
  }

  #pollAfter(key: ResourceKey, ms: number): void {
    // A poll wants to see progress: the next pass must not reuse a listing older than now.
    this.#observeAfterNow(key);
    this.#queue.addAfter(key, ms);
  }

  /** The key's next pass reads Batch as it is from now on, not from a listing already taken. */
  #observeAfterNow(key: ResourceKey): void {
    this.#freshAfter.set(key, Math.max(this.#freshAfter.get(key) ?? 0, this.#now()));
  }

  async #serialized<T>(key: ResourceKey, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    this.#locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(key) === next) this.#locks.delete(key);
    }
  }

  async #reconcile(key: ResourceKey): Promise<ReconcileOutcome> {
    const started = performance.now();
    const { kind, namespace } = parseResourceKey(key);
    const logger = this.#opts.logger.child({ key, reconcileId: randomUUID().slice(0, 8) });
    const desired = this.#opts.source.get(key);
    let result: StepResult;
    let label: ReconcileResultLabel;
    let outcome: ReconcileOutcome;
    try {
      result = await this.#step(key, namespace, desired, logger);
      label = result.pollAfterMs !== undefined ? "requeue" : "success";
      outcome =
        result.pollAfterMs !== undefined
          ? { kind: "requeueAfter", ms: result.pollAfterMs, status: undefined }
          : { kind: "done", status: undefined };
      if (result.summary.kind === "stalled") {
        // Concluded stalls (invalid spec, resize errors) are reported like thrown ones.
        this.#reportStall(key, result.summary.reason, result.summary.message, logger);
        label = "stalled";
        outcome = {
          kind: "stalled",
          status: undefined,
          ...(result.pollAfterMs === undefined ? {} : { recheckAfterMs: result.pollAfterMs }),
        };
      }
    } catch (error: unknown) {
      ({ result, label, outcome } = this.#failure(key, error, logger));
    }
    const status = await this.#finish(key, desired, result, logger);
    this.#opts.metrics.reconcileDone(kind, label, (performance.now() - started) / 1000);
    return { ...outcome, status };
  }

  #failure(
    key: ResourceKey,
    error: unknown,
    logger: ReconcileContext["logger"],
  ): { result: StepResult; label: ReconcileResultLabel; outcome: ReconcileOutcome } {
    const failure = classifyFailure(error);
    const { reason, message } = failure;
    switch (failure.report) {
      case "stalling":
        this.#reportStall(key, reason, message, logger);
        return {
          result: { summary: { kind: "stalled", reason, message } },
          label: "stalled",
          outcome: { kind: "stalled", status: undefined },
        };
      case "waiting": {
        this.#reportWait(key, reason, message, logger);
        const ms = failure.retryAfterMs ?? this.#opts.pollIntervalMs ?? 5_000;
        return {
          result: { summary: { kind: "progressing", reason, message } },
          label: "requeue",
          outcome: { kind: "requeueAfter", ms, status: undefined },
        };
      }
      case "generic":
        logger.error({ reason, err: message }, "reconcile failed; retrying with backoff");
        return {
          result: { summary: { kind: "failed", reason, message } },
          label: "error",
          outcome: { kind: "error", error, status: undefined },
        };
    }
  }

  #reportStall(key: ResourceKey, reason: string, message: string, logger: ReconcileContext["logger"]): void {
    if (alreadyReportedStall(this.#statuses.get(key), reason, message)) {
      logger.debug({ reason }, "still stalled");
      return;
    }
    logger.warn({ reason, err: message }, "stalled");
    this.#opts.alerts.stalled({ key, reason, message });
    this.#opts.events.record(key, "Warning", reason, message);
  }

  /** A wait only a user can end (a Secret to create: its reason is a stalling one) is a Warning event once. */
  #reportWait(key: ResourceKey, reason: string, message: string, logger: ReconcileContext["logger"]): void {
    if (reportOf(reason) !== "stalling" || alreadyReportedWait(this.#statuses.get(key), reason, message)) {
      logger.info({ reason }, message);
      return;
    }
    logger.warn({ reason, err: message }, "waiting");
    this.#opts.events.record(key, "Warning", reason, message);
  }

  async #step(
    key: ResourceKey,
    namespace: string,
    desired: DesiredResource | undefined,
    logger: ReconcileContext["logger"],
  ): Promise<StepResult> {
    // problemsFor: linear bookkeeping (10,000 invalid documents must not cost 10,000² comparisons a pass).
    const invalid = (this.#opts.source.problemsFor?.(key) ?? this.#opts.source.problems().filter((p) => p.key === key)).filter(
      (p) => p.severity === "error",
    );
    if (invalid.length > 0) {
      // An invalid manifest never causes a Batch write, not even a prune of what it used to own.
      const message = invalid.map((p) => `${p.file ?? ""}${p.line ? `:${p.line}` : ""} ${p.path ?? ""} ${p.message}`.trim()).join("; ");
      // A poolRef to a BatchPool that is not defined: the job cannot run, and the reason says why.
      const reason = invalidReason(invalid);
      return { summary: { kind: "stalled", reason, message } };
    }
    const ctx = this.#context(key, namespace, logger, desired);
    const pollIntervalMs = this.#opts.pollIntervalMs ?? 5_000;
    // A BatchAccount owns nothing in Batch (no finalizer, no prune): its pass checks the account answers.
    if (parseResourceKey(key).kind === "BatchAccount") return reconcileAccount(ctx, desired);
    if (desired === undefined || desired.deletionRequested === true) return this.#prune(ctx, pollIntervalMs);
    // The finalizer comes before the first Batch write, so a deletion can never skip the cleanup.
    if ((await this.#finalizers.ensure(key)) === "gone") return this.#prune(ctx, pollIntervalMs);
    return desired.kind === "BatchPool" ? reconcilePool(ctx, desired, { pollIntervalMs }) : reconcileJob(ctx, desired, { pollIntervalMs });
  }

  /** Deletes what the resource owns; once nothing is left, releases its finalizer so the deletion completes. */
  async #prune(ctx: ReconcileContext, pollIntervalMs: number): Promise<StepResult> {
    const result = await reconcilePrune(ctx, pollIntervalMs);
    if (result.removed === true) await this.#finalizers.release(ctx.key);
    return result;
  }

  get #finalizers(): Finalizers {
    return this.#opts.finalizers ?? noFinalizers;
  }

  #context(
    key: ResourceKey,
    namespace: string,
    logger: ReconcileContext["logger"],
    desired: DesiredResource | undefined,
  ): ReconcileContext {
    const o = this.#opts;
    return {
      key,
      namespace,
      batch: o.batch,
      cache: this.#cache,
      source: o.source,
      secrets: o.secrets,
      events: o.events,
      metrics: o.metrics,
      alerts: o.alerts,
      managerId: o.managerId,
      logger,
      signal: o.signal,
      lastWriteAt: this.#freshAfter.get(key) ?? 0,
      markWrite: () => this.#freshAfter.set(key, this.#now()),
      now: this.#now,
      taskSubmissionConcurrency: o.taskSubmissionConcurrency ?? 8,
      taskWorkerMinTasks: o.taskWorkerMinTasks ?? DEFAULT_TASK_WORKER_MIN_TASKS,
      taskCountsFirstReadDelayMs: o.taskCountsFirstReadDelayMs ?? 2_000,
      reportProgress: (result) => this.#reportProgress(key, desired, result, logger),
    };
  }

  /** An interim status: at most one per interval and one in flight per key; a report made too soon waits, replaced by any later one. */
  #reportProgress(key: ResourceKey, desired: DesiredResource | undefined, result: StepResult, logger: ReconcileContext["logger"]): void {
    if (desired === undefined) return;
    let throttle = this.#progress.get(key);
    if (throttle === undefined) {
      throttle = new Throttle({ clock: this.#clock, intervalMs: this.#opts.progressReportIntervalMs ?? 1_000 });
      this.#progress.set(key, throttle);
    }
    // #publish logs a failing writer itself; nothing is left to report here.
    throttle.submit(async () => void (await this.#publish(key, desired, result, logger)))?.catch(() => undefined);
  }

  /** Derives the next status from the last one and writes it (a failing writer is logged, not thrown). */
  async #publish(
    key: ResourceKey,
    desired: DesiredResource | undefined,
    result: StepResult,
    logger: ReconcileContext["logger"],
  ): Promise<ResourceStatus> {
    const status = nextStatus(this.#statuses.get(key), desired, result, new Date(this.#now()).toISOString());
    this.#statuses.set(key, status);
    this.#opts.metrics.resourceConditions?.(key, status.conditions);
    const { kind, namespace, name } = parseResourceKey(key);
    await this.#writeSafely(
      () => this.#opts.status.write(key, status, { kind, namespace, name, source: desired?.source, spec: desired?.spec }),
      logger,
    );
    return status;
  }

  /** The one exit: conditions summarized, status written, alerts resolved. */
  async #finish(
    key: ResourceKey,
    desired: DesiredResource | undefined,
    result: StepResult,
    logger: ReconcileContext["logger"],
  ): Promise<ResourceStatus | undefined> {
    // An interim write still in flight must land before the pass's own status, never after it;
    // one still waiting for its interval is dropped (the pass's status supersedes it).
    await this.#progress.get(key)?.cancel();
    this.#progress.delete(key);
    if (result.removed === true) {
      this.#statuses.delete(key);
      this.#stalledJobPools.delete(key);
      await this.#writeSafely(() => this.#opts.status.remove?.(key), logger);
      return undefined;
    }
    if (result.summary.kind === "ready") this.#opts.alerts.resolved?.(key, "Stalled");
    if (result.drift?.drifted === false) this.#opts.alerts.resolved?.(key, "Drift");
    const before = this.#statuses.get(key);
    const status = await this.#publish(key, desired, result, logger);
    this.#noteJobOnPool(key, desired, status);
    if (readinessChanged(before, status)) this.#wakeJobsOf(key);
    return status;
  }

  /**
   * Stalled jobs by the BatchPool their poolRef names. A pool that becomes Ready, or stops being Stalled, is
   * news for them: one Stalled on PoolInvalid waits for nothing else (it is not polled), so without this it
   * would wait for the resync after its pool is fixed.
   */
  #noteJobOnPool(key: ResourceKey, desired: DesiredResource | undefined, status: ResourceStatus): void {
    const { kind, namespace } = parseResourceKey(key);
    if (kind !== "BatchJob") return;
    const poolRef = (desired?.spec as { poolRef?: { name?: unknown } } | undefined)?.poolRef?.name;
    const stalled = status.conditions.some((c) => c.type === "Stalled" && c.status === "True");
    if (stalled && typeof poolRef === "string") this.#stalledJobPools.set(key, resourceKey("BatchPool", namespace, poolRef));
    else this.#stalledJobPools.delete(key);
  }

  #wakeJobsOf(poolKey: ResourceKey): void {
    for (const [job, pool] of this.#stalledJobPools) if (pool === poolKey) this.#queue.add(job);
  }

  async #writeSafely(write: () => Promise<void> | undefined, logger: ReconcileContext["logger"]): Promise<void> {
    try {
      await write();
    } catch (error: unknown) {
      // Status is re-written on the next pass; a failing status store must not fail the reconcile.
      logger.error({ err: describeError(error) }, "status write failed");
    }
  }
}

/** Ready's or Stalled's status differs between two statuses of one resource. */
function readinessChanged(before: ResourceStatus | undefined, after: ResourceStatus): boolean {
  const of = (status: ResourceStatus | undefined, type: string) => status?.conditions.find((c) => c.type === type)?.status;
  return of(before, "Ready") !== of(after, "Ready") || of(before, "Stalled") !== of(after, "Stalled");
}
