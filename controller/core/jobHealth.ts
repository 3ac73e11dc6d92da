/**
 * What a job's tasks and pool say about its health, beyond "the plan is applied". Pure.
 * The rules are the job rows of the table in docs/status.md:
 *
 * - failed tasks and nothing left that could still succeed (the job finished, onTaskFailure
 *   `performexitoptionsjobaction` ends it, or no task is active or running): Stalled, TasksFailed;
 * - failed tasks while others still run and onTaskFailure is `noaction`: Reconciling, TasksFailed;
 * - the job's Batch pool is being deleted: Reconciling, PoolDeleting;
 * - its pool is gone and no manifest will bring it back: Stalled, PoolNotFound;
 * - its pool is gone but its BatchPool manifest will recreate it: Reconciling, DependencyNotReady.
 */
import type { ObservedJob, ObservedPool, FailedTaskSample, ObservedTaskCounts } from "./observed.js";
import { Reasons, type Reason } from "./reasons.js";

/** How many failed tasks status names (the rest are counted). */
export const FAILED_TASK_SAMPLE_SIZE = 5;

export interface JobHealthIssue {
  readonly reason: Reason;
  /** Stalled (a user must act) or Reconciling (it may still resolve itself). */
  readonly terminal: boolean;
  readonly message: string;
}

const FINISHED = new Set(["completed", "terminating"]);

export interface TaskFailureInput {
  readonly jobId: string;
  readonly state: string;
  readonly counts: ObservedTaskCounts;
  readonly total: number;
  readonly onTaskFailure?: string;
  readonly failedTasks: readonly FailedTaskSample[];
}

export function taskFailureHealth(input: TaskFailureInput): JobHealthIssue | undefined {
  const { counts } = input;
  if (counts.failed === 0) return undefined;
  const pending = counts.active + counts.running;
  const endsJob = input.onTaskFailure === "performexitoptionsjobaction";
  const terminal = FINISHED.has(input.state) || endsJob || pending === 0;
  const why = FINISHED.has(input.state)
    ? `job ${input.state}`
    : endsJob
      ? "onTaskFailure: performexitoptionsjobaction ends the job"
      : pending === 0
        ? "no task is active or running"
        : `${pending} task(s) still active or running (onTaskFailure: noaction)`;
  const sample =
    input.failedTasks.length > 0
      ? `: ${input.failedTasks.map(describeFailedTask).join(", ")}${counts.failed > input.failedTasks.length ? ", ..." : ""}`
      : "";
  const message = `${counts.failed}/${input.total} task(s) of job ${input.jobId} failed${sample}; ${counts.succeeded} succeeded; ${why}`;
  return { reason: Reasons.TasksFailed, terminal, message };
}

export function describeFailedTask(task: FailedTaskSample): string {
  const details = [task.exitCode === undefined ? undefined : `exit ${task.exitCode}`, task.category, task.code].filter(
    (d) => d !== undefined,
  );
  return details.length > 0 ? `${task.taskId} (${details.join(", ")})` : task.taskId;
}

/**
 * The pool a live, unfinished job runs on. `manifestManaged`: a BatchPool manifest of this
 * controller manages that pool and will create it again.
 */
export function jobPoolHealth(job: ObservedJob, pools: readonly ObservedPool[], manifestManaged: boolean): JobHealthIssue | undefined {
  if (FINISHED.has(job.state) || job.poolId === undefined) return undefined;
  const poolId = job.poolId.toLowerCase();
  const pool = pools.find((p) => p.id.toLowerCase() === poolId);
  if (pool?.state === "deleting") {
    return {
      reason: Reasons.PoolDeleting,
      terminal: false,
      message: `Batch pool ${job.poolId} of job ${job.id} is being deleted; no task can run on it`,
    };
  }
  if (pool !== undefined) return undefined;
  if (manifestManaged) {
    return {
      reason: Reasons.DependencyNotReady,
      terminal: false,
      message: `Batch pool ${job.poolId} of job ${job.id} is gone; its BatchPool creates it again`,
    };
  }
  return {
    reason: Reasons.PoolNotFound,
    terminal: true,
    message: `Batch pool ${job.poolId} of job ${job.id} does not exist and no BatchPool manages it; no task can run`,
  };
}
