/** What every reconcile step receives: ports, the shared observation and the freshness rule. */
import type { Logger } from "pino";
import type { BatchAdapter } from "../batch/adapter.js";
import type { Alerts, ControllerMetrics, DesiredSource, EventRecorder, ResourceKey, SecretResolver } from "./ports.js";
import type { ObservationCache } from "./observationCache.js";
import type { StepResult } from "./stepResult.js";

export interface ReconcileContext {
  readonly key: ResourceKey;
  readonly namespace: string;
  readonly batch: BatchAdapter;
  readonly cache: ObservationCache;
  readonly source: DesiredSource;
  readonly secrets: SecretResolver;
  readonly events: EventRecorder;
  readonly metrics: ControllerMetrics;
  readonly alerts: Alerts;
  readonly managerId: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Time of this key's last Batch write: observations must be taken after it. */
  readonly lastWriteAt: number;
  /** Records a Batch write for this key. */
  markWrite(): void;
  readonly now: () => number;
  readonly taskSubmissionConcurrency: number;
  /** Jobs with at least this many tasks have them serialized by a worker thread (taskStream/). */
  readonly taskWorkerMinTasks: number;
  /** Delay before the first task-count read of a job this process has not counted yet. */
  readonly taskCountsFirstReadDelayMs: number;
  /**
   * Publishes an interim status during a long step (a large task submission); throttled per key
   * and never blocking the step. The pass's own result still closes it.
   */
  reportProgress(result: StepResult): void;
}
