import type { AccountStore } from "../store/account-store.js";
import { OrderedTable } from "../store/ordered-table.js";
import { poolStore, type NodeEntity, type PoolEntity, type PoolStore } from "../store/pool-store.js";
import { beginResize, rebootNode } from "../lifecycle/pool-allocation.js";
import { startAutoScale } from "../lifecycle/autoscale.js";
import { jobStore } from "../resources/jobs-store.js";
import { newJob } from "../resources/jobs-model.js";
import { newTask } from "../resources/tasks-validation.js";
import { countedState, type JobRecord, type JobState, type TaskRecord } from "../store/job-records.js";
import type { Body } from "../resources/jobs-validation.js";
import type { JournalOp } from "./journal.js";
import type { EntityRecord } from "./records.js";

/**
 * Rebuilds an account's pools, jobs and tasks from their records after a restart, and resumes what was
 * under way the way a rebooted service would (docs/adr/0023):
 * - nodes that were booting boot again; nodes that were leaving are gone; busy nodes come back idle;
 * - a pool that was resizing resizes towards its target again; a pool being deleted is gone;
 * - a job in a transitional state settles (disabling → disabled, enabling → active, terminating →
 *   completed; deleting → gone);
 * - tasks that were preparing or running were lost with their process: they are requeued (requeueCount
 *   + 1) and run again, as tasks on a rebooted node are.
 */

interface JobImage {
  record: EntityRecord;
  tasks: Map<string, EntityRecord>;
}

export interface AccountImage {
  pools: Map<string, EntityRecord>;
  jobs: Map<string, JobImage>;
}

/** Applies the loaded ops in order: the state each account had when its last intact record was written. */
export function buildImages(ops: readonly JournalOp[]): Map<string, AccountImage> {
  const images = new Map<string, AccountImage>();
  for (const op of ops) {
    let image = images.get(op.a);
    if (image === undefined) {
      image = { pools: new Map(), jobs: new Map() };
      images.set(op.a, image);
    }
    applyOp(image, op);
  }
  return images;
}

function applyOp(image: AccountImage, op: JournalOp): void {
  const key = op.id.toLowerCase();
  if (op.k === "pool") {
    if (op.v === undefined) image.pools.delete(key);
    else image.pools.set(key, op.v);
  } else if (op.k === "job") {
    const existing = image.jobs.get(key);
    if (op.v === undefined) image.jobs.delete(key);
    else if (existing === undefined) image.jobs.set(key, { record: op.v, tasks: new Map() });
    else existing.record = op.v;
  } else {
    const job = image.jobs.get(String(op.job ?? "").toLowerCase());
    if (job === undefined) return;
    if (op.v === undefined) job.tasks.delete(key);
    else job.tasks.set(key, op.v);
  }
}

export function restoreAccount(account: AccountStore, image: AccountImage): void {
  const pools = poolStore(account);
  for (const record of image.pools.values()) restorePool(pools, record);
  const jobs = jobStore(account);
  const admitted: TaskRecord[] = [];
  for (const { record, tasks } of image.jobs.values()) {
    const job = restoreJob(account, record);
    if (job === undefined) continue;
    jobs.jobs.insert(job);
    job.changedTasks = new Set();
    for (const taskRecord of tasks.values()) {
      const task = restoreTask(account, job, taskRecord);
      job.tasks.insert(task);
      job.counts.add(countedState(task), task.requiredSlots);
      if (task.state === "active") admitted.push(task);
    }
    jobs.scheduler.attach(job);
  }
  // After every task is back, so dependencies on tasks added later are seen as they are.
  for (const task of admitted) jobs.scheduler.admit(task);
}

