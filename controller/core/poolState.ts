/**
 * Observe → classify: where a desired pool stands against what Batch shows (helm-controller's
 * DetermineReleaseState). Pure; `planPool` turns the state into actions.
 */
import type { ResourceKey } from "./resourceKey.js";
import { mapDiff, subsetDiff, type FieldDiff } from "./diff.js";
import type { PoolIntent } from "./intent.js";
import type { ObservedPool } from "./observed.js";
import {
  APPLIED_HASH_KEY,
  OWNER_KEY,
  deletionPolicyDiff,
  isForeign,
  isManagedByAnother,
  isOwnedBy,
  managerOf,
  userMetadata,
} from "./ownership.js";
import { desiredPoolId, poolAppliedHash } from "./poolIdentity.js";
import { listingIndex } from "./listingIndex.js";

export type PoolStatus =
  | "Absent" // no pool with the desired id
  | "Replacing" // the desired pool exists or is pending while older owned pools remain
  | "Conflict" // the desired id is taken by a pool we do not own
  | "ManagedElsewhere" // a pool of this resource carries another controller's manager id
  | "AdoptedImmutable" // the adopted pool (fixed id) differs in what Batch cannot change in place
  | "Deleting" // the desired pool is being deleted (out of band)
  | "Adopting" // a pool created outside batch-gitops, adopted by id, that matches: only ownership to stamp
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

/**
 * Pools owned by `key`, or the adopted pool, in listing order. Looked up in the listing's index, not
 * scanned: a resync plans every pool against the same listing (listingIndex.ts).
 */
export function ownedPools(key: ResourceKey, observed: readonly ObservedPool[], adoptPoolId?: string): readonly ObservedPool[] {
  const index = listingIndex(observed);
  const owned = index.ownedBy(key);
  if (adoptPoolId === undefined) return owned;
  const adoptedElsewhere = index.withId(adoptPoolId).some((p) => p.id === adoptPoolId && !isOwnedBy(p.metadata, key));
  // A pool still to adopt (not yet stamped as ours): rare and once per adoption, so the plain scan keeps the order.
  return adoptedElsewhere ? observed.filter((p) => isOwnedBy(p.metadata, key) || p.id === adoptPoolId) : owned;
}

export function determinePoolState(intent: PoolIntent, observed: readonly ObservedPool[], managerId: string): PoolState {
  const poolId = desiredPoolId(intent);
  const mine = ownedPools(intent.key, observed, intent.adoptPoolId);
  // Two controllers never fight over one resource: the first to stamp it keeps it until handed over.
  const foreign = mine.find((p) => isManagedByAnother(p.metadata, managerId, intent.adoptFromManager));
  if (foreign !== undefined) {
    return {
      poolId,
      current: undefined,
      retired: [],
      status: "ManagedElsewhere",
      reason: managedElsewhereReason(foreign, managerId),
      diff: [],
    };
  }
  const current = mine.find((p) => sameId(p.id, poolId));
  const retired = mine.filter((p) => p !== current);
  if (current === undefined) {
    const taken = listingIndex(observed).withId(poolId)[0];
    if (taken !== undefined) {
      return {
        poolId,
        retired,
        status: "Conflict",
        reason: `Batch pool ${poolId} exists and is not owned by ${intent.key}; set spec.adopt.poolId to take it over`,
        diff: [],
      };
    }
    return {
      poolId,
      retired,
      status: retired.length > 0 ? "Replacing" : "Absent",
      reason: absentReason(retired),
      diff: immutableDiff(intent, retired[0]),
    };
  }
  return currentPoolState(intent, { poolId, current, retired }, managerId);
}

/** Where the pool with the desired id stands. */
function currentPoolState(
  intent: PoolIntent,
  base: { poolId: string; current: ObservedPool; retired: ObservedPool[] },
  managerId: string,
): PoolState {
  const { current, retired } = base;
  const unworkable = deletingOrAdoptedImmutable(intent, base);
  if (unworkable !== undefined) return unworkable;
  const diff = mutableDiff(intent, current);
  const handover = takeoverReason(intent, current, managerId);
  if (handover !== undefined) return takeoverState(base, handover, diff);
  if (diff.length > 0) {
    // The deletion policy is never drift: only the manifest sets it.
    const changed = current.metadata[APPLIED_HASH_KEY] !== poolAppliedHash(intent) || diff.some((d) => d.field === "deletionPolicy");
    return changed
      ? { ...base, status: "OutOfSync", reason: "the manifest changed", diff }
      : { ...base, status: "Drifted", reason: "Batch differs from what was applied", diff };
  }
  if (retired.length > 0) return { ...base, status: "Replacing", reason: `${retired.length} older pool(s) to retire`, diff: [] };
  if (current.allocationState !== "steady")
    return { ...base, status: "Resizing", reason: `allocation state ${current.allocationState}`, diff: [] };
  if (wasStoppedBelowTarget(current))
    return { ...base, status: "OutOfSync", reason: "a resize toward the target was stopped (ResizeStopped)", diff: [] };
  return { ...base, status: "InSync", reason: "Batch matches the manifest", diff: [] };
}

