import { describe, expect, it } from "vitest";
import { runOnce, type OnceDriver, type OnceReport } from "../../../controller/runtime/runOnce.js";
import { ManualClock } from "../../../controller/time/manualClock.js";
import type { ReconcileOutcome, ResourceKey, ResourceStatus } from "../../../controller/runtime/ports.js";

const ready: ResourceStatus = {
  conditions: [{ type: "Ready", status: "True", reason: "Succeeded", message: "ok", lastTransitionTime: "t" }],
};
const waiting = (reason: string): ResourceStatus => ({
  conditions: [{ type: "Ready", status: "False", reason, message: reason, lastTransitionTime: "t" }],
});

function driver(keys: ResourceKey[], reconcile: (key: ResourceKey) => ReconcileOutcome, clock = new ManualClock()): OnceDriver {
  return {
    keys: async () => keys,
    reconcile: async (k) => reconcile(k),
    problems: () => [],
    concurrency: 2,
    clock,
    signal: new AbortController().signal,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 4,
  };
}

/** Runs the pass on its driver's manual clock, moving time to each wait the pass parks on until it ends. */
async function drive(d: OnceDriver, options?: Parameters<typeof runOnce>[1]): Promise<OnceReport> {
  const clock = d.clock as ManualClock;
  let done = false;
  const result = runOnce(d, options).finally(() => (done = true));
  while (!done) if (!(await clock.advanceToNext())) await new Promise((r) => setImmediate(r));
  return result;
}

describe("runOnce", () => {
  it("reconciles a job again until the pool it waits for exists, within the same run", async () => {
    let poolExists = false;
    const passes: string[] = [];
    const result = await drive(
      driver(["BatchJob/d/j", "BatchPool/d/p"], (key) => {
        passes.push(key);
        if (key === "BatchPool/d/p") {
          poolExists = true;
          return { kind: "done", status: ready };
        }
        return poolExists && passes.filter((p) => p === key).length > 1
          ? { kind: "done", status: ready }
          : { kind: "requeueAfter", ms: 1, status: waiting("DependencyNotReady") };
      }),
    );
    expect(result).toMatchObject({ converged: true, timedOut: false });
    expect(passes.filter((p) => p === "BatchJob/d/j").length).toBe(2);
  });

  it("stops at a Stalled resource (a user must act) and reports it not converged", async () => {
    const result = await drive(driver(["BatchPool/d/p"], () => ({ kind: "stalled", status: waiting("InvalidSpec") })));
    expect(result).toMatchObject({
      converged: false,
      timedOut: false,
      resources: [{ key: "BatchPool/d/p", ready: false, reason: "InvalidSpec" }],
    });
  });

  it("gives up at the deadline with what is still reconciling", async () => {
    const clock = new ManualClock();
    const start = clock.now();
    let passes = 0;
    const result = await drive(
      driver(["BatchPool/d/p"], () => (passes++, { kind: "requeueAfter", ms: 300, status: waiting("Resizing") }), clock),
      { timeoutMs: 1_000 },
    );
    expect(result).toMatchObject({ converged: false, timedOut: true, resources: [{ reason: "Resizing" }] });
    // Passes at 0, 300, 600 and 900 ms of the clock; the next wait would cross the deadline.
    expect(passes).toBe(4);
    expect(clock.now() - start).toBe(900);
  });

  it("retries errors with backoff and counts a removed resource as done", async () => {
    let calls = 0;
    const result = await drive(
      driver(["BatchPool/d/gone"], () =>
        ++calls < 3 ? { kind: "error", error: new Error("503"), status: waiting("BatchError") } : { kind: "done", status: undefined },
      ),
    );
    expect(calls).toBe(3);
    expect(result).toMatchObject({ converged: true, resources: [{ key: "BatchPool/d/gone", ready: true }] });
  });
});
