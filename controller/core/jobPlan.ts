/**
 * classify → act for jobs. Pure. Tasks are not planned one by one here (a factory may declare
 * 100,000): the plan says "SubmitTasks" and the runtime streams them (see runtime/taskSubmission.ts).
 */
import { Reasons, type Reason } from "./reasons.js";
import type { Action } from "./actions.js";
import type { FieldDiff } from "./diff.js";
import { shortHash, stableHash } from "./hash.js";
import type { JobIntent, JsonObject } from "./intent.js";
import type { ObservedJob } from "./observed.js";
import {
  APPLIED_HASH_KEY,
  TASKS_SUBMITTED_KEY,
  deletionPolicyDiff,
  isForeign,
  isManagedByAnother,
  isOwnedBy,
  managerOf,
  withOwnership,
} from "./ownership.js";
import { toMetadataItems, type PlanContext } from "./poolPlan.js";

/** The Batch pool a job should run on, resolved by the runtime from its poolRef. */
export interface PoolTarget {
  readonly poolId: string;
  /** The pool exists, is steady and at its target: jobs may move onto it. */
  readonly ready: boolean;
}

export type JobStatusKind =
  | "Suspended"
  | "Absent"
  | "Conflict"
  | "ManagedElsewhere"
  | "Deleting"
  | "Finished"
  | "Moving"
  | "Submitting"
  | "Adopting"
  | "OutOfSync"
  | "InSync"
  | "WaitingForPool";

export interface JobPlan {
  readonly status: JobStatusKind;
  readonly reason: string;
  readonly actions: readonly Action[];
  readonly waiting: boolean;
  /** Out-of-band changes found (priority), unless driftPolicy is Ignore. */
  readonly drift?: readonly FieldDiff[];
  readonly blocked?: { readonly reason: Reason; readonly message: string };
}

const FINISHED_STATES = new Set(["completed", "terminating"]);

export function planJob(intent: JobIntent, live: ObservedJob | undefined, target: PoolTarget | undefined, ctx: PlanContext): JobPlan {
  if (live === undefined) return planAbsent(intent, target, ctx);
  const notOurs = ownershipConflict(intent, live, ctx);
  if (notOurs !== undefined) return notOurs;
  if (live.state === "deleting") return { status: "Deleting", reason: `Batch job ${live.id} is being deleted`, actions: [], waiting: true };
  if (FINISHED_STATES.has(live.state)) {
    const unapplied = changedSinceCompleted(intent, live);
    if (unapplied !== undefined) {
      const message = `Batch job ${live.id} completed before ${unapplied} changed in the manifest; a completed job cannot change: rename the BatchJob to run the new spec as a new job, or revert the change`;
      return {
        status: "Finished",
        reason: "job completed",
        actions: [],
        waiting: false,
        blocked: { reason: Reasons.JobFinished, message },
      };
    }
    return {
      status: "Finished",
      reason: `job ${live.state}${live.terminateReason ? ` (${live.terminateReason})` : ""}`,
      actions: [],
      waiting: live.state === "terminating",
    };
  }
  if (intent.suspend) return planSuspended(live);
  const move = planMove(intent, live, target);
  if (move !== undefined) return move;
  return planContent(intent, live, ctx);
}

/**
 * What of the manifest a completed job never got: its task set or its in-place settings (priority,
 * onAllTasksComplete), as the hashes recorded on it when they were applied say. A job that completed with
 * what the manifest says (or that records nothing, e.g. adopted) has nothing unapplied.
 */
function changedSinceCompleted(intent: JobIntent, live: ObservedJob): string | undefined {
  if (live.state !== "completed") return undefined;
  const submitted = live.metadata[TASKS_SUBMITTED_KEY];
  if (submitted !== undefined && submitted !== intent.tasks.hash) return "its tasks";
  const applied = live.metadata[APPLIED_HASH_KEY];
  if (applied !== undefined && applied !== jobAppliedHash(intent)) return "its priority or onAllTasksComplete";
  return undefined;
}

