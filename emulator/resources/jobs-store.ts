import { defineSlot, type AccountStore } from "../store/account-store.js";
import { newMeta, touch } from "../store/entity.js";
import { OrderedTable } from "../store/ordered-table.js";
import { poolStore } from "../store/pool-store.js";
import { BatchError, errors } from "../http/errors.js";
import { TaskScheduler } from "../lifecycle/tasks-scheduler.js";
import { exitOptions } from "../lifecycle/tasks-outcome.js";
import { countedState, jobPoolId, markTaskChanged, type JobRecord, type JobState, type TaskRecord } from "../store/job-records.js";
import { newJob } from "./jobs-model.js";
import { newTask } from "./tasks-validation.js";
import type { Body } from "./jobs-validation.js";

export type DisableTasks = "requeue" | "terminate" | "wait";

/**
 * The jobs and tasks of one account, and their state machines:
 * job active ⇄ disabling → disabled → enabling → active; active/disabled → terminating → completed;
 * any → deleting → gone. Transitional states last `timing.jobTransitionMs` on the emulator clock.
 */
export class JobStore {
  readonly jobs = new OrderedTable<JobRecord>();
  readonly scheduler: TaskScheduler;
  readonly #account: AccountStore;

  constructor(account: AccountStore) {
    this.#account = account;
    this.scheduler = new TaskScheduler(account, poolStore(account), (task) => this.#taskCompleted(task));
  }

  get #now(): number {
    return this.#account.clock.now();
  }

  /** A job that exists and is not being deleted (mutations), or the service's error. */
  require(jobId: string): JobRecord {
    const job = this.jobs.get(jobId);
    if (job === undefined) throw errors.notFound("JobNotFound");
    return job;
  }

  requireNotDeleting(jobId: string): JobRecord {
    const job = this.require(jobId);
    if (job.state === "deleting")
      throw new BatchError(409, "JobBeingDeleted", "The specified job has been marked for deletion and is being garbage collected.");
    return job;
  }

  add(body: Body): JobRecord {
    const job = newJob(body, newMeta(String(body.id ?? ""), this.#now));
    if (!this.jobs.insert(job)) throw errors.exists("JobExists");
    if (this.#account.tracksChanges) job.changedTasks = new Set();
    this.scheduler.attach(job);
    // The job manager is a task of the job: listed with the others, and until it has run the job's tasks
    // are not all complete (so onAllTasksComplete does not end a job whose manager never ran).
    const manager = managerTaskBody(job);
    if (manager !== undefined) this.addTask(job, manager);
    this.#checkAllTasksComplete(job);
    return job;
  }

  /** Applies changed settings; the pool may change only while the job is disabled. */
  applySettings(job: JobRecord, settings: Partial<JobRecord>): void {
    if (settings.poolInfo !== undefined && jobPoolId(job)?.toLowerCase() !== String(settings.poolInfo.poolId ?? "").toLowerCase()) {
      if (job.state !== "disabled") {
        throw new BatchError(409, "OperationInvalidForCurrentState", "The pool of a job can only be changed while the job is disabled.");
      }
    }
    if (job.onAllTasksComplete === "terminatejob" && settings.onAllTasksComplete === "noaction") {
      throw errors.invalidProperty("onAllTasksComplete", "noaction", "cannot change from terminatejob to noaction");
    }
    if (job.state === "completed") throw new BatchError(409, "JobCompleted", "The specified job is already in a completed state.");
    this.scheduler.detach(job);
    Object.assign(job, settings);
    this.scheduler.attach(job);
    touch(job, this.#now);
    this.#checkAllTasksComplete(job);
  }

  disable(job: JobRecord, disableTasks: DisableTasks): void {
    if (!["active", "disabling", "disabled"].includes(job.state)) {
      throw new BatchError(409, "JobNotActive", "The specified job is not in an active state.");
    }
    if (job.state !== "active") return;
    for (const task of [...job.running]) {
      if (disableTasks !== "wait") this.scheduler.stop(task, disableTasks);
    }
    this.#transition(job, "disabling", "disabled");
  }

  enable(job: JobRecord): void {
    if (!["disabled", "disabling", "enabling", "active"].includes(job.state)) {
      throw new BatchError(409, "JobNotDisabled", "The specified job is not in a disabled state.");
    }
    if (job.state === "active" || job.state === "enabling") return;
    this.#transition(job, "enabling", "active", () => this.scheduler.attach(job));
  }

  terminate(job: JobRecord, reason: string): void {
    if (job.state === "completed") throw new BatchError(409, "JobCompleted", "The specified job is already in a completed state.");
    if (job.state === "terminating") return;
    this.#transition(job, "terminating", "completed", () => {
      for (const task of [...job.running]) this.scheduler.stop(task, "terminate");
      job.endTime = this.#now;
      job.terminateReason = reason;
      this.scheduler.prepRelease.release(job);
    });
  }

  /** A second delete while the first is under way is a conflict, as on the service. */
  delete(job: JobRecord): void {
    if (job.state === "deleting")
      throw new BatchError(409, "JobBeingDeleted", "The specified job has been marked for deletion and is being garbage collected.");
    this.#transition(job, "deleting", "deleting", () => {
      for (const task of job.tasks.values()) this.scheduler.forget(task);
      this.scheduler.prepRelease.release(job);
      job.ready.clear();
      this.scheduler.detach(job);
      this.jobs.delete(job.id);
    });
  }

