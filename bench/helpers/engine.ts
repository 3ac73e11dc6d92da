/**
 * The real reconciler engine (createController) in-process, talking HTTP through @azure/batch to an emulator,
 * with a memory source and recording ports. Benchmarks watch its status writes and events.
 */
import pino from "pino";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import type { BatchAdapter } from "../../controller/batch/adapter.js";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { createController, type EngineOptions } from "../../controller/runtime/controller.js";
import type { Controller, ResourceKey, ResourceStatus } from "../../controller/runtime/ports.js";
import { MemorySource } from "./memorySource.js";

export interface BenchEngine {
  readonly controller: Controller;
  readonly batch: BatchAdapter;
  readonly source: MemorySource;
  /** Resolves with the first status of `key` that satisfies `predicate` (already written or later). */
  statusWhere(key: ResourceKey, predicate: (status: ResourceStatus) => boolean): Promise<ResourceStatus>;
  /** Resolves at the next event of `key` with this reason. Both waits reject when `key` becomes Stalled. */
  nextEvent(key: ResourceKey, reason: string): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchEngineOptions {
  readonly url: string;
  readonly account: string;
  readonly key: string;
  readonly engine?: Partial<EngineOptions>;
}

/** A pending wait on one key: returns true once it has settled (and can be dropped). */
type Waiter = (seen: Seen) => boolean;

interface Seen {
  readonly status?: ResourceStatus;
  readonly event?: { readonly type: string; readonly reason: string; readonly message: string };
}

export function startBenchEngine(options: BenchEngineOptions): BenchEngine {
  const statuses = new Map<ResourceKey, ResourceStatus>();
  // By key: with 11,000 resources waited on (resync-10k), scanning every wait on every status write and
  // event made bringing them in sync quadratic (tens of minutes in this process alone).
  const waiters = new Map<ResourceKey, Waiter[]>();
  const notify = (key: ResourceKey, seen: Seen): void => {
    const pending = waiters.get(key)?.filter((settled) => !settled(seen));
    if (pending === undefined || pending.length === 0) waiters.delete(key);
    else waiters.set(key, pending);
  };
  // BENCH_LEAN=0 sends addtaskcollection through the SDK's pipeline instead of the lean path (ADR 0026), to compare.
  const leanTaskSubmission = process.env.BENCH_LEAN !== "0";
  const batch = createBatchAdapter({
    accountUrl: options.url,
    credentials: sharedKeyCredentials(options.account, options.key),
    leanTaskSubmission,
  });
  const source = new MemorySource();
  const abort = new AbortController();
  const controller = createController({
    source,
    batch,
    status: {
      write: async (key, status) => {
        statuses.set(key, status);
        notify(key, { status });
      },
    },
    events: { record: (key, type, reason, message) => notify(key, { event: { type, reason, message } }) },
    metrics: {
      reconcileDone: () => undefined,
      driftDetected: () => undefined,
      batchCall: () => undefined,
      poolNodes: () => undefined,
      jobTasks: () => undefined,
    },
    alerts: { drift: () => undefined, stalled: () => undefined },
    secrets: { resolveSecret: async () => "bench-secret" },
    logger: pino({ level: "silent" }),
    managerId: "bench",
    signal: abort.signal,
    pollIntervalMs: 200,
    ...options.engine,
  });
  const running = controller.run();
  // Every wait fails fast when its resource stalls: a benchmark must report an error, not hang.
  const waitFor = (key: ResourceKey, matches: (seen: Seen) => ResourceStatus | true | undefined): Promise<ResourceStatus | true> =>
    new Promise((resolve, reject) => {
      const onKey = waiters.get(key) ?? [];
      waiters.set(key, onKey);
      onKey.push((seen) => {
        const stalled = seen.status === undefined ? undefined : stalledMessage(seen.status);
        if (stalled !== undefined) {
          reject(new Error(`${key} stalled: ${stalled}`));
          return true;
        }
        const match = matches(seen);
        if (match !== undefined) resolve(match);
        return match !== undefined;
      });
    });
  return {
    controller,
    batch,
    source,
    statusWhere: async (key, predicate) => {
      const current = statuses.get(key);
      if (current !== undefined && predicate(current)) return current;
      const found = await waitFor(key, (seen) => (seen.status !== undefined && predicate(seen.status) ? seen.status : undefined));
      if (found === true) throw new Error("unreachable: a status wait resolves with a status");
      return found;
    },
    nextEvent: async (key, reason) => {
      await waitFor(key, (seen) => (seen.event?.reason === reason ? true : undefined));
    },
    stop: async () => {
      abort.abort();
      await running.catch(() => undefined);
    },
  };
}

function stalledMessage(status: ResourceStatus): string | undefined {
  const stalled = status.conditions.find((c) => c.type === "Stalled" && c.status === "True");
  return stalled === undefined ? undefined : `${stalled.reason}: ${stalled.message}`;
}

export function isReady(status: ResourceStatus): boolean {
  return status.conditions.some((c) => c.type === "Ready" && c.status === "True");
}
