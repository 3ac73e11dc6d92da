/** Checks Job_Add, Job_Update and Job_Patch bodies as the service does, and the CloudJob wire form. */
import { checkDisplayName, checkPoolInformation, checkTaskLike } from "./prose-rules.js";
import type { EntityMeta } from "../store/entity.js";
import { OrderedTable } from "../store/ordered-table.js";
import { errors } from "../http/errors.js";
import { formatTime } from "../http/wire-format.js";
import { jobPoolId, type JobConstraints, type JobRecord, type JobSettings, type TaskRecord } from "../store/job-records.js";
import { jobManagerDefaults, jobPreparationDefaults, jobReleaseDefaults, withoutSecrets } from "./service-defaults.js";
import { checkApplicationPackageReferences } from "./application-packages.js";
import { TaskCounter } from "../store/task-counts.js";
import { TaskQueue } from "../store/task-queue.js";
import {
  optionalArray,
  optionalBoolean,
  optionalDurationText,
  optionalEnum,
  optionalInt,
  optionalMetadata,
  optionalObject,
  optionalString,
  requireId,
  requireString,
  INFINITE_DURATION,
  type Body,
} from "./jobs-validation.js";

/** Properties clients can filter jobs by. */
export const JOB_FILTER_PATHS = [
  "id",
  "displayName",
  "state",
  "priority",
  "creationTime",
  "lastModified",
  "stateTransitionTime",
  "previousState",
  "previousStateTransitionTime",
  "onAllTasksComplete",
  "onTaskFailure",
  "usesTaskDependencies",
  "poolInfo/poolId",
  "executionInfo/startTime",
  "executionInfo/endTime",
  "executionInfo/poolId",
  "executionInfo/terminateReason",
] as const;

const MAX_INT32 = 2 ** 31 - 1;

/** Validates a Job_Add body and builds the record (state active). */
export function newJob(body: Body, meta: EntityMeta): JobRecord {
  const id = requireId(body);
  optionalString(body, "displayName");
  checkDisplayName(body);
  for (const name of ["jobManagerTask", "jobPreparationTask", "jobReleaseTask", "networkConfiguration"]) optionalObject(body, name);
  for (const name of ["jobManagerTask", "jobPreparationTask", "jobReleaseTask"]) checkTaskLike(body[name], name);
  const manager = optionalObject(body, "jobManagerTask");
  if (manager !== undefined) {
    requireId(manager);
    requireString(manager, "commandLine");
    checkApplicationPackageReferences(manager.applicationPackageReferences);
  }
  optionalArray(body, "commonEnvironmentSettings");
  const settings = parseSettings(body, "add");
  return {
    ...meta,
    id,
    body,
    ...settings,
    usesTaskDependencies: optionalBoolean(body, "usesTaskDependencies") ?? false,
    onTaskFailure: optionalEnum(body, "onTaskFailure", ["noaction", "performexitoptionsjobaction"] as const) ?? "noaction",
    state: "active",
    stateTransitionTime: meta.creationTime,
    tasks: new OrderedTable<TaskRecord>(),
    counts: new TaskCounter(),
    ready: new TaskQueue<TaskRecord>(),
    running: new Set(),
    waiters: new Map(),
  };
}

/**
 * Parses the updatable settings. "add" and "update" (PUT) fill defaults for absent properties, as the
 * service resets them; "patch" returns only what the body carries.
 */
export function parseSettings(body: Body, mode: "add" | "update"): JobSettings;
export function parseSettings(body: Body, mode: "patch"): Partial<JobSettings>;
export function parseSettings(body: Body, mode: "add" | "update" | "patch"): Partial<JobSettings> {
  const priority = optionalInt(body, "priority", { min: -1000, max: 1000 });
  const maxParallelTasks = optionalInt(body, "maxParallelTasks", { min: -1, max: MAX_INT32 });
  if (maxParallelTasks === 0) throw errors.invalidProperty("maxParallelTasks", 0, "must be -1 or greater than 0");
  // A patch keeps what it does not carry; add and update reset it to the service's default.
  const withDefault = <T>(value: T | undefined, fallback: T): T | undefined => (value !== undefined || mode === "patch" ? value : fallback);
  const parsed: Partial<JobSettings> = {
    priority: withDefault(priority, 0),
    maxParallelTasks: withDefault(maxParallelTasks, -1),
    allowTaskPreemption: withDefault(optionalBoolean(body, "allowTaskPreemption"), false),
    constraints: withDefault(parseJobConstraints(body), {}),
    poolInfo: parsePoolInfo(body, mode !== "patch"),
    metadata: withDefault(optionalMetadata(body), []),
    onAllTasksComplete: withDefault(optionalEnum(body, "onAllTasksComplete", ["noaction", "terminatejob"] as const), "noaction"),
  };
  for (const name of Object.keys(parsed) as (keyof JobSettings)[]) if (parsed[name] === undefined) delete parsed[name];
  return parsed;
}