/** The job is not ours to change: another resource's or client's (JobIdTaken), or another manager's. */
function ownershipConflict(intent: JobIntent, live: ObservedJob, ctx: PlanContext): JobPlan | undefined {
  if (!isOwnedBy(live.metadata, intent.key) && !adopts(intent, live)) {
    const message = `Batch job ${live.id} exists and is not owned by ${intent.key}; set spec.adopt.jobId to take it over`;
    return { status: "Conflict", reason: "job id taken", actions: [], waiting: false, blocked: { reason: Reasons.JobIdTaken, message } };
  }
  if (!isManagedByAnother(live.metadata, ctx.managerId, intent.adoptFromManager)) return undefined;
  const other = managerOf(live.metadata) ?? "?";
  const message = `Batch job ${live.id} is managed by "${other}" (batch-gitops/manager), not by this controller ("${ctx.managerId}"); left alone. To hand it over, set spec.adopt.fromManager: ${other}`;
  return {
    status: "ManagedElsewhere",
    reason: "managed by another controller",
    actions: [],
    waiting: false,
    blocked: { reason: Reasons.OwnedByAnotherManager, message },
  };
}

/** A suspended job is disabled: no new task starts, running ones finish ("wait"). */
function planSuspended(live: ObservedJob): JobPlan {
  if (live.state === "active") {
    return {
      status: "Suspended",
      reason: "suspend requested",
      actions: [{ type: "DisableJob", jobId: live.id, disableTasks: "wait", reason: "spec.suspend is true" }],
      waiting: true,
    };
  }
  return { status: "Suspended", reason: `job ${live.state}`, actions: [], waiting: live.state === "disabling" };
}

function planAbsent(intent: JobIntent, target: PoolTarget | undefined, ctx: PlanContext): JobPlan {
  if (intent.suspend) return { status: "Absent", reason: "suspended", actions: [], waiting: false };
  if (target === undefined) {
    return {
      status: "WaitingForPool",
      reason: `pool ${intent.poolRef ?? intent.poolId ?? "?"} does not exist yet`,
      actions: [],
      waiting: true,
    };
  }
  const create: Action = {
    type: "CreateJob",
    jobId: intent.jobId,
    body: jobCreateBody(intent, target.poolId, ctx),
    reason: "not found in Batch",
  };
  const submit: Action = { type: "SubmitTasks", jobId: intent.jobId, total: intent.tasks.total, reason: "new job" };
  return { status: "Absent", reason: "not found in Batch", actions: [create, submit], waiting: true };
}

/** A job moves to its pool's replacement only while disabled, and only when none of its tasks run. */
function planMove(intent: JobIntent, live: ObservedJob, target: PoolTarget | undefined): JobPlan | undefined {
  if (!moveDue(live, target)) return reEnableIfLeftDisabled(live);
  const why = `pool ${live.poolId} is replaced by ${target.poolId}`;
  switch (live.state) {
    case "active":
      return disableForMove(live, why);
    case "disabled":
      return {
        status: "Moving",
        reason: why,
        actions: [
          { type: "PatchJob", jobId: live.id, patch: { poolInfo: { poolId: target.poolId } }, reason: why },
          { type: "EnableJob", jobId: live.id, reason: "moved to the new pool" },
        ],
        waiting: true,
      };
    default:
      return { status: "Moving", reason: `${why}; job is ${live.state}`, actions: [], waiting: true };
  }
}

/** The job runs on a pool other than the ready pool it should run on. */
function moveDue(live: ObservedJob, target: PoolTarget | undefined): target is PoolTarget {
  return !(target === undefined || live.poolId === undefined || sameId(live.poolId, target.poolId) || !target.ready);
}

/** No move is due: a job left disabled (by an earlier, finished move) is enabled again. */
function reEnableIfLeftDisabled(live: ObservedJob): JobPlan | undefined {
  return live.state === "disabled"
    ? {
        status: "Moving",
        reason: "re-enabling",
        actions: [{ type: "EnableJob", jobId: live.id, reason: "job was left disabled" }],
        waiting: true,
      }
    : undefined;
}

