import type { RequestContext } from "../http/context.js";
import { versionHeaders } from "../http/context.js";
import { BatchError, isBatchError } from "../http/errors.js";
import type { EmulatorResponse } from "../http/response.js";
import type { Router } from "../http/router.js";
import { formatTime } from "../http/wire-format.js";
import { encodeSkipToken } from "../odata/index.js";
import { touch } from "../store/entity.js";
import { checkExpand, parseGetSelect, parseListQuery, project } from "./list-query.js";
import { markTaskChanged, setTaskState, type JobRecord, type TaskRecord } from "../store/job-records.js";
import { jobStore, requireAcceptsTasks, type JobStore } from "./jobs-store.js";
import { jobUrl, param } from "./jobs.js";
import type { Body } from "./jobs-validation.js";
import { registerTaskControlActions } from "./tasks-control.js";
import { TASK_FILTER_PATHS, TaskFilterView, taskToWire } from "./tasks-wire.js";
import { parseTaskConstraints } from "./tasks-validation.js";

/** addtaskcollection limits: at most 100 tasks and a serialized body under 1 MB. */
export const MAX_TASKS_PER_COLLECTION = 100;
export const MAX_COLLECTION_BYTES = 1024 * 1024;

/** Task operations of API 2022-10-01.16.0. */
export function registerRoutes(router: Router): void {
  router.addAll([
    { operationId: "Task_Add", method: "POST", path: "/jobs/{jobId}/tasks", handler: addTask },
    { operationId: "Task_List", method: "GET", path: "/jobs/{jobId}/tasks", handler: listTasks },
    { operationId: "Task_AddCollection", method: "POST", path: "/jobs/{jobId}/addtaskcollection", handler: addTaskCollection },
    { operationId: "Task_Get", method: "GET", path: "/jobs/{jobId}/tasks/{taskId}", handler: getTask },
    { operationId: "Task_Update", method: "PUT", path: "/jobs/{jobId}/tasks/{taskId}", handler: updateTask },
    { operationId: "Task_Delete", method: "DELETE", path: "/jobs/{jobId}/tasks/{taskId}", handler: deleteTask },
    { operationId: "Task_Terminate", method: "POST", path: "/jobs/{jobId}/tasks/{taskId}/terminate", handler: terminateTask },
    { operationId: "Task_Reactivate", method: "POST", path: "/jobs/{jobId}/tasks/{taskId}/reactivate", handler: reactivateTask },
  ]);
  registerTaskControlActions(router);
}

function taskUrl(ctx: RequestContext, task: TaskRecord): string {
  return `${jobUrl(ctx, task.job)}/tasks/${encodeURIComponent(task.id)}`;
}

function wire(ctx: RequestContext, task: TaskRecord): Record<string, unknown> {
  return taskToWire(task, taskUrl(ctx, task), (poolId, nodeId) =>
    ctx.url(`/pools/${encodeURIComponent(poolId)}/nodes/${encodeURIComponent(nodeId)}`),
  );
}

function requireTask(ctx: RequestContext, job: JobRecord): TaskRecord {
  const task = job.tasks.get(param(ctx, "taskId"));
  if (task === undefined) throw new BatchError(404, "TaskNotFound");
  return task;
}

function addTask(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  const task = store.addTask(job, ctx.bodyObject());
  return ctx.empty(201, task, taskUrl(ctx, task));
}

function addTaskCollection(ctx: RequestContext): EmulatorResponse {
  if (ctx.rawBody.length > MAX_COLLECTION_BYTES) throw tooLarge(String(MAX_COLLECTION_BYTES));
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  requireAcceptsTasks(job);
  const tasks = ctx.bodyObject().value;
  if (!Array.isArray(tasks)) throw new BatchError(400, "MissingRequiredProperty", undefined, [{ key: "PropertyName", value: "value" }]);
  if (tasks.length > MAX_TASKS_PER_COLLECTION) throw tooLarge(String(MAX_TASKS_PER_COLLECTION));
  // The answer is written as JSON text directly (no result objects to build and serialize): this is the
  // emulator's hottest path. Every task of the call shares its job's URL: quoted once, not per task.
  const locationPrefix = JSON.stringify(`${jobUrl(ctx, job)}/tasks/`).slice(0, -1);
  let json = `{"odata.metadata":${JSON.stringify(ctx.metadata("taskaddresult"))},"value":[`;
  for (let i = 0; i < tasks.length; i++) {
    if (i > 0) json += ",";
    json += addOne(store, job, tasks[i], locationPrefix);
  }
  return { status: 200, headers: {}, json: `${json}]}` };
}

