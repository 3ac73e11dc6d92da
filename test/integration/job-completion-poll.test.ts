/**
 * A job that Batch ends once its tasks complete (onAllTasksComplete: terminatejob) is reported
 * completed soon after, even when its tasks finish between the pass's job listing and its task-counts
 * read: the counts say nothing is left while the listing still says `active`. Before, that pass
 * scheduled no poll and the status kept `active` until the next resync (the cluster-lifecycle CI
 * timeout). The same holds when the tasks failed: the job is Stalled (TasksFailed) but still read until
 * Batch has ended it. One virtual clock drives the emulator and the engine, so the interleaving is exact.
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

/**
 * Runs a two-task terminatejob job until its tasks run, then lets them end (with `exitCode`) right after
 * Batch answers a pass's job listing (still `active`), before the counts read. Returns that pass's outcome.
 */
async function tasksEndBetweenListingAndCounts(harness: Harness, exitCode: number): Promise<ReconcileOutcome> {
  declarePoolAndJob(harness, exitCode);
  await passUntil(harness, pool, () => ready(harness, pool), "Ready");
  await passUntil(harness, job, () => (harness.recorded.statuses.get(job)?.job?.taskCounts?.running ?? 0) > 0, "seen with running tasks");
  const listed = tasksEndAfterNextJobListing(harness);
  harness.emulator.clock.advance(1_000);
  const outcome = await harness.controller.reconcileNow(job);
  expect(listed()).toBe(true);
  return outcome;
}

/** A pool and a two-task terminatejob job whose tasks run RUN_MS each and exit with `exitCode`. */
function declarePoolAndJob(harness: Harness, exitCode: number): void {
  const env = [
    { name: "BATCH_EMULATOR_RUN_MS", value: String(RUN_MS) },
    { name: "BATCH_EMULATOR_EXIT_CODE", value: String(exitCode) },
  ];
  harness.source.set(poolResource("p"));
  harness.source.set(
    jobResource("j", "p", {
      onAllTasksComplete: "terminatejob",
      tasks: [
        { id: "a", commandLine: "render a", environmentSettings: env },
        { id: "b", commandLine: "render b", environmentSettings: env },
      ],
    }),
  );
}

/** The tasks (one at a time on the one node) end right after Batch answers the next job listing. */
function tasksEndAfterNextJobListing(harness: Harness): () => boolean {
  let armed = true;
  harness.emulator.observe((e) => {
    if (armed && e.operationId === "Job_List") {
      armed = false;
      harness.emulator.clock.advance(3 * RUN_MS);
    }
  });
  return () => !armed;
}

/** When a pass asks the queue to come back: a poll, or a stalled job's look at what Batch is about to do. */
function comesBackAfter(outcome: ReconcileOutcome): number | undefined {
  if (outcome.kind === "requeueAfter") return outcome.ms;
  return outcome.kind === "stalled" ? outcome.recheckAfterMs : undefined;
}

/**
 * Each pass (of `kind`) asks to come back until the listing shows the job completed, which the status
 * then says. Returns the pass that saw it.
 */
async function pollsUntilCompleted(harness: Harness, job: ResourceKey, first: ReconcileOutcome, kind: string): Promise<ReconcileOutcome> {
  let outcome = first;
  for (let pass = 0; harness.recorded.statuses.get(job)?.job?.state !== "completed"; pass++) {
    const why = `pass ${pass}: ${JSON.stringify(harness.recorded.statuses.get(job)?.job)}`;
    expect(outcome.kind, why).toBe(kind);
    const after = comesBackAfter(outcome);
    expect(after, why).toBeGreaterThan(0);
    expect(pass).toBeLessThan(20);
    harness.emulator.clock.advance(after ?? 0);
    outcome = await harness.controller.reconcileNow(job);
  }
  return outcome;
}

function ready(harness: Harness, key: ResourceKey): boolean {
  const s = harness.recorded.statuses.get(key);
  return s !== undefined && isReady(s);
}

const pool: ResourceKey = "BatchPool/default/p";
const job: ResourceKey = "BatchJob/default/j";

/**
 * With the engine running its own work queue: advances the virtual clock a second at a time, each time
 * once nothing is queued or in flight, until `done` holds (at most `seconds`).
 */
async function driveQueue(harness: Harness, done: () => boolean, what: string, seconds = 60): Promise<void> {
  for (let second = 0; second < seconds; second++) {
    await harness.controller.idle();
    if (done()) return;
    harness.emulator.clock.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`${what}: not within ${seconds} s of the engine's clock: ${JSON.stringify(harness.recorded.statuses.get(job))}`);
}

it("keeps polling a terminatejob job whose tasks finished between the listing and the counts, until Batch shows it completed", async () => {
  h = await startHarness({ auth: "sharedKey", emulator: { clock: "virtual" }, engineOnEmulatorClock: true });
  const outcome = await tasksEndBetweenListingAndCounts(h, 0);
  expect(h.recorded.statuses.get(job)?.job).toMatchObject({ state: "active", taskCounts: { active: 0, running: 0, succeeded: 2 } });
  await pollsUntilCompleted(h, job, outcome, "requeueAfter");
  expect(h.recorded.statuses.get(job)?.job?.taskCounts).toMatchObject({ succeeded: 2, failed: 0 });
  expect(ready(h, job)).toBe(true);
});

it("keeps polling a Stalled (TasksFailed) terminatejob job in the same race, until Batch shows it completed", async () => {
  h = await startHarness({ auth: "sharedKey", emulator: { clock: "virtual" }, engineOnEmulatorClock: true });
  const outcome = await tasksEndBetweenListingAndCounts(h, 3);
  const stalled = () => h?.recorded.statuses.get(job)?.conditions?.find((c) => c.type === "Stalled");
  expect(h.recorded.statuses.get(job)?.job).toMatchObject({ state: "active", taskCounts: { active: 0, running: 0, failed: 2 } });
  expect(stalled()).toMatchObject({ status: "True", reason: "TasksFailed" });
  const completedPass = await pollsUntilCompleted(h, job, outcome, "stalled");
  // Completed, still Stalled for the user to act on, and no longer looked at until a change or resync.
  expect(stalled()).toMatchObject({ status: "True", reason: "TasksFailed" });
  expect(stalled()?.message).toContain("job completed");
  expect(completedPass).toMatchObject({ kind: "stalled" });
  expect(comesBackAfter(completedPass)).toBeUndefined();
});

it("has the work queue look at that Stalled job again, with no resync, until it is completed", async () => {
  // The resync (an hour) stays out of the window: only the Stalled job's own re-look can report completion.
  h = await startHarness({
    auth: "sharedKey",
    emulator: { clock: "virtual" },
    engineOnEmulatorClock: true,
    engine: { resyncIntervalMs: 3_600_000 },
  });
  const harness = h;
  const live = () => harness.recorded.statuses.get(job)?.job;
  declarePoolAndJob(harness, 3);
  harness.start();
  await driveQueue(harness, () => (live()?.taskCounts?.running ?? 0) > 0, "tasks running");
  const listed = tasksEndAfterNextJobListing(harness);
  await driveQueue(harness, listed, "the next job listing");
  await harness.controller.idle();
  expect(live()).toMatchObject({ state: "active", taskCounts: { active: 0, running: 0, failed: 2 } });
  expect(harness.recorded.statuses.get(job)?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True" });
  await driveQueue(harness, () => live()?.state === "completed", "the job completed", 30);
});
