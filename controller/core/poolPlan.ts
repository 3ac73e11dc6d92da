/**
 * classify → act for pools: the ordered actions that move Batch one step toward the manifest.
 * Pure. The runtime applies the actions, then re-observes and plans again (level-based), so a
 * plan only ever needs to describe the next safe step.
 */
import { Reasons, type Reason } from "./reasons.js";
import type { Action } from "./actions.js";
import { mapDiff, type FieldDiff } from "./diff.js";
import type { JsonObject, PoolIntent } from "./intent.js";
import type { ObservedPool } from "./observed.js";
import { userMetadata, withOwnership } from "./ownership.js";
import { determinePoolState, startTaskDiff, wasStoppedBelowTarget, type PoolState } from "./poolState.js";
import { poolAppliedHash, poolSpecHash } from "./poolIdentity.js";
import { canonicalJson } from "./hash.js";

export interface PoolPlan {
  readonly state: PoolState;
  readonly actions: readonly Action[];
  /** Batch is still moving (resize, deletion, rollout): look again soon. */
  readonly waiting: boolean;
  /** Differences found that the drift policy says to report (Alert) or that are being corrected. */
  readonly drift: readonly FieldDiff[];
  /** Set when the resource cannot progress until a user acts. */
  readonly blocked?: { readonly reason: Reason; readonly message: string };
}

export interface PlanContext {
  readonly managerId: string;
}

export function planPool(intent: PoolIntent, observed: readonly ObservedPool[], ctx: PlanContext): PoolPlan {
  const state = determinePoolState(intent, observed, ctx.managerId);
  const drift = state.status === "Drifted" && intent.driftPolicy !== "Ignore" ? state.diff : [];
  if (intent.suspend) return { state, actions: [], waiting: false, drift: [] };
  const blockedReason = BLOCKED_BY[state.status];
  if (blockedReason !== undefined)
    return { state, actions: [], waiting: false, drift, blocked: { reason: blockedReason, message: state.reason } };
  // InSync (and the blocked states, returned above): nothing to do.
  const step = STEPS[state.status] ?? (() => ({ actions: [], waiting: false }));
  return { state, drift, ...step(intent, state, ctx) };
}

type Step = (intent: PoolIntent, state: PoolState, ctx: PlanContext) => { actions: Action[]; waiting: boolean };

/** The next step from each state: the actions, and whether Batch is still moving. */
const STEPS: Partial<Record<PoolState["status"], Step>> = {
  Deleting: () => ({ actions: [], waiting: true }),
  Absent: (intent, state, ctx) => ({ actions: [createPool(intent, state.poolId, ctx, state.reason)], waiting: true }),
  Replacing: (intent, state, ctx) => ({
    actions: state.current === undefined ? startReplacement(intent, state, ctx) : retire(intent, state),
    waiting: true,
  }),
  Adopting: (intent, state, ctx) => ({ actions: [adoptionStamp(intent, state, ctx)], waiting: true }),
  OutOfSync: (intent, state, ctx) => ({ actions: inPlaceActions(intent, state, ctx), waiting: true }),
  Drifted: (intent, state, ctx) =>
    intent.driftPolicy === "Correct" ? { actions: inPlaceActions(intent, state, ctx), waiting: true } : { actions: [], waiting: false },
  Resizing: () => ({ actions: [], waiting: true }),
};

/** States in which nothing is written until a user acts, with the reason reported. */
const BLOCKED_BY: Partial<Record<PoolState["status"], Reason>> = {
  Conflict: Reasons.PoolIdTaken,
  ManagedElsewhere: Reasons.OwnedByAnotherManager,
  AdoptedImmutable: Reasons.AdoptedPoolImmutable,
};

