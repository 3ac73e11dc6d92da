/**
 * One pass for a BatchPool: observe (shared pool listing) → plan (pure) → apply → summarize.
 * Conditions owned: Ready, Reconciling, Stalled, Drifted (through the StepResult).
 */
import { describeAction } from "../core/actions.js";
import { describeDiff } from "../core/diff.js";
import { poolIntentFromSpec } from "../core/fromModel.js";
import type { PoolIntent } from "../core/intent.js";
import type { ObservedPool } from "../core/observed.js";
import { isForeign } from "../core/ownership.js";
import { planPool, type PoolPlan } from "../core/poolPlan.js";
import { Reasons } from "../core/conditions.js";
import type { BatchPoolSpec } from "../model/index.js";
import { applyPlan } from "./applyPlan.js";
import { driftCondition, reportDrift } from "./driftReport.js";
import type { DesiredResource, PoolLiveStatus } from "./ports.js";
import { liveImageName } from "./publicStatus.js";
import type { ReconcileContext } from "./reconcileContext.js";
import { StalledError } from "./reconcileErrors.js";
import type { StepResult } from "./stepResult.js";

export interface PoolStepOptions {
  readonly pollIntervalMs: number;
}

export async function reconcilePool(ctx: ReconcileContext, desired: DesiredResource, options: PoolStepOptions): Promise<StepResult> {
  const intent = poolIntentFromSpec(desired, desired.spec as BatchPoolSpec);
  const observed = await ctx.cache.pools(ctx.lastWriteAt, ctx.signal);
  const plan = planPool(intent, observed, { managerId: ctx.managerId });
  if (plan.blocked !== undefined) throw new StalledError(plan.blocked.reason, plan.blocked.message);
  let applied = false;
  try {
    await applyActions(ctx, plan);
    applied = true;
    reportAdoption(ctx, plan);
  } finally {
    // Reported after the writes, so the alert can say whether the drift was corrected (or the write failed).
    reportDrift(ctx, { kind: "BatchPool", policy: intent.driftPolicy, drift: plan.drift, corrected: isCorrected(intent, plan, applied) });
  }
  const current = asWritten(plan.state.current, plan.actions);
  reportNodes(ctx, current);
  const summary = summarizePool(
    intent,
    { ...plan, state: { ...plan.state, current } },
    options.pollIntervalMs,
    isCorrected(intent, plan, applied),
  );
  return withNodeCounts(ctx, current, summary);
}

/**
 * The pool as Batch has it once this pass's resize went through: the new targets, allocation resizing. Status
 * then says what was written rather than the listing from before the write, which the next poll only confirms.
 */
function asWritten(pool: ObservedPool | undefined, actions: PoolPlan["actions"]): ObservedPool | undefined {
  const resize = actions.find((a) => a.type === "ResizePool" && a.poolId === pool?.id);
  if (pool === undefined || resize?.type !== "ResizePool") return pool;
  return {
    ...pool,
    allocationState: "resizing",
    targetDedicatedNodes: resize.targetDedicatedNodes,
    targetLowPriorityNodes: resize.targetLowPriorityNodes,
    resizeErrors: [],
  };
}

/**
 * Per-state node counts for status (read on their own cadence, ObservationCache.nodeCounts): until
 * the first read, status has the totals only; the pass comes back for them when they are due.
 */
async function withNodeCounts(ctx: ReconcileContext, pool: ObservedPool | undefined, result: StepResult): Promise<StepResult> {
  if (pool === undefined || result.pool === undefined) return result;
  const firstReadDelayMs = Math.round(ctx.taskCountsFirstReadDelayMs * (1 + Math.random()));
  const { counts, refreshInMs } = await ctx.cache.nodeCounts(pool, { signal: ctx.signal, firstReadDelayMs });
  const withCounts = { ...result, pool: { ...result.pool, nodeCountsByState: counts === undefined ? undefined : { ...counts } } };
  if (
    refreshInMs === undefined ||
    result.summary.kind === "stalled" ||
    (result.pollAfterMs !== undefined && result.pollAfterMs <= refreshInMs)
  )
    return withCounts;
  return { ...withCounts, pollAfterMs: refreshInMs };
}

async function applyActions(ctx: ReconcileContext, plan: PoolPlan): Promise<void> {
  await applyPlan(ctx, plan.actions, { isWarning: (action) => action.type === "DeletePool" || action.type === "DrainPool" });
}

/** Corrected = this pass wrote the correction: policy Correct, and its writes went through. */
function isCorrected(intent: PoolIntent, plan: PoolPlan, applied: boolean): boolean {
  return intent.driftPolicy === "Correct" && plan.state.status === "Drifted" && plan.actions.length > 0 && applied;
}

/** The pass that stamped a pool created outside batch-gitops (spec.adopt.poolId) says so once. */
function reportAdoption(ctx: ReconcileContext, plan: PoolPlan): void {
  const pool = plan.state.current;
  if (pool === undefined || !isForeign(pool.metadata) || !plan.actions.some((a) => a.type === "PatchPool")) return;
  ctx.events.record(
    ctx.key,
    "Normal",
    Reasons.Adopted,
    `adopted Batch pool ${pool.id}, created outside batch-gitops: ownership metadata stamped`,
  );
}

