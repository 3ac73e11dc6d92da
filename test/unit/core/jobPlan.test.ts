import { describe, expect, it } from "vitest";
import { isAdoptionStamp, type Action } from "../../../controller/core/actions.js";
import { jobAppliedHash, planJob } from "../../../controller/core/jobPlan.js";
import { planPool } from "../../../controller/core/poolPlan.js";
import { planPrune } from "../../../controller/core/prune.js";
import { ctx, jobIntent, liveJob, livePool, poolIntent, tasks } from "./fixtures.js";

const intent = jobIntent();
const ready = { poolId: "render-aaaa1111", ready: true };

describe("planJob", () => {
  const cases = [
    {
      name: "absent, pool known → create then submit",
      live: undefined,
      target: ready,
      status: "Absent",
      actions: ["CreateJob", "SubmitTasks"],
    },
    { name: "absent, pool missing → wait without writing", live: undefined, target: undefined, status: "WaitingForPool", actions: [] },
    { name: "all tasks submitted → in sync", live: liveJob(intent, ready.poolId), target: ready, status: "InSync", actions: [] },
    {
      name: "submission unfinished (restart) → submit again",
      live: liveJob(intent, ready.poolId, {
        metadata: { ...liveJob(intent, ready.poolId).metadata, "batch-gitops/tasks-submitted": "older" },
      }),
      target: ready,
      status: "Submitting",
      actions: ["SubmitTasks"],
    },
    {
      name: "foreign job with our id → conflict",
      live: { ...liveJob(intent, ready.poolId), metadata: {} },
      target: ready,
      status: "Conflict",
      actions: [],
    },
    {
      name: "completed job → nothing resubmitted",
      live: liveJob(intent, ready.poolId, {
        state: "completed",
        metadata: { ...liveJob(intent, ready.poolId).metadata, "batch-gitops/tasks-submitted": "older" },
      }),
      target: ready,
      status: "Finished",
      actions: [],
    },
    {
      name: "pool replaced, no running task → disable to move",
      live: liveJob(intent, "render-old"),
      target: ready,
      status: "Moving",
      actions: ["DisableJob"],
    },
    {
      name: "pool replaced, tasks running → stay",
      live: liveJob(intent, "render-old", { taskCounts: { active: 1, running: 2, completed: 0, succeeded: 0, failed: 0 } }),
      target: ready,
      status: "Moving",
      actions: [],
    },
    {
      name: "disabled for the move → repoint and enable",
      live: liveJob(intent, "render-old", { state: "disabled" }),
      target: ready,
      status: "Moving",
      actions: ["PatchJob", "EnableJob"],
    },
    {
      name: "suspend → disable, letting running tasks finish",
      live: liveJob(jobIntent(), ready.poolId),
      target: ready,
      status: "Suspended",
      actions: ["DisableJob"],
      intent: jobIntent({ suspend: true }),
    },
    {
      name: "suspended and disabled → nothing",
      live: liveJob(jobIntent(), ready.poolId, { state: "disabled" }),
      target: ready,
      status: "Suspended",
      actions: [],
      intent: jobIntent({ suspend: true }),
    },
    {
      name: "unsuspended → enable",
      live: liveJob(jobIntent(), ready.poolId, { state: "disabled" }),
      target: ready,
      status: "Moving",
      actions: ["EnableJob"],
    },
    {
      name: "replacement not ready → stay on the old pool",
      live: liveJob(intent, "render-old"),
      target: { ...ready, ready: false },
      status: "InSync",
      actions: [],
    },
  ] as const;

  it.each(cases)("$name", (c) => {
    const { live, target, status, actions } = c;
    const plan = planJob("intent" in c ? c.intent : intent, live, target, ctx);
    expect(plan.status).toBe(status);
    expect(plan.actions.map((a) => a.type)).toEqual(actions);
  });

  it("leaves a job another manager stamped alone (OwnedByAnotherManager) unless adopt.fromManager names it", () => {
    const theirs = liveJob(intent, ready.poolId, {
      priority: 5,
      metadata: { ...liveJob(intent, ready.poolId).metadata, "batch-gitops/manager": "team-a" },
    });
    const blocked = planJob(intent, theirs, ready, ctx);
    expect(blocked.actions).toEqual([]);
    expect(blocked.blocked?.reason).toBe("OwnedByAnotherManager");
    const adopted = planJob(jobIntent({ adoptFromManager: "team-a" }), theirs, ready, ctx);
    const sameSettings = planJob(jobIntent({ adoptFromManager: "team-a", priority: 5 }), theirs, ready, ctx);
    expect(sameSettings.actions.map((a) => (a.type === "PatchJob" ? Object.keys(a.patch).join() : a.type))).toEqual(["metadata"]);
    expect(adopted.blocked).toBeUndefined();
    // The priority patch carries the new stamp: one write.
    expect(adopted.actions.map((a) => (a.type === "PatchJob" ? Object.keys(a.patch).join() : a.type))).toEqual(["priority,metadata"]);
    const stamp = adopted.actions[0];
    expect(stamp?.type === "PatchJob" && stamp.patch.metadata).toEqual(
      expect.arrayContaining([{ name: "batch-gitops/manager", value: "test-manager" }]),
    );
  });

  describe("priority: manifest change or drift", () => {
    const changedInBatch = liveJob(intent, ready.poolId, { priority: 7 });
    it("a manifest change is applied and the applied-hash re-recorded", () => {
      const plan = planJob(jobIntent({ priority: 5 }), liveJob(intent, ready.poolId), ready, ctx);
      expect(plan.drift).toEqual([]);
      const patch = plan.actions[0];
      expect(patch?.type === "PatchJob" && patch.patch.priority).toBe(5);
      expect(patch?.type === "PatchJob" && patch.patch.metadata).toEqual(
        expect.arrayContaining([{ name: "batch-gitops/applied-hash", value: jobAppliedHash(jobIntent({ priority: 5 })) }]),
      );
    });
    it.each([
      { policy: "Correct", actions: ["PatchJob"], drift: [{ field: "priority", desired: 0, live: 7 }] },
      { policy: "Alert", actions: [], drift: [{ field: "priority", desired: 0, live: 7 }] },
      { policy: "Ignore", actions: [], drift: [] },
    ] as const)("a change in Batch is drift: $policy", ({ policy, actions, drift }) => {
      const plan = planJob(jobIntent({ driftPolicy: policy }), changedInBatch, ready, ctx);
      expect(plan.actions.map((a) => a.type)).toEqual(actions);
      expect(plan.drift).toEqual(drift);
    });
  });

  it("creates the job with onAllTasksComplete noaction and sets terminatejob after the last task", () => {
    const terminating = jobIntent({ onAllTasksComplete: "terminatejob" });
    const create = planJob(terminating, undefined, ready, ctx).actions[0];
    expect(create?.type === "CreateJob" && create.body.onAllTasksComplete).toBe("noaction");
    const after = planJob(terminating, liveJob(terminating, ready.poolId, { onAllTasksComplete: "noaction" }), ready, ctx);
    expect(after.actions).toEqual([expect.objectContaining({ type: "PatchJob", patch: { onAllTasksComplete: "terminatejob" } })]);
  });
});

