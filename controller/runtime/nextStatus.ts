/** The status one pass leaves behind, derived from the previous one and the pass's result. Pure. */
import { summarize } from "../core/conditions.js";
import type { DesiredResource, ResourceStatus } from "./ports.js";
import type { StepResult } from "./stepResult.js";

export function nextStatus(
  previous: ResourceStatus | undefined,
  desired: DesiredResource | undefined,
  result: StepResult,
  nowIso: string,
): ResourceStatus {
  const generation = desired?.generation ?? previous?.observedGeneration ?? 0;
  // observedGeneration moves when the pass acted on this generation (ready, progressing, stalled),
  // not on a retryable failure: a failed pass has not yet seen its generation through.
  const concluded = result.summary.kind !== "failed";
  return {
    observedGeneration: concluded ? generation : previous?.observedGeneration,
    conditions: summarize(previous?.conditions ?? [], result.summary, result.drift, { generation, nowIso }),
    lastSyncTime: nowIso,
    // A failed pass observed nothing new: keep the last known live figures.
    batchIds: result.batchIds ?? previous?.batchIds,
    pool: result.pool ?? previous?.pool,
    job: result.job ?? previous?.job,
    appliedRevision: concluded ? desired?.source.revision : previous?.appliedRevision,
  };
}
