/**
 * One pass for a BatchPool: observe (shared pool listing) → plan (pure) → apply → summarize.
 * Conditions owned: Ready, Reconciling, Stalled, Drifted (through the StepResult).
 */
import { describeAction } from "../core/actions.js";
import { describeDiff } from "../core/diff.js";
import { poolIntentFromSpec } from "../core/fromModel.js";
import type { PoolIntent } from "../core/intent.js";
import type { ObservedPool } from "../core/observed.js";
import { planPool, type PoolPlan } from "../core/poolPlan.js";
import { Reasons } from "../core/conditions.js";
import type { BatchPoolSpec } from "../model/index.js";
import { applyPlan } from "./applyPlan.js";
import type { DesiredResource, PoolLiveStatus } from "./ports.js";
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
  reportDrift(ctx, intent, plan);
  await applyPlan(ctx, plan.actions, { isWarning: (action) => action.type === "DeletePool" || action.type === "DrainPool" });
  reportNodes(ctx, plan.state.current);
  return summarizePool(intent, plan, options.pollIntervalMs);
}

function reportDrift(ctx: ReconcileContext, intent: PoolIntent, plan: PoolPlan): void {
  if (plan.drift.length === 0) return;
  for (const d of plan.drift) ctx.metrics.driftDetected("BatchPool", d.field);
  const differences = plan.drift.map(describeDiff);
  ctx.logger.warn({ differences, policy: intent.driftPolicy }, "drift detected");
  if (intent.driftPolicy === "Alert") ctx.alerts.drift({ key: ctx.key, policy: "Alert", differences });
  ctx.events.record(ctx.key, "Warning", Reasons.DriftDetected, differences.join("; "));
}

function reportNodes(ctx: ReconcileContext, pool: ObservedPool | undefined): void {
  if (pool === undefined) return;
  ctx.metrics.poolNodes(ctx.key, "current", "dedicated", pool.currentDedicatedNodes);
  ctx.metrics.poolNodes(ctx.key, "current", "lowPriority", pool.currentLowPriorityNodes);
  ctx.metrics.poolNodes(ctx.key, "target", "dedicated", pool.targetDedicatedNodes);
  ctx.metrics.poolNodes(ctx.key, "target", "lowPriority", pool.targetLowPriorityNodes);
}

function summarizePool(intent: PoolIntent, plan: PoolPlan, pollIntervalMs: number): StepResult {
  const current = plan.state.current;
  const base = {
    pool: current === undefined ? undefined : liveStatus(current),
    batchIds: [plan.state.poolId, ...plan.state.retired.map((p) => p.id)],
    drift: driftSummary(intent, plan),
  };
  if (intent.suspend) return { ...base, summary: { kind: "ready", message: "suspended: not reconciled" } };
  const resizeError = current?.resizeErrors[0];
  if (plan.actions.length === 0 && resizeError !== undefined && current !== undefined && current.allocationState === "steady" && belowTarget(current)) {
    // Quota, allocation failures: retrying the same resize would only hammer the service.
    return { ...base, summary: { kind: "stalled", reason: Reasons.ResizeError, message: `${resizeError.code}: ${resizeError.message}` } };
  }
  if (plan.actions.length > 0 || plan.waiting) {
    const message = plan.actions.length > 0 ? plan.actions.map(describeAction).join("; ") : `${plan.state.status}: ${plan.state.reason}${nodesText(current)}`;
    return { ...base, summary: { kind: "progressing", reason: progressReason(plan), message }, pollAfterMs: pollIntervalMs };
  }
  return { ...base, summary: { kind: "ready", message: `pool ${plan.state.poolId} in sync${nodesText(current)}` } };
}

function belowTarget(pool: ObservedPool): boolean {
  return pool.currentDedicatedNodes < pool.targetDedicatedNodes || pool.currentLowPriorityNodes < pool.targetLowPriorityNodes;
}

function progressReason(plan: PoolPlan): string {
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

function driftSummary(intent: PoolIntent, plan: PoolPlan): StepResult["drift"] {
  if (intent.driftPolicy === "Ignore") return undefined;
  if (plan.drift.length === 0) return { drifted: false, reason: Reasons.NoDrift, message: "Batch matches the manifest" };
  const text = plan.drift.map(describeDiff).join("; ");
  return intent.driftPolicy === "Correct"
    ? { drifted: true, reason: Reasons.DriftCorrected, message: `corrected: ${text}` }
    : { drifted: true, reason: Reasons.DriftDetected, message: text };
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
  };
}
