/**
 * The one loop that applies a plan (pool, job and prune steps share it): each action in plan order
 * through the Batch adapter, then the write is marked (the next observation must be newer), logged
 * and recorded as an event. Steps say only what differs: an action they apply themselves (task
 * submission streams), which actions are Warnings, and when to stop early.
 */
import { describeAction, type Action } from "../core/actions.js";
import { applyAction, type ActionOutcome, type ApplyContext } from "./applyActions.js";
import type { ReconcileContext } from "./reconcileContext.js";
import { resolveSecretRefs } from "./secretRefs.js";

export interface ApplyPlanHooks {
  /** Applies an action itself; return true when it did (the loop then moves on). */
  readonly custom?: (action: Action) => Promise<boolean>;
  /** Warning events for destructive actions; Normal otherwise. */
  readonly isWarning?: (action: Action) => boolean;
  /** Event reason; default the action type. */
  readonly reason?: (action: Action) => string;
  /** Called after each applied action; "stop" ends the plan early (the next pass re-plans). */
  readonly after?: (action: Action, outcome: ActionOutcome) => "stop" | undefined;
  /** Resolve secret references in request bodies (default true; prunes send no bodies). */
  readonly resolveSecrets?: boolean;
}

export async function applyPlan(ctx: ReconcileContext, actions: readonly Action[], hooks: ApplyPlanHooks = {}): Promise<void> {
  const prepare = preparer(ctx, hooks.resolveSecrets !== false);
  for (const action of actions) {
    if (hooks.custom !== undefined && (await hooks.custom(action))) continue;
    let outcome: ActionOutcome;
    try {
      outcome = await applyAction(action, { batch: ctx.batch, signal: ctx.signal, prepare });
    } finally {
      // Refused writes too: a conflict (StopResize on a pool that just went steady) means Batch moved
      // since the listing this plan came from, so the next pass must not plan from that listing again.
      ctx.markWrite();
    }
    report(ctx, action, outcome, hooks);
    if (hooks.after?.(action, outcome) === "stop") return;
  }
}

function preparer(ctx: ReconcileContext, resolveSecrets: boolean): ApplyContext["prepare"] {
  return resolveSecrets ? (body) => resolveSecretRefs(body, ctx.namespace, ctx.secrets) : (body) => Promise.resolve(body);
}

function report(ctx: ReconcileContext, action: Action, outcome: ActionOutcome, hooks: ApplyPlanHooks): void {
  const description = describeAction(action);
  const target = "poolId" in action ? action.poolId : action.jobId;
  ctx.logger.info({ action: action.type, target, outcome }, description);
  const type = hooks.isWarning?.(action) === true ? "Warning" : "Normal";
  ctx.events.record(ctx.key, type, hooks.reason?.(action) ?? action.type, description.slice(2));
}
