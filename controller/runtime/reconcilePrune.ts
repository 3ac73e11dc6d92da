/**
 * A resource gone from the source (or being deleted in the cluster): delete what it owns when its
 * recorded deletion policy is Delete, and wait until Batch has let go of it.
 */
import { Reasons } from "../core/conditions.js";
import { isOwnedBy } from "../core/ownership.js";
import { planPrune, pruneBlockers } from "../core/prune.js";
import { applyPlan } from "./applyPlan.js";
import { isResourceKey } from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import type { StepResult } from "./stepResult.js";

export async function reconcilePrune(ctx: ReconcileContext, pollIntervalMs: number): Promise<StepResult> {
  const hold = ctx.source.pruneHold?.();
  if (hold !== undefined && ctx.source.get(ctx.key) === undefined) {
    // Its manifest may have moved into a file that cannot be read now: removed is not known yet.
    const message = `deletion waits until every manifest can be read: ${hold}`;
    return { summary: { kind: "progressing", reason: Reasons.DeletionBlocked, message }, pollAfterMs: pollIntervalMs };
  }
  const [pools, jobs] = await Promise.all([ctx.cache.pools(ctx.lastWriteAt, ctx.signal), ctx.cache.jobs(ctx.lastWriteAt, ctx.signal)]);
  const blockers = pruneBlockers(ctx.key, pools, jobs, (owner) => stillDesired(ctx, owner));
  if (blockers.length > 0) {
    // Nothing is deleted while a job still runs on the pool: its tasks would be cut off mid-run.
    const message = `deletion waits until ${blockers.join(", ")} no longer use${blockers.length === 1 ? "s" : ""} this pool (remove the job too, or point it elsewhere)`;
    return { summary: { kind: "progressing", reason: Reasons.DeletionBlocked, message }, pollAfterMs: pollIntervalMs };
  }
  const actions = planPrune(ctx.key, pools, jobs, { managerId: ctx.managerId, specPolicy: specDeletionPolicy(ctx) });
  await applyPlan(ctx, actions, { resolveSecrets: false, reason: () => Reasons.Pruned });
  const deleting = [...pools, ...jobs].filter((o) => isOwnedBy(o.metadata, ctx.key) && o.state === "deleting").length;
  if (actions.length > 0 || deleting > 0) {
    return {
      summary: { kind: "progressing", reason: Reasons.Deleting, message: `deleting ${actions.length + deleting} Batch object(s)` },
      pollAfterMs: pollIntervalMs,
    };
  }
  ctx.metrics.forget?.(ctx.key);
  return { summary: { kind: "ready", message: `${Reasons.Succeeded}: nothing left to delete` }, removed: true };
}

/** The deletion policy of a resource whose deletion was requested but whose spec is still there (cluster mode). */
function specDeletionPolicy(ctx: ReconcileContext): "Delete" | "Orphan" | undefined {
  const spec = ctx.source.get(ctx.key)?.spec as { deletionPolicy?: unknown } | undefined;
  if (spec === undefined) return undefined;
  return spec.deletionPolicy === "Orphan" ? "Orphan" : "Delete";
}

/** A resource still in the source and not being deleted, valid or not (an invalid manifest is not a removed one). */
function stillDesired(ctx: ReconcileContext, owner: string): boolean {
  if (!isResourceKey(owner)) return false;
  const desired = ctx.source.get(owner);
  // A job being deleted (cluster mode) goes too: it does not hold the pool back.
  if (desired !== undefined) return desired.deletionRequested !== true;
  return ctx.source.problems().some((p) => p.key === owner);
}
