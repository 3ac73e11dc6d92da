/**
 * One pass for a BatchJob: resolve its pool → observe the job (shared listing + task counts) →
 * plan (pure) → apply, streaming task submission → summarize.
 * Conditions owned: Ready, Reconciling, Stalled (through the StepResult).
 */
import { describeAction } from "../core/actions.js";
import type { FieldDiff } from "../core/diff.js";
import { Reasons } from "../core/conditions.js";
import { jobIntentFromSpec, poolIntentFromSpec } from "../core/fromModel.js";
import type { JobIntent, TaskSet } from "../core/intent.js";
import { jobMetadata, planJob, type JobPlan, type PoolTarget } from "../core/jobPlan.js";
import {
  FAILED_TASK_SAMPLE_SIZE,
  jobPoolHealth,
  taskFailureHealth,
  type JobHealthIssue,
  type TaskFailureInput,
} from "../core/jobHealth.js";
import type { FailedTaskSample, ObservedJob, ObservedPool, ObservedTaskCounts } from "../core/observed.js";
import { listingIndex } from "../core/listingIndex.js";
import { isForeign, isOwnedBy } from "../core/ownership.js";
import { desiredPoolId } from "../core/poolIdentity.js";
import { isPoolReady, toMetadataItems } from "../core/poolPlan.js";
import type { BatchJobSpec, BatchPoolSpec } from "../model/index.js";
import { applyPlan } from "./applyPlan.js";
import { driftCondition, reportDrift } from "./driftReport.js";
import { resourceKey, type DesiredResource, type JobLiveStatus } from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import { StalledError, WaitingError } from "./reconcileErrors.js";
import { resolveSecretRefs } from "./secretRefs.js";
import type { StepResult } from "./stepResult.js";
import { serializedTaskBatches } from "./taskStream/serializedTasks.js";
import { sweepTextBatches } from "./taskStream/sweepTextBatches.js";
import { submitTasks, type SubmissionResult, type SubmittableTask } from "./taskSubmission.js";

export interface JobStepOptions {
  readonly pollIntervalMs: number;
}

/** Shown until a job's counts are first read (status figures only; messages say they are not read yet). */
const NO_TASK_COUNTS: ObservedTaskCounts = { active: 0, running: 0, completed: 0, succeeded: 0, failed: 0 };

const COUNTED_STATES = new Set(["active", "disabling", "disabled", "enabling", "terminating", "completed"]);

export async function reconcileJob(ctx: ReconcileContext, desired: DesiredResource, options: JobStepOptions): Promise<StepResult> {
  const intent = jobIntentFromSpec(desired, desired.spec as BatchJobSpec);
  const [pools, jobs] = await Promise.all([ctx.cache.pools(ctx.lastWriteAt, ctx.signal), ctx.cache.jobs(ctx.lastWriteAt, ctx.signal)]);
  const target = resolvePoolTarget(ctx, intent, pools);
  const poolManifest = hasPoolManifest(ctx, intent);
  const listed = listingIndex(jobs).withId(intent.jobId)[0];
  const observed = listed === undefined ? undefined : await withTaskCounts(ctx, intent, listed, target);
  const live = observed?.job;
  if (live === undefined && target === undefined) stallOnInvalidPool(ctx, intent);
  const plan = planJob(intent, live, target, { managerId: ctx.managerId });
  if (plan.blocked !== undefined) throw new StalledError(plan.blocked.reason, plan.blocked.message);
  const drift = plan.drift ?? [];
  const submission = await applyReportingDrift(ctx, { intent, plan, live, drift });
  reportTasks(ctx, live?.taskCounts);
  const failedTasks = await sampleFailedTasks(ctx, intent, live);
  const health = live === undefined ? undefined : jobHealth({ intent, live, failedTasks, pools, poolManifest });
  const result = {
    ...withHealth(summarizeJob(intent, plan, { live, submission }, options.pollIntervalMs), health, failedTasks, {
      pollIntervalMs: options.pollIntervalMs,
      ending: batchEndsItSoon(live),
    }),
    drift: jobDriftCondition(intent, plan, drift),
  };
  return withCountRefresh(result, observed?.refreshInMs);
}