describe("planPrune", () => {
  const pool = poolIntent();
  const owned = livePool(pool);
  it("deletes owned objects whose policy is Delete, jobs before pools", () => {
    const actions = planPrune(pool.key, [owned], [], { managerId: ctx.managerId });
    expect(actions.map((a) => a.type)).toEqual(["DeletePool"]);
    const job = liveJob(intent, owned.id);
    expect(planPrune(intent.key, [owned], [job], { managerId: ctx.managerId }).map((a) => a.type)).toEqual(["DeleteJob"]);
  });
  it("never touches a foreign pool with the same name, an orphan-policy pool, or another manager's pool", () => {
    const foreign = { ...owned, id: "render", metadata: { team: "vfx" } };
    const orphan = livePool(poolIntent({ deletionPolicy: "Orphan" }));
    expect(planPrune(pool.key, [foreign, orphan], [], { managerId: ctx.managerId })).toEqual([]);
    expect(planPrune(pool.key, [owned], [], { managerId: "another-manager" })).toEqual([]);
  });
  it("writes Orphan on what the spec orphans while Batch still records Delete, except a completed job, which Batch cannot patch", () => {
    const job = liveJob(intent, owned.id);
    const jobPrune = planPrune(intent.key, [], [job, { ...job, id: "done", state: "completed" }], {
      managerId: ctx.managerId,
      specPolicy: "Orphan",
    });
    expect(jobPrune).toEqual([expect.objectContaining({ type: "PatchJob", jobId: job.id })]);
    const poolPrune = planPrune(pool.key, [owned], [], { managerId: ctx.managerId, specPolicy: "Orphan" });
    expect(poolPrune).toEqual([expect.objectContaining({ type: "PatchPool", poolId: owned.id })]);
    const written = poolPrune[0]?.type === "PatchPool" ? poolPrune[0].metadata : {};
    expect(written).toEqual({ ...owned.metadata, "batch-gitops/deletion-policy": "Orphan" });
    // Once recorded, nothing more to write: the resource lets go.
    expect(planPrune(pool.key, [{ ...owned, metadata: written }], [], { managerId: ctx.managerId, specPolicy: "Orphan" })).toEqual([]);
  });
});

