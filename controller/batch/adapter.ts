/**
 * The Batch adapter contract: the only way the engine reaches Azure Batch. Implemented over
 * @azure/batch in batchAdapter.ts. Observations are the engine's own trimmed shapes; request
 * bodies are @azure/batch parameter shapes built by the pure planner. Every method retries
 * transient and throttled failures itself and throws BatchCallError (errors.ts) otherwise.
 */
import type { JsonObject } from "../core/intent.js";
import type { FailedTaskSample, ObservedJob, ObservedPool, ObservedTask, ObservedTaskCounts } from "../core/observed.js";

/**
 * A task body already written as the wire's JSON (a TaskAddParameter, content marker included), by the
 * task serialization worker (runtime/taskStream): sent as it is, never parsed or serialized again.
 */
export class SerializedTask {
  constructor(
    readonly id: string,
    readonly json: string,
  ) {}
}

/** One task of an addtaskcollection call: an @azure/batch TaskAddParameter, or one already serialized. */
export type TaskPayload = JsonObject | SerializedTask;

export interface TaskAddOutcome {
  readonly taskId: string;
  /** added: new; exists: TaskExists (the caller verifies content); failed: any other per-task error. */
  readonly outcome: "added" | "exists" | "failed";
  readonly code?: string;
  readonly message?: string;
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

export interface BatchAdapter {
  readonly accountUrl: string;
  /** Every pool, page by page with `$select` (one call per 1,000 pools). */
  listPools(options?: CallOptions): Promise<ObservedPool[]>;
  getPool(poolId: string, options?: CallOptions): Promise<ObservedPool | undefined>;
  /** Every job, page by page with `$select`. */
  listJobs(options?: CallOptions): Promise<ObservedJob[]>;
  getJob(jobId: string, options?: CallOptions): Promise<ObservedJob | undefined>;
  getTaskCounts(jobId: string, options?: CallOptions): Promise<ObservedTaskCounts>;
  /** Existing tasks of a job, one page (≤1,000) at a time, with id, state and content marker. */
  listTasks(jobId: string, options?: CallOptions): AsyncIterable<ObservedTask[]>;
  getTask(jobId: string, taskId: string, options?: CallOptions): Promise<ObservedTask | undefined>;
  /** `export`: every job with all its fields (the @azure/batch CloudJob shape), page by page. */
  listJobsInFull(options?: CallOptions): Promise<JsonObject[]>;
  /** `export`: a job's tasks with all their fields (CloudTask shape), one page at a time. */
  listTasksInFull(jobId: string, options?: CallOptions): AsyncIterable<JsonObject[]>;
  /**
   * Node counts of one pool by state, dedicated and low-priority added up (one
   * Account_ListPoolNodeCounts call filtered by pool id); undefined when Batch has none for it.
   */
  getPoolNodeCounts(poolId: string, options?: CallOptions): Promise<Record<string, number> | undefined>;
  /** Up to `max` tasks that completed with a failure (one call, `$filter=executionInfo/result eq 'failure'`). */
  listFailedTasks(jobId: string, max: number, options?: CallOptions): Promise<FailedTaskSample[]>;

  createPool(body: JsonObject, options?: CallOptions): Promise<"created" | "exists">;
  resizePool(poolId: string, body: JsonObject, options?: CallOptions): Promise<void>;
  stopResizePool(poolId: string, options?: CallOptions): Promise<void>;
  enableAutoScale(poolId: string, formula: string, evaluationInterval: string, options?: CallOptions): Promise<void>;
  disableAutoScale(poolId: string, options?: CallOptions): Promise<void>;
  /** PATCH: sets what is given, leaves the rest. */
  patchPool(poolId: string, body: JsonObject, options?: CallOptions): Promise<void>;
  /** updateproperties: replaces start task, metadata and references (used to remove a start task). */
  updatePoolProperties(poolId: string, body: JsonObject, options?: CallOptions): Promise<void>;
  /** Resolves "gone" when the pool was already absent. */
  deletePool(poolId: string, options?: CallOptions): Promise<"deleted" | "gone">;

  createJob(body: JsonObject, options?: CallOptions): Promise<"created" | "exists">;
  patchJob(jobId: string, body: JsonObject, options?: CallOptions): Promise<void>;
  disableJob(jobId: string, disableTasks: "requeue" | "wait", options?: CallOptions): Promise<void>;
  enableJob(jobId: string, options?: CallOptions): Promise<void>;
  deleteJob(jobId: string, options?: CallOptions): Promise<"deleted" | "gone">;
  /** One addtaskcollection call (≤100 tasks), retried as a whole; results per task. */
  addTasks(jobId: string, tasks: readonly TaskPayload[], options?: CallOptions): Promise<TaskAddOutcome[]>;
  deleteTask(jobId: string, taskId: string, options?: CallOptions): Promise<void>;
}
