/** The words every drift report (event, alert, condition, log) uses to say what became of it. Pure. */
export type ReportedDriftPolicy = "Correct" | "Alert";

export function driftOutcome(policy: ReportedDriftPolicy, corrected: boolean): string {
  if (corrected) return "corrected (driftPolicy Correct)";
  return policy === "Alert" ? "not corrected (driftPolicy Alert)" : "not corrected yet (driftPolicy Correct; retried at the next pass)";
}
