/**
 * A stall is reported (event, alert, warning log) when it starts or changes, not at every resync
 * that finds it again: a resource left to another manager, or an invalid manifest, must not fill
 * the event stream with one identical warning per resync.
 */
import { getCondition, trimMessage } from "../core/conditions.js";
import type { ResourceStatus } from "./ports.js";

/** Whether the last status already shows this stall (same reason and message). */
export function alreadyReportedStall(previous: ResourceStatus | undefined, reason: string, message: string): boolean {
  const stalled = getCondition(previous?.conditions ?? [], "Stalled");
  return stalled?.status === "True" && stalled.reason === reason && stalled.message === trimMessage(message);
}
