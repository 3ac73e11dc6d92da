import type { ResponseObserver } from "../http/server.js";

/** Calls by operation id and status ("dropped" when the connection was cut). */
export type CallCounts = Record<string, Record<string, number>>;

export class CallCounters {
  private counts = new Map<string, Map<string, number>>();

  observer(): ResponseObserver {
    return ({ operationId, status }) => {
      const byStatus = this.counts.get(operationId) ?? new Map<string, number>();
      const key = String(status);
      byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
      this.counts.set(operationId, byStatus);
    };
  }

  snapshot(): CallCounts {
    const out: CallCounts = {};
    for (const [operation, byStatus] of this.counts) out[operation] = Object.fromEntries(byStatus);
    return out;
  }

  clear(): void {
    this.counts = new Map();
  }
}