/**
 * A pool to take over: a pure adoption when it was created outside batch-gitops and already matches
 * (only the ownership stamp to write, ADR 0021), else an out-of-sync pool applied as a change.
 */
function takeoverState(
  base: { poolId: string; current: ObservedPool; retired: ObservedPool[] },
  handover: string,
  diff: FieldDiff[],
): PoolState {
  const pure = diff.length === 0 && base.retired.length === 0 && isForeign(base.current.metadata);
  if (pure)
    return {
      ...base,
      status: "Adopting",
      reason: `adopting Batch pool ${base.current.id}, created outside batch-gitops: it matches the manifest`,
      diff,
    };
  return { ...base, status: "OutOfSync", reason: handover, diff };
}

/**
 * A resize someone else stopped (Batch reports ResizeStopped) leaves the pool steady below a target
 * that still matches the manifest: only a new resize resumes it, so it is not a user-fix error.
 */
export function wasStoppedBelowTarget(live: ObservedPool): boolean {
  const below = live.currentDedicatedNodes < live.targetDedicatedNodes || live.currentLowPriorityNodes < live.targetLowPriorityNodes;
  return live.allocationState === "steady" && below && live.resizeErrors.some((e) => e.code === "ResizeStopped");
}

/** A pool nothing can be done to now: being deleted, or adopted (fixed id) with a change Batch cannot make in place. */
function deletingOrAdoptedImmutable(
  intent: PoolIntent,
  base: { poolId: string; current: ObservedPool; retired: ObservedPool[] },
): PoolState | undefined {
  const { poolId, current } = base;
  if (current.state === "deleting") return { ...base, status: "Deleting", reason: `Batch pool ${poolId} is being deleted`, diff: [] };
  // An adopted pool keeps its id, so a new image cannot get a new pool beside it: only the user can choose.
  // Batch never returns a secret, so a secret (or its reference) is no difference to compare.
  const immutable = intent.adoptPoolId === undefined ? [] : immutableDiff(intent, current).filter((d) => !isSecretField(d.field));
  if (immutable.length === 0) return undefined;
  return { ...base, status: "AdoptedImmutable", reason: adoptedImmutableReason(poolId, immutable), diff: immutable };
}

function isSecretField(field: string): boolean {
  const leaf = field.split(".").pop() ?? "";
  return /secretref$/i.test(leaf) || ["password", "accountkey", "saskey", "sshprivatekey"].includes(leaf.toLowerCase());
}

function adoptedImmutableReason(poolId: string, diff: readonly FieldDiff[]): string {
  const fields = [...new Set(diff.map((d) => d.field.split(".")[0]))].join(", ");
  return `Batch pool ${poolId} was adopted by id (spec.adopt.poolId) and ${fields} changed in the manifest, which Batch cannot change in place; nothing written. Remove spec.adopt.poolId to replace it with a new pool (updateStrategy), or revert the change`;
}

function managedElsewhereReason(pool: ObservedPool, managerId: string): string {
  const other = managerOf(pool.metadata) ?? "?";
  return `Batch pool ${pool.id} is managed by "${other}" (batch-gitops/manager), not by this controller ("${managerId}"); left alone. To hand it over, set spec.adopt.fromManager: ${other}`;
}

/**
 * A pool that is ours to manage but not (yet) stamped as ours: adopted (by id or from another
 * manager) or written before manager ids. Its manifest is applied as a change, never as drift,
 * and the stamp is rewritten even when nothing else differs.
 */
function takeoverReason(intent: PoolIntent, pool: ObservedPool, managerId: string): string | undefined {
  const manager = managerOf(pool.metadata);
  if (manager !== undefined && manager !== managerId) return `taking over from manager "${manager}" (spec.adopt.fromManager)`;
  if (manager === undefined || pool.metadata[OWNER_KEY] !== intent.key) return "taking ownership (adopted or unstamped pool)";
  return undefined;
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

/** Differences in what is updated in place: scale, start task, user metadata, the recorded deletion policy. */
export function mutableDiff(intent: PoolIntent, live: ObservedPool): FieldDiff[] {
  return [
    ...scaleDiff(intent, live),
    ...startTaskDiff(intent, live),
    ...mapDiff("metadata", intent.metadata, userMetadata(live.metadata)),
    ...deletionPolicyDiff(intent.deletionPolicy, live.metadata),
  ];
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
      diffs.push({
        field: "autoScaleEvaluationInterval",
        desired: `${scale.evaluationIntervalSeconds}s`,
        live: `${live.autoScaleEvaluationIntervalSeconds ?? "?"}s`,
      });
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