/**
 * One per-task result as JSON text; the wire uses PascalCase status values ("Success", "ClientError"), as the
 * service does. The id of an added task matched the id pattern (letters, digits, '-', '_'), and ETags and
 * times are hex digits and ISO text: none needs JSON escaping.
 */
function addOne(store: JobStore, job: JobRecord, body: unknown, locationPrefix: string): string {
  const taskId = body !== null && typeof body === "object" ? (body as Body).id : undefined;
  try {
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw new BatchError(400, "InvalidRequestBody");
    const task = store.addTask(job, body as Body);
    const id = task.id;
    return (
      `{"status":"Success","taskId":"${id}","eTag":"${task.eTag}","lastModified":"${formatTime(task.lastModified)}",` +
      `"location":${locationPrefix}${encodeURIComponent(id)}"}`
    );
  } catch (error: unknown) {
    if (!isBatchError(error)) throw error;
    return JSON.stringify(failedResult(error, taskId));
  }
}

function failedResult(error: BatchError, taskId: unknown): Record<string, unknown> {
  return {
    status: error.status >= 500 ? "ServerError" : "ClientError",
    taskId: typeof taskId === "string" ? taskId : "",
    error: {
      code: error.code,
      message: { lang: "en-US", value: error.message },
      ...(error.values.length > 0 ? { values: error.values } : {}),
    },
  };
}

function tooLarge(maxLimit: string): BatchError {
  return new BatchError(413, "RequestBodyTooLarge", undefined, [{ key: "MaxLimit", value: maxLimit }]);
}

function listTasks(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: TASK_FILTER_PATHS });
  checkExpand(ctx);
  const job = jobStore(ctx.store).require(param(ctx, "jobId"));
  const filter = query.filter;
  const page = job.tasks.page({
    ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }),
    limit: query.maxResults,
    ...(filter === undefined ? {} : { predicate: (task: TaskRecord) => filter.matches(new TaskFilterView(task)) }),
  });
  const items = page.items.map((task) => project(wire(ctx, task), query.select));
  return ctx.list("tasks", items, page.nextSeq === undefined ? undefined : encodeSkipToken(page.nextSeq));
}

function getTask(ctx: RequestContext): EmulatorResponse {
  const select = parseGetSelect(ctx);
  checkExpand(ctx);
  const task = requireTask(ctx, jobStore(ctx.store).require(param(ctx, "jobId")));
  if (ctx.conditions(task) === "notModified") return { status: 304, headers: versionHeaders(task) };
  return ctx.entity("tasks/@Element", project(wire(ctx, task), select), task);
}

/** Only constraints can change after a task is added (PUT replaces them). */
function updateTask(ctx: RequestContext): EmulatorResponse {
  const task = requireTask(ctx, jobStore(ctx.store).requireNotDeleting(param(ctx, "jobId")));
  ctx.conditions(task);
  const body = ctx.body() === undefined ? {} : ctx.bodyObject();
  task.constraints = parseTaskConstraints(body) ?? {};
  touch(task, ctx.clock.now());
  markTaskChanged(task);
  return ctx.empty(200, task, taskUrl(ctx, task));
}

function deleteTask(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const task = requireTask(ctx, store.requireNotDeleting(param(ctx, "jobId")));
  ctx.conditions(task);
  store.deleteTask(task);
  return ctx.empty(200);
}

function terminateTask(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const task = requireTask(ctx, store.requireNotDeleting(param(ctx, "jobId")));
  ctx.conditions(task);
  if (task.state === "completed") throw new BatchError(409, "TaskCompleted", "The specified task is already completed.");
  store.scheduler.stop(task, "terminate");
  touch(task, ctx.clock.now());
  markTaskChanged(task);
  return ctx.empty(204, task, taskUrl(ctx, task));
}

/** A completed task that failed runs again, with its retry count reset. */
function reactivateTask(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  const task = requireTask(ctx, job);
  ctx.conditions(task);
  if (job.state === "completed" || job.state === "terminating") {
    throw new BatchError(409, "JobCompleted", "The job of the task is completed or being terminated.");
  }
  if (task.state !== "completed") throw new BatchError(409, "TaskNotCompleted", "The specified task is not completed.");
  if (task.run?.result === "success")
    throw new BatchError(409, "TaskSucceeded", "The specified task completed successfully and cannot be reactivated.");
  const now = ctx.clock.now();
  task.retryCount = 0;
  task.lastRetryTime = undefined;
  setTaskState(task, "active", now, {});
  touch(task, now);
  store.scheduler.makeReady(task);
  return ctx.empty(204, task, taskUrl(ctx, task));
}
