/**
 * Jobs and their tasks as the emulator stores them (one file: a task points to its job and a job holds
 * its tasks): the records, a task's fixed shape (small at a million tasks), and the state changes every
 * layer applies. Validation of add requests is in resources/jobs-model.ts and
 * resources/tasks-validation.ts, the wire forms in resources/jobs-model.ts and resources/tasks-wire.ts.
 */
import type { TimerHandle } from "../clock.js";
import type { Body, EntityMeta } from "./entity.js";
import type { OrderedTable } from "./ordered-table.js";
import type { CountedState, TaskCounter } from "./task-counts.js";
import type { TaskQueue } from "./task-queue.js";

export type JobState = "active" | "disabling" | "disabled" | "enabling" | "terminating" | "completed" | "deleting";
export type OnAllTasksComplete = "noaction" | "terminatejob";
export type OnTaskFailure = "noaction" | "performexitoptionsjobaction";

export interface JobConstraints {
  maxWallClockTime?: string;
  maxTaskRetryCount?: number;
}

/** The updatable settings of a job (Job_Patch / Job_Update change exactly these). */
export interface JobSettings {
  priority: number;
  maxParallelTasks: number;
  allowTaskPreemption: boolean;
  constraints: JobConstraints;
  poolInfo: Body;
  metadata: Array<{ name: string; value: string }>;
  onAllTasksComplete: OnAllTasksComplete;
}

/** A job preparation or release task's run on one node (lifecycle/job-prep-release.ts). */
export interface NodeTaskRun {
  state: "running" | "completed";
  startTime: number;
  endTime?: number;
  exitCode?: number;
  result?: "success" | "failure";
  failureInfo?: { category: "usererror" | "servererror"; code: string; message: string };
  retryCount: number;
}

/** What the job's preparation and release tasks did on one node (Job_ListPreparationAndReleaseTaskStatus). */
export interface NodeJobTasks {
  poolId: string;
  nodeId: string;
  preparation?: NodeTaskRun;
  release?: NodeTaskRun;
}

export interface JobRecord extends EntityMeta, JobSettings {
  /** The add request as sent: fixed properties (displayName, jobManagerTask, …) are shown from it. */
  readonly body: Body;
  readonly usesTaskDependencies: boolean;
  readonly onTaskFailure: OnTaskFailure;
  state: JobState;
  stateTransitionTime: number;
  previousState?: JobState;
  previousStateTransitionTime?: number;
  endTime?: number;
  terminateReason?: string;
  readonly tasks: OrderedTable<TaskRecord>;
  readonly counts: TaskCounter;
  /** Active tasks with no unmet dependency, waiting for a node. */
  readonly ready: TaskQueue<TaskRecord>;
  /** Tasks currently preparing or running (maxParallelTasks, terminate and disable act on these). */
  readonly running: Set<TaskRecord>;
  /** Dependent tasks waiting on a task id (lowercased), which may not have been added yet. */
  readonly waiters: Map<string, TaskRecord[]>;
  /** The pending timer of a transitional state (disabling, enabling, terminating, deleting). */
  transition?: TimerHandle;
  /** Job preparation/release runs by node id (kept with the job, so `--location` keeps them too). */
  nodeTasks?: Record<string, NodeJobTasks>;
  /** With `--location`: tasks changed since the last journal flush (emulator/persistence); absent otherwise. */
  changedTasks?: Set<TaskRecord>;
}

export const JOB_STATES: readonly JobState[] = ["active", "disabling", "disabled", "enabling", "terminating", "completed", "deleting"];

export function jobPoolId(job: JobRecord): string | undefined {
  const poolId = job.poolInfo.poolId;
  return typeof poolId === "string" ? poolId : undefined;
}

export type TaskState = "active" | "preparing" | "running" | "completed";

export interface TaskConstraints {
  maxWallClockTime?: string;
  retentionTime?: string;
  maxTaskRetryCount?: number;
}