  /** Adds one task; throws the error the per-task result reports. */
  addTask(job: JobRecord, body: Body): TaskRecord {
    requireAcceptsTasks(job);
    const task = newTask(body, newMeta(String(body.id ?? ""), this.#now), job);
    if (!job.tasks.insert(task)) throw errors.exists("TaskExists");
    job.counts.add("active", task.requiredSlots);
    markTaskChanged(task);
    this.scheduler.admit(task);
    return task;
  }

  deleteTask(task: TaskRecord): void {
    this.scheduler.forget(task);
    task.job.counts.remove(countedState(task), task.requiredSlots);
    task.job.tasks.delete(task.id);
    touch(task, this.#now);
    markTaskChanged(task);
    this.#checkAllTasksComplete(task.job);
  }

  /** Moves a job into a transitional state, then (after jobTransitionMs) into `settled`. */
  #transition(job: JobRecord, transitional: JobState, settled: JobState, onSettle?: () => void): void {
    const clock = this.#account.clock;
    if (job.transition !== undefined) clock.cancel(job.transition);
    this.#setState(job, transitional);
    job.transition = clock.schedule(this.#account.timing.jobTransitionMs, () => {
      job.transition = undefined;
      onSettle?.();
      if (settled !== transitional) this.#setState(job, settled);
    });
  }

  #setState(job: JobRecord, state: JobState): void {
    const now = this.#now;
    job.previousState = job.state;
    job.previousStateTransitionTime = job.stateTransitionTime;
    job.state = state;
    job.stateTransitionTime = now;
    touch(job, now);
  }

  #taskCompleted(task: TaskRecord): void {
    const job = task.job;
    if (isKillingManager(task)) this.#endByManager(job);
    const exitCode = task.run?.exitCode;
    if (task.run?.result === "failure" && exitCode !== undefined && job.state === "active") {
      const action = exitOptions(task, exitCode).jobAction;
      if (action === "terminate") this.terminate(job, "TaskFailed");
      if (action === "disable") this.disable(job, "wait");
    }
    this.#checkAllTasksComplete(job);
  }

  #endByManager(job: JobRecord): void {
    if (job.state !== "completed" && job.state !== "terminating") this.terminate(job, "JMComplete");
  }

  /** onAllTasksComplete=terminatejob: a job whose tasks are all complete (or that has none) terminates. */
  #checkAllTasksComplete(job: JobRecord): void {
    if (job.onAllTasksComplete !== "terminatejob" || job.state !== "active") return;
    if (job.counts.unfinished === 0) this.terminate(job, "AllTasksComplete");
  }
}

/** The job manager as a task body (the properties only a manager has are left out). */
function managerTaskBody(job: JobRecord): Body | undefined {
  const manager = job.body.jobManagerTask;
  if (manager === null || typeof manager !== "object") return undefined;
  const { killJobOnCompletion: _kill, runExclusive: _exclusive, allowLowPriorityNode: _lowPriority, ...task } = manager as Body;
  return task;
}

/** A completed job manager ends its job unless killJobOnCompletion is false. */
function isKillingManager(task: TaskRecord): boolean {
  const manager = task.job.body.jobManagerTask as Body | undefined;
  if (manager === undefined || String(manager.id).toLowerCase() !== task.id.toLowerCase()) return false;
  return manager.killJobOnCompletion !== false;
}

/** Tasks can be added to active and disabled jobs only. */
export function requireAcceptsTasks(job: JobRecord): void {
  switch (job.state) {
    case "completed":
      throw new BatchError(409, "JobCompleted", "The specified job is already in a completed state.");
    case "terminating":
      throw new BatchError(409, "JobBeingTerminated", "The specified job is being terminated.");
    case "deleting":
      throw new BatchError(409, "JobBeingDeleted", "The specified job has been marked for deletion and is being garbage collected.");
    default:
      return;
  }
}

export const jobsSlot = defineSlot("jobs", (account) => new JobStore(account));

export function jobStore(account: AccountStore): JobStore {
  return account.slot(jobsSlot);
}
