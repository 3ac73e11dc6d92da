/** What to delete when a resource is gone from the source (or its deletion was requested). Pure. */
import type { ResourceKey } from "./resourceKey.js";
import type { Action } from "./actions.js";
import type { ObservedJob, ObservedPool } from "./observed.js";
import { DELETION_POLICY_KEY, MANAGER_KEY, OWNER_KEY, isOwnedBy } from "./ownership.js";
import { toMetadataItems } from "./poolPlan.js";

/**
 * Deletes only Batch objects owned by `key`, created by this manager, whose deletion policy is Delete:
 * `by.specPolicy`, the manifest's, when it is still there (a cluster object being deleted; its latest word,
 * which a completed job or a suspended resource never got written to Batch), else the policy recorded
 * in Batch (a removed manifest). Foreign objects, even with the same name, are never touched.
 */
export function planPrune(
  key: ResourceKey,
  pools: readonly ObservedPool[],
  jobs: readonly ObservedJob[],
  by: { readonly managerId: string; readonly specPolicy?: "Delete" | "Orphan" },
): Action[] {
  const prunable = (metadata: Readonly<Record<string, string>>, state: string): boolean =>
    isOwnedBy(metadata, key) &&
    metadata[MANAGER_KEY] === by.managerId &&
    (by.specPolicy ?? metadata[DELETION_POLICY_KEY]) === "Delete" &&
    state !== "deleting";
  const jobActions: Action[] = jobs
    .filter((j) => prunable(j.metadata, j.state))
    .map((j) => ({ type: "DeleteJob", jobId: j.id, reason: `${key} was removed (deletionPolicy Delete)` }));
  const poolActions: Action[] = pools
    .filter((p) => prunable(p.metadata, p.state))
    .map((p) => ({ type: "DeletePool", poolId: p.id, reason: `${key} was removed (deletionPolicy Delete)` }));
  return [...jobActions, ...poolActions, ...orphanRecords(key, pools, jobs, by)];
}

/**
 * An object the manifest orphans while Batch still records Delete (a suspended pool, never written since the
 * policy changed) gets Orphan written before its resource lets go: else a later sweep of objects whose owner is
 * gone would read Delete and remove what the user kept. A completed job cannot be patched (Batch refuses), so it
 * keeps what it recorded (docs/ownership-and-drift.md).
 */
function orphanRecords(
  key: ResourceKey,
  pools: readonly ObservedPool[],
  jobs: readonly ObservedJob[],
  by: { readonly managerId: string; readonly specPolicy?: "Delete" | "Orphan" },
): Action[] {
  if (by.specPolicy !== "Orphan") return [];
  const recordsDelete = (metadata: Readonly<Record<string, string>>, state: string): boolean =>
    isOwnedBy(metadata, key) &&
    metadata[MANAGER_KEY] === by.managerId &&
    metadata[DELETION_POLICY_KEY] !== "Orphan" &&
    state !== "deleting";
  const orphaned = (metadata: Readonly<Record<string, string>>) => ({ ...metadata, [DELETION_POLICY_KEY]: "Orphan" });
  const reason = `${key} was removed (deletionPolicy Orphan): recorded before it lets go`;
  return [
    ...jobs
      .filter((j) => recordsDelete(j.metadata, j.state) && j.state !== "completed")
      .map((j): Action => ({ type: "PatchJob", jobId: j.id, patch: { metadata: toMetadataItems(orphaned(j.metadata)) }, reason })),
    ...pools
      .filter((p) => recordsDelete(p.metadata, p.state))
      .map((p): Action => ({ type: "PatchPool", poolId: p.id, metadata: orphaned(p.metadata), reason })),
  ];
}

/** Owned objects still present (deleting or orphaned): a prune is finished when this is empty. */
export function remainingOwned(key: ResourceKey, pools: readonly ObservedPool[], jobs: readonly ObservedJob[]): number {
  return pools.filter((p) => isOwnedBy(p.metadata, key)).length + jobs.filter((j) => isOwnedBy(j.metadata, key)).length;
}

const FINISHED_JOB_STATES = new Set(["completed", "deleting"]);

/**
 * The resources whose live Batch jobs still run on a pool `key` owns and would delete (the
 * cluster's deletion order, docs/adr/0010, made a Batch-level rule so directory mode keeps it too).
 * A job whose own manifest is removed as well does not block: both go.
 */
export function pruneBlockers(
  key: ResourceKey,
  pools: readonly ObservedPool[],
  jobs: readonly ObservedJob[],
  stillDesired: (owner: string) => boolean,
): string[] {
  const poolIds = new Set(pools.filter((p) => isOwnedBy(p.metadata, key) && p.state !== "deleting").map((p) => p.id.toLowerCase()));
  const owners = jobs
    .filter((j) => j.poolId !== undefined && poolIds.has(j.poolId.toLowerCase()) && !FINISHED_JOB_STATES.has(j.state))
    .map((j) => j.metadata[OWNER_KEY])
    .filter((owner): owner is string => owner !== undefined && owner !== key && stillDesired(owner));
  return [...new Set(owners)].sort();
}