/** An active job waits for its running tasks, then is disabled so its pool can change. */
function disableForMove(live: ObservedJob, why: string): JobPlan {
  const running = live.taskCounts?.running ?? 0;
  if (running > 0) return { status: "Moving", reason: `${why}; waiting for ${running} running task(s)`, actions: [], waiting: true };
  // "requeue" puts no running task back: there are none; active tasks simply wait.
  return {
    status: "Moving",
    reason: why,
    actions: [{ type: "DisableJob", jobId: live.id, disableTasks: "requeue", reason: `${why}; no task is running` }],
    waiting: true,
  };
}

/** The manifest adopts this Batch job by id (`spec.adopt.jobId`), whoever created it. */
function adopts(intent: JobIntent, live: ObservedJob): boolean {
  return intent.adoptJobId !== undefined && sameId(intent.adoptJobId, live.id);
}

/**
 * A job created outside batch-gitops, adopted with every declared task already in it (as `plan`
 * lists them): adopting it only stamps the ownership metadata, with the task record.
 */
function isPureAdoption(intent: JobIntent, live: ObservedJob): boolean {
  if (!adopts(intent, live) || !isForeign(live.metadata) || live.existingTaskIds === undefined) return false;
  const existing = new Set(live.existingTaskIds.map((id) => id.toLowerCase()));
  for (const task of intent.tasks.tasks()) if (!existing.has(task.id.toLowerCase())) return false;
  return true;
}

function planContent(intent: JobIntent, live: ObservedJob, ctx: PlanContext): JobPlan {
  const { actions, drift } = planPriority(intent, live, ctx);
  const submitted = live.metadata[TASKS_SUBMITTED_KEY] === intent.tasks.hash;
  const pureAdoption = !submitted && isPureAdoption(intent, live);
  if (!submitted && !pureAdoption) return submitStep(intent, live, actions, drift);
  actions.push(...onCompleteActions(intent, live));
  if (pureAdoption && actions.length === 0) return adoptionStamp(intent, live, ctx, drift);
  actions.push(...restamp(intent, live, ctx, actions));
  return actions.length > 0
    ? { status: "OutOfSync", reason: "job settings changed", actions, waiting: true, drift }
    : { status: "InSync", reason: "all tasks submitted", actions, waiting: false, drift };
}

/** Tasks to submit; an adopted job's existing tasks are kept as they are (taskSubmission.ts): only missing ones are added. */
function submitStep(intent: JobIntent, live: ObservedJob, actions: Action[], drift: FieldDiff[]): JobPlan {
  const reason =
    adopts(intent, live) && isForeign(live.metadata)
      ? "adopted job: tasks not already in it are added"
      : "tasks not all submitted for this spec";
  return {
    status: "Submitting",
    reason: "submitting tasks",
    actions: [...actions, { type: "SubmitTasks", jobId: live.id, total: intent.tasks.total, reason }],
    waiting: true,
    drift,
  };
}

function onCompleteActions(intent: JobIntent, live: ObservedJob): Action[] {
  const wanted = intent.onAllTasksComplete ?? "noaction";
  if ((live.onAllTasksComplete ?? "noaction") === wanted) return [];
  return [{ type: "PatchJob", jobId: live.id, patch: { onAllTasksComplete: wanted }, reason: `onAllTasksComplete → ${wanted}` }];
}

/** A job created outside batch-gitops with nothing to change: the ownership stamp only, reported, not a change (ADR 0021). */
function adoptionStamp(intent: JobIntent, live: ObservedJob, ctx: PlanContext, drift: FieldDiff[]): JobPlan {
  const metadata = toMetadataItems(jobMetadata(intent, ctx, intent.tasks.hash));
  const reason = `stamp ownership metadata (created outside batch-gitops; its ${intent.tasks.total} task(s) are already there)`;
  const stamp: Action = { type: "PatchJob", jobId: live.id, patch: { metadata }, reason, adoption: true };
  return {
    status: "Adopting",
    reason: `adopting Batch job ${live.id}, created outside batch-gitops: it matches the manifest`,
    actions: [stamp],
    waiting: true,
    drift,
  };
}

