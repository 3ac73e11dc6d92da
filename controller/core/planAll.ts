/**
 * The plan of a whole set of desired resources against one observation of Batch: what
 * `batch-gitops plan` prints. Pure. Jobs whose pool is still to be created are planned against
 * the pool's future id, the way the controller will create them once the pool exists.
 */
import type { ResourceKey } from "./resourceKey.js";
import { isResourceKey } from "./resourceKey.js";
import { isAdoptionStamp, type Action } from "./actions.js";
import { describeDiff } from "./diff.js";
import type { JobIntent, PoolIntent } from "./intent.js";
import { listingIndex } from "./listingIndex.js";
import { planJob, type PoolTarget } from "./jobPlan.js";
import type { ObservedJob, ObservedPool } from "./observed.js";
import { MANAGER_KEY, OWNER_KEY } from "./ownership.js";
import { desiredPoolId } from "./poolIdentity.js";
import { isPoolReady, planPool, type PlanContext } from "./poolPlan.js";
import { planPrune } from "./prune.js";
import { Reasons } from "./reasons.js";

export interface ResourcePlan {
  readonly key: ResourceKey;
  /** One word: Absent, InSync, OutOfSync, Drifted, Replacing, Removed, Conflict... */
  readonly status: string;
  readonly reason: string;
  readonly actions: readonly Action[];
  readonly drift: readonly string[];
  /** With drift: whether the controller corrects it (Correct) or only reports it (Alert). */
  readonly driftPolicy?: "Correct" | "Alert";
  readonly blocked?: { readonly reason: string; readonly message: string };
}

export interface DesiredSet {
  readonly pools: readonly PoolIntent[];
  readonly jobs: readonly JobIntent[];
  /** Resources declared but invalid: not applied, and never pruned (a typo must not delete what it describes). */
  readonly invalid?: readonly ResourceKey[];
  /** Why removed resources cannot be told apart now (manifests that cannot be read): nothing is deleted. */
  readonly pruneHold?: string;
}

export interface ObservedSet {
  readonly pools: readonly ObservedPool[];
  readonly jobs: readonly ObservedJob[];
}

export function planAll(desired: DesiredSet, observed: ObservedSet, ctx: PlanContext): ResourcePlan[] {
  const poolPlans = desired.pools.map((intent): ResourcePlan => {
    const plan = planPool(intent, observed.pools, ctx);
    const driftPolicy = plan.drift.length > 0 && intent.driftPolicy !== "Ignore" ? intent.driftPolicy : undefined;
    return {
      key: intent.key,
      status: plan.state.status,
      reason: plan.state.reason,
      actions: plan.actions,
      drift: plan.drift.map(describeDiff),
      driftPolicy,
      blocked: plan.blocked,
    };
  });
  const jobPlans = desired.jobs.map((intent): ResourcePlan => {
    const live = listingIndex(observed.jobs).withId(intent.jobId)[0];
    const plan = planJob(intent, live, poolTarget(intent, desired.pools, observed.pools), ctx);
    const drift = plan.drift ?? [];
    const driftPolicy = drift.length > 0 && intent.driftPolicy !== "Ignore" ? intent.driftPolicy : undefined;
    const blocked = plan.blocked ?? (plan.status === "WaitingForPool" ? missingPool(intent, desired.pools) : undefined);
    return {
      key: intent.key,
      status: plan.status,
      reason: plan.reason,
      actions: plan.actions,
      drift: drift.map(describeDiff),
      driftPolicy,
      blocked,
    };
  });
  return [...poolPlans, ...jobPlans, ...prunePlans(desired, observed, ctx)];
}

function poolTarget(job: JobIntent, pools: readonly PoolIntent[], observed: readonly ObservedPool[]): PoolTarget | undefined {
  if (job.poolRef === undefined) return job.poolId === undefined ? undefined : { poolId: job.poolId, ready: true };
  const pool = pools.find((p) => p.namespace === job.namespace && p.name === job.poolRef);
  if (pool === undefined) return undefined;
  const poolId = desiredPoolId(pool);
  const live = listingIndex(observed).withId(poolId)[0];
  return { poolId, ready: live !== undefined && isPoolReady(live) };
}

