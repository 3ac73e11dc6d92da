import type { Router } from "../http/router.js";
import { BatchError, errors } from "../http/errors.js";
import type { AccountStore } from "../store/account-store.js";
import { touch } from "../store/entity.js";
import { jobStore } from "./jobs-store.js";

/**
 * Out-of-band changes to jobs and tasks for the control API: what someone using the portal or another
 * client would do behind the controller's back. They bypass conditional headers but follow the same
 * lifecycles. Each hook returns false when the job or task does not exist.
 */
export function registerTaskControlActions(router: Router): void {
  router.addControlAction("deleteTask", (account, body) => {
    const { jobId, taskId } = taskRef(body);
    if (!deleteTaskOutOfBand(account, jobId, taskId)) throw missingTask(account, jobId);
    return { jobId, taskId, deleted: true };
  });
  router.addControlAction("terminateTask", (account, body) => {
    const { jobId, taskId } = taskRef(body);
    const task = jobStore(account).jobs.get(jobId)?.tasks.get(taskId);
    if (task?.state === "completed") throw new BatchError(409, "TaskCompleted", "The specified task is already completed.");
    if (!terminateTaskOutOfBand(account, jobId, taskId)) throw missingTask(account, jobId);
    return { jobId, taskId, state: "completed" };
  });
  router.addControlAction("setJobMetadata", (account, body) => {
    const jobId = requiredId(body, "jobId");
    const metadata = metadataList(body.metadata);
    if (!setJobMetadataOutOfBand(account, jobId, metadata)) throw errors.notFound("JobNotFound");
    return { jobId, eTag: jobStore(account).jobs.get(jobId)?.eTag };
  });
  router.addControlAction("deleteJob", (account, body) => {
    const jobId = requiredId(body, "jobId");
    if (!deleteJobOutOfBand(account, jobId)) throw errors.notFound("JobNotFound");
    return { jobId, state: "deleting" };
  });
}

/** Deletes a task (a running one is stopped first); its job's counts follow. */
export function deleteTaskOutOfBand(account: AccountStore, jobId: string, taskId: string): boolean {
  const task = jobStore(account).jobs.get(jobId)?.tasks.get(taskId);
  if (task === undefined) return false;
  jobStore(account).deleteTask(task);
  return true;
}

/** Ends a task as Task_Terminate would (a completed task stays as it is). */
export function terminateTaskOutOfBand(account: AccountStore, jobId: string, taskId: string): boolean {
  const task = jobStore(account).jobs.get(jobId)?.tasks.get(taskId);
  if (task === undefined) return false;
  if (task.state === "completed") return true;
  jobStore(account).scheduler.stop(task, "terminate");
  touch(task, account.clock.now());
  return true;
}

/** Replaces a job's metadata, with a new ETag, as an edit in the portal would. */
export function setJobMetadataOutOfBand(account: AccountStore, jobId: string, metadata: Array<{ name: string; value: string }>): boolean {
  const job = jobStore(account).jobs.get(jobId);
  if (job === undefined) return false;
  job.metadata = metadata.map(({ name, value }) => ({ name, value }));
  touch(job, account.clock.now());
  return true;
}

/** Deletes a job as Job_Delete would (deleting, then gone). */
export function deleteJobOutOfBand(account: AccountStore, jobId: string): boolean {
  const job = jobStore(account).jobs.get(jobId);
  if (job === undefined) return false;
  jobStore(account).delete(job);
  return true;
}

function requiredId(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string" || value === "") throw errors.missingProperty(name);
  return value;
}

function taskRef(body: Record<string, unknown>): { jobId: string; taskId: string } {
  return { jobId: requiredId(body, "jobId"), taskId: requiredId(body, "taskId") };
}

/** JobNotFound when the job is missing, else TaskNotFound, as the service answers. */
function missingTask(account: AccountStore, jobId: string): BatchError {
  return jobStore(account).jobs.get(jobId) === undefined ? errors.notFound("JobNotFound") : errors.notFound("TaskNotFound");
}

function metadataList(value: unknown): Array<{ name: string; value: string }> {
  const valid =
    Array.isArray(value) &&
    value.every((m: { name?: unknown; value?: unknown } | null) => typeof m?.name === "string" && typeof m.value === "string");
  if (!valid) throw errors.invalidProperty("metadata", value, "a list of {name, value} strings");
  return value as Array<{ name: string; value: string }>;
}
