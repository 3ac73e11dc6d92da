/**
 * Observe → classify: where a desired pool stands against what Batch shows (helm-controller's
 * DetermineReleaseState). Pure; `planPool` turns the state into actions.
 */
import type { ResourceKey } from "./resourceKey.js";
import { mapDiff, subsetDiff, type FieldDiff } from "./diff.js";
import type { PoolIntent } from "./intent.js";
import type { ObservedPool } from "./observed.js";
import { APPLIED_HASH_KEY, MANAGER_KEY, isOwnedBy, userMetadata } from "./ownership.js";
import { desiredPoolId, poolAppliedHash } from "./poolIdentity.js";

export type PoolStatus =
  | "Absent" // no pool with the desired id
  | "Replacing" // the desired pool exists or is pending while older owned pools remain
  | "Conflict" // the desired id is taken by a pool we do not own
  | "Deleting" // the desired pool is being deleted (out of band)
  | "OutOfSync" // the manifest changed a mutable field
  | "Drifted" // live differs from what was last applied
  | "Resizing" // a resize toward the desired target is in progress
  | "InSync";

export interface PoolState {
  readonly status: PoolStatus;
  readonly reason: string;
  readonly diff: readonly FieldDiff[];
  readonly poolId: string;
  readonly current?: ObservedPool;
  /** Owned pools with another id: earlier generations of this resource. */
  readonly retired: readonly ObservedPool[];
}

/** Pools owned by `key`, or the adopted pool. */
export function ownedPools(key: ResourceKey, observed: readonly ObservedPool[], adoptPoolId?: string): ObservedPool[] {
  return observed.filter((p) => isOwnedBy(p.metadata, key) || (adoptPoolId !== undefined && p.id === adoptPoolId));
}

export function determinePoolState(intent: PoolIntent, observed: readonly ObservedPool[]): PoolState {
  const poolId = desiredPoolId(intent);
  const mine = ownedPools(intent.key, observed, intent.adoptPoolId);
  const current = mine.find((p) => sameId(p.id, poolId));
  const retired = mine.filter((p) => p !== current);
  const base = { poolId, current, retired };
  if (current === undefined) {
    const taken = observed.find((p) => sameId(p.id, poolId));
    if (taken !== undefined) {
      return { ...base, status: "Conflict", reason: `Batch pool ${poolId} exists and is not owned by ${intent.key}; set spec.adopt.poolId to take it over`, diff: [] };
    }
    return { ...base, status: retired.length > 0 ? "Replacing" : "Absent", reason: absentReason(retired), diff: immutableDiff(intent, retired[0]) };
  }
  if (current.state === "deleting") return { ...base, status: "Deleting", reason: `Batch pool ${poolId} is being deleted`, diff: [] };
  const diff = mutableDiff(intent, current);
  if (diff.length > 0) {
    const changed = current.metadata[APPLIED_HASH_KEY] !== poolAppliedHash(intent) || current.metadata[MANAGER_KEY] === undefined;
    return changed
      ? { ...base, status: "OutOfSync", reason: "the manifest changed", diff }
      : { ...base, status: "Drifted", reason: "Batch differs from what was applied", diff };
  }
  if (retired.length > 0) return { ...base, status: "Replacing", reason: `${retired.length} older pool(s) to retire`, diff: [] };
  if (current.allocationState !== "steady") return { ...base, status: "Resizing", reason: `allocation state ${current.allocationState}`, diff: [] };
  return { ...base, status: "InSync", reason: "Batch matches the manifest", diff: [] };
}

function absentReason(retired: readonly ObservedPool[]): string {
  return retired.length > 0 ? `immutable fields changed; replacing ${retired.map((p) => p.id).join(", ")}` : "not found in Batch";
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** What differs in the part Batch cannot change in place, when the old pool's fields were observed. */
export function immutableDiff(intent: PoolIntent, old: ObservedPool | undefined): FieldDiff[] {
  if (old === undefined) return [];
  const diffs: FieldDiff[] = [];
  if (old.vmSize.toLowerCase() !== intent.immutable.vmSize.toLowerCase()) {
    diffs.push({ field: "vmSize", desired: intent.immutable.vmSize, live: old.vmSize });
  }
  if (old.virtualMachineConfiguration !== undefined) {
    diffs.push(...subsetDiff("virtualMachineConfiguration", intent.immutable.virtualMachineConfiguration, old.virtualMachineConfiguration));
  }
  if (old.taskSlotsPerNode !== undefined && old.taskSlotsPerNode !== intent.immutable.taskSlotsPerNode) {
    diffs.push({ field: "taskSlotsPerNode", desired: intent.immutable.taskSlotsPerNode, live: old.taskSlotsPerNode });
  }
  return diffs;
}

/** Differences in what is updated in place: scale, start task, user metadata. */
export function mutableDiff(intent: PoolIntent, live: ObservedPool): FieldDiff[] {
  return [...scaleDiff(intent, live), ...startTaskDiff(intent, live), ...mapDiff("metadata", intent.metadata, userMetadata(live.metadata))];
}

function scaleDiff(intent: PoolIntent, live: ObservedPool): FieldDiff[] {
  const scale = intent.scale;
  if (scale.mode === "autoscale") {
    const diffs: FieldDiff[] = [];
    if (!live.enableAutoScale) diffs.push({ field: "enableAutoScale", desired: true, live: false });
    if (normalizeFormula(live.autoScaleFormula) !== normalizeFormula(scale.formula)) {
      diffs.push({ field: "autoScaleFormula", desired: scale.formula, live: live.autoScaleFormula });
    }
    if (live.enableAutoScale && live.autoScaleEvaluationIntervalSeconds !== scale.evaluationIntervalSeconds) {
      diffs.push({ field: "autoScaleEvaluationInterval", desired: `${scale.evaluationIntervalSeconds}s`, live: `${live.autoScaleEvaluationIntervalSeconds ?? "?"}s` });
    }
    return diffs;
  }
  // Autoscale pools own their node counts; fixed pools are compared on targets only.
  const diffs: FieldDiff[] = [];
  if (live.enableAutoScale) diffs.push({ field: "enableAutoScale", desired: false, live: true });
  if (live.targetDedicatedNodes !== scale.targetDedicatedNodes) {
    diffs.push({ field: "targetDedicatedNodes", desired: scale.targetDedicatedNodes, live: live.targetDedicatedNodes });
  }
  if (live.targetLowPriorityNodes !== scale.targetLowPriorityNodes) {
    diffs.push({ field: "targetLowPriorityNodes", desired: scale.targetLowPriorityNodes, live: live.targetLowPriorityNodes });
  }
  return diffs;
}

export function startTaskDiff(intent: PoolIntent, live: ObservedPool): FieldDiff[] {
  if (intent.startTask === undefined) {
    return live.startTask === undefined ? [] : [{ field: "startTask", desired: undefined, live: live.startTask }];
  }
  if (live.startTask === undefined) return [{ field: "startTask", desired: intent.startTask, live: undefined }];
  return subsetDiff("startTask", intent.startTask, live.startTask);
}

function normalizeFormula(formula: string | undefined): string {
  return (formula ?? "").replace(/\s+/g, " ").trim();
}
