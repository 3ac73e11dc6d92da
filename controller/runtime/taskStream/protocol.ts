/** Messages between the engine and the task serialization worker (worker.ts). Plain data only. */
import type { JsonObject, TaskRecipe } from "../../core/intent.js";
import type { MapperLike } from "../../batch/wireJson.js";

export interface WorkerStart {
  readonly recipe: TaskRecipe;
  /** TaskAddParameter's mappers as plain data (batch/mapperJson.ts taskMapperTable). */
  readonly models: Readonly<Record<string, MapperLike>>;
  /** Tasks per message. */
  readonly batchSize: number;
}

/** Worker → engine, once its modules are loaded: it waits for a Resume. */
export interface WorkerReady {
  readonly ready: true;
}

/**
 * Engine → worker. The first one says where to start (the tasks the engine built itself while the worker
 * loaded); each grants `credit` more batches.
 */
export interface Resume {
  readonly from?: number;
  readonly credit: number;
}

/** Worker → engine: the next tasks in declared order, in parallel arrays (cheaper to post than objects). */
export interface TaskBatchMessage {
  readonly ids: string[];
  readonly hashes: string[];
  /** The task's wire JSON, or "" when it holds a secret reference: then its body is in `bodies`. */
  readonly json: string[];
  /** Bodies by index in this batch, for tasks that need their secret references resolved before sending. */
  readonly bodies: Record<number, JsonObject>;
  /** No tasks follow. */
  readonly done: boolean;
}

export interface WorkerFailure {
  readonly error: string;
}

export type WorkerMessage = WorkerReady | TaskBatchMessage | WorkerFailure;