function parseJobConstraints(body: Body): JobConstraints | undefined {
  const constraints = optionalObject(body, "constraints");
  if (constraints === undefined) return undefined;
  const result: JobConstraints = {};
  const wallClock = optionalDurationText(constraints, "maxWallClockTime");
  if (wallClock !== undefined) result.maxWallClockTime = wallClock;
  const retries = optionalInt(constraints, "maxTaskRetryCount", { min: -1, max: MAX_INT32 });
  if (retries !== undefined) result.maxTaskRetryCount = retries;
  return result;
}

/** poolInfo names an existing pool (poolId) or an auto pool; required on add and update. */
function parsePoolInfo(body: Body, required: boolean): Body | undefined {
  const poolInfo = optionalObject(body, "poolInfo");
  if (poolInfo === undefined) {
    if (required) throw errors.missingProperty("poolInfo");
    return undefined;
  }
  const poolId = optionalString(poolInfo, "poolId");
  const auto = optionalObject(poolInfo, "autoPoolSpecification");
  if (poolId === undefined && auto === undefined) throw errors.missingProperty("poolInfo.poolId");
  checkPoolInformation(poolInfo);
  return poolInfo;
}

/** The CloudJob wire form. */
export function jobToWire(job: JobRecord, url: string): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: job.id };
  copyFixed(job, wire, ["displayName"]);
  Object.assign(wire, {
    usesTaskDependencies: job.usesTaskDependencies,
    url,
    eTag: job.eTag,
    lastModified: formatTime(job.lastModified),
    creationTime: formatTime(job.creationTime),
    state: job.state,
    stateTransitionTime: formatTime(job.stateTransitionTime),
  });
  if (job.previousState !== undefined && job.previousStateTransitionTime !== undefined) {
    wire.previousState = job.previousState;
    wire.previousStateTransitionTime = formatTime(job.previousStateTransitionTime);
  }
  Object.assign(wire, {
    priority: job.priority,
    allowTaskPreemption: job.allowTaskPreemption,
    maxParallelTasks: job.maxParallelTasks,
    constraints: {
      maxWallClockTime: job.constraints.maxWallClockTime ?? INFINITE_DURATION,
      maxTaskRetryCount: job.constraints.maxTaskRetryCount ?? 0,
    },
  });
  copyFixed(job, wire, ["commonEnvironmentSettings", "networkConfiguration"]);
  setDefined(wire, "jobManagerTask", jobManagerDefaults(job.body.jobManagerTask, job.constraints.maxTaskRetryCount));
  setDefined(wire, "jobPreparationTask", jobPreparationDefaults(job.body.jobPreparationTask));
  setDefined(wire, "jobReleaseTask", jobReleaseDefaults(job.body.jobReleaseTask));
  Object.assign(wire, {
    poolInfo: job.poolInfo,
    onAllTasksComplete: job.onAllTasksComplete,
    onTaskFailure: job.onTaskFailure,
  });
  // The service leaves out an empty metadata list.
  if (job.metadata.length > 0) wire.metadata = job.metadata;
  wire.executionInfo = executionInfo(job);
  return withoutSecrets(wire);
}

export { INFINITE_DURATION };

function executionInfo(job: JobRecord): Record<string, unknown> {
  const info: Record<string, unknown> = { startTime: formatTime(job.creationTime) };
  if (job.endTime !== undefined) info.endTime = formatTime(job.endTime);
  const poolId = jobPoolId(job);
  if (poolId !== undefined) info.poolId = poolId;
  if (job.terminateReason !== undefined) info.terminateReason = job.terminateReason;
  return info;
}

function setDefined(wire: Record<string, unknown>, name: string, value: unknown): void {
  if (value !== undefined) wire[name] = value;
}

function copyFixed(job: JobRecord, wire: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = job.body[name];
    if (value !== undefined && value !== null) wire[name] = value;
  }
}
