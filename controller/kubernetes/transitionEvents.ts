/**
 * Events for outcomes the engine reports only in status: a job that completed, drift that was
 * corrected. Derived from the change between the previous and the new status of one resource, so
 * each transition is told once (and a repeat would only bump the aggregated count).
 */
import { Reasons } from "../core/reasons.js";
import type { ConditionRecord, ResourceStatus } from "../runtime/ports.js";

export interface StatusFacts {
  readonly jobState?: string;
  readonly driftedReason?: string;
}

export interface TransitionEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export function factsOfStatus(status: ResourceStatus): StatusFacts {
  return { jobState: status.job?.state, driftedReason: drifted(status.conditions)?.reason };
}

/** The same facts read from a stored CRD status (the object as the API server has it). */
export function factsOfCrdStatus(status: Record<string, unknown> | undefined): StatusFacts {
  const conditions = Array.isArray(status?.conditions) ? (status.conditions as ConditionRecord[]) : [];
  const state = status?.state;
  return { jobState: typeof state === "string" ? state : undefined, driftedReason: drifted(conditions)?.reason };
}

export function transitionEvents(previous: StatusFacts, next: ResourceStatus): TransitionEvent[] {
  const events: TransitionEvent[] = [];
  const job = next.job;
  if (job?.state === "completed" && previous.jobState !== "completed") {
    const { succeeded, failed } = job.taskCounts;
    events.push({
      type: failed > 0 ? "Warning" : "Normal",
      reason: Reasons.JobCompleted,
      message: `job completed: ${succeeded}/${job.totalTasks} task(s) succeeded, ${failed} failed`,
    });
  }
  const drift = drifted(next.conditions);
  if (drift?.reason === Reasons.DriftCorrected && previous.driftedReason !== Reasons.DriftCorrected) {
    events.push({ type: "Normal", reason: Reasons.DriftCorrected, message: drift.message });
  }
  return events;
}

function drifted(conditions: readonly ConditionRecord[]): ConditionRecord | undefined {
  return conditions.find((c) => c.type === "Drifted");
}