describe("planJob: a completed job", () => {
  const completed = liveJob(intent, "render-1", { state: "completed" });
  it("is Finished without a word when it completed with what the manifest says", () => {
    expect(planJob(intent, completed, { poolId: "render-1", ready: true }, ctx)).toMatchObject({ status: "Finished", actions: [] });
    expect(planJob(intent, completed, { poolId: "render-1", ready: true }, ctx).blocked).toBeUndefined();
  });

  it("is Stalled (JobFinished) when the manifest changed its tasks or priority after it completed: nothing can apply them", () => {
    const moreTasks = planJob(jobIntent({ tasks: tasks(4) }), completed, { poolId: "render-1", ready: true }, ctx);
    expect(moreTasks.actions).toEqual([]);
    expect(moreTasks.blocked).toMatchObject({ reason: "JobFinished", message: expect.stringContaining("its tasks") });
    const priority = planJob(jobIntent({ priority: 500 }), completed, { poolId: "render-1", ready: true }, ctx);
    expect(priority.blocked).toMatchObject({ reason: "JobFinished", message: expect.stringContaining("priority") });
  });
});

describe("a deletionPolicy change (a removed manifest is pruned by the policy recorded in Batch)", () => {
  it("is written to the pool's metadata as a manifest change, never reported as drift", () => {
    const wasDelete = livePool(poolIntent());
    const plan = planPool(poolIntent({ deletionPolicy: "Orphan" }), [wasDelete], ctx);
    expect(plan.actions).toEqual([
      expect.objectContaining({ type: "PatchPool", metadata: expect.objectContaining({ "batch-gitops/deletion-policy": "Orphan" }) }),
    ]);
    expect(plan.drift).toEqual([]);
    // The user's metadata did not change: the event does not say it did.
    expect(plan.actions[0]?.reason).toBe("manifest changed: batch-gitops record");
  });

  it("is written to an active job's metadata", () => {
    const orphan = jobIntent({ deletionPolicy: "Orphan" });
    const plan = planJob(orphan, liveJob(intent, "render-1"), { poolId: "render-1", ready: true }, ctx);
    expect(plan.actions).toEqual([
      expect.objectContaining({
        type: "PatchJob",
        patch: { metadata: expect.arrayContaining([{ name: "batch-gitops/deletion-policy", value: "Orphan" }]) },
      }),
    ]);
  });

  it("is decided by the spec while it is still there (a cluster object being deleted), whatever Batch recorded", () => {
    const pool = poolIntent();
    const recordedDelete = livePool(pool);
    // Kept: no delete, only the Orphan it will be swept by later written down first.
    const kept = planPrune(pool.key, [recordedDelete], [], { managerId: ctx.managerId, specPolicy: "Orphan" });
    expect(kept.map((a) => a.type)).toEqual(["PatchPool"]);
    const recordedOrphan = livePool(poolIntent({ deletionPolicy: "Orphan" }));
    const deleted = planPrune(pool.key, [recordedOrphan], [], { managerId: ctx.managerId, specPolicy: "Delete" });
    expect(deleted.map((a) => a.type)).toEqual(["DeletePool"]);
  });
});

describe("planJob: adopting a job created outside batch-gitops (spec.adopt.jobId)", () => {
  const adopter = jobIntent({ adoptJobId: "transcode" });
  const foreign = { ...liveJob(adopter, ready.poolId), metadata: { team: "vfx" } };
  const ids = [...adopter.tasks.tasks()].map((t) => t.id);

  it("with every declared task already there: only the ownership stamp, marked as an adoption", () => {
    const plan = planJob(adopter, { ...foreign, existingTaskIds: ids.map((id) => id.toUpperCase()) }, ready, ctx);
    expect(plan.status).toBe("Adopting");
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]).toMatchObject({ type: "PatchJob", adoption: true });
    expect(isAdoptionStamp(plan.actions[0] as Action)).toBe(true);
  });

  it("with a task missing, or its tasks not listed (the controller): submit, which keeps the existing ones", () => {
    for (const live of [{ ...foreign, existingTaskIds: ids.slice(1) }, foreign]) {
      const plan = planJob(adopter, live, ready, ctx);
      expect(plan.status).toBe("Submitting");
      expect(plan.actions.map((a) => a.type)).toEqual(["SubmitTasks"]);
      expect(plan.actions.some(isAdoptionStamp)).toBe(false);
    }
  });

  it("with a setting to change (priority): a change, not a pure adoption", () => {
    const plan = planJob(jobIntent({ adoptJobId: "transcode", priority: 7 }), { ...foreign, existingTaskIds: ids }, ready, ctx);
    expect(plan.actions.map((a) => a.type)).toEqual(["PatchJob"]);
    expect(plan.actions.some(isAdoptionStamp)).toBe(false);
  });
});
