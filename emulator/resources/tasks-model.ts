import type { TimerHandle } from "../clock.js";
import { BatchError, errors } from "../http/errors.js";
import { formatTime } from "../http/wire-format.js";
import type { EntityMeta } from "../store/entity.js";
import { INFINITE_DURATION, type JobRecord } from "./jobs-model.js";
import type { CountedState } from "./tasks-counts.js";
import { checkApplicationPackageReferences } from "./application-packages.js";
import { DEFAULT_USER_IDENTITY, outputFilesCasing, withoutSecrets } from "./service-defaults.js";
import {
  optionalArray,
  optionalDurationText,
  optionalInt,
  optionalObject,
  optionalString,
  requireId,
  requireString,
  type Body,
} from "./jobs-validation.js";

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

/** Properties clients can filter tasks by. */
export const TASK_FILTER_PATHS = [
  "id",
  "displayName",
  "state",
  "previousState",
  "commandLine",
  "requiredSlots",
  "creationTime",
  "lastModified",
  "stateTransitionTime",
  "previousStateTransitionTime",
  "executionInfo/startTime",
  "executionInfo/endTime",
  "executionInfo/exitCode",
  "executionInfo/result",
  "executionInfo/retryCount",
  "executionInfo/requeueCount",
  "nodeInfo/nodeId",
  "nodeInfo/poolId",
] as const;

const MAX_INT32 = 2 ** 31 - 1;
/** Properties of a task shown as they were added. */
const FIXED_PROPERTIES = [
  "exitConditions",
  "commandLine",
  "containerSettings",
  "resourceFiles",
  "outputFiles",
  "environmentSettings",
  "affinityInfo",
] as const;
const FIXED_AFTER_CONSTRAINTS = ["userIdentity"] as const;
const FIXED_TAIL = ["multiInstanceSettings", "dependsOn", "applicationPackageReferences", "authenticationTokenSettings"] as const;

const ARRAY_PROPERTIES = ["resourceFiles", "outputFiles", "environmentSettings", "applicationPackageReferences"] as const;
const OBJECT_PROPERTIES = ["containerSettings", "exitConditions", "affinityInfo", "userIdentity", "multiInstanceSettings"] as const;

/** Validates a TaskAddParameter; throws BatchError (400) like the service. */
export function newTask(body: Body, meta: EntityMeta, job: JobRecord): TaskRecord {
  requireId(body);
  requireString(body, "commandLine");
  optionalString(body, "displayName");
  for (const name of ARRAY_PROPERTIES) optionalArray(body, name);
  for (const name of OBJECT_PROPERTIES) optionalObject(body, name);
  const dependsOn = parseDependencies(body, job);
  checkApplicationPackageReferences(body.applicationPackageReferences);
  return new StoredTask(meta, body, job, {
    constraints: parseTaskConstraints(body) ?? NO_CONSTRAINTS,
    requiredSlots: optionalInt(body, "requiredSlots", { min: 1, max: MAX_INT32 }) ?? 1,
    dependsOn,
  });
}

