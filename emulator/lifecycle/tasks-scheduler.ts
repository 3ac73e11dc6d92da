import type { AccountStore } from "../store/account-store.js";
import type { NodeDeallocationOption, NodeEntity, PoolEntity, PoolStore, RecentTask } from "../store/pool-store.js";
import { parseDuration } from "../http/wire-format.js";
import { jobPoolId, maxRetries, setTaskState, type FailureInfo, type JobRecord, type TaskRecord } from "../store/job-records.js";
import { executionInfo } from "./task-execution-info.js";
import { WALL_CLOCK_EXIT_CODE, exitOptions, simulateAttempt } from "./tasks-outcome.js";
import { localRunSpec } from "./tasks-local.js";
import type { LocalExecutor, RunningProcess } from "../execution/local-executor.js";
import { JobPrepRelease, preparationSpec } from "./job-prep-release.js";

/** Told after a task reaches `completed` (job reactions: onAllTasksComplete, onTaskFailure). */
export type TaskCompletedListener = (task: TaskRecord) => void;

const ENDED_BY_USER: FailureInfo = { category: "usererror", code: "TaskEnded", message: "Task Was Ended by User Request" };
const FAILURE_EXIT_CODE: FailureInfo = {
  category: "usererror",
  code: "FailureExitCode",
  message: "The task exited with an exit code representing a failure",
};
const WALL_CLOCK_EXCEEDED: FailureInfo = {
  category: "usererror",
  code: "TaskEnded",
  message: "The task exceeded its maximum wall clock time and was ended",
};

/**
 * Runs tasks on the pool's nodes on the emulator clock: active → preparing → running → completed.
 *
 * Event-driven, never a scan of all tasks: ready tasks sit in their job's queue; a scheduling pass for a
 * pool runs (coalesced, on the clock) only when something changes (a task becomes ready, a slot frees up,
 * a node joins, a job is enabled) and stops at the first task no node has room for. Each pass costs
 * O(jobs on the pool + tasks started).
 */
export class TaskScheduler {
  readonly #account: AccountStore;
  readonly #pools: PoolStore;
  readonly #jobsByPool = new Map<string, Set<JobRecord>>();
  readonly #onNode = new Map<NodeEntity, Set<TaskRecord>>();
  readonly #pendingPasses = new Set<string>();
  readonly #completed: TaskCompletedListener;
  readonly #processes = new Map<TaskRecord, RunningProcess>();
  /** Job preparation and release tasks on the nodes tasks run on. */
  readonly prepRelease: JobPrepRelease;

  constructor(account: AccountStore, pools: PoolStore, onCompleted: TaskCompletedListener) {
    this.#account = account;
    this.prepRelease = new JobPrepRelease(account);
    this.#pools = pools;
    this.#completed = onCompleted;
    pools.onCapacity((pool) => this.requestPass(pool.id));
    pools.onNodeLost((pool, node, option) => this.#nodeLost(pool, node, option));
    pools.taskMetrics = (poolId) => this.#metrics(poolId);
  }

  /** Starts tracking a job on its pool. */
  attach(job: JobRecord): void {
    const poolId = jobPoolId(job);
    if (poolId === undefined) return;
    const key = poolId.toLowerCase();
    const jobs = this.#jobsByPool.get(key) ?? new Set<JobRecord>();
    jobs.add(job);
    this.#jobsByPool.set(key, jobs);
    this.requestPass(poolId);
  }

  detach(job: JobRecord): void {
    const poolId = jobPoolId(job);
    if (poolId === undefined) return;
    this.#jobsByPool.get(poolId.toLowerCase())?.delete(job);
  }

  /** Registers a new active task's dependencies and queues it when it has none left. */
  admit(task: TaskRecord): void {
    if (task.dependsOn !== undefined) this.#registerDependencies(task);
    this.makeReady(task);
  }

  #registerDependencies(task: TaskRecord): void {
    const job = task.job;
    for (const id of dependencyIds(task)) {
      const dependency = job.tasks.get(id);
      if (dependency !== undefined && satisfiesDependents(dependency)) continue;
      task.waitingOn += 1;
      const key = id.toLowerCase();
      const waiting = job.waiters.get(key);
      if (waiting === undefined) job.waiters.set(key, [task]);
      else waiting.push(task);
    }
  }