export interface FailureInfo {
  category: "usererror" | "servererror";
  code: string;
  message: string;
}

/** What happened when the task last ran (the executionInfo beyond the retry/requeue counters). */
export interface TaskRun {
  startTime?: number;
  endTime?: number;
  exitCode?: number;
  result?: "success" | "failure";
  failureInfo?: FailureInfo;
  /** Local mode: a container task that ran on the host says so here. */
  containerInfo?: { state: string; error?: string };
}

export interface TaskRecord extends EntityMeta {
  /** The add request as sent; properties that cannot change are shown from it. */
  readonly body: Body;
  readonly job: JobRecord;
  constraints: TaskConstraints;
  readonly requiredSlots: number;
  readonly dependsOn?: { taskIds: string[]; ranges: Array<[number, number]> };
  state: TaskState;
  stateTransitionTime: number;
  previousState?: TaskState;
  previousStateTransitionTime?: number;
  run?: TaskRun;
  retryCount: number;
  requeueCount: number;
  lastRetryTime?: number;
  lastRequeueTime?: number;
  /** Where it runs (or last ran). */
  node?: { poolId: string; nodeId: string };
  /** Dependencies not yet satisfied; the task is schedulable only at 0. */
  waitingOn: number;
  /** In its job's ready queue (cleared lazily when the queue pops it). */
  queued: boolean;
  /** The pending lifecycle timer (preparing → running → completed). */
  timer?: TimerHandle;
}

/** The fields an add request fixes, parsed by resources/tasks-validation.ts. */
export interface TaskFields {
  constraints: TaskConstraints;
  requiredSlots: number;
  dependsOn: TaskRecord["dependsOn"];
}

/** A new task in state `active`. */
export function createTaskRecord(meta: EntityMeta, body: Body, job: JobRecord, fields: TaskFields): TaskRecord {
  return new StoredTask(meta, body, job, fields);
}

/**
 * What a task accumulates once it leaves `active` for the first time (runs, retries, requeues). Kept apart
 * so a task that never ran, the bulk of a million-task backlog, carries one empty slot instead of nine.
 */
class TaskHistory {
  previousState: TaskState | undefined = undefined;
  previousStateTransitionTime: number | undefined = undefined;
  run: TaskRun | undefined = undefined;
  retryCount = 0;
  requeueCount = 0;
  lastRetryTime: number | undefined = undefined;
  lastRequeueTime: number | undefined = undefined;
  node: { poolId: string; nodeId: string } | undefined = undefined;
  timer: TimerHandle | undefined = undefined;
}

/**
 * A class rather than object literals so every task has one fixed shape with in-object fields: at a
 * million tasks the per-task size is what the emulator's memory is made of. The fields of TaskHistory
 * read as their defaults until one is first written.
 */
class StoredTask implements TaskRecord {
  readonly id: string;
  eTag: string;
  /**
   * The task's times as offsets from its job's creation: small integers, which V8 keeps in the object itself,
   * where an epoch-ms number (beyond 2^30) would take a heap box of its own per field, three more objects per
   * task for the garbage collector to copy. The round trip is exact for whole milliseconds (and, by Sterbenz's
   * lemma, for any two times within a factor of two of each other).
   */
  #created: number;
  #modified: number;
  #transition: number;
  readonly body: Body;
  readonly job: JobRecord;
  constraints: TaskConstraints;
  readonly requiredSlots: number;
  readonly dependsOn: TaskRecord["dependsOn"];
  state: TaskState = "active";
  waitingOn = 0;
  queued = false;
  #history: TaskHistory | undefined = undefined;

  constructor(meta: EntityMeta, body: Body, job: JobRecord, fields: TaskFields) {
    this.id = meta.id;
    this.eTag = meta.eTag;
    this.#created = meta.creationTime - job.creationTime;
    this.#modified = meta.lastModified - job.creationTime;
    this.#transition = this.#created;
    this.body = body;
    this.job = job;
    this.constraints = fields.constraints;
    this.requiredSlots = fields.requiredSlots;
    this.dependsOn = fields.dependsOn;
  }