/** No Batch job yet (waiting for its pool): nothing was compared, so no "Batch matches the manifest". */
function jobDriftCondition(intent: JobIntent, plan: JobPlan, drift: readonly FieldDiff[]): StepResult["drift"] {
  if (plan.status === "WaitingForPool") return undefined;
  return driftCondition({ policy: intent.driftPolicy, drift: [...drift], corrected: intent.driftPolicy === "Correct" });
}

/** The job's pool is named by a BatchPool manifest this controller knows. */
function hasPoolManifest(ctx: ReconcileContext, intent: JobIntent): boolean {
  return intent.poolRef !== undefined && ctx.source.get(resourceKey("BatchPool", intent.namespace, intent.poolRef)) !== undefined;
}

/** Applies the plan, then reports drift (corrected only when the plan was applied and the policy corrects). */
async function applyReportingDrift(
  ctx: ReconcileContext,
  pass: { intent: JobIntent; plan: JobPlan; live: ObservedJob | undefined; drift: NonNullable<JobPlan["drift"]> },
): Promise<SubmissionResult | undefined> {
  const { intent, plan, live, drift } = pass;
  let applied = false;
  let submission: SubmissionResult | undefined;
  try {
    submission = await applyJobActions(ctx, intent, plan, live);
    applied = true;
  } finally {
    reportDrift(ctx, { kind: "BatchJob", policy: intent.driftPolicy, drift, corrected: applied && intent.driftPolicy === "Correct" });
  }
  return submission;
}

/** A sample of the job's failed tasks, read only when the counts show any. */
async function sampleFailedTasks(ctx: ReconcileContext, intent: JobIntent, live: ObservedJob | undefined): Promise<FailedTaskSample[]> {
  return live?.taskCounts !== undefined && live.taskCounts.failed > 0
    ? await ctx.batch.listFailedTasks(intent.jobId, FAILED_TASK_SAMPLE_SIZE, { signal: ctx.signal })
    : [];
}

/** Task failures first, then the pool's health as it concerns the job. */
function jobHealth(input: {
  intent: JobIntent;
  live: ObservedJob;
  failedTasks: FailedTaskSample[];
  pools: readonly ObservedPool[];
  poolManifest: boolean;
}) {
  const { intent, live, failedTasks, pools, poolManifest } = input;
  return taskFailureHealth(failureInput(intent, live, failedTasks)) ?? jobPoolHealth(live, pools, poolManifest);
}

/** Come back for the counts when they are due, unless a sooner poll is already planned. */
function withCountRefresh<R extends Pick<StepResult, "pollAfterMs" | "summary">>(result: R, refresh: number | undefined): R {
  // A stalled job waits for a user; only a completion Batch is about to report is polled for (withHealth).
  if (refresh === undefined || result.summary.kind === "stalled" || (result.pollAfterMs !== undefined && result.pollAfterMs <= refresh))
    return result;
  return { ...result, pollAfterMs: refresh };
}

/** Applies the plan in order, streaming task submission; returns the submission's result when there was one. */
async function applyJobActions(
  ctx: ReconcileContext,
  intent: JobIntent,
  plan: JobPlan,
  live: ObservedJob | undefined,
): Promise<SubmissionResult | undefined> {
  let submission: SubmissionResult | undefined;
  let created = false;
  await applyPlan(ctx, plan.actions, {
    // Tasks are streamed, not applied as one action.
    custom: async (action) => action.type === "SubmitTasks" && ((submission = await submit(ctx, intent, live, created)), true),
    isWarning: (action) => action.type === "DeleteJob",
    after: (action, outcome) => {
      if (action.type !== "CreateJob") return undefined;
      // A job that already existed may not be ours: stop and let the next pass check ownership.
      if (outcome === "unchanged") return "stop";
      // Known as active from now on: if it completes before its first count read, that read is not deferred.
      ctx.cache.noteJobCreated(intent.jobId);
      created = true;
      return undefined;
    },
  });
  return submission;
}

