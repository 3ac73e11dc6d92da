/** What one reconcile pass of a resource concluded, before it is written as status. */
import type { DriftSummary, Summary } from "../core/conditions.js";
import type { JobLiveStatus, PoolLiveStatus } from "./ports.js";

export interface StepResult {
  readonly summary: Summary;
  readonly drift?: DriftSummary;
  readonly pool?: PoolLiveStatus;
  readonly job?: JobLiveStatus;
  readonly batchIds?: string[];
  /**
   * Look again after this long (polling Batch progress); absent = wait for a change or resync. A stalled
   * result sets it only to watch for what Batch itself is about to do (a job it ends): it still waits for
   * a user, and nothing is retried.
   */
  readonly pollAfterMs?: number;
  /** The resource is gone and cleaned up: its status can be forgotten. */
  readonly removed?: boolean;
}
