/**
 * A long task submission is one reconcile pass; its status must not sit at "0 submitted" until the
 * pass ends. Interim statuses report how many declared tasks are in Batch, then the pass's own
 * status closes it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ResourceStatus } from "../../controller/runtime/ports.js";
import { conditionOf, isReady, setEmptyPoolSweep, startHarness, type Harness } from "./harness.js";

const TASKS = 5_000;

describe("status during a large task submission", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  const SWEEP = "BatchJob/default/sweep";

  /** Runs the sweep with `write` as the status store for the job; resolves with its writes once the pass's own Ready status landed. */
  async function submit(write: (status: ResourceStatus) => Promise<void>): Promise<ResourceStatus[]> {
    const writes: ResourceStatus[] = [];
    h = await startHarness({
      engine: {
        progressReportIntervalMs: 0,
        taskSubmissionConcurrency: 2,
        status: {
          write: async (key, status) => {
            if (key !== SWEEP) return;
            await write(status);
            writes.push(status);
          },
        },
      },
    });
    // No nodes: the tasks stay active, so the checks below see every one of them.
    setEmptyPoolSweep(h.source, TASKS);
    h.start();
    // The pass's status waits for any interim write in flight and drops a waiting one, so once it
    // has landed no interim write of that pass can follow.
    await vi.waitFor(() => expect(writes.some((s) => isReady(s))).toBe(true), { timeout: 60_000, interval: 25 });
    return writes;
  }

  it("publishes interim statuses with the tasks in Batch so far, then the final one", async () => {
    // An instant store: every progress report finds the previous write done, so each is written.
    const writes = await submit(async () => undefined);

    const interim = writes.filter((s) => s.job?.tasksSubmitted !== undefined);
    expect(interim.length).toBeGreaterThan(1);
    const submitted = interim.map((s) => s.job?.tasksSubmitted ?? -1);
    expect(submitted.some((n) => n > 0 && n < TASKS)).toBe(true);
    expect([...submitted].sort((a, b) => a - b)).toEqual(submitted);
    for (const status of interim) {
      expect(conditionOf(status, "Reconciling")).toMatchObject({ status: "True", reason: "Progressing" });
      expect(conditionOf(status, "Ready")?.message).toMatch(/^submitting tasks to job sweep: \d+\/5000 in Batch$/);
    }
    expectClosedByThePass(writes);
    const counts = await h?.batch.getTaskCounts("sweep");
    expect((counts?.active ?? 0) + (counts?.running ?? 0) + (counts?.completed ?? 0)).toBe(TASKS);
  });

  it("never lets an interim write land after the pass's own status", async () => {
    // A slow store: the first interim write is held until another status arrives or 5 s pass. A
    // correct engine holds the pass's own status back meanwhile, so the hold always runs out; the
    // 5 s are only how long a wrong engine gets to show itself, never a bound on a correct one.
    let held = false;
    let release: (() => void) | undefined;
    let statusWhileHolding = false;
    const writes = await submit(async (status) => {
      if (status.job?.tasksSubmitted === undefined) {
        statusWhileHolding ||= release !== undefined;
        return release?.();
      }
      if (held) return;
      held = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => release?.(), 5_000);
        release = () => {
          clearTimeout(timer);
          release = undefined;
          resolve();
        };
      });
    });
    expect(held).toBe(true);
    expect(statusWhileHolding).toBe(false);
    expectClosedByThePass(writes);
  });

  /** The submitting pass closes with its own status (Ready, no submission figure), after every interim one. */
  function expectClosedByThePass(writes: ResourceStatus[]): void {
    const firstInterim = writes.findIndex((s) => s.job?.tasksSubmitted !== undefined);
    expect(firstInterim).toBeGreaterThanOrEqual(0);
    const passEnd = writes.findIndex((s, i) => i > firstInterim && s.job?.tasksSubmitted === undefined);
    expect(passEnd).toBeGreaterThan(firstInterim);
    expect(writes.slice(passEnd).filter((s) => s.job?.tasksSubmitted !== undefined)).toEqual([]);
    const last = writes.at(-1);
    expect(last !== undefined && isReady(last)).toBe(true);
    expect(last?.job?.tasksSubmitted).toBeUndefined();
    expect(conditionOf(last, "Reconciling")).toBeUndefined();
  }
});
