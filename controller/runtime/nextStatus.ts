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
  const progress = progressOf(previous, desired, result, generation);
  return {
    observedGeneration: progress.observedGeneration,
    conditions: summarize(previous?.conditions ?? [], result.summary, result.drift, { generation, nowIso }),
    lastSyncTime: nowIso,
    ...liveFigures(previous, result),
    appliedRevision: progress.appliedRevision,
  };
}

/**
 * observedGeneration (and the applied revision) move when the pass acted on this generation (ready, progressing,
 * stalled), not on a retryable failure: a failed pass has not yet seen its generation through.
 */
function progressOf(
  previous: ResourceStatus | undefined,
  desired: DesiredResource | undefined,
  result: StepResult,
  generation: number,
): Pick<ResourceStatus, "observedGeneration" | "appliedRevision"> {
  const concluded = result.summary.kind !== "failed";
  return concluded
    ? { observedGeneration: generation, appliedRevision: desired?.source.revision }
    : { observedGeneration: previous?.observedGeneration, appliedRevision: previous?.appliedRevision };
}

/** A failed pass observed nothing new: keep the last known live figures. */
function liveFigures(previous: ResourceStatus | undefined, result: StepResult): Pick<ResourceStatus, "batchIds" | "pool" | "job"> {
  return {
    batchIds: result.batchIds ?? previous?.batchIds,
    pool: result.pool ?? previous?.pool,
    job: result.job ?? previous?.job,
  };
}