/** A poolRef to a BatchPool the directory does not declare (or declares invalid): the job cannot be created. */
function missingPool(job: JobIntent, pools: readonly PoolIntent[]): ResourcePlan["blocked"] {
  if (job.poolRef === undefined || pools.some((p) => p.namespace === job.namespace && p.name === job.poolRef)) return undefined;
  return {
    reason: Reasons.PoolNotFound,
    message: `poolRef names BatchPool ${job.namespace}/${job.poolRef}, which these manifests do not declare (or declare invalid); job ${job.jobId} is not created`,
  };
}

/** Owned Batch objects whose resource is no longer desired. */
function prunePlans(desired: DesiredSet, observed: ObservedSet, ctx: PlanContext): ResourcePlan[] {
  const wanted = new Set<string>([...desired.pools, ...desired.jobs].map((i) => i.key).concat(desired.invalid ?? []));
  const orphans = new Set<ResourceKey>();
  for (const { metadata } of [...observed.pools, ...observed.jobs]) {
    const owner = metadata[OWNER_KEY];
    if (owner !== undefined && metadata[MANAGER_KEY] === ctx.managerId && !wanted.has(owner) && isResourceKey(owner)) orphans.add(owner);
  }
  return [...orphans].sort().map((key): ResourcePlan => {
    if (desired.pruneHold !== undefined) {
      const message = `deletion waits until every manifest can be read: ${desired.pruneHold}`;
      return {
        key,
        status: "Removed",
        reason: "manifest removed",
        actions: [],
        drift: [],
        blocked: { reason: Reasons.DeletionBlocked, message },
      };
    }
    const actions = planPrune(key, observed.pools, observed.jobs, { managerId: ctx.managerId });
    return {
      key,
      status: "Removed",
      reason: actions.length > 0 ? "manifest removed" : "manifest removed; deletionPolicy Orphan keeps it",
      actions,
      drift: [],
    };
  });
}

export interface PlanTotals {
  readonly create: number;
  readonly change: number;
  readonly destroy: number;
  /** Jobs that get tasks submitted. */
  readonly taskSubmissions: number;
  /** Resources whose drift the controller only reports (driftPolicy Alert): Batch differs and stays so. */
  readonly driftNotCorrected: number;
  /** Objects created outside batch-gitops that are only to be stamped as adopted: not a change (ADR 0021). */
  readonly adopt: number;
  /** Resources that cannot be applied until a user acts (`! blocked:`). */
  readonly blocked: number;
  readonly inSync: number;
}

export function planTotals(plans: readonly ResourcePlan[]): PlanTotals {
  const all = plans.flatMap((p) => p.actions);
  const actions = all.filter((a) => !isAdoptionStamp(a));
  return {
    create: actions.filter((a) => a.type === "CreatePool" || a.type === "CreateJob").length,
    destroy: actions.filter((a) => a.type === "DeletePool" || a.type === "DeleteJob").length,
    change: actions.filter((a) => !["CreatePool", "CreateJob", "DeletePool", "DeleteJob", "SubmitTasks"].includes(a.type)).length,
    taskSubmissions: actions.filter((a) => a.type === "SubmitTasks").length,
    driftNotCorrected: plans.filter((p) => p.driftPolicy === "Alert").length,
    adopt: all.length - actions.length,
    blocked: plans.filter((p) => p.blocked !== undefined).length,
    inSync: plans.filter((p) => p.actions.every(isAdoptionStamp) && p.blocked === undefined && p.drift.length === 0).length,
  };
}

/** Changes the controller would write: anything but adoption stamps (ADR 0021). */
export function hasPendingChanges(plans: readonly ResourcePlan[]): boolean {
  return plans.some((p) => p.actions.some((a) => !isAdoptionStamp(a)));
}