/** A job waiting for a pool whose manifest is invalid waits for a user, not for Batch. */
function stallOnInvalidPool(ctx: ReconcileContext, intent: JobIntent): void {
  if (intent.poolRef === undefined) return;
  const poolKey = resourceKey("BatchPool", intent.namespace, intent.poolRef);
  const problem = ctx.source.problems().find((p) => p.key === poolKey && p.severity === "error");
  if (problem !== undefined)
    throw new StalledError(
      Reasons.PoolInvalid,
      `BatchPool ${intent.namespace}/${intent.poolRef} is invalid (${problem.message}); job ${intent.jobId} waits until it is fixed`,
    );
  // Not defined at all: a cluster may still apply it (ordering), so wait; `run --once` stops here.
  if (ctx.source.get(poolKey) === undefined)
    throw new WaitingError(
      Reasons.PoolNotFound,
      `poolRef names BatchPool ${intent.namespace}/${intent.poolRef}, which does not exist; job ${intent.jobId} waits for it`,
    );
}

/** The Batch pool the job runs on: its BatchPool's current id, or a plain pool id. */
function resolvePoolTarget(ctx: ReconcileContext, intent: JobIntent, pools: readonly ObservedPool[]): PoolTarget | undefined {
  if (intent.poolRef === undefined) return intent.poolId === undefined ? undefined : { poolId: intent.poolId, ready: true };
  const poolResource = ctx.source.get(resourceKey("BatchPool", intent.namespace, intent.poolRef));
  if (poolResource === undefined) return undefined;
  const poolIntent = poolIntentFromSpec(poolResource, poolResource.spec as BatchPoolSpec);
  const poolId = desiredPoolId(poolIntent);
  const pool = listingIndex(pools)
    .withId(poolId)
    .find((p) => isOwnedBy(p.metadata, poolIntent.key));
  if (pool === undefined && poolIntent.adoptPoolId === undefined) return undefined;
  return { poolId, ready: pool !== undefined && isPoolReady(pool) };
}

/**
 * Task counts for status, and for a pool move (which must know whether tasks run). Outside a
 * move they are not read in the pass itself the first time: a resync burst only lists (ADR 0004).
 */
async function withTaskCounts(
  ctx: ReconcileContext,
  intent: JobIntent,
  job: ObservedJob,
  target: PoolTarget | undefined,
): Promise<{ job: ObservedJob; refreshInMs?: number }> {
  if (!isOwnedBy(job.metadata, intent.key) || !COUNTED_STATES.has(job.state)) return { job };
  const movePending =
    target !== undefined && target.ready && job.poolId !== undefined && job.poolId.toLowerCase() !== target.poolId.toLowerCase();
  const { counts, refreshInMs } = await ctx.cache.taskCounts(job, {
    notBefore: ctx.lastWriteAt,
    signal: ctx.signal,
    force: movePending,
    // Spread first reads so many jobs seen at once do not read their counts at once.
    firstReadDelayMs: Math.round(ctx.taskCountsFirstReadDelayMs * (1 + Math.random())),
  });
  return { job: counts === undefined ? job : { ...job, taskCounts: counts }, refreshInMs };
}

/**
 * Where the job's tasks are written: a sweep that compiles to text on this thread (ADR 0033), another large
 * job's by the serialization worker (ADR 0030); a small one's are built in place (undefined).
 */
function taskBatches(ctx: ReconcileContext, tasks: TaskSet): AsyncIterable<readonly SubmittableTask[]> | undefined {
  const recipe = tasks.recipe;
  if (recipe === undefined) return undefined;
  const fromText = sweepTextBatches(recipe);
  if (fromText !== undefined || tasks.total < ctx.taskWorkerMinTasks) return fromText;
  return serializedTaskBatches({ ...tasks, recipe }, { signal: ctx.signal });
}