/** The pool body in the @azure/batch PoolAddParameter shape, with ownership metadata. */
export function poolCreateBody(intent: PoolIntent, poolId: string, ctx: PlanContext): JsonObject {
  const { immutable, scale } = intent;
  const scaleFields =
    scale.mode === "fixed"
      ? {
          targetDedicatedNodes: scale.targetDedicatedNodes,
          targetLowPriorityNodes: scale.targetLowPriorityNodes,
          resizeTimeout: scale.resizeTimeoutSeconds === undefined ? undefined : isoSeconds(scale.resizeTimeoutSeconds),
        }
      : {
          enableAutoScale: true,
          autoScaleFormula: scale.formula,
          autoScaleEvaluationInterval: isoSeconds(scale.evaluationIntervalSeconds),
        };
  return {
    id: poolId,
    vmSize: immutable.vmSize,
    virtualMachineConfiguration: immutable.virtualMachineConfiguration,
    taskSlotsPerNode: immutable.taskSlotsPerNode,
    networkConfiguration: immutable.networkConfiguration,
    mountConfiguration: immutable.mountConfiguration,
    userAccounts: immutable.userAccounts,
    // Not a PoolAddParameter field: its presence sends the create through Resource Manager (batch/armRouting.ts).
    identity: immutable.identity,
    startTask: intent.startTask,
    ...scaleFields,
    metadata: toMetadataItems(desiredMetadata(intent, ctx)),
  };
}

export function desiredMetadata(intent: PoolIntent, ctx: PlanContext): Record<string, string> {
  return withOwnership(intent.metadata, {
    owner: intent.key,
    specHash: poolSpecHash(intent),
    managerId: ctx.managerId,
    appliedHash: poolAppliedHash(intent),
    deletionPolicy: intent.deletionPolicy,
  });
}

export function isoSeconds(seconds: number): string {
  return `PT${seconds}S`;
}

export function toMetadataItems(metadata: Readonly<Record<string, string>>): { name: string; value: string }[] {
  return Object.entries(metadata).map(([name, value]) => ({ name, value }));
}

function createPool(intent: PoolIntent, poolId: string, ctx: PlanContext, reason: string): Action {
  return { type: "CreatePool", poolId, body: poolCreateBody(intent, poolId, ctx), reason };
}

/** No pool with the new id yet: Recreate deletes the old ones first; BlueGreen creates beside them. */
function startReplacement(intent: PoolIntent, state: PoolState, ctx: PlanContext): Action[] {
  if (intent.updateStrategy === "BlueGreen") return [createPool(intent, state.poolId, ctx, `BlueGreen: ${state.reason}`)];
  const live = state.retired.filter((p) => p.state !== "deleting");
  // Recreate waits for the old pools to be gone before creating, so both never hold quota at once.
  return live.map((p) => ({ type: "DeletePool", poolId: p.id, reason: `Recreate: immutable fields changed, replaced by ${state.poolId}` }));
}

/** The new pool exists and matches; retire older pools once it is ready. */
function retire(intent: PoolIntent, state: PoolState): Action[] {
  if (intent.updateStrategy === "Recreate") {
    return state.retired
      .filter((p) => p.state !== "deleting")
      .map((p) => ({ type: "DeletePool", poolId: p.id, reason: `Recreate: replaced by ${state.poolId}` }));
  }
  if (state.current === undefined || !isPoolReady(state.current)) return [];
  return state.retired.flatMap((old) => retireBlueGreen(old, state.poolId));
}

function retireBlueGreen(old: ObservedPool, replacement: string): Action[] {
  if (old.state === "deleting") return [];
  if (old.allocationState === "resizing" && hasNodeTarget(old)) {
    return [{ type: "StopResize", poolId: old.id, reason: `BlueGreen: stop growing, ${replacement} replaces it` }];
  }
  if (old.allocationState !== "steady") return [];
  if (old.enableAutoScale || hasNodeTarget(old)) {
    return [
      { type: "DrainPool", poolId: old.id, reason: `BlueGreen: ${replacement} is ready; nodes leave after their running tasks complete` },
    ];
  }
  if (old.currentDedicatedNodes === 0 && old.currentLowPriorityNodes === 0) {
    return [{ type: "DeletePool", poolId: old.id, reason: `BlueGreen: drained and idle, replaced by ${replacement}` }];
  }
  return [];
}

function hasNodeTarget(pool: ObservedPool): boolean {
  return pool.targetDedicatedNodes > 0 || pool.targetLowPriorityNodes > 0;
}

/** Ready = steady and, for fixed pools, at the target node counts. */
export function isPoolReady(pool: ObservedPool): boolean {
  if (pool.state !== "active" || pool.allocationState !== "steady") return false;
  if (pool.enableAutoScale) return true;
  return pool.currentDedicatedNodes >= pool.targetDedicatedNodes && pool.currentLowPriorityNodes >= pool.targetLowPriorityNodes;
}

