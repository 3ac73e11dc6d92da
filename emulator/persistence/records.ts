import type { NodeEntity, PoolEntity } from "../store/pool-store.js";
import type { JobRecord, TaskRecord } from "../store/job-records.js";

/**
 * Entities as plain JSON records for the journal and the snapshot: what a client set and the service
 * reports, without runtime links (timers, queues, sets of available nodes, back references), which are
 * rebuilt on load (restore.ts).
 */
export type EntityRecord = Record<string, unknown>;

const POOL_RUNTIME = new Set(["nodes", "available", "resizeTimer", "autoScaleTimer", "deleteTimer"]);
const NODE_RUNTIME = new Set(["timer", "recentTasks", "rootDir", "deletedFiles"]);
const JOB_RUNTIME = new Set(["tasks", "counts", "ready", "running", "waiters", "transition", "changedTasks"]);

export function poolRecord(pool: PoolEntity): EntityRecord {
  const record = plain(pool, POOL_RUNTIME);
  record.nodes = [...pool.nodes.values()].map(nodeRecord);
  return record;
}

function nodeRecord(node: NodeEntity): EntityRecord {
  const record = plain(node, NODE_RUNTIME);
  if (node.deletedFiles !== undefined && node.deletedFiles.size > 0) record.deletedFiles = [...node.deletedFiles];
  return record;
}

export function jobRecord(job: JobRecord): EntityRecord {
  return plain(job, JOB_RUNTIME);
}

/** A task's stored fields (its history lives behind accessors, so they are listed, not copied by key). */
export function taskRecord(task: TaskRecord): EntityRecord {
  return dropUndefined({
    id: task.id,
    eTag: task.eTag,
    lastModified: task.lastModified,
    creationTime: task.creationTime,
    body: task.body,
    constraints: task.constraints,
    state: task.state,
    stateTransitionTime: task.stateTransitionTime,
    previousState: task.previousState,
    previousStateTransitionTime: task.previousStateTransitionTime,
    run: task.run,
    retryCount: task.retryCount,
    requeueCount: task.requeueCount,
    lastRetryTime: task.lastRetryTime,
    lastRequeueTime: task.lastRequeueTime,
    node: task.node,
  });
}

function plain(entity: object, runtime: ReadonlySet<string>): EntityRecord {
  const record: EntityRecord = {};
  for (const [key, value] of Object.entries(entity)) {
    if (!runtime.has(key) && value !== undefined && typeof value !== "function") record[key] = value;
  }
  return record;
}

function dropUndefined(record: EntityRecord): EntityRecord {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}
