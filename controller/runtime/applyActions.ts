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
  const apply = APPLIERS[action.type] as (action: Action, ctx: ApplyContext, opts: { signal: AbortSignal }) => Promise<ActionOutcome>;
  return apply(action, ctx, { signal: ctx.signal });
}

type Applier<T extends Action["type"]> = (
  action: Extract<Action, { type: T }>,
  ctx: ApplyContext,
  opts: { signal: AbortSignal },
) => Promise<ActionOutcome>;

/** Runs an update call; an update's outcome is always "updated". */
async function updated(call: Promise<void>): Promise<ActionOutcome> {
  await call;
  return "updated";
}

/** One applier per action type. */
const APPLIERS: { readonly [T in Action["type"]]: Applier<T> } = {
  CreatePool: async (action, ctx, opts) =>
    (await ctx.batch.createPool(await ctx.prepare(action.body), opts)) === "created" ? "created" : "unchanged",
  ResizePool: (action, { batch }, opts) => updated(batch.resizePool(action.poolId, resizeBody(action), opts)),
  StopResize: (action, { batch }, opts) => updated(batch.stopResizePool(action.poolId, opts)),
  EnableAutoScale: (action, { batch }, opts) =>
    updated(batch.enableAutoScale(action.poolId, action.formula, isoSeconds(action.evaluationIntervalSeconds), opts)),
  DisableAutoScale: (action, { batch }, opts) => updated(batch.disableAutoScale(action.poolId, opts)),
  PatchPool: (action, ctx) => updated(patchPool(action, ctx)),
  DrainPool: (action, { batch }, opts) =>
    updated(
      batch.resizePool(
        action.poolId,
        { targetDedicatedNodes: 0, targetLowPriorityNodes: 0, nodeDeallocationOption: "taskcompletion" },
        opts,
      ),
    ),
  DeletePool: async (action, { batch }, opts) => ((await batch.deletePool(action.poolId, opts)) === "deleted" ? "deleted" : "unchanged"),
  CreateJob: async (action, ctx, opts) =>
    (await ctx.batch.createJob(await ctx.prepare(action.body), opts)) === "created" ? "created" : "unchanged",
  PatchJob: (action, { batch }, opts) => updated(batch.patchJob(action.jobId, action.patch, opts)),
  DisableJob: (action, { batch }, opts) => updated(batch.disableJob(action.jobId, action.disableTasks, opts)),
  EnableJob: (action, { batch }, opts) => updated(batch.enableJob(action.jobId, opts)),
  DeleteJob: async (action, { batch }, opts) => ((await batch.deleteJob(action.jobId, opts)) === "deleted" ? "deleted" : "unchanged"),
  SubmitTasks: async () => {
    throw new Error("SubmitTasks is applied by the job reconciler (streamed), not by applyAction");
  },
};

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
