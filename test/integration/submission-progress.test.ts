/**
 * A long task submission is one reconcile pass; its status must not sit at "0 submitted" until the
 * pass ends. Interim statuses report how many declared tasks are in Batch, then the pass's own
 * status closes it.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../controller/runtime/ports.js";
import { conditionOf, isReady, setEmptyPoolSweep, startHarness, type Harness } from "./harness.js";

const TASKS = 5_000;

describe("status during a large task submission", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("publishes interim statuses with the tasks in Batch so far, then the final one", async () => {
    const writes: ResourceStatus[] = [];
    h = await startHarness({
      engine: {
        progressReportIntervalMs: 0,
        taskSubmissionConcurrency: 2,
        status: {
          // A slow store: an interim write is still in flight when the pass ends, so the order in
          // which writes land is what the engine guarantees, not what the store happens to do.
          write: async (key, status) => {
            if (key !== "BatchJob/default/sweep") return;
            await new Promise((resolve) => setTimeout(resolve, status.job?.tasksSubmitted === undefined ? 0 : 150));
            writes.push(status);
          },
        },
      },
    });
    // No nodes: the tasks stay active, so the checks below see every one of them.
    setEmptyPoolSweep(h.source, TASKS);
    h.start();
    const deadline = Date.now() + 30_000;
    while (!writes.some((s) => isReady(s)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    // Long enough for any interim write still in flight to land.
    await new Promise((r) => setTimeout(r, 500));

    const interim = writes.filter((s) => s.job?.tasksSubmitted !== undefined);
    expect(interim.length).toBeGreaterThan(1);
    const submitted = interim.map((s) => s.job?.tasksSubmitted ?? -1);
    expect(submitted.some((n) => n > 0 && n < TASKS)).toBe(true);
    expect([...submitted].sort((a, b) => a - b)).toEqual(submitted);
    for (const status of interim) {
      expect(conditionOf(status, "Reconciling")).toMatchObject({ status: "True", reason: "Progressing" });
      expect(conditionOf(status, "Ready")?.message).toMatch(/^submitting tasks to job sweep: \d+\/5000 in Batch$/);
    }
    // The submitting pass closes with its own status, and no interim write lands after it.
    const firstInterim = writes.findIndex((s) => s.job?.tasksSubmitted !== undefined);
    const passEnd = writes.findIndex((s, i) => i > firstInterim && s.job?.tasksSubmitted === undefined);
    expect(passEnd).toBeGreaterThan(firstInterim);
    expect(writes.slice(passEnd).filter((s) => s.job?.tasksSubmitted !== undefined)).toEqual([]);
    const last = writes.at(-1);
    expect(last !== undefined && isReady(last)).toBe(true);
    expect(last?.job?.tasksSubmitted).toBeUndefined();
    expect(conditionOf(last, "Reconciling")).toBeUndefined();
    const counts = await h.batch.getTaskCounts("sweep");
    expect(counts.active + counts.running + counts.completed).toBe(TASKS);
  });
});
