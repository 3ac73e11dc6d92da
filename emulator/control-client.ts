/**
 * A small typed client for the emulator's control API (/_emulator/), for tests, demos and benchmarks.
 * It uses global fetch; the control API needs no credentials but answers loopback clients only.
 */
import type { FaultRule, ActiveFault } from "./control/faults.js";
import type { CallCounts } from "./control/counters.js";

export type { FaultRule, ActiveFault, FaultKind } from "./control/faults.js";
export type { CallCounts } from "./control/counters.js";

export class EmulatorControlError extends Error {
  override readonly name = "EmulatorControlError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class EmulatorControlClient {
  constructor(private readonly baseUrl: string) {}

  /** Injects a fault; returns the rule with its id. */
  addFault(rule: FaultRule): Promise<ActiveFault> {
    return this.call("POST", "/faults", rule);
  }

  async faults(): Promise<ActiveFault[]> {
    return (await this.call<{ faults: ActiveFault[] }>("GET", "/faults")).faults;
  }

  async removeFault(id: number): Promise<void> {
    await this.call("DELETE", `/faults/${id}`);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "/faults");
  }

  /** Limits an account (default: the first) to `requestsPerSecond` with bursts of `burst`. */
  async setRateLimit(limit: { requestsPerSecond: number; burst: number; account?: string }): Promise<void> {
    await this.call("PUT", "/rate-limit", limit);
  }

  async clearRateLimits(): Promise<void> {
    await this.call("DELETE", "/rate-limit");
  }

  /** Calls by operation id, then by status code (or "dropped"). */
  async counters(): Promise<CallCounts> {
    return (await this.call<{ counters: CallCounts }>("GET", "/counters")).counters;
  }

  async clearCounters(): Promise<void> {
    await this.call("DELETE", "/counters");
  }

  /** Drops all accounts' state, faults, rate limits and counters. */
  async reset(): Promise<void> {
    await this.call("POST", "/reset");
  }

  /** Virtual clock only. */
  async advanceClock(ms: number): Promise<void> {
    await this.call("POST", "/clock/advance", { ms });
  }

  /** Out-of-band resize, as from the portal (turns autoscale off). */
  resizePool(
    poolId: string,
    targets: { targetDedicatedNodes?: number; targetLowPriorityNodes?: number },
    account?: string,
  ): Promise<unknown> {
    return this.action("resizePool", { poolId, ...targets, account });
  }

  setPoolMetadata(poolId: string, metadata: { name: string; value: string }[], account?: string): Promise<unknown> {
    return this.action("setPoolMetadata", { poolId, metadata, account });
  }

  deletePool(poolId: string, account?: string): Promise<unknown> {
    return this.action("deletePool", { poolId, account });
  }

  setQuota(quota: { dedicatedNodes?: number; lowPriorityNodes?: number; pools?: number }, account?: string): Promise<unknown> {
    return this.action("setQuota", { ...quota, account });
  }

  /** Out-of-band task delete (a running task is stopped first); 404 JobNotFound / TaskNotFound. */
  deleteTask(jobId: string, taskId: string, account?: string): Promise<unknown> {
    return this.action("deleteTask", { jobId, taskId, account });
  }

  /** Out-of-band terminate, as Task_Terminate: the task completes with failure code TaskEnded; 409 TaskCompleted. */
  terminateTask(jobId: string, taskId: string, account?: string): Promise<unknown> {
    return this.action("terminateTask", { jobId, taskId, account });
  }

  /** Replaces a job's metadata (new ETag), as an edit in the portal. */
  setJobMetadata(jobId: string, metadata: { name: string; value: string }[], account?: string): Promise<unknown> {
    return this.action("setJobMetadata", { jobId, metadata, account });
  }

  /** Out-of-band Job_Delete: the job is `deleting` for `timing.jobTransitionMs`, then gone. */
  deleteJob(jobId: string, account?: string): Promise<unknown> {
    return this.action("deleteJob", { jobId, account });
  }

  /** Any registered action (e.g. "deleteTask" from the jobs area). */
  action<T = unknown>(name: string, body: Record<string, unknown>): Promise<T> {
    return this.call("POST", `/actions/${encodeURIComponent(name)}`, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}/_emulator${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await response.text();
    const parsed: unknown = text === "" ? undefined : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; message?: string };
      throw new EmulatorControlError(
        response.status,
        error.code ?? "Error",
        error.message ?? `control API ${method} ${path}: ${response.status}`,
      );
    }
    return parsed as T;
  }
}
