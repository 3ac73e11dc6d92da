/**
 * What a steady-state resync costs in Batch calls. The engine runs on a ManualClock: resyncs
 * happen exactly when the test moves time, and a resync's passes all see the same instant, so the
 * count of listings per resync does not depend on how fast the machine gets through 321 keys.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock } from "../../controller/time/manualClock.js";
import { isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

const POOLS = 300;
const JOBS = 20;
const RESYNC_MS = 60_000;
const POLL_MS = 100;

describe("steady-state resync cost", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
  });

  /** Moves the engine's clock a poll interval at a time (Batch runs on real time) until `done` holds. */
  async function drive(clock: ManualClock, done: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let step = 0; step < 3_000; step++) {
      if (await done()) return;
      await clock.advance(POLL_MS);
      // Only lets Batch and the passes make progress; nothing is asserted about how long it takes.
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`engine clock driven 300 s without ${what}`);
  }

  /** Quiet: nothing queued or in flight, and the resync is the only timer left (no poll pending). */
  async function quiet(clock: ManualClock): Promise<void> {
    await drive(
      clock,
      async () => {
        await h?.controller.idle();
        return clock.pending() === 1 && (clock.nextDueInMs() ?? 0) > POLL_MS;
      },
      "a quiet engine",
    );
  }

  it("observes hundreds of in-sync pools and finished jobs with one pool page and one job page per resync", async () => {
    const clock = new ManualClock(Date.now());
    h = await startHarness({
      engine: { clock, resyncIntervalMs: RESYNC_MS, pollIntervalMs: POLL_MS, observationMaxAgeMs: 60_000, concurrency: 8 },
    });
    for (let i = 0; i < POOLS; i++) h.source.set(poolResource(`idle-${i}`, { scale: { fixed: { targetDedicatedNodes: 0 } } }));
    h.source.set(poolResource("workers"));
    for (let i = 0; i < JOBS; i++) h.source.set(jobResource(`job-${i}`, "workers", { tasks: [{ id: "only", commandLine: "echo" }] }));
    h.start();
    const harness = h;
    const converged = (): boolean =>
      harness.source.keys().every((key) => {
        const status = harness.recorded.statuses.get(key);
        return status !== undefined && isReady(status) && (status.job === undefined || status.job.taskCounts.succeeded === 1);
      });
    await drive(clock, converged, "every resource Ready and every job's task succeeded");
    await quiet(clock);

    for (let resync = 1; resync <= 2; resync++) {
      const before = new Map(h.recorded.calls);
      await clock.advance(clock.nextDueInMs() ?? RESYNC_MS);
      await vi.waitFor(() => expect(h?.recorded.calls.get("pool.list") ?? 0).toBeGreaterThan(before.get("pool.list") ?? 0), {
        timeout: 30_000,
      });
      await quiet(clock);
      const delta = [...h.recorded.calls].map(([op, n]) => [op, n - (before.get(op) ?? 0)] as const).filter(([, n]) => n > 0);
      // The minimum: one list page of each (fewer than 1,000 of each), and nothing else.
      expect(Object.fromEntries(delta)).toEqual({ "pool.list": 1, "job.list": 1 });
    }
  }, 180_000);
});
