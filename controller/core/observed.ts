/** What the engine observed in Batch, trimmed to the fields the planner compares. */
import type { JsonObject } from "./intent.js";

export interface ObservedPool {
  readonly id: string;
  readonly state: "active" | "deleting" | string;
  readonly allocationState: "steady" | "resizing" | "stopping" | string;
  readonly vmSize: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly enableAutoScale: boolean;
  readonly autoScaleFormula?: string;
  readonly autoScaleEvaluationIntervalSeconds?: number;
  readonly targetDedicatedNodes: number;
  readonly targetLowPriorityNodes: number;
  readonly currentDedicatedNodes: number;
  readonly currentLowPriorityNodes: number;
  readonly resizeErrors: readonly { readonly code: string; readonly message: string }[];
  readonly startTask?: JsonObject;
  /** Present when listed with it; used to describe immutable changes field by field. */
  readonly virtualMachineConfiguration?: JsonObject;
  readonly taskSlotsPerNode?: number;
}

export interface ObservedTaskCounts {
  readonly active: number;
  readonly running: number;
  readonly completed: number;
  readonly succeeded: number;
  readonly failed: number;
}

export interface ObservedJob {
  readonly id: string;
  readonly state: string;
  readonly poolId?: string;
  readonly priority: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly onAllTasksComplete?: string;
  readonly terminateReason?: string;
  readonly taskCounts?: ObservedTaskCounts;
  /**
   * Ids of the tasks already in a job being adopted (`spec.adopt.jobId`), when listed: `plan` lists
   * them so an adoption that adds no task is shown as such. Undefined: not listed.
   */
  readonly existingTaskIds?: readonly string[];
}

/** One existing task, as listed with `$select=id,state,displayName`. */
export interface ObservedTask {
  readonly id: string;
  readonly state: "active" | "preparing" | "running" | "completed" | string;
  /** Our content marker (see taskContent.ts). */
  readonly contentHash?: string;
}

/** A task that completed with a failure, as sampled for status (`failedTasks`). */
export interface FailedTaskSample {
  readonly taskId: string;
  readonly exitCode?: number;
  /** Batch's failureInfo.category: `usererror` (the task's command) or `servererror` (Batch). */
  readonly category?: string;
  /** Batch's failureInfo.code, e.g. `FailureExitCode`, `TaskEnded`. */
  readonly code?: string;
}
