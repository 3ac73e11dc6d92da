/** Checks a TaskAddParameter as the service does and builds the task record (400 BatchError otherwise). */
import { BatchError, errors } from "../http/errors.js";
import type { EntityMeta } from "../store/entity.js";
import { createTaskRecord, type JobRecord, type TaskConstraints, type TaskRecord } from "../store/job-records.js";
import { checkApplicationPackageReferences } from "./application-packages.js";
import { checkRequestShape } from "./request-schema.js";
import { checkDisplayName, checkExitJobActions, checkMultiInstanceSlots, checkResourceFiles, checkUserIdentity } from "./prose-rules.js";
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

const MAX_INT32 = 2 ** 31 - 1;

/** Validates a TaskAddParameter; throws BatchError (400) like the service. */
export function newTask(body: Body, meta: EntityMeta, job: JobRecord): TaskRecord {
  checkRequestShape("TaskAddParameter", body);
  requireId(body);
  requireString(body, "commandLine");
  optionalString(body, "displayName");
  checkDisplayName(body);
  checkResourceFiles(body.resourceFiles, "resourceFiles");
  checkUserIdentity(body.userIdentity, "userIdentity");
  checkMultiInstanceSlots(body);
  checkExitJobActions(body.exitConditions, job.onTaskFailure);
  checkStructuredProperties(body);
  const dependsOn = parseDependencies(body, job);
  checkApplicationPackageReferences(body.applicationPackageReferences);
  return createTaskRecord(meta, body, job, {
    constraints: parseTaskConstraints(body) ?? NO_CONSTRAINTS,
    requiredSlots: optionalInt(body, "requiredSlots", { min: 1, max: MAX_INT32 }) ?? 1,
    dependsOn,
  });
}

/**
 * The array- and object-valued properties, each read by its name in the code: this runs for every task of an
 * addtaskcollection, and a loop over a list of names would make every read a slow lookup by computed key.
 */
function checkStructuredProperties(body: Body): void {
  arrayIfPresent(body.resourceFiles, "resourceFiles");
  arrayIfPresent(body.outputFiles, "outputFiles");
  arrayIfPresent(body.environmentSettings, "environmentSettings");
  arrayIfPresent(body.applicationPackageReferences, "applicationPackageReferences");
  objectIfPresent(body.containerSettings, "containerSettings");
  objectIfPresent(body.exitConditions, "exitConditions");
  objectIfPresent(body.affinityInfo, "affinityInfo");
  objectIfPresent(body.userIdentity, "userIdentity");
  objectIfPresent(body.multiInstanceSettings, "multiInstanceSettings");
}

/** As optionalArray, for a value already read. */
function arrayIfPresent(value: unknown, name: string): void {
  if (value !== undefined && value !== null && !Array.isArray(value)) throw errors.invalidProperty(name, value);
}

/** As optionalObject, for a value already read. */
function objectIfPresent(value: unknown, name: string): void {
  if (value !== undefined && value !== null && (typeof value !== "object" || Array.isArray(value)))
    throw errors.invalidProperty(name, value);
}

/** Shared by every task without constraints (never mutated: updates assign a new object). */
const NO_CONSTRAINTS: TaskConstraints = Object.freeze({});

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
    throw new BatchError(
      400,
      "TaskDependenciesNotSpecifiedOnJob",
      "The job does not use task dependencies (usesTaskDependencies is false).",
    );
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
