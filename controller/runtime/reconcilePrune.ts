/**
 * A resource gone from the source (or being deleted in the cluster): delete what it owns when its
 * recorded deletion policy is Delete, and wait until Batch has let go of it.
 */
import { describeAction } from "../core/actions.js";
import { Reasons } from "../core/conditions.js";
import { isOwnedBy } from "../core/ownership.js";
import { planPrune } from "../core/prune.js";
import { applyAction } from "./applyActions.js";
import type { ReconcileContext } from "./reconcileContext.js";
import type { StepResult } from "./stepResult.js";

export async function reconcilePrune(ctx: ReconcileContext, pollIntervalMs: number): Promise<StepResult> {
  const [pools, jobs] = await Promise.all([ctx.cache.pools(ctx.lastWriteAt, ctx.signal), ctx.cache.jobs(ctx.lastWriteAt, ctx.signal)]);
  const actions = planPrune(ctx.key, pools, jobs, ctx.managerId);
  for (const action of actions) {
    const outcome = await applyAction(action, { batch: ctx.batch, signal: ctx.signal, prepare: (b) => Promise.resolve(b) });
    ctx.markWrite();
    ctx.logger.info({ action: action.type, outcome }, describeAction(action));
    ctx.events.record(ctx.key, "Normal", "Pruned", describeAction(action).slice(2));
  }
  const deleting = [...pools, ...jobs].filter((o) => isOwnedBy(o.metadata, ctx.key) && o.state === "deleting").length;
  if (actions.length > 0 || deleting > 0) {
    return { summary: { kind: "progressing", reason: "Deleting", message: `deleting ${actions.length + deleting} Batch object(s)` }, pollAfterMs: pollIntervalMs };
  }
  ctx.metrics.forget?.(ctx.key);
  return { summary: { kind: "ready", message: `${Reasons.Succeeded}: nothing left to delete` }, removed: true };
}
