/**
 * The steps a plan is made of. Each names its Batch target and a human reason; `describeAction`
 * is what `batch-gitops plan` prints.
 */
import type { JsonObject } from "./intent.js";

export type Action =
  | { readonly type: "CreatePool"; readonly poolId: string; readonly body: JsonObject; readonly reason: string }
  | {
      readonly type: "ResizePool";
      readonly poolId: string;
      readonly targetDedicatedNodes: number;
      readonly targetLowPriorityNodes: number;
      readonly resizeTimeoutSeconds?: number;
      readonly nodeDeallocationOption?: string;
      readonly reason: string;
    }
  | { readonly type: "StopResize"; readonly poolId: string; readonly reason: string }
  | {
      readonly type: "EnableAutoScale";
      readonly poolId: string;
      readonly formula: string;
      readonly evaluationIntervalSeconds: number;
      readonly reason: string;
    }
  | { readonly type: "DisableAutoScale"; readonly poolId: string; readonly reason: string }
  | {
      readonly type: "PatchPool";
      readonly poolId: string;
      /** "remove" clears the start task (needs updateProperties); undefined leaves it. */
      readonly startTask?: JsonObject | "remove";
      readonly metadata: Readonly<Record<string, string>>;
      readonly reason: string;
      /** Only stamps ownership on a pool adopted from outside batch-gitops: reported, not a change (ADR 0021). */
      readonly adoption?: true;
    }
  | { readonly type: "DrainPool"; readonly poolId: string; readonly reason: string }
  | { readonly type: "DeletePool"; readonly poolId: string; readonly reason: string }
  | { readonly type: "CreateJob"; readonly jobId: string; readonly body: JsonObject; readonly reason: string }
  | {
      readonly type: "PatchJob";
      readonly jobId: string;
      readonly patch: JsonObject;
      readonly reason: string;
      /** Only stamps ownership on a job adopted from outside batch-gitops: reported, not a change (ADR 0021). */
      readonly adoption?: true;
    }
  | {
      readonly type: "DisableJob";
      readonly jobId: string;
      /** requeue: for a move (no task runs anyway); wait: suspend lets running tasks finish. */
      readonly disableTasks: "requeue" | "wait";
      readonly reason: string;
    }
  | { readonly type: "EnableJob"; readonly jobId: string; readonly reason: string }
  | { readonly type: "SubmitTasks"; readonly jobId: string; readonly total: number; readonly reason: string }
  | { readonly type: "DeleteJob"; readonly jobId: string; readonly reason: string };

export type ActionType = Action["type"];

/** Whether the action writes to Batch in a way that may destroy work (shown with `-` in plans). */
export function isDestructive(action: Action): boolean {
  return action.type === "DeletePool" || action.type === "DeleteJob" || action.type === "DrainPool";
}

/**
 * Stamping the ownership metadata on an object adopted from outside batch-gitops (`spec.adopt.poolId`
 * / `jobId`) with nothing else to change: `plan` reports it and does not count it as a change.
 */
export function isAdoptionStamp(action: Action): boolean {
  return (action.type === "PatchPool" || action.type === "PatchJob") && action.adoption === true;
}

export function actionTarget(action: Action): string {
  return "poolId" in action ? `pool ${action.poolId}` : `job ${action.jobId}`;
}

/** One line: `+ create pool web-1a2b3c4d: not found in Batch`; `= adopt …` for an adoption stamp. */
export function describeAction(action: Action): string {
  if (isAdoptionStamp(action)) return `= adopt ${actionTarget(action)}: ${action.reason}`;
  const sign = action.type.startsWith("Create") || action.type === "SubmitTasks" ? "+" : isDestructive(action) ? "-" : "~";
  return `${sign} ${VERBS[action.type]} ${actionTarget(action)}${detail(action)}: ${action.reason}`;
}

const VERBS: Record<ActionType, string> = {
  CreatePool: "create",
  ResizePool: "resize",
  StopResize: "stop resize of",
  EnableAutoScale: "enable autoscale on",
  DisableAutoScale: "disable autoscale on",
  PatchPool: "update",
  DrainPool: "drain",
  DeletePool: "delete",
  CreateJob: "create",
  PatchJob: "update",
  DisableJob: "disable",
  EnableJob: "enable",
  SubmitTasks: "submit tasks to",
  DeleteJob: "delete",
};

function detail(action: Action): string {
  switch (action.type) {
    case "ResizePool":
      return ` to ${action.targetDedicatedNodes} dedicated + ${action.targetLowPriorityNodes} low-priority nodes`;
    case "SubmitTasks":
      return ` (${action.total} declared)`;
    default:
      return "";
  }
}
