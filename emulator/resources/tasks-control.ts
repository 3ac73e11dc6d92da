import type { AccountStore } from "../store/account-store.js";
import { touch } from "../store/entity.js";
import { jobStore } from "./jobs-store.js";

/**
 * Out-of-band changes to jobs and tasks for the control API: what someone using the portal or another
 * client would do behind the controller's back. Each returns false when the job or task does not exist.
 */

/** Deletes a task (a running one is stopped first); its job's counts follow. */
export function deleteTaskOutOfBand(account: AccountStore, jobId: string, taskId: string): boolean {
  const task = jobStore(account).jobs.get(jobId)?.tasks.get(taskId);
  if (task === undefined) return false;
  jobStore(account).deleteTask(task);
  return true;
}

/** Ends a task as Task_Terminate would. */
export function terminateTaskOutOfBand(account: AccountStore, jobId: string, taskId: string): boolean {
  const task = jobStore(account).jobs.get(jobId)?.tasks.get(taskId);
  if (task === undefined) return false;
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
