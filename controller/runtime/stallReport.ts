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

/**
 * Whether the last status already shows this wait (Reconciling=True, same reason and message). A wait a user
 * must end (a Secret or BatchAccount to create) gets one Warning event when it starts or changes, as a Pod's
 * missing Secret does; a wait that ends by itself (a pool still resizing) gets none.
 */
export function alreadyReportedWait(previous: ResourceStatus | undefined, reason: string, message: string): boolean {
  const reconciling = getCondition(previous?.conditions ?? [], "Reconciling");
  return reconciling?.status === "True" && reconciling.reason === reason && reconciling.message === trimMessage(message);
}
