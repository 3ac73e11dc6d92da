import type { RequestContext } from "../http/context.js";
import { versionHeaders } from "../http/context.js";
import { BatchError, errors } from "../http/errors.js";
import { formatTime } from "../http/wire-format.js";
import { nodeTaskId, preparationSpec, releaseSpec } from "../lifecycle/job-prep-release.js";
import type { EmulatorResponse } from "../http/response.js";
import type { Router } from "../http/router.js";
import { checkExpand, pageOf, parseGetSelect, parseListQuery, project } from "./list-query.js";
import type { JobRecord, NodeTaskRun } from "../store/job-records.js";
import { JOB_FILTER_PATHS, jobToWire, parseSettings } from "./jobs-model.js";
import { jobStore, type DisableTasks } from "./jobs-store.js";
import { optionalEnum, optionalString } from "./jobs-validation.js";

/** Job operations of API 2022-10-01.16.0. */
export function registerRoutes(router: Router): void {
  router.addAll([
    { operationId: "Job_Add", method: "POST", path: "/jobs", handler: addJob },
    { operationId: "Job_List", method: "GET", path: "/jobs", handler: listJobs },
    { operationId: "Job_Get", method: "GET", path: "/jobs/{jobId}", handler: getJob },
    { operationId: "Job_Patch", method: "PATCH", path: "/jobs/{jobId}", handler: patchJob },
    { operationId: "Job_Update", method: "PUT", path: "/jobs/{jobId}", handler: updateJob },
    { operationId: "Job_Delete", method: "DELETE", path: "/jobs/{jobId}", handler: deleteJob },
    { operationId: "Job_Disable", method: "POST", path: "/jobs/{jobId}/disable", handler: disableJob },
    { operationId: "Job_Enable", method: "POST", path: "/jobs/{jobId}/enable", handler: enableJob },
    { operationId: "Job_Terminate", method: "POST", path: "/jobs/{jobId}/terminate", handler: terminateJob },
    { operationId: "Job_GetTaskCounts", method: "GET", path: "/jobs/{jobId}/taskcounts", handler: getTaskCounts },
    {
      operationId: "Job_ListPreparationAndReleaseTaskStatus",
      method: "GET",
      path: "/jobs/{jobId}/jobpreparationandreleasetaskstatus",
      handler: listPreparationAndReleaseStatus,
    },
  ]);
}

export function jobUrl(ctx: RequestContext, job: JobRecord): string {
  return ctx.url(`/jobs/${encodeURIComponent(job.id)}`);
}

function addJob(ctx: RequestContext): EmulatorResponse {
  const job = jobStore(ctx.store).add(ctx.bodyObject());
  return ctx.empty(201, job, jobUrl(ctx, job));
}

function listJobs(ctx: RequestContext): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: JOB_FILTER_PATHS });
  checkExpand(ctx);
  const filter = query.filter;
  // By id, as the service lists jobs (recorded: azure-cli test_batch_job_list_cmd).
  const page = pageOf(jobStore(ctx.store).jobs, query, {
    order: "id",
    ...(filter === undefined ? {} : { predicate: (job: JobRecord) => filter.matches(jobToWire(job, "")) }),
  });
  const items = page.items.map((job) => project(jobToWire(job, jobUrl(ctx, job)), query.select));
  return ctx.list("jobs", items, page.nextToken);
}

function getJob(ctx: RequestContext): EmulatorResponse {
  const select = parseGetSelect(ctx);
  checkExpand(ctx);
  const job = jobStore(ctx.store).require(param(ctx, "jobId"));
  if (ctx.conditions(job) === "notModified") return { status: 304, headers: versionHeaders(job) };
  return ctx.entity("jobs/@Element", project(jobToWire(job, jobUrl(ctx, job)), select), job);
}

function patchJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  ctx.conditions(job);
  store.applySettings(job, parseSettings(ctx.bodyObject(), "patch"));
  return ctx.empty(200, job, jobUrl(ctx, job));
}

function updateJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  ctx.conditions(job);
  store.applySettings(job, parseSettings(ctx.bodyObject(), "update"));
  return ctx.empty(200, job, jobUrl(ctx, job));
}

function deleteJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.require(param(ctx, "jobId"));
  ctx.conditions(job);
  store.delete(job);
  return ctx.empty(202);
}

function disableJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  ctx.conditions(job);
  const body = ctx.bodyObject();
  const disableTasks = optionalEnum<DisableTasks>(body, "disableTasks", ["requeue", "terminate", "wait"]);
  if (disableTasks === undefined) throw errors.missingProperty("disableTasks");
  store.disable(job, disableTasks);
  return ctx.empty(202, job, jobUrl(ctx, job));
}

function enableJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  ctx.conditions(job);
  store.enable(job);
  return ctx.empty(202, job, jobUrl(ctx, job));
}

function terminateJob(ctx: RequestContext): EmulatorResponse {
  const store = jobStore(ctx.store);
  const job = store.requireNotDeleting(param(ctx, "jobId"));
  ctx.conditions(job);
  const body = ctx.body() === undefined ? {} : ctx.bodyObject();
  store.terminate(job, optionalString(body, "terminateReason") ?? "UserTerminate");
  return ctx.empty(202, job, jobUrl(ctx, job));
}

function getTaskCounts(ctx: RequestContext): EmulatorResponse {
  const job = jobStore(ctx.store).require(param(ctx, "jobId"));
  return ctx.entity("taskcountsresult/@Element", job.counts.toWire());
}

export function param(ctx: RequestContext, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route has no {${name}}`);
  return value;
}

/** Where the job's preparation and release tasks ran, and how they did (lifecycle/job-prep-release.ts). */
function listPreparationAndReleaseStatus(ctx: RequestContext): EmulatorResponse {
  const job = jobStore(ctx.store).require(param(ctx, "jobId"));
  if (preparationSpec(job) === undefined && releaseSpec(job) === undefined) {
    throw new BatchError(409, "JobPreparationTaskNotSpecified", "The specified job does not have a job preparation task.");
  }
  const items = Object.values(job.nodeTasks ?? {}).map((entry) => {
    const nodeUrl = ctx.url(`/pools/${encodeURIComponent(entry.poolId)}/nodes/${encodeURIComponent(entry.nodeId)}`);
    const info = (kind: "preparation" | "release", run: NodeTaskRun | undefined): Record<string, unknown> | undefined => {
      if (run === undefined) return undefined;
      const root = `workitems/${job.id}/job-1/${nodeTaskId(job, kind)}`;
      return nodeTaskRunToWire(run, kind, { taskRootDirectory: root, taskRootDirectoryUrl: `${nodeUrl}/files/${root}` });
    };
    const preparation = info("preparation", entry.preparation);
    const release = info("release", entry.release);
    return {
      poolId: entry.poolId,
      nodeId: entry.nodeId,
      nodeUrl,
      ...(preparation === undefined ? {} : { jobPreparationTaskExecutionInfo: preparation }),
      ...(release === undefined ? {} : { jobReleaseTaskExecutionInfo: release }),
    };
  });
  return ctx.list("Microsoft.Azure.Batch.Protocol.Entities.Container.jobpreparationandreleasetaskstatuses", items);
}

function nodeTaskRunToWire(
  run: NodeTaskRun,
  kind: "preparation" | "release",
  where: { taskRootDirectory: string; taskRootDirectoryUrl: string },
): Record<string, unknown> {
  return {
    state: run.state,
    startTime: formatTime(run.startTime),
    ...(run.endTime === undefined ? {} : { endTime: formatTime(run.endTime) }),
    ...where,
    ...(run.exitCode === undefined ? {} : { exitCode: run.exitCode }),
    ...(run.failureInfo === undefined ? {} : { failureInfo: run.failureInfo }),
    ...(kind === "preparation" ? { retryCount: run.retryCount } : {}),
    ...(run.result === undefined ? {} : { result: run.result }),
  };
}
