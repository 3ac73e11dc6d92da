/**
 * A job that Batch ends once its tasks complete (onAllTasksComplete: terminatejob) is reported
 * completed soon after, even when its tasks finish between the pass's job listing and its task-counts
 * read: the counts say nothing is left while the listing still says `active`. Before, that pass
 * scheduled no poll and the status kept `active` until the next resync (the cluster-lifecycle CI
 * timeout). One virtual clock drives the emulator and the engine, so the interleaving is exact.
 */
import { afterEach, expect, it } from "vitest";
import type { ReconcileOutcome, ResourceKey } from "../../controller/runtime/ports.js";
import { isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const RUN_MS = 30_000;

/** Reconciles `key`, advancing the virtual clock a second between passes, until `done` holds on its status. */
async function passUntil(harness: Harness, key: ResourceKey, done: () => boolean, what: string): Promise<void> {
  for (let pass = 0; pass < 60; pass++) {
    await harness.controller.reconcileNow(key);
    if (done()) return;
    harness.emulator.clock.advance(1_000);
  }
  throw new Error(`${key}: never ${what}: ${JSON.stringify(harness.recorded.statuses.get(key))}`);
}

it("keeps polling a terminatejob job whose tasks finished between the listing and the counts, until Batch shows it completed", async () => {
  h = await startHarness({ auth: "sharedKey", emulator: { clock: "virtual" }, engineOnEmulatorClock: true });
  const harness = h;
  const pool: ResourceKey = "BatchPool/default/p";
  const job: ResourceKey = "BatchJob/default/j";
  const env = [{ name: "BATCH_EMULATOR_RUN_MS", value: String(RUN_MS) }];
  h.source.set(poolResource("p"));
  h.source.set(
    jobResource("j", "p", {
      onAllTasksComplete: "terminatejob",
      tasks: [
        { id: "a", commandLine: "render a", environmentSettings: env },
        { id: "b", commandLine: "render b", environmentSettings: env },
      ],
    }),
  );
  const status = () => harness.recorded.statuses.get(job);
  const ready = (key: ResourceKey): boolean => {
    const s = harness.recorded.statuses.get(key);
    return s !== undefined && isReady(s);
  };
  await passUntil(h, pool, () => ready(pool), "Ready");
  await passUntil(h, job, () => (status()?.job?.taskCounts?.running ?? 0) > 0, "seen with running tasks");

  // The tasks (one at a time on the one node) end right after Batch answers the next job listing (still
  // `active`), before the counts read.
  let armed = true;
  h.emulator.observe((e) => {
    if (armed && e.operationId === "Job_List") {
      armed = false;
      harness.emulator.clock.advance(3 * RUN_MS);
    }
  });
  harness.emulator.clock.advance(1_000);
  let outcome: ReconcileOutcome = await h.controller.reconcileNow(job);
  expect(armed).toBe(false);
  expect(status()?.job).toMatchObject({ state: "active", taskCounts: { active: 0, running: 0, succeeded: 2 } });

  // Each pass asks to come back until the listing shows the job completed, which the status then says.
  for (let pass = 0; status()?.job?.state !== "completed"; pass++) {
    expect(outcome.kind, `pass ${pass}: ${JSON.stringify(status()?.job)}`).toBe("requeueAfter");
    expect(pass).toBeLessThan(20);
    if (outcome.kind === "requeueAfter") harness.emulator.clock.advance(outcome.ms);
    outcome = await h.controller.reconcileNow(job);
  }
  expect(status()?.job?.taskCounts).toMatchObject({ succeeded: 2, failed: 0 });
  expect(ready(job)).toBe(true);
});