function restorePool(store: PoolStore, record: EntityRecord): void {
  if (record.state === "deleting") return;
  const { nodes, ...fields } = record;
  const pool = { ...(fields as unknown as PoolEntity), nodes: new OrderedTable<NodeEntity>(), available: new Set<NodeEntity>() };
  store.pools.insert(pool);
  restoreNodes(store, pool, (nodes ?? []) as EntityRecord[]);
  if (pool.allocationState !== "steady") beginResize(store, pool);
  if (pool.enableAutoScale) startAutoScale(store, pool);
}

function restoreNodes(store: PoolStore, pool: PoolEntity, records: EntityRecord[]): void {
  const executor = store.account.executor;
  for (const record of records) {
    const node = restoreNode(record);
    if (node === undefined) continue;
    if (executor !== undefined) node.rootDir = executor.prepareNode(pool.id, node.id);
    pool.nodes.insert(node);
    if (BOOTING.has(node.state)) rebootNode(store, pool, node);
    else if (node.state === "idle" && node.schedulingState === "enabled") pool.available.add(node);
  }
}

const BOOTING = new Set<NodeEntity["state"]>(["creating", "starting", "waitingforstarttask"]);

function restoreNode(fields: EntityRecord): NodeEntity | undefined {
  const node = { ...(fields as unknown as NodeEntity), recentTasks: [], runningTasksCount: 0, runningTaskSlotsCount: 0 };
  if (node.state === "leavingpool" || node.leaveWhenIdle) return undefined;
  if (node.state === "running") node.state = "idle";
  if (Array.isArray(fields.deletedFiles)) node.deletedFiles = new Set(fields.deletedFiles as string[]);
  return node;
}

const SETTLED: Partial<Record<JobState, JobState>> = { disabling: "disabled", enabling: "active", terminating: "completed" };

function restoreJob(account: AccountStore, record: EntityRecord): JobRecord | undefined {
  if (record.state === "deleting") return undefined;
  const job = newJob(record.body as Body, metaOf(record));
  const { body: _body, ...fields } = record;
  Object.assign(job, fields);
  const settled = SETTLED[job.state];
  if (settled !== undefined) {
    const now = account.clock.now();
    job.previousState = job.state;
    job.previousStateTransitionTime = job.stateTransitionTime;
    job.state = settled;
    job.stateTransitionTime = now;
    if (settled === "completed") {
      job.endTime ??= now;
      job.terminateReason ??= "UserTerminate";
    }
  }
  return job;
}

/** Task fields restored when present (StoredTask keeps them behind accessors, so they are set one by one). */
const OPTIONAL_TASK_FIELDS = [
  "previousState",
  "previousStateTransitionTime",
  "run",
  "retryCount",
  "requeueCount",
  "lastRetryTime",
  "lastRequeueTime",
  "node",
] as const;

function restoreTask(account: AccountStore, job: JobRecord, record: EntityRecord): TaskRecord {
  const task = newTask(record.body as Body, metaOf(record), job);
  const fields = record as Partial<TaskRecord>;
  task.constraints = fields.constraints ?? {};
  task.state = fields.state ?? "active";
  task.stateTransitionTime = fields.stateTransitionTime ?? task.creationTime;
  for (const key of OPTIONAL_TASK_FIELDS) if (record[key] !== undefined) Object.assign(task, { [key]: record[key] });
  if (task.state === "preparing" || task.state === "running") requeueLostRun(task, account.clock.now());
  return task;
}

/** A run that did not survive the restart (its process, or its simulated timer): the task runs again, as after a node reboot. */
function requeueLostRun(task: TaskRecord, now: number): void {
  task.requeueCount += 1;
  task.lastRequeueTime = now;
  task.previousState = task.state;
  task.previousStateTransitionTime = task.stateTransitionTime;
  task.state = "active";
  task.stateTransitionTime = now;
  task.run = {};
}

function metaOf(record: EntityRecord): { id: string; eTag: string; lastModified: number; creationTime: number } {
  return {
    id: String(record.id),
    eTag: String(record.eTag),
    lastModified: Number(record.lastModified),
    creationTime: Number(record.creationTime),
  };
}
