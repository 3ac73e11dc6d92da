import { describe, expect, it } from "vitest";
import { jobPoolHealth, taskFailureHealth } from "../../../controller/core/jobHealth.js";
import type { ObservedJob, ObservedPool } from "../../../controller/core/observed.js";

const counts = (c: Partial<Record<"active" | "running" | "succeeded" | "failed", number>>) => ({
  active: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  completed: (c.succeeded ?? 0) + (c.failed ?? 0),
  ...c,
});
const input = { jobId: "j", total: 4, failedTasks: [{ taskId: "t2", exitCode: 3, category: "usererror", code: "FailureExitCode" }] };

describe("task failure health (docs/status.md, job rows)", () => {
  it("no failure, no issue", () => {
    expect(taskFailureHealth({ ...input, state: "active", counts: counts({ succeeded: 4 }), failedTasks: [] })).toBeUndefined();
  });

  it.each([
    ["a completed job", "completed", undefined, counts({ succeeded: 3, failed: 1 }), true],
    [
      "performexitoptionsjobaction, even with tasks left",
      "active",
      "performexitoptionsjobaction",
      counts({ active: 2, succeeded: 1, failed: 1 }),
      true,
    ],
    ["noaction, nothing left to run", "active", "noaction", counts({ succeeded: 3, failed: 1 }), true],
    ["noaction, tasks still running", "active", "noaction", counts({ running: 1, active: 1, succeeded: 1, failed: 1 }), false],
  ] as const)("%s → terminal %s", (_name, state, onTaskFailure, c, terminal) => {
    const issue = taskFailureHealth({ ...input, state, onTaskFailure, counts: c });
    expect(issue).toMatchObject({ reason: "TasksFailed", terminal });
    expect(issue?.message).toContain("1/4 task(s) of job j failed: t2 (exit 3, usererror, FailureExitCode)");
  });

  it("says more failed than the sample shows", () => {
    expect(taskFailureHealth({ ...input, state: "completed", counts: counts({ failed: 7 }) })?.message).toMatch(
      /^7\/4 .*FailureExitCode\), \.\.\./,
    );
  });
});

describe("the pool of a live job", () => {
  const job: ObservedJob = { id: "j", state: "active", poolId: "Render-1", priority: 0, metadata: {} };
  const pool = (state: string) => ({ id: "render-1", state }) as ObservedPool;

  it("a pool being deleted: Reconciling, PoolDeleting", () => {
    expect(jobPoolHealth(job, [pool("deleting")], true)).toMatchObject({ reason: "PoolDeleting", terminal: false });
  });
  it("a pool gone that its BatchPool recreates: DependencyNotReady", () => {
    expect(jobPoolHealth(job, [], true)).toMatchObject({ reason: "DependencyNotReady", terminal: false });
  });
  it("a pool gone that nothing manages: Stalled, PoolNotFound", () => {
    expect(jobPoolHealth(job, [], false)).toMatchObject({ reason: "PoolNotFound", terminal: true });
  });
  it("an active pool, or a finished job: no issue", () => {
    expect(jobPoolHealth(job, [pool("active")], false)).toBeUndefined();
    expect(jobPoolHealth({ ...job, state: "completed" }, [], false)).toBeUndefined();
  });
});
