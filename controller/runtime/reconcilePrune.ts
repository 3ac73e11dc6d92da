/**
 * A resource gone from the source (or being deleted in the cluster): delete what it owns when its
 * recorded deletion policy is Delete, and wait until Batch has let go of it.
 */
import { describeAction } from "../core/actions.js";
import { Reasons } from "../core/conditions.js";
import { isOwnedBy } from "../core/ownership.js";
import { planPrune, pruneBlockers } from "../core/prune.js";
import { applyAction } from "./applyActions.js";
import { isResourceKey } from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import type { StepResult } from "./stepResult.js";

export async function reconcilePrune(ctx: ReconcileContext, pollIntervalMs: number): Promise<StepResult> {
  const [pools, jobs] = await Promise.all([ctx.cache.pools(ctx.lastWriteAt, ctx.signal), ctx.cache.jobs(ctx.lastWriteAt, ctx.signal)]);
  const blockers = pruneBlockers(ctx.key, pools, jobs, (owner) => stillDesired(ctx, owner));
  if (blockers.length > 0) {
    // Nothing is deleted while a job still runs on the pool: its tasks would be cut off mid-run.
    const message = `deletion waits until ${blockers.join(", ")} no longer use${blockers.length === 1 ? "s" : ""} this pool (remove the job too, or point it elsewhere)`;
    return { summary: { kind: "progressing", reason: Reasons.DeletionBlocked, message }, pollAfterMs: pollIntervalMs };
  }
  const actions = planPrune(ctx.key, pools, jobs, ctx.managerId);
  for (const action of actions) {
    const outcome = await applyAction(action, { batch: ctx.batch, signal: ctx.signal, prepare: (b) => Promise.resolve(b) });
    ctx.markWrite();
    ctx.logger.info({ action: action.type, outcome }, describeAction(action));
    ctx.events.record(ctx.key, "Normal", Reasons.Pruned, describeAction(action).slice(2));
  }
  const deleting = [...pools, ...jobs].filter((o) => isOwnedBy(o.metadata, ctx.key) && o.state === "deleting").length;
  if (actions.length > 0 || deleting > 0) {
    return { summary: { kind: "progressing", reason: Reasons.Deleting, message: `deleting ${actions.length + deleting} Batch object(s)` }, pollAfterMs: pollIntervalMs };
  }
  ctx.metrics.forget?.(ctx.key);
  return { summary: { kind: "ready", message: `${Reasons.Succeeded}: nothing left to delete` }, removed: true };
}

/** A resource still in the source, valid or not (an invalid manifest is not a removed one). */
function stillDesired(ctx: ReconcileContext, owner: string): boolean {
  return (isResourceKey(owner) && ctx.source.get(owner) !== undefined) || ctx.source.problems().some((p) => p.key === owner);
}
