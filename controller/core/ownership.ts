/**
 * Ownership metadata written on every Batch pool and job the controller creates. The controller
 * only modifies or deletes what carries its owner key (or what a manifest explicitly adopts).
 */
import type { FieldDiff } from "./diff.js";
import type { ResourceKey } from "./resourceKey.js";

export const OWNER_KEY = "batch-gitops/owner";
export const SPEC_HASH_KEY = "batch-gitops/spec-hash";
export const MANAGER_KEY = "batch-gitops/manager";
/** Hash of the mutable part last applied: tells a manifest change apart from out-of-band drift. */
export const APPLIED_HASH_KEY = "batch-gitops/applied-hash";
/** Recorded so a prune after the manifest is gone still knows whether deletion was allowed. */
export const DELETION_POLICY_KEY = "batch-gitops/deletion-policy";
/** On jobs: hash of the whole task set once every task was submitted (skips task listing at resync). */
export const TASKS_SUBMITTED_KEY = "batch-gitops/tasks-submitted";

export type Metadata = Readonly<Record<string, string>>;

export const OWNERSHIP_KEYS: readonly string[] = [
  OWNER_KEY,
  SPEC_HASH_KEY,
  MANAGER_KEY,
  APPLIED_HASH_KEY,
  DELETION_POLICY_KEY,
  TASKS_SUBMITTED_KEY,
];

export function isOwnedBy(metadata: Metadata, key: ResourceKey): boolean {
  return metadata[OWNER_KEY] === key;
}

export function ownerOf(metadata: Metadata): string | undefined {
  return metadata[OWNER_KEY];
}

export function managerOf(metadata: Metadata): string | undefined {
  return metadata[MANAGER_KEY];
}

/**
 * Another controller (`--manager-id`) stamped this object: we neither change nor delete it unless
 * the manifest hands it over explicitly (`spec.adopt.fromManager` naming that manager). An object
 * without a manager entry (written before manager ids, or adopted from outside) is not claimed.
 */
export function isManagedByAnother(metadata: Metadata, managerId: string, adoptFromManager?: string): boolean {
  const manager = metadata[MANAGER_KEY];
  return manager !== undefined && manager !== managerId && manager !== adoptFromManager;
}

/** Carries no batch-gitops metadata at all: created by another client, not by a controller. */
export function isForeign(metadata: Metadata): boolean {
  return metadata[OWNER_KEY] === undefined && metadata[MANAGER_KEY] === undefined;
}

/** User metadata without our bookkeeping entries. */
export function userMetadata(metadata: Metadata): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => !OWNERSHIP_KEYS.includes(k)));
}

export interface OwnershipFields {
  readonly owner: ResourceKey;
  readonly specHash: string;
  readonly managerId: string;
  readonly appliedHash: string;
  readonly deletionPolicy: "Delete" | "Orphan";
}

/** The full metadata to write: user entries plus ownership. Batch replaces metadata wholesale on patch. */
export function withOwnership(user: Metadata, fields: OwnershipFields, extra: Metadata = {}): Record<string, string> {
  return {
    ...user,
    [OWNER_KEY]: fields.owner,
    [SPEC_HASH_KEY]: fields.specHash,
    [MANAGER_KEY]: fields.managerId,
    [APPLIED_HASH_KEY]: fields.appliedHash,
    [DELETION_POLICY_KEY]: fields.deletionPolicy,
    ...extra,
  };
}

/**
 * The policy a removed manifest is pruned by is the one recorded in Batch: a change of it must be written
 * (with the metadata) before the manifest goes, or Orphan would still delete. Only an object that records one (pool or job).
 */
export function deletionPolicyDiff(desired: string, metadata: Readonly<Record<string, string>>): FieldDiff[] {
  const recorded = metadata[DELETION_POLICY_KEY];
  return recorded === undefined || recorded === desired ? [] : [{ field: "deletionPolicy", desired, live: recorded }];
}