/** `created`: this pass created the job (Batch answered 201, not JobExists), so it holds no tasks to list. */
async function submit(
  ctx: ReconcileContext,
  intent: JobIntent,
  live: ObservedJob | undefined,
  created: boolean,
): Promise<SubmissionResult> {
  const result = await submitTasks({
    batch: ctx.batch,
    jobId: intent.jobId,
    tasks: intent.tasks,
    createdEmpty: created,
    batches: taskBatches(ctx, intent.tasks),
    signal: ctx.signal,
    concurrency: ctx.taskSubmissionConcurrency,
    prepare: (body) => resolveSecretRefs(body, ctx.namespace, ctx.secrets),
    onProgress: (inBatch) => ctx.reportProgress(submissionProgress(intent, live, inBatch)),
  });
  ctx.markWrite();
  ctx.logger.info(
    { ...result, failures: result.failures.length },
    `tasks: ${result.added} added, ${result.alreadyPresent} already present, ${result.adopted} adopted, ${result.replaced} replaced`,
  );
  if (result.notResubmitted > 0) {
    ctx.events.record(
      ctx.key,
      "Warning",
      Reasons.TasksNotResubmitted,
      `${result.notResubmitted} started or completed task(s) changed in the manifest and were not resubmitted: ${result.notResubmittedIds.join(", ")}`,
    );
  }
  if (result.failureCount > 0) {
    const first = result.failures.map((f) => `${f.taskId}: ${f.code}: ${f.message}`).join("; ");
    throw new StalledError(Reasons.TasksRejected, `${result.failureCount} task(s) rejected by Batch: ${first}`);
  }
  // Recorded only once every declared task is there, so a restart mid-way lists and resumes.
  const patch: Record<string, unknown> = {
    metadata: toMetadataItems(jobMetadata(intent, { managerId: ctx.managerId }, intent.tasks.hash)),
  };
  if (intent.onAllTasksComplete === "terminatejob") patch.onAllTasksComplete = "terminatejob";
  await ctx.batch.patchJob(intent.jobId, patch, { signal: ctx.signal });
  if (live !== undefined && isForeign(live.metadata)) {
    const message = `adopted Batch job ${live.id}, created outside batch-gitops: ${result.adopted} existing task(s) kept as they are, ${result.added} added`;
    ctx.events.record(ctx.key, "Normal", Reasons.Adopted, message);
  }
  ctx.events.record(ctx.key, "Normal", Reasons.TasksSubmitted, `${result.declared} task(s) declared; ${result.added} added`);
  return result;
}

/** The interim status of a submission in progress: a 100,000-task sweep shows how far it got. */
function submissionProgress(intent: JobIntent, live: ObservedJob | undefined, inBatch: number): StepResult {
  const counts = live?.taskCounts ?? NO_TASK_COUNTS;
  const job: JobLiveStatus = {
    state: live?.state ?? "active",
    poolId: live?.poolId,
    taskCounts: { ...counts },
    totalTasks: intent.tasks.total,
    tasksSubmitted: inBatch,
  };
  const message = `submitting tasks to job ${intent.jobId}: ${inBatch}/${intent.tasks.total} in Batch`;
  return { summary: { kind: "progressing", reason: Reasons.Progressing, message }, job, batchIds: [intent.jobId] };
}

function failureInput(intent: JobIntent, live: ObservedJob, failedTasks: readonly FailedTaskSample[]): TaskFailureInput {
  return {
    jobId: intent.jobId,
    state: live.state,
    counts: live.taskCounts ?? NO_TASK_COUNTS,
    total: intent.tasks.total,
    onTaskFailure: intent.onTaskFailure,
    failedTasks,
  };
}

/** Failed tasks and a missing pool outrank "applied": the job is not Ready (docs/status.md). */
function withHealth(
  result: StepResult,
  health: JobHealthIssue | undefined,
  failedTasks: readonly FailedTaskSample[],
  polling: { pollIntervalMs: number; ending: boolean },
): StepResult {
  const { pollIntervalMs, ending } = polling;
  const job =
    result.job === undefined || failedTasks.length === 0 ? result.job : { ...result.job, failedTasks: failedTasks.map((t) => ({ ...t })) };
  if (health === undefined || result.summary.kind === "stalled") return { ...result, job };
  const { reason, message } = health;
  if (health.terminal) {
    // Stalled waits for a user, but a job Batch is about to end is still read until it has, so the status
    // says when it completed (state, JobCompleted), as for a Ready job.
    return { ...result, job, summary: { kind: "stalled", reason, message }, pollAfterMs: ending ? pollIntervalMs * 4 : undefined };
  }
  return { ...result, job, summary: { kind: "progressing", reason, message }, pollAfterMs: result.pollAfterMs ?? pollIntervalMs };
}

