/**
 * The saved plan of `plan --out FILE`, applied by `apply FILE` only if nothing it was computed from
 * moved: the manifests (a hash per resource) and every pool and job observed in Batch (a hash per
 * object and per top-level field, so a refusal can name what changed). Only hashes of the live
 * objects are stored: a start task's environment may carry resolved secret values, which must not
 * reach a file.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import type { ObservedSet, ResourcePlan } from "../core/planAll.js";
import type { DesiredDirectory } from "./planning.js";
import { canonicalJson } from "../manifests/index.js";

export const PLAN_FILE_FORMAT = "batch-gitops-plan/v1";

interface ObjectFingerprint {
  readonly hash: string;
  /** Per top-level field (state, allocationState, targetDedicatedNodes, metadata...). */
  readonly fields: Record<string, string>;
}

export interface PlanFile {
  readonly format: typeof PLAN_FILE_FORMAT;
  readonly createdAt: string;
  readonly dir: string;
  readonly accountUrl: string;
  readonly managerId: string;
  /** Resource key → hash of its intent (what the manifests ask for). */
  readonly manifests: Record<string, string>;
  /** `pool/<id>` or `job/<id>` → fingerprint of the live object. */
  readonly observed: Record<string, ObjectFingerprint>;
  readonly plans: readonly ResourcePlan[];
}

function sha256(value: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(value ?? null))
    .digest("hex");
}

function fingerprint(object: object): ObjectFingerprint {
  return { hash: sha256(object), fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, sha256(v)])) };
}

export function manifestHashes(desired: DesiredDirectory): Record<string, string> {
  const entries = [...desired.pools, ...desired.jobs].map((intent) => [intent.key, sha256(intent)] as const);
  return Object.fromEntries(entries);
}

/**
 * Fields Batch moves by itself while nobody acts: nodes booting or preempted, a resize or autoscale run, tasks
 * finishing. A plan reviewed in a pull request must stay applicable while a pool boots; what a person or
 * another client changes (targets, metadata, start task, priority, a deletion) still refuses it.
 */
const MOVED_BY_BATCH = {
  pool: new Set(["currentDedicatedNodes", "currentLowPriorityNodes", "allocationState"]),
  job: new Set(["state", "terminateReason", "taskCounts"]),
};

function without(object: object, fields: ReadonlySet<string>): object {
  return Object.fromEntries(Object.entries(object).filter(([k]) => !fields.has(k)));
}

export function observedFingerprints(observed: ObservedSet): Record<string, ObjectFingerprint> {
  return Object.fromEntries([
    ...observed.pools.map((p) => [`pool/${p.id.toLowerCase()}`, fingerprint(without(p, MOVED_BY_BATCH.pool))] as const),
    ...observed.jobs.map((j) => [`job/${j.id.toLowerCase()}`, fingerprint(without(j, MOVED_BY_BATCH.job))] as const),
  ]);
}

/** What differs between two hash maps, as sentences ("BatchPool/default/a: changed"). */
export function movedManifests(saved: Record<string, string>, now: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  return keys.flatMap((key) => {
    if (saved[key] === undefined) return [`${key}: added to the manifests`];
    if (now[key] === undefined) return [`${key}: removed from the manifests`];
    return saved[key] === now[key] ? [] : [`${key}: manifest changed`];
  });
}

export function movedInBatch(saved: Record<string, ObjectFingerprint>, now: Record<string, ObjectFingerprint>): string[] {
  const ids = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  return ids.flatMap((id) => {
    const before = saved[id];
    const after = now[id];
    if (before === undefined) return [`${id}: appeared in Batch`];
    if (after === undefined) return [`${id}: gone from Batch`];
    if (before.hash === after.hash) return [];
    const fields = [...new Set([...Object.keys(before.fields), ...Object.keys(after.fields)])]
      .filter((f) => before.fields[f] !== after.fields[f])
      .sort();
    return [`${id}: changed (${fields.join(", ")})`];
  });
}

export async function writePlanFile(path: string, plan: PlanFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
}

export class PlanFileError extends Error {
  override readonly name = "PlanFileError";
}

export async function readPlanFile(path: string): Promise<PlanFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error: unknown) {
    throw new PlanFileError(`${path}: not a plan file (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { format?: unknown }).format !== PLAN_FILE_FORMAT) {
    throw new PlanFileError(`${path}: not a ${PLAN_FILE_FORMAT} file; write one with \`batch-gitops plan <dir> --out ${path}\``);
  }
  return parsed as PlanFile;
}