  get creationTime(): number {
    return this.job.creationTime + this.#created;
  }
  get lastModified(): number {
    return this.job.creationTime + this.#modified;
  }
  set lastModified(value: number) {
    this.#modified = value - this.job.creationTime;
  }
  get stateTransitionTime(): number {
    return this.job.creationTime + this.#transition;
  }
  set stateTransitionTime(value: number) {
    this.#transition = value - this.job.creationTime;
  }

  get #written(): TaskHistory {
    this.#history ??= new TaskHistory();
    return this.#history;
  }

  get previousState(): TaskState | undefined {
    return this.#history?.previousState;
  }
  set previousState(value: TaskState | undefined) {
    this.#written.previousState = value;
  }
  get previousStateTransitionTime(): number | undefined {
    return this.#history?.previousStateTransitionTime;
  }
  set previousStateTransitionTime(value: number | undefined) {
    this.#written.previousStateTransitionTime = value;
  }
  get run(): TaskRun | undefined {
    return this.#history?.run;
  }
  set run(value: TaskRun | undefined) {
    this.#written.run = value;
  }
  get retryCount(): number {
    return this.#history?.retryCount ?? 0;
  }
  set retryCount(value: number) {
    this.#written.retryCount = value;
  }
  get requeueCount(): number {
    return this.#history?.requeueCount ?? 0;
  }
  set requeueCount(value: number) {
    this.#written.requeueCount = value;
  }
  get lastRetryTime(): number | undefined {
    return this.#history?.lastRetryTime;
  }
  set lastRetryTime(value: number | undefined) {
    this.#written.lastRetryTime = value;
  }
  get lastRequeueTime(): number | undefined {
    return this.#history?.lastRequeueTime;
  }
  set lastRequeueTime(value: number | undefined) {
    this.#written.lastRequeueTime = value;
  }
  get node(): { poolId: string; nodeId: string } | undefined {
    return this.#history?.node;
  }
  set node(value: { poolId: string; nodeId: string } | undefined) {
    this.#written.node = value;
  }
  get timer(): TimerHandle | undefined {
    return this.#history?.timer;
  }
  set timer(value: TimerHandle | undefined) {
    this.#written.timer = value;
  }
}

/** Which taskcounts bucket a task is in. */
export function countedState(task: TaskRecord): CountedState {
  if (task.state === "active") return "active";
  if (task.state === "completed") return task.run?.result === "success" ? "succeeded" : "failed";
  return "running";
}

/** Moves a task to `state`, keeping its job's counts and the previous-state fields right. */
export function setTaskState(task: TaskRecord, state: TaskState, nowMs: number, run?: TaskRun): void {
  markTaskChanged(task);
  const before = countedState(task);
  if (task.state !== state) {
    task.previousState = task.state;
    task.previousStateTransitionTime = task.stateTransitionTime;
    task.state = state;
    task.stateTransitionTime = nowMs;
  }
  if (run !== undefined) task.run = run;
  task.job.counts.move(before, countedState(task), task.requiredSlots);
}

/** With `--location`: notes that a task changed, so the next journal flush writes it (emulator/persistence). */
export function markTaskChanged(task: TaskRecord): void {
  task.job.changedTasks?.add(task);
}

/** The effective retry limit: the task's own, else the job's, else 0. -1 means unlimited. */
export function maxRetries(task: TaskRecord): number {
  return task.constraints.maxTaskRetryCount ?? task.job.constraints.maxTaskRetryCount ?? 0;
}

/** A task's directory under the node root, as in file paths: workitems/{job}/job-1/{task}. */
export function taskRootDirectory(task: TaskRecord): string {
  return `workitems/${task.job.id}/job-1/${task.id}`;
}
