/**
 * One pass for a BatchAccount: does the account answer? Read through the account's shared
 * listing (ADR 0004), so checking it costs no call beyond the one listing its pools already share.
 */
import { Reasons } from "../core/reasons.js";
import type { DesiredResource } from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import type { StepResult } from "./stepResult.js";

export async function reconcileAccount(ctx: ReconcileContext, desired: DesiredResource | undefined): Promise<StepResult> {
  // A removed BatchAccount owns nothing in Batch: its status just goes.
  if (desired === undefined || desired.deletionRequested === true)
    return { summary: { kind: "ready", message: `${Reasons.Succeeded}: removed` }, removed: true };
  const [pools, jobs] = await Promise.all([ctx.cache.pools(ctx.lastWriteAt, ctx.signal), ctx.cache.jobs(ctx.lastWriteAt, ctx.signal)]);
  return { summary: { kind: "ready", message: `account ${ctx.batch.accountUrl} answers: ${pools.length} pool(s), ${jobs.length} job(s)` } };
}