  /** Queues an active task whose dependencies are met. */
  makeReady(task: TaskRecord, first = false): void {
    if (task.state !== "active" || task.waitingOn > 0 || task.queued) return;
    if (first) task.job.ready.pushFront(task);
    else task.job.ready.push(task);
    const poolId = jobPoolId(task.job);
    if (poolId !== undefined && task.job.state === "active") this.requestPass(poolId);
  }

  /** Schedules one coalesced pass for the pool on the clock (so a burst of adds costs one pass). */
  requestPass(poolId: string): void {
    const key = poolId.toLowerCase();
    if (this.#pendingPasses.has(key)) return;
    this.#pendingPasses.add(key);
    this.#account.clock.schedule(0, () => {
      this.#pendingPasses.delete(key);
      this.#pass(poolId);
    });
  }

  /** Ends a preparing or running task: back to active ("requeue") or completed as ended by the user. */
  stop(task: TaskRecord, how: "requeue" | "terminate"): void {
    const now = this.#account.clock.now();
    const wasRunning = task.state === "preparing" || task.state === "running";
    if (wasRunning) this.#release(task, false);
    if (how === "requeue" && wasRunning) {
      task.requeueCount += 1;
      task.lastRequeueTime = now;
      setTaskState(task, "active", now, {});
      this.makeReady(task, true);
      return;
    }
    if (task.state === "completed") return;
    task.queued = false;
    const run = { ...(task.run ?? {}), endTime: now, result: "failure" as const, failureInfo: ENDED_BY_USER };
    setTaskState(task, "completed", now, wasRunning ? run : { result: "failure", failureInfo: ENDED_BY_USER });
    this.#completed(task);
  }

  /** Forgets a task being deleted: frees its slots and takes it out of the queue. */
  forget(task: TaskRecord): void {
    if (task.state === "preparing" || task.state === "running") this.#release(task, false);
    task.queued = false;
  }

  /** Tells tasks waiting on `task` that it completed in a way that satisfies them. */
  releaseDependents(task: TaskRecord): void {
    const key = task.id.toLowerCase();
    const waiting = task.job.waiters.get(key);
    if (waiting === undefined) return;
    task.job.waiters.delete(key);
    for (const dependent of waiting) {
      dependent.waitingOn -= 1;
      this.makeReady(dependent);
    }
  }

  #pass(poolId: string): void {
    const jobs = [...(this.#jobsByPool.get(poolId.toLowerCase()) ?? [])]
      .filter((job) => job.state === "active")
      .sort((a, b) => b.priority - a.priority);
    const pool = this.#pools.get(poolId);
    if (pool === undefined || pool.state !== "active") return;
    for (const job of jobs) {
      if (!this.#startFromJob(job, pool)) return;
    }
  }

  /** Starts queued tasks of one job; false when the pool has no room left at all. */
  #startFromJob(job: JobRecord, pool: PoolEntity): boolean {
    for (;;) {
      if (job.maxParallelTasks !== -1 && job.running.size >= job.maxParallelTasks) return true;
      const task = job.ready.peek();
      if (task === undefined) return true;
      if (task.requiredSlots > pool.taskSlotsPerNode) {
        // It can never fit on this pool's nodes; it stays active, as on the service, without blocking others.
        job.ready.shift();
        continue;
      }
      const node = this.#pools.acquireSlots(pool.id, task.requiredSlots);
      if (node === undefined) return task.requiredSlots > 1;
      job.ready.shift();
      this.#start(task, pool, node);
    }
  }

  #start(task: TaskRecord, pool: PoolEntity, node: NodeEntity): void {
    const clock = this.#account.clock;
    task.node = { poolId: pool.id, nodeId: node.id };
    task.job.running.add(task);
    const onNode = this.#onNode.get(node) ?? new Set<TaskRecord>();
    onNode.add(task);
    this.#onNode.set(node, onNode);
    this.#pools.noteRecentTask(node, recentTask(task));
    if (preparationSpec(task.job) === undefined) {
      this.#startRun(task, pool, node);
      return;
    }
    // The job's preparation task runs on the node first (once); the task waits for it, preparing.
    const placement = task.node;
    const stillPlaced = (): boolean => task.state === "preparing" && task.node === placement;
    setTaskState(task, "preparing", clock.now(), { startTime: clock.now() });
    this.prepRelease.beforeTask(
      task.job,
      { pool, node },
      () => {
        if (stillPlaced()) this.#startRun(task, pool, node);
      },
      (failure) => {
        if (stillPlaced()) this.#finish(task, -1, failure);
      },
    );
  }

  /** The task's own run (after any job preparation task): a local process, or simulated on the clock. */
  #startRun(task: TaskRecord, pool: PoolEntity, node: NodeEntity): void {
    const clock = this.#account.clock;
    const timing = this.#account.timing;
    const now = clock.now();
    const executor = this.#account.executor;
    if (executor !== undefined && node.rootDir !== undefined) {
      this.#runLocal(task, { executor, pool, node }, now);
      return;
    }
    const attempt = simulateAttempt(task, task.retryCount, timing);
    if (timing.taskPreparingMs > 0) {
      setTaskState(task, "preparing", now, { startTime: now });
      task.timer = clock.schedule(timing.taskPreparingMs, () => this.#run(task, attempt.exitCode, attempt.runMs, now));
    } else {
      this.#run(task, attempt.exitCode, attempt.runMs, now);
    }
  }

  /** `startTime` is when the task reached the node (preparing counts as part of its run). */
  #run(task: TaskRecord, exitCode: number, runMs: number, startTime: number): void {
    const clock = this.#account.clock;
    setTaskState(task, "running", clock.now(), { startTime });
    const limitMs = wallClockLimitMs(task);
    if (limitMs !== undefined && limitMs < runMs) {
      task.timer = clock.schedule(limitMs, () => this.#finish(task, WALL_CLOCK_EXIT_CODE, WALL_CLOCK_EXCEEDED));
    } else {
      task.timer = clock.schedule(runMs, () => this.#finish(task, exitCode));
    }
  }

  /** `--execute local`: the task runs as a process in its directory on the node; its exit ends it. */
  #runLocal(task: TaskRecord, at: { executor: LocalExecutor; pool: PoolEntity; node: NodeEntity }, now: number): void {
    const spec = localRunSpec(task, {
      pool: at.pool,
      node: at.node,
      accountName: this.#account.accountName,
      engine: () => at.executor.containerEngine(),
    });
    setTaskState(task, "running", now, {
      startTime: now,
      ...(spec.containerInfo === undefined ? {} : { containerInfo: spec.containerInfo }),
    });
    const running = at.executor.run(spec, (outcome) => {
      this.#processes.delete(task);
      const failure = outcome.exitCode === undefined ? outcome.failure : undefined;
      this.#finish(task, outcome.exitCode ?? -1, failure);
    });
    this.#processes.set(task, running);
    const limitMs = wallClockLimitMs(task);
    if (limitMs !== undefined) {
      task.timer = this.#account.clock.schedule(limitMs, () => this.#finish(task, WALL_CLOCK_EXIT_CODE, WALL_CLOCK_EXCEEDED));
    }
  }

  #finish(task: TaskRecord, exitCode: number, failure?: FailureInfo): void {
    const now = this.#account.clock.now();
    const kept = keptFromRun(task);
    const success = exitCode === 0 && failure === undefined;
    this.#release(task, success);
    const limit = maxRetries(task);
    if (!success && failure === undefined && (limit === -1 || task.retryCount < limit)) {
      task.retryCount += 1;
      task.lastRetryTime = now;
      setTaskState(task, "active", now, { exitCode, ...kept, endTime: now });
      this.makeReady(task, true);
      return;
    }
    const run = {
      ...kept,
      endTime: now,
      exitCode,
      result: success ? ("success" as const) : ("failure" as const),
      ...(success ? {} : { failureInfo: failure ?? FAILURE_EXIT_CODE }),
    };
    setTaskState(task, "completed", now, run);
    if (exitOptions(task, exitCode).dependencyAction === "satisfy") this.releaseDependents(task);
    this.#completed(task);
  }

  /** Frees the task's node slots and its place among the job's running tasks. */
  #release(task: TaskRecord, succeeded: boolean): void {
    // A local process still running is killed: terminate, delete, requeue, wall clock, node lost.
    this.#processes.get(task)?.kill();
    this.#processes.delete(task);
    if (task.timer !== undefined) this.#account.clock.cancel(task.timer);
    task.timer = undefined;
    task.job.running.delete(task);
    const placement = task.node;
    if (placement === undefined) return;
    const node = this.#pools.get(placement.poolId)?.nodes.get(placement.nodeId);
    if (node !== undefined) this.#onNode.get(node)?.delete(task);
    // releaseSlots notifies capacity listeners, which requests the next pass for the pool.
    this.#pools.releaseSlots(placement.poolId, placement.nodeId, task.requiredSlots, succeeded);
  }

  /** A node holding tasks left the pool: requeue them, or end them, per the deallocation option. */
  #nodeLost(_pool: PoolEntity, node: NodeEntity, option: NodeDeallocationOption): void {
    const tasks = this.#onNode.get(node);
    this.#onNode.delete(node);
    if (tasks === undefined) return;
    for (const task of tasks) {
      // The node is gone: forget its placement so releasing does not touch it.
      task.node = undefined;
      this.stop(task, option === "terminate" ? "terminate" : "requeue");
    }
  }

  #metrics(poolId: string): { activeTasks: number; runningTasks: number } {
    let activeTasks = 0;
    let runningTasks = 0;
    for (const job of this.#jobsByPool.get(poolId.toLowerCase()) ?? []) {
      const counts = job.counts.toWire().taskCounts;
      activeTasks += counts.active;
      runningTasks += counts.running;
    }
    return { activeTasks, runningTasks };
  }
}