function reportTasks(ctx: ReconcileContext, counts: ObservedTaskCounts | undefined): void {
  if (counts === undefined) return;
  ctx.metrics.jobTasks(ctx.key, "active", counts.active);
  ctx.metrics.jobTasks(ctx.key, "running", counts.running);
  ctx.metrics.jobTasks(ctx.key, "succeeded", counts.succeeded);
  ctx.metrics.jobTasks(ctx.key, "failed", counts.failed);
}

function summarizeJob(
  intent: JobIntent,
  plan: JobPlan,
  observed: { live: ObservedJob | undefined; submission: SubmissionResult | undefined },
  pollIntervalMs: number,
): StepResult {
  const { live, submission } = observed;
  const counts = live?.taskCounts ?? NO_TASK_COUNTS;
  const job: JobLiveStatus = {
    state: live?.state,
    poolId: live?.poolId,
    taskCounts: { ...counts },
    totalTasks: intent.tasks.total,
    tasksNotResubmitted: submission?.notResubmitted || undefined,
  };
  const base = { job, batchIds: [intent.jobId] };
  const ending = batchEndsItSoon(live);
  return { ...base, ...planSummary(plan, { progress: progressText(intent, live, counts), counts, ending }, pollIntervalMs) };
}

/**
 * A job still `active` that Batch ends once its tasks complete (onAllTasksComplete: terminatejob). Its
 * counts are read after the listing, so they may already say no task is left: its completion is due.
 */
function batchEndsItSoon(live: ObservedJob | undefined): boolean {
  return live?.state === "active" && live.onAllTasksComplete === "terminatejob";
}

/** Counts are read on their own cadence (ADR 0004): until the first read, say so rather than 0/N. */
function progressText(intent: JobIntent, live: ObservedJob | undefined, counts: ObservedTaskCounts): string {
  return live?.taskCounts === undefined
    ? `${intent.tasks.total} task(s); counts not read yet`
    : `${counts.succeeded}/${intent.tasks.total} succeeded, ${counts.failed} failed`;
}

/** The summary (and next poll) a job plan leads to. */
function planSummary(
  plan: JobPlan,
  tasks: { progress: string; counts: ObservedTaskCounts; ending: boolean },
  pollIntervalMs: number,
): Pick<StepResult, "summary" | "pollAfterMs"> {
  const { progress, counts, ending } = tasks;
  if (plan.status === "Finished") {
    return { summary: { kind: "ready", message: `${plan.reason}: ${progress}` }, pollAfterMs: plan.waiting ? pollIntervalMs : undefined };
  }
  if (plan.status === "WaitingForPool") {
    return { summary: { kind: "progressing", reason: Reasons.DependencyNotReady, message: plan.reason }, pollAfterMs: pollIntervalMs };
  }
  if (plan.status === "Suspended" && !plan.waiting) {
    return { summary: { kind: "ready", message: `suspended (${plan.reason}): no new task starts; ${progress}` } };
  }
  if (plan.actions.length > 0 || plan.waiting) return busySummary(plan, pollIntervalMs);
  // A job Batch ends once its tasks complete is still polled when the counts (read after the listing)
  // say none is left: its completion is due, and nothing else would report it before the resync.
  const running = counts.active + counts.running > 0 || ending;
  return { summary: { kind: "ready", message: `${plan.reason}; ${progress}` }, pollAfterMs: running ? pollIntervalMs * 4 : undefined };
}

function busySummary(plan: JobPlan, pollIntervalMs: number): Pick<StepResult, "summary" | "pollAfterMs"> {
  const message = plan.actions.length > 0 ? plan.actions.map(describeAction).join("; ") : plan.reason;
  return { summary: { kind: "progressing", reason: Reasons.Progressing, message }, pollAfterMs: pollIntervalMs };
}
