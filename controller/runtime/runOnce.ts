/**
 * One invocation that converges what it can (`run --once`): every key is reconciled, and keys not
 * yet settled are reconciled again (after the delay their pass asked for, or a backoff after an
 * error) until all are settled or the deadline passes. A job on a pool created in the same run is
 * therefore created once its pool exists, not left waiting for a next invocation.
 *
 * Settled: Ready=True, Stalled=True (a user must act), removed, or waiting on something only a
 * manifest change can bring (DeletionBlocked: the source does not change during one run).
 */
import type { Logger } from "pino";
import { Reasons } from "../core/reasons.js";
import { delay, type Clock } from "../time/clock.js";
import type { OnceOptions, OnceReport, OnceResource, Problem, ReconcileOutcome, ResourceKey, ResourceStatus } from "./ports.js";

export type { OnceOptions, OnceReport, OnceResource };

export interface OnceDriver {
  /** Starts the source (loaded once) and returns the keys of this run, including ones only Batch knows. */
  readonly keys: () => Promise<ResourceKey[]>;
  readonly reconcile: (key: ResourceKey) => Promise<ReconcileOutcome>;
  readonly problems: () => Problem[];
  readonly concurrency: number;
  /** The engine's clock: the deadline and the waits between passes (a test moves it). */
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
}

const DEFAULT_TIMEOUT_MS = 600_000;

export async function runOnce(driver: OnceDriver, options: OnceOptions = {}): Promise<OnceReport> {
  const deadline = driver.clock.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const last = new Map<ResourceKey, ReconcileOutcome>();
  const failures = new Map<ResourceKey, number>();
  let pending = await driver.keys();
  while (pending.length > 0 && !driver.signal.aborted) {
    const outcomes = await mapLimit(pending, driver.concurrency, (key) => driver.reconcile(key));
    const waits: number[] = [];
    pending.forEach((key, i) => {
      const outcome = outcomes[i] as ReconcileOutcome;
      last.set(key, outcome);
      if (outcome.kind === "error") failures.set(key, (failures.get(key) ?? 0) + 1);
      else failures.delete(key);
    });
    pending = pending.filter((key) => !settled(last.get(key)));
    for (const key of pending) waits.push(waitFor(last.get(key), failures.get(key) ?? 0, driver));
    const wait = Math.min(...waits);
    if (pending.length === 0 || driver.clock.now() + wait >= deadline) break;
    await delay(driver.clock, wait, driver.signal);
  }
  return report(last, pending.length > 0, driver.problems());
}

function settled(outcome: ReconcileOutcome | undefined): boolean {
  if (outcome === undefined) return false;
  if (outcome.kind === "stalled" || outcome.status === undefined) return outcome.kind !== "error";
  const ready = outcome.status.conditions.find((c) => c.type === "Ready");
  // Waiting on a manifest change (a pool still used, a pool not defined): one run reads the source once.
  return ready?.status === "True" || ready?.reason === Reasons.DeletionBlocked || ready?.reason === Reasons.PoolNotFound;
}

function waitFor(outcome: ReconcileOutcome | undefined, failures: number, driver: OnceDriver): number {
  if (outcome?.kind === "requeueAfter") return outcome.ms;
  if (outcome?.kind === "error") return Math.min(driver.retryBaseDelayMs * 2 ** (failures - 1), driver.retryMaxDelayMs);
  // Done but not Ready (e.g. a retryable state with no poll asked): look again soon.
  return driver.retryBaseDelayMs;
}

function report(last: ReadonlyMap<ResourceKey, ReconcileOutcome>, timedOut: boolean, allProblems: Problem[]): OnceReport {
  const resources = [...last].map(([key, outcome]) => describe(key, outcome.status)).sort((a, b) => a.key.localeCompare(b.key));
  const problems = allProblems.filter((p) => p.severity === "error");
  return { converged: problems.length === 0 && resources.every((r) => r.ready), timedOut, resources, problems };
}

function describe(key: ResourceKey, status: ResourceStatus | undefined): OnceResource {
  if (status === undefined) return { key, ready: true, reason: "Removed" };
  const ready = status.conditions.find((c) => c.type === "Ready");
  return { key, ready: ready?.status === "True", reason: ready?.reason, message: ready?.message };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The exit code of `run --once`: 0 when every resource is Ready and no manifest is invalid, else 1 (docs/status.md). */
export function onceExitCode(report: OnceReport, logger: Logger): number {
  const notReady = report.resources.filter((r) => !r.ready).map((r) => `${r.key}: ${r.reason ?? "no status"}`);
  logger.info({ problems: report.problems.length, notReady, timedOut: report.timedOut }, "once: done");
  if (report.timedOut) logger.error({ notReady }, "once: --once-timeout reached with resources still reconciling");
  else if (!report.converged) logger.error({ notReady, problems: report.problems.length }, "once: not every resource is Ready");
  return report.converged ? 0 : 1;
}