/** Shared by every task without constraints (never mutated: updates assign a new object). */
const NO_CONSTRAINTS: TaskConstraints = Object.freeze({});

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
  lastModified: number;
  readonly creationTime: number;
  readonly body: Body;
  readonly job: JobRecord;
  constraints: TaskConstraints;
  readonly requiredSlots: number;
  readonly dependsOn: TaskRecord["dependsOn"];
  state: TaskState = "active";
  stateTransitionTime: number;
  waitingOn = 0;
  queued = false;
  #history: TaskHistory | undefined = undefined;

  constructor(
    meta: EntityMeta,
    body: Body,
    job: JobRecord,
    fields: { constraints: TaskConstraints; requiredSlots: number; dependsOn: TaskRecord["dependsOn"] },
  ) {
    this.id = meta.id;
    this.eTag = meta.eTag;
    this.lastModified = meta.lastModified;
    this.creationTime = meta.creationTime;
    this.body = body;
    this.job = job;
    this.constraints = fields.constraints;
    this.requiredSlots = fields.requiredSlots;
    this.dependsOn = fields.dependsOn;
    this.stateTransitionTime = meta.creationTime;
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

export function parseTaskConstraints(body: Body): TaskConstraints | undefined {
  const constraints = optionalObject(body, "constraints");
  if (constraints === undefined) return undefined;
  const result: TaskConstraints = {};
  const wallClock = optionalDurationText(constraints, "maxWallClockTime");
  if (wallClock !== undefined) result.maxWallClockTime = wallClock;
  const retention = optionalDurationText(constraints, "retentionTime");
  if (retention !== undefined) result.retentionTime = retention;
  const retries = optionalInt(constraints, "maxTaskRetryCount", { min: -1, max: MAX_INT32 });
  if (retries !== undefined) result.maxTaskRetryCount = retries;
  return result;
}

function parseDependencies(body: Body, job: JobRecord): TaskRecord["dependsOn"] {
  const dependsOn = optionalObject(body, "dependsOn");
  if (dependsOn === undefined) return undefined;
  if (!job.usesTaskDependencies) {
    throw new BatchError(400, "TaskDependenciesNotSpecifiedOnJob", "The job does not use task dependencies (usesTaskDependencies is false).");
  }
  const taskIds = (optionalArray(dependsOn, "taskIds") ?? []).map((value) => {
    if (typeof value !== "string") throw errors.invalidProperty("dependsOn.taskIds", value);
    return value;
  });
  const ranges = (optionalArray(dependsOn, "taskIdRanges") ?? []).map((value): [number, number] => {
    const range = value !== null && typeof value === "object" ? (value as Body) : {};
    const start = optionalInt(range, "start", { min: 0, max: MAX_INT32 });
    const end = optionalInt(range, "end", { min: 0, max: MAX_INT32 });
    if (start === undefined || end === undefined || end < start) throw errors.invalidProperty("dependsOn.taskIdRanges", value);
    return [start, end];
  });
  return { taskIds, ranges };
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

/** The CloudTask wire form. */
export function taskToWire(task: TaskRecord, url: string, nodeUrl?: (poolId: string, nodeId: string) => string): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: task.id };
  copy(task.body, wire, ["displayName"]);
  Object.assign(wire, {
    url,
    eTag: task.eTag,
    creationTime: formatTime(task.creationTime),
    lastModified: formatTime(task.lastModified),
    state: task.state,
    stateTransitionTime: formatTime(task.stateTransitionTime),
  });
  if (task.previousState !== undefined && task.previousStateTransitionTime !== undefined) {
    wire.previousState = task.previousState;
    wire.previousStateTransitionTime = formatTime(task.previousStateTransitionTime);
  }
  copy(task.body, wire, FIXED_PROPERTIES);
  if (wire.outputFiles !== undefined) wire.outputFiles = outputFilesCasing(wire.outputFiles);
  if (wire.containerSettings !== undefined) wire.containerSettings = withoutSecrets(wire.containerSettings);
  wire.constraints = {
    maxWallClockTime: task.constraints.maxWallClockTime ?? task.job.constraints.maxWallClockTime ?? INFINITE_DURATION,
    retentionTime: task.constraints.retentionTime ?? "P7D",
    maxTaskRetryCount: maxRetries(task),
  };
  wire.requiredSlots = task.requiredSlots;
  copy(task.body, wire, FIXED_AFTER_CONSTRAINTS);
  wire.userIdentity ??= DEFAULT_USER_IDENTITY;
  wire.executionInfo = executionInfo(task);
  if (task.node !== undefined) wire.nodeInfo = nodeInfo(task, task.node, nodeUrl);
  copy(task.body, wire, FIXED_TAIL);
  return wire;
}

/** Where a task ran: its node, and its directory there (path and file API URL). */
function nodeInfo(task: TaskRecord, node: { poolId: string; nodeId: string }, nodeUrl?: (poolId: string, nodeId: string) => string): Record<string, unknown> {
  const root = taskRootDirectory(task);
  const url = nodeUrl?.(node.poolId, node.nodeId);
  return {
    affinityId: `TVM:${node.nodeId}`,
    ...(url === undefined ? {} : { nodeUrl: url }),
    poolId: node.poolId,
    nodeId: node.nodeId,
    taskRootDirectory: `/${root}`,
    ...(url === undefined ? {} : { taskRootDirectoryUrl: `${url}/files/${root}` }),
  };
}

export function executionInfo(task: TaskRecord): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  const run: TaskRun = task.run ?? {};
  setTime(info, "startTime", run.startTime);
  setTime(info, "endTime", run.endTime);
  setDefined(info, "exitCode", run.exitCode);
  setDefined(info, "containerInfo", run.containerInfo);
  setDefined(info, "failureInfo", run.failureInfo);
  info.retryCount = task.retryCount;
  setTime(info, "lastRetryTime", task.lastRetryTime);
  info.requeueCount = task.requeueCount;
  setTime(info, "lastRequeueTime", task.lastRequeueTime);
  setDefined(info, "result", run.result);
  return info;
}

function setDefined(to: Record<string, unknown>, name: string, value: unknown): void {
  if (value !== undefined) to[name] = value;
}

function setTime(to: Record<string, unknown>, name: string, ms: number | undefined): void {
  if (ms !== undefined) to[name] = formatTime(ms);
}

function copy(from: Body, to: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = from[name];
    if (value !== undefined && value !== null) to[name] = value;
  }
}

/**
 * What $filter sees of a task: the filterable properties in wire form, computed only when the filter reads
 * them, so filtering a million tasks does not build a million full wire objects.
 */
export class TaskFilterView {
  constructor(private readonly task: TaskRecord) {}
  get id(): string {
    return this.task.id;
  }
  get displayName(): unknown {
    return this.task.body.displayName;
  }
  get state(): string {
    return this.task.state;
  }
  get previousState(): string | undefined {
    return this.task.previousState;
  }
  get commandLine(): unknown {
    return this.task.body.commandLine;
  }
  get requiredSlots(): number {
    return this.task.requiredSlots;
  }
  get creationTime(): string {
    return formatTime(this.task.creationTime);
  }
  get lastModified(): string {
    return formatTime(this.task.lastModified);
  }
  get stateTransitionTime(): string {
    return formatTime(this.task.stateTransitionTime);
  }
  get previousStateTransitionTime(): string | undefined {
    const time = this.task.previousStateTransitionTime;
    return time === undefined ? undefined : formatTime(time);
  }
  get executionInfo(): Record<string, unknown> {
    return executionInfo(this.task);
  }
  get nodeInfo(): Record<string, unknown> | undefined {
    return this.task.node;
  }
}
