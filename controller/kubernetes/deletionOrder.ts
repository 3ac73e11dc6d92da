/**
 * Deletion order between pools and jobs (docs/adr/0010): a BatchPool whose deletion was requested
 * while BatchJobs in its namespace still reference it through poolRef stays in place until those
 * jobs are gone, so their tasks are not cut off mid-run. Pure: how that shows in conditions.
 */
import type { ResourceStatus } from "../runtime/ports.js";
import { setCondition } from "../core/conditions.js";
import { Reasons } from "../core/reasons.js";

export const DELETION_BLOCKED_REASON = Reasons.DeletionBlocked;

export function deletionBlockedMessage(blockingJobs: readonly string[]): string {
  return `deletion waits until BatchJob ${blockingJobs.join(", ")} no longer use${blockingJobs.length === 1 ? "s" : ""} this pool`;
}

/** Ready=False and Reconciling=True with reason DeletionBlocked, so kstatus readers see the wait. */
export function deletionBlockedStatus(
  status: ResourceStatus,
  blockingJobs: readonly string[],
  generation: number,
  nowIso: string,
): ResourceStatus {
  const input = { status: "True" as const, reason: DELETION_BLOCKED_REASON, message: deletionBlockedMessage(blockingJobs) };
  let conditions = setCondition(status.conditions, { ...input, type: "Reconciling" }, generation, nowIso);
  conditions = setCondition(conditions, { ...input, type: "Ready", status: "False" }, generation, nowIso);
  return { ...status, conditions };
}

/** Condition reasons that mean "the deletion is progressing normally". */
const DELETION_IN_PROGRESS = new Set(["Deleting", DELETION_BLOCKED_REASON, "Progressing", "Succeeded"]);

/**
 * For an object being deleted: the message of a failure that keeps its cleanup from finishing
 * (Ready=False for another reason than normal progress), or undefined. It becomes a Warning event,
 * so a stuck deletion shows in `kubectl describe` and `kubectl get events`, not only in conditions.
 */
export function stuckDeletionMessage(status: ResourceStatus): string | undefined {
  const ready = status.conditions.find((c) => c.type === "Ready");
  if (ready === undefined || ready.status !== "False" || DELETION_IN_PROGRESS.has(ready.reason)) {
    return undefined;
  }
  return `deletion cannot finish yet: ${ready.reason}: ${ready.message}`;
}