function inPlaceActions(intent: PoolIntent, state: PoolState, ctx: PlanContext): Action[] {
  const live = state.current;
  if (live === undefined) return [];
  return [...scaleActions(intent, live, state.status), ...patchActions(intent, live, ctx, state.status)];
}

function scaleActions(intent: PoolIntent, live: ObservedPool, status: PoolState["status"]): Action[] {
  const scale = intent.scale;
  const why = status === "Drifted" ? "drift correction" : "manifest changed";
  return scale.mode === "autoscale" ? autoScaleActions(live, scale, why) : fixedScaleActions(live, scale, why);
}

type AutoScale = Extract<PoolIntent["scale"], { mode: "autoscale" }>;
type FixedScale = Exclude<PoolIntent["scale"], { mode: "autoscale" }>;

function autoScaleActions(live: ObservedPool, scale: AutoScale, why: string): Action[] {
  const same =
    live.enableAutoScale &&
    live.autoScaleFormula?.trim() === scale.formula.trim() &&
    live.autoScaleEvaluationIntervalSeconds === scale.evaluationIntervalSeconds;
  // Batch refuses enableAutoScale during a resize; wait for steady instead of fighting it.
  if (same || live.allocationState !== "steady") return [];
  return [
    {
      type: "EnableAutoScale",
      poolId: live.id,
      formula: scale.formula,
      evaluationIntervalSeconds: scale.evaluationIntervalSeconds,
      reason: why,
    },
  ];
}

function fixedScaleActions(live: ObservedPool, scale: FixedScale, why: string): Action[] {
  const actions: Action[] = [];
  if (live.enableAutoScale) actions.push({ type: "DisableAutoScale", poolId: live.id, reason: `${why}: fixed scale` });
  const sameTarget =
    live.targetDedicatedNodes === scale.targetDedicatedNodes && live.targetLowPriorityNodes === scale.targetLowPriorityNodes;
  if (sameTarget && !wasStoppedBelowTarget(live)) return actions;
  if (live.allocationState === "resizing") {
    return [
      ...actions,
      {
        type: "StopResize",
        poolId: live.id,
        reason: `${why}: a resize toward ${live.targetDedicatedNodes}+${live.targetLowPriorityNodes} is in progress`,
      },
    ];
  }
  if (live.allocationState !== "steady") return actions;
  return [
    ...actions,
    {
      type: "ResizePool",
      poolId: live.id,
      targetDedicatedNodes: scale.targetDedicatedNodes,
      targetLowPriorityNodes: scale.targetLowPriorityNodes,
      resizeTimeoutSeconds: scale.resizeTimeoutSeconds,
      nodeDeallocationOption: scale.nodeDeallocationOption,
      reason: `${why}: nodes ${live.targetDedicatedNodes}+${live.targetLowPriorityNodes} → ${scale.targetDedicatedNodes}+${scale.targetLowPriorityNodes}`,
    },
  ];
}

/** The one write of a pure adoption: the ownership metadata, user metadata kept as it is. */
function adoptionStamp(intent: PoolIntent, state: PoolState, ctx: PlanContext): Action {
  const reason = "stamp ownership metadata (created outside batch-gitops; nothing else changes)";
  return { type: "PatchPool", poolId: state.poolId, metadata: desiredMetadata(intent, ctx), reason, adoption: true };
}

function patchActions(intent: PoolIntent, live: ObservedPool, ctx: PlanContext, status: PoolState["status"]): Action[] {
  const metadata = desiredMetadata(intent, ctx);
  const metadataSame = canonicalJson(metadata) === canonicalJson(live.metadata);
  const startTaskSame = startTaskDiff(intent, live).length === 0;
  if (metadataSame && startTaskSame) return [];
  const startTask = startTaskSame ? undefined : (intent.startTask ?? "remove");
  const why = status === "Drifted" ? "drift correction" : "manifest changed";
  // Only the controller's own record (applied-hash after a resize, deletion policy) is not "metadata" to a user.
  const userSame = mapDiff("metadata", intent.metadata, userMetadata(live.metadata)).length === 0;
  const recorded = userSame ? "batch-gitops record" : "metadata";
  const what = [startTaskSame ? "" : "start task", metadataSame ? "" : recorded].filter(Boolean).join(" and ");
  return [{ type: "PatchPool", poolId: live.id, startTask, metadata, reason: `${why}: ${what}` }];
}
