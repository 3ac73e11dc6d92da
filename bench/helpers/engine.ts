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
  /** Resolves at the next event of `key` with this reason (a Stalled event rejects, with its message). */
  nextEvent(key: ResourceKey, reason: string): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchEngineOptions {
  readonly url: string;
  readonly account: string;
  readonly key: string;
  readonly engine?: Partial<EngineOptions>;
}

type Waiter = (key: ResourceKey, detail: { status?: ResourceStatus; reason?: string; type?: string; message?: string }) => boolean;

export function startBenchEngine(options: BenchEngineOptions): BenchEngine {
  const statuses = new Map<ResourceKey, ResourceStatus>();
  let waiters: Waiter[] = [];
  const notify: Waiter = (key, detail) => {
    waiters = waiters.filter((w) => !w(key, detail));
    return false;
  };
  const batch = createBatchAdapter({ accountUrl: options.url, credentials: sharedKeyCredentials(options.account, options.key) });
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
    events: { record: (key, type, reason, message) => void notify(key, { type, reason, message }) },
    metrics: { reconcileDone: () => undefined, driftDetected: () => undefined, batchCall: () => undefined, poolNodes: () => undefined, jobTasks: () => undefined },
    alerts: { drift: () => undefined, stalled: () => undefined },
    secrets: { resolveSecret: async () => "bench-secret" },
    logger: pino({ level: "silent" }),
    managerId: "bench",
    signal: abort.signal,
    pollIntervalMs: 200,
    ...options.engine,
  });
  const running = controller.run();
  return {
    controller,
    batch,
    source,
    statusWhere: (key, predicate) => {
      const current = statuses.get(key);
      if (current !== undefined && predicate(current)) return Promise.resolve(current);
      return new Promise((resolve) => waiters.push((k, d) => k === key && d.status !== undefined && predicate(d.status) && (resolve(d.status), true)));
    },
    nextEvent: (key, reason) =>
      new Promise((resolve, reject) => {
        waiters.push((k, d) => {
          if (k !== key) return false;
          if (d.reason === reason) return (resolve(), true);
          if (d.type === "Warning" && d.reason === "TasksRejected") return (reject(new Error(d.message)), true);
          return false;
        });
      }),
    stop: async () => {
      abort.abort();
      await running.catch(() => undefined);
    },
  };
}

export function isReady(status: ResourceStatus): boolean {
  return status.conditions.some((c) => c.type === "Ready" && c.status === "True");
}
