import { afterEach, describe, expect, it, vi } from "vitest";
import { isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

const POOLS = 300;
const JOBS = 20;

describe("steady-state resync cost", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  it("observes hundreds of in-sync pools and finished jobs with one pool page and one job page per resync", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 1_500, concurrency: 8 } });
    for (let i = 0; i < POOLS; i++) h.source.set(poolResource(`idle-${i}`, { scale: { fixed: { targetDedicatedNodes: 0 } } }));
    h.source.set(poolResource("workers"));
    for (let i = 0; i < JOBS; i++) h.source.set(jobResource(`job-${i}`, "workers", { tasks: [{ id: "only", commandLine: "echo" }] }));
    h.start();
    for (const key of h.source.keys()) await h.waitForStatus(key, isReady, 60_000);
    for (let i = 0; i < JOBS; i++) await h.waitForStatus(`BatchJob/default/job-${i}`, (s) => s.job?.taskCounts.succeeded === 1, 30_000);

    // Let in-flight polls settle, then count what whole resyncs cost.
    await h.controller.idle();
    await vi.waitFor(() => expect(h?.recorded.calls.get("pool.list") ?? 0).toBeGreaterThan(0), { timeout: 5_000 });
    const before = new Map(h.recorded.calls);
    const poolLists = (): number => (h?.recorded.calls.get("pool.list") ?? 0) - (before.get("pool.list") ?? 0);
    await vi.waitFor(() => expect(poolLists()).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 50 });
    await h.controller.idle();

    const delta = new Map([...h.recorded.calls].map(([op, n]) => [op, n - (before.get(op) ?? 0)]));
    const other = [...delta].filter(([op, n]) => n > 0 && op !== "pool.list" && op !== "job.list");
    expect(other).toEqual([]);
    // The minimum is one list page of each per resync (fewer than 1,000 of each).
    const resyncs = delta.get("pool.list") ?? 0;
    expect(delta.get("job.list") ?? 0).toBeLessThanOrEqual(resyncs);
    expect(delta.get("job.list") ?? 0).toBeGreaterThanOrEqual(resyncs - 1);
  }, 120_000);
});