/** Handed over (spec.adopt.fromManager), adopted, or written before manager ids: stamp it as ours, tasks record kept. */
function restamp(intent: JobIntent, live: ObservedJob, ctx: PlanContext, planned: readonly Action[]): Action[] {
  const manager = managerOf(live.metadata);
  const submitted = live.metadata[TASKS_SUBMITTED_KEY] === intent.tasks.hash;
  const restamped = planned.some((a) => a.type === "PatchJob" && a.patch.metadata !== undefined);
  if (restamped) return [];
  const metadata = toMetadataItems(jobMetadata(intent, ctx, intent.tasks.hash));
  if (manager !== ctx.managerId || !submitted) {
    return [{ type: "PatchJob", jobId: live.id, patch: { metadata }, reason: `taking over from manager "${manager ?? "none"}"` }];
  }
  // A removed manifest is pruned by the policy recorded in Batch: a changed one is written before it goes.
  const policy = deletionPolicyDiff(intent.deletionPolicy, live.metadata)[0];
  if (policy === undefined) return [];
  return [
    { type: "PatchJob", jobId: live.id, patch: { metadata }, reason: `deletionPolicy ${String(policy.live)} → ${intent.deletionPolicy}` },
  ];
}

/**
 * Priority is the job setting changed in place. As for pools, a difference while the recorded
 * applied-hash still matches the manifest is drift (changed in Batch), handled by driftPolicy;
 * otherwise the manifest changed: applied, with the applied-hash re-recorded.
 */
function planPriority(intent: JobIntent, live: ObservedJob, ctx: PlanContext): { actions: Action[]; drift: FieldDiff[] } {
  if (live.priority === intent.priority) return { actions: [], drift: [] };
  const change = `priority ${live.priority} → ${intent.priority}`;
  const drifted = live.metadata[APPLIED_HASH_KEY] === jobAppliedHash(intent) && managerOf(live.metadata) === ctx.managerId;
  if (!drifted) {
    const metadata = toMetadataItems(jobMetadata(intent, ctx, live.metadata[TASKS_SUBMITTED_KEY]));
    return { actions: [{ type: "PatchJob", jobId: live.id, patch: { priority: intent.priority, metadata }, reason: change }], drift: [] };
  }
  if (intent.driftPolicy === "Ignore") return { actions: [], drift: [] };
  const drift = [{ field: "priority", desired: intent.priority, live: live.priority }];
  if (intent.driftPolicy === "Alert") return { actions: [], drift };
  return {
    actions: [{ type: "PatchJob", jobId: live.id, patch: { priority: intent.priority }, reason: `drift correction: ${change}` }],
    drift,
  };
}

/**
 * The JobAddParameter. onAllTasksComplete starts as noaction even when terminatejob is wanted:
 * a job with no tasks yet would otherwise complete at once; it is set after the last task is added.
 */
export function jobCreateBody(intent: JobIntent, poolId: string, ctx: PlanContext): JsonObject {
  return {
    id: intent.jobId,
    poolInfo: { poolId },
    priority: intent.priority,
    constraints: intent.constraints,
    onAllTasksComplete: "noaction",
    onTaskFailure: intent.onTaskFailure,
    jobPreparationTask: intent.jobPreparationTask,
    jobReleaseTask: intent.jobReleaseTask,
    usesTaskDependencies: intent.usesTaskDependencies || undefined,
    metadata: toMetadataItems(jobMetadata(intent, ctx)),
  };
}

export function jobMetadata(intent: JobIntent, ctx: PlanContext, tasksSubmittedHash?: string): Record<string, string> {
  return withOwnership(
    intent.metadata,
    {
      owner: intent.key,
      specHash: jobSpecHash(intent),
      managerId: ctx.managerId,
      appliedHash: jobAppliedHash(intent),
      deletionPolicy: intent.deletionPolicy,
    },
    tasksSubmittedHash === undefined ? {} : { [TASKS_SUBMITTED_KEY]: tasksSubmittedHash },
  );
}

/** Hash of the job settings last applied from the manifest: tells a manifest change from drift. */
export function jobAppliedHash(intent: JobIntent): string {
  return shortHash({ priority: intent.priority, onAllTasksComplete: intent.onAllTasksComplete ?? null }, 16);
}

export function jobSpecHash(intent: JobIntent): string {
  return stableHash({ jobId: intent.jobId, prep: intent.jobPreparationTask ?? null, release: intent.jobReleaseTask ?? null });
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