/** The ids a task depends on: listed ids plus every integer id in its ranges. */
export function dependencyIds(task: TaskRecord): string[] {
  const dependsOn = task.dependsOn;
  if (dependsOn === undefined) return [];
  const ids = [...dependsOn.taskIds];
  for (const [start, end] of dependsOn.ranges) {
    for (let id = start; id <= end; id++) ids.push(String(id));
  }
  return ids;
}

/** A completed task satisfies its dependents when it succeeded or its exit options say "satisfy". */
export function satisfiesDependents(task: TaskRecord): boolean {
  if (task.state !== "completed") return false;
  const exitCode = task.run?.exitCode;
  if (exitCode === undefined) return false;
  return exitOptions(task, exitCode).dependencyAction === "satisfy";
}

function wallClockLimitMs(task: TaskRecord): number | undefined {
  const text = task.constraints.maxWallClockTime ?? task.job.constraints.maxWallClockTime;
  return text === undefined ? undefined : parseDuration(text);
}

/** The node's view of a task it ran (TaskInformation), read live so state and executionInfo are current. */
function recentTask(task: TaskRecord): RecentTask {
  const jobId = task.job.id;
  const taskId = task.id;
  return {
    jobId,
    taskId,
    describe: (url) => ({
      taskUrl: url(`/jobs/${encodeURIComponent(jobId)}/tasks/${encodeURIComponent(taskId)}`),
      jobId,
      taskId,
      taskState: task.state,
      executionInfo: executionInfo(task),
    }),
  };
}

/** What an attempt's end keeps of its run: when it started, and a local container task's note. */
function keptFromRun(task: TaskRecord): { startTime?: number; containerInfo?: { state: string; error?: string } } {
  const run = task.run;
  return {
    ...(run?.startTime === undefined ? {} : { startTime: run.startTime }),
    ...(run?.containerInfo === undefined ? {} : { containerInfo: run.containerInfo }),
  };
}
