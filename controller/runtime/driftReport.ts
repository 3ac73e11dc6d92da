/**
 * Drift found by a pass, reported the same way for pools and jobs: metric, event, alert and the
 * Drifted condition, each saying whether the pass corrected it (docs/ownership-and-drift.md).
 */
import { Reasons } from "../core/conditions.js";
import { describeDiff, type FieldDiff } from "../core/diff.js";
import { driftOutcome } from "../core/driftOutcome.js";
import type { DriftPolicy } from "../core/intent.js";
import type { ResourceKind } from "./ports.js";
import type { ReconcileContext } from "./reconcileContext.js";
import type { StepResult } from "./stepResult.js";

export interface DriftFound {
  readonly kind: ResourceKind;
  readonly policy: DriftPolicy;
  readonly drift: readonly FieldDiff[];
  /** The pass wrote the correction (policy Correct, writes went through). */
  readonly corrected: boolean;
}

/** Every drift found is reported (metric, event, alert), whatever the policy but Ignore. */
export function reportDrift(ctx: ReconcileContext, found: DriftFound): void {
  const { kind, policy, drift, corrected } = found;
  if (drift.length === 0 || policy === "Ignore") return;
  for (const d of drift) ctx.metrics.driftDetected(kind, d.field, corrected);
  const differences = drift.map(describeDiff);
  ctx.logger.warn({ differences, policy, corrected }, corrected ? "drift detected and corrected" : "drift detected, not corrected");
  ctx.alerts.drift({ key: ctx.key, policy, corrected, differences });
  const text = differences.join("; ");
  // The corrected event has the Drifted condition's message, so cluster mode's transition event
  // (kubernetes/transitionEvents.ts) aggregates with it instead of telling the same thing twice.
  if (corrected) ctx.events.record(ctx.key, "Normal", Reasons.DriftCorrected, `corrected: ${text}`);
  else ctx.events.record(ctx.key, "Warning", Reasons.DriftDetected, `${driftOutcome(policy, false)}: ${text}`);
}

/** The Drifted condition a pass leaves (undefined under Ignore: the condition is not set). */
export function driftCondition(found: Omit<DriftFound, "kind">): StepResult["drift"] {
  const { policy, drift, corrected } = found;
  if (policy === "Ignore") return undefined;
  if (drift.length === 0) return { drifted: false, reason: Reasons.NoDrift, message: "Batch matches the manifest" };
  const text = drift.map(describeDiff).join("; ");
  if (corrected) return { drifted: true, reason: Reasons.DriftCorrected, message: `corrected: ${text}` };
  return { drifted: true, reason: Reasons.DriftDetected, message: policy === "Alert" ? text : `${driftOutcome(policy, false)}: ${text}` };
}
