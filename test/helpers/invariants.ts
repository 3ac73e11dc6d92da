/**
 * Invariants that must hold after any reconcile, whatever happened before (kstatus checks from
 * fluxcd/pkg conditions/check, plus Batch-side rules of this controller).
 */
import type { BatchAdapter } from "../../controller/batch/adapter.js";
import { MANAGER_KEY, OWNER_KEY } from "../../controller/core/ownership.js";
import type { DesiredSource, ResourceStatus } from "../../controller/runtime/ports.js";

/** Throws with every violated invariant listed. */
export async function checkInvariants(
  batch: BatchAdapter,
  source: DesiredSource,
  statuses: ReadonlyMap<string, ResourceStatus>,
  secretValues: readonly string[] = ["test-secret-value"],
): Promise<void> {
  const violations = [...statusViolations(statuses, secretValues), ...(await batchViolations(batch, source))];
  if (violations.length > 0) throw new Error(`invariants violated:\n- ${violations.join("\n- ")}`);
}

export function statusViolations(statuses: ReadonlyMap<string, ResourceStatus>, secretValues: readonly string[]): string[] {
  const out: string[] = [];
  for (const [key, status] of statuses) {
    const isTrue = (type: string): boolean => status.conditions.some((c) => c.type === type && c.status === "True");
    if (!status.conditions.some((c) => c.type === "Ready")) out.push(`${key}: no Ready condition`);
    if (isTrue("Reconciling") && isTrue("Stalled")) out.push(`${key}: Reconciling and Stalled both True`);
    if (isTrue("Ready") && (isTrue("Stalled") || isTrue("Reconciling"))) out.push(`${key}: Ready with Stalled or Reconciling`);
    for (const c of status.conditions) if (!/^[A-Z][A-Za-z0-9]*$/.test(c.reason)) out.push(`${key}: reason ${c.reason} is not PascalCase`);
    const text = JSON.stringify(status);
    for (const secret of secretValues) if (text.includes(secret)) out.push(`${key}: a secret value appears in status`);
  }
  return out;
}

async function batchViolations(batch: BatchAdapter, source: DesiredSource): Promise<string[]> {
  const out: string[] = [];
  const desired = new Set<string>(source.keys());
  const pools = await batch.listPools();
  const jobs = await batch.listJobs();
  const activePoolsPerOwner = new Map<string, number>();
  for (const p of pools) {
    const owner = p.metadata[OWNER_KEY];
    if (owner === undefined) continue;
    if (p.metadata[MANAGER_KEY] === undefined) out.push(`pool ${p.id}: owner without manager`);
    if (p.state !== "deleting") activePoolsPerOwner.set(owner, (activePoolsPerOwner.get(owner) ?? 0) + 1);
  }
  for (const [owner, count] of activePoolsPerOwner) {
    // A BlueGreen rollout holds at most the old and the new pool.
    if (count > 2) out.push(`${owner}: ${count} live pools`);
  }
  for (const j of jobs) {
    const owner = j.metadata[OWNER_KEY];
    if (owner === undefined || j.state === "deleting") continue;
    if (!desired.has(owner) && j.metadata[MANAGER_KEY] !== undefined && j.state === "active") {
      // Allowed only while a prune is pending; callers check after convergence.
      out.push(`job ${j.id}: owned by ${owner}, which is not desired`);
    }
    out.push(...(await duplicateTasks(batch, j.id)));
  }
  return out;
}

/** Task ids are unique per job case-insensitively; a duplicate means a task was submitted twice. */
async function duplicateTasks(batch: BatchAdapter, jobId: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for await (const page of batch.listTasks(jobId)) {
    for (const t of page) {
      const id = t.id.toLowerCase();
      if (seen.has(id)) out.push(`job ${jobId}: task ${t.id} listed twice`);
      seen.add(id);
    }
  }
  return out;
}