function reportNodes(ctx: ReconcileContext, pool: ObservedPool | undefined): void {
  if (pool === undefined) return;
  ctx.metrics.poolNodes(ctx.key, "current", "dedicated", pool.currentDedicatedNodes);
  ctx.metrics.poolNodes(ctx.key, "current", "lowPriority", pool.currentLowPriorityNodes);
  ctx.metrics.poolNodes(ctx.key, "target", "dedicated", pool.targetDedicatedNodes);
  ctx.metrics.poolNodes(ctx.key, "target", "lowPriority", pool.targetLowPriorityNodes);
}

/**
 * A suspended pool is left as it is; what the manifest says and Batch does not (a change made while suspended)
 * is named in its status instead of claiming "Batch matches the manifest". Resuming applies it.
 */
function suspended(base: Omit<StepResult, "summary">, plan: PoolPlan): StepResult {
  const pending = plan.state.diff;
  if (pending.length === 0) return { ...base, summary: { kind: "ready", message: "suspended: not reconciled" } };
  const text = pending.map(describeDiff).join("; ");
  // Under driftPolicy Ignore the Drifted condition is not set at all, suspended or not.
  const drift =
    base.drift === undefined ? undefined : { drifted: true, reason: Reasons.DriftDetected, message: `suspended, not applied: ${text}` };
  return { ...base, drift, summary: { kind: "ready", message: `suspended: not reconciled; not applied until resumed: ${text}` } };
}

function summarizePool(intent: PoolIntent, plan: PoolPlan, pollIntervalMs: number, corrected: boolean): StepResult {
  const current = plan.state.current;
  const base = {
    pool: current === undefined ? undefined : liveStatus(current),
    batchIds: [plan.state.poolId, ...plan.state.retired.map((p) => p.id)],
    drift: driftCondition({ policy: intent.driftPolicy, drift: plan.drift, corrected }),
  };
  if (intent.suspend) return suspended(base, plan);
  const resizeError = stuckResizeError(plan, current);
  if (resizeError !== undefined) {
    // Quota, allocation failures: retrying the same resize would only hammer the service.
    return { ...base, summary: { kind: "stalled", reason: Reasons.ResizeError, message: `${resizeError.code}: ${resizeError.message}` } };
  }
  if (plan.actions.length > 0 || plan.waiting) {
    return {
      ...base,
      summary: { kind: "progressing", reason: progressReason(plan), message: progressMessage(plan, current) },
      pollAfterMs: pollIntervalMs,
    };
  }
  return { ...base, summary: { kind: "ready", message: `pool ${plan.state.poolId} in sync${nodesText(current)}` } };
}

/** The resize error of a steady pool left below its target with nothing more to do, if any. */
function stuckResizeError(plan: PoolPlan, current: ObservedPool | undefined): ObservedPool["resizeErrors"][number] | undefined {
  const resizeError = current?.resizeErrors[0];
  if (plan.actions.length > 0 || resizeError === undefined || current === undefined) return undefined;
  return current.allocationState === "steady" && belowTarget(current) ? resizeError : undefined;
}

function progressMessage(plan: PoolPlan, current: ObservedPool | undefined): string {
  return plan.actions.length > 0
    ? plan.actions.map(describeAction).join("; ")
    : `${plan.state.status}: ${plan.state.reason}${nodesText(current)}`;
}

function belowTarget(pool: ObservedPool): boolean {
  return pool.currentDedicatedNodes < pool.targetDedicatedNodes || pool.currentLowPriorityNodes < pool.targetLowPriorityNodes;
}

function progressReason(plan: PoolPlan): string {
  if (plan.state.status !== "Absent" && plan.state.status !== "Replacing" && plan.actions.some((a) => a.type === "ResizePool")) {
    return Reasons.Resizing;
  }
  switch (plan.state.status) {
    case "Absent":
      return Reasons.Creating;
    case "Replacing":
      return Reasons.Replacing;
    case "Resizing":
      return Reasons.Resizing;
    default:
      return Reasons.Progressing;
  }
}

function nodesText(pool: ObservedPool | undefined): string {
  if (pool === undefined) return "";
  return `; nodes ${pool.currentDedicatedNodes + pool.currentLowPriorityNodes}/${pool.targetDedicatedNodes + pool.targetLowPriorityNodes}`;
}

function liveStatus(pool: ObservedPool): PoolLiveStatus {
  return {
    allocationState: pool.allocationState,
    currentDedicatedNodes: pool.currentDedicatedNodes,
    currentLowPriorityNodes: pool.currentLowPriorityNodes,
    targetDedicatedNodes: pool.targetDedicatedNodes,
    targetLowPriorityNodes: pool.targetLowPriorityNodes,
    resizeErrors: pool.resizeErrors.length > 0 ? [...pool.resizeErrors] : undefined,
    image: liveImageName(pool.virtualMachineConfiguration?.imageReference),
  };
}
