/**
 * Executes planned actions through the Batch adapter, one at a time in plan order. Creates are
 * idempotent: an "exists" answer is accepted only if the object found is ours (checked by the
 * caller's next observation, which sees the ownership metadata).
 */
import type { BatchAdapter } from "../batch/adapter.js";
import type { Action } from "../core/actions.js";
import type { JsonObject } from "../core/intent.js";
import { isoSeconds, toMetadataItems } from "../core/poolPlan.js";

export interface ApplyContext {
  readonly batch: BatchAdapter;
  readonly signal: AbortSignal;
  /** Resolves secret references in request bodies just before sending. */
  readonly prepare: (body: JsonObject) => Promise<JsonObject>;
}

/** Outcome words complete the sentence "pool x has been …" (controller-runtime OperationResult). */
export type ActionOutcome = "created" | "updated" | "deleted" | "unchanged";

export async function applyAction(action: Action, ctx: ApplyContext): Promise<ActionOutcome> {
  const { batch, signal } = ctx;
  const opts = { signal };
  switch (action.type) {
    case "CreatePool":
      return (await batch.createPool(await ctx.prepare(action.body), opts)) === "created" ? "created" : "unchanged";
    case "ResizePool":
      await batch.resizePool(action.poolId, resizeBody(action), opts);
      return "updated";
    case "StopResize":
      await batch.stopResizePool(action.poolId, opts);
      return "updated";
    case "EnableAutoScale":
      await batch.enableAutoScale(action.poolId, action.formula, isoSeconds(action.evaluationIntervalSeconds), opts);
      return "updated";
    case "DisableAutoScale":
      await batch.disableAutoScale(action.poolId, opts);
      return "updated";
    case "PatchPool":
      await patchPool(action, ctx);
      return "updated";
    case "DrainPool":
      await batch.resizePool(
        action.poolId,
        { targetDedicatedNodes: 0, targetLowPriorityNodes: 0, nodeDeallocationOption: "taskcompletion" },
        opts,
      );
      return "updated";
    case "DeletePool":
      return (await batch.deletePool(action.poolId, opts)) === "deleted" ? "deleted" : "unchanged";
    case "CreateJob":
      return (await batch.createJob(await ctx.prepare(action.body), opts)) === "created" ? "created" : "unchanged";
    case "PatchJob":
      await batch.patchJob(action.jobId, action.patch, opts);
      return "updated";
    case "DisableJob":
      await batch.disableJob(action.jobId, action.disableTasks, opts);
      return "updated";
    case "EnableJob":
      await batch.enableJob(action.jobId, opts);
      return "updated";
    case "DeleteJob":
      return (await batch.deleteJob(action.jobId, opts)) === "deleted" ? "deleted" : "unchanged";
    case "SubmitTasks":
      throw new Error("SubmitTasks is applied by the job reconciler (streamed), not by applyAction");
  }
}

function resizeBody(action: Extract<Action, { type: "ResizePool" }>): JsonObject {
  return {
    targetDedicatedNodes: action.targetDedicatedNodes,
    targetLowPriorityNodes: action.targetLowPriorityNodes,
    resizeTimeout: action.resizeTimeoutSeconds === undefined ? undefined : isoSeconds(action.resizeTimeoutSeconds),
    nodeDeallocationOption: action.nodeDeallocationOption,
  };
}

/** PATCH keeps what is omitted, so removing a start task needs updateproperties (which replaces all). */
async function patchPool(action: Extract<Action, { type: "PatchPool" }>, ctx: ApplyContext): Promise<void> {
  const metadata = toMetadataItems(action.metadata);
  if (action.startTask === "remove") {
    await ctx.batch.updatePoolProperties(
      action.poolId,
      { certificateReferences: [], applicationPackageReferences: [], metadata },
      { signal: ctx.signal },
    );
    return;
  }
  const body: JsonObject = { metadata };
  if (action.startTask !== undefined) body.startTask = await ctx.prepare(action.startTask);
  await ctx.batch.patchPool(action.poolId, body, { signal: ctx.signal });
}
