import { join } from "node:path";
import type { AccountStore } from "../store/account-store.js";
import { poolStore, type NodeEntity, type PoolEntity } from "../store/pool-store.js";
import type { FailureInfo, JobRecord, NodeJobTasks, NodeTaskRun } from "../store/job-records.js";
import { batchEnvironment, type ProcessOutcome } from "../execution/local-executor.js";
import { runAsFor } from "../execution/run-as.js";

/**
 * Job preparation and release tasks (Batch's "job preparation task runs on a node before any task of the
 * job runs there; the job release task runs on each node that ran it when the job ends"):
 *
 * - the first task of a job placed on a node waits, `preparing`, while the preparation task runs there
 *   (once per node; later tasks on that node find it done, or wait for the same run);
 * - a preparation task that fails with `waitForSuccess` (the default) fails the task that waited, with
 *   failure code `JobPreparationTaskFailed` (the service would keep such tasks off that node instead);
 * - when the job is terminated or deleted, the release task runs on every node that ran the preparation.
 *
 * Both run as processes in local mode (in workitems/{job}/job-1/{taskId}) and are simulated otherwise
 * (exit 0 after timing.startTaskMs, or N when the command line ends with `exit N`). What each node did is
 * kept on the job (`nodeTasks`) for Job_ListPreparationAndReleaseTaskStatus.
 */

type Spec = Record<string, unknown>;

const FAILURE_EXIT_CODE: FailureInfo = {
  category: "usererror",
  code: "FailureExitCode",
  message: "The task exited with an exit code representing a failure",
};

export function preparationSpec(job: JobRecord): Spec | undefined {
  return asSpec(job.body.jobPreparationTask);
}

export function releaseSpec(job: JobRecord): Spec | undefined {
  return asSpec(job.body.jobReleaseTask);
}

/** The id a preparation/release task has (the service's defaults), which names its directory on the node. */
export function nodeTaskId(job: JobRecord, kind: "preparation" | "release"): string {
  const spec = kind === "preparation" ? preparationSpec(job) : releaseSpec(job);
  const id = spec?.id;
  return typeof id === "string" ? id : kind === "preparation" ? "jobpreparation" : "jobrelease";
}

export class JobPrepRelease {
  readonly #account: AccountStore;
  /** Callbacks waiting for a preparation running on a node, by `${job}|${node}`. */
  readonly #waiting = new Map<string, Array<(run: NodeTaskRun) => void>>();

  constructor(account: AccountStore) {
    this.#account = account;
  }

  /**
   * Calls `ready` once the job's preparation task succeeded on `node` (at once when it has, or when the job
   * has none), or `failed` when it failed and the job's tasks must wait for its success.
   */
  beforeTask(job: JobRecord, at: { pool: PoolEntity; node: NodeEntity }, ready: () => void, failed: (failure: FailureInfo) => void): void {
    const spec = preparationSpec(job);
    if (spec === undefined) return ready();
    const decide = (run: NodeTaskRun): void => {
      if (run.result === "success" || spec.waitForSuccess === false) ready();
      else
        failed({
          category: "usererror",
          code: "JobPreparationTaskFailed",
          message: `The job preparation task failed on node ${at.node.id} (exit code ${String(run.exitCode)})`,
        });
    };
    const entry = nodeEntry(job, at.pool, at.node);
    const done = entry.preparation;
    if (done?.state === "completed") return decide(done);
    const key = `${job.id.toLowerCase()}|${at.node.id}`;
    const waiting = this.#waiting.get(key);
    if (waiting !== undefined) {
      waiting.push(decide);
      return;
    }
    this.#waiting.set(key, [decide]);
    this.#runOnNode(job, at, { kind: "preparation", spec }, (run) => {
      const callbacks = this.#waiting.get(key) ?? [];
      this.#waiting.delete(key);
      for (const callback of callbacks) callback(run);
    });
  }

  /** The job ended (terminated or deleted): its release task runs on every node that ran its preparation. */
  release(job: JobRecord): void {
    const spec = releaseSpec(job);
    if (spec === undefined) return;
    for (const entry of Object.values(job.nodeTasks ?? {})) {
      if (entry.preparation === undefined || entry.release !== undefined) continue;
      const pool = poolStore(this.#account).get(entry.poolId);
      const node = pool?.nodes.get(entry.nodeId);
      if (pool === undefined || node === undefined) continue;
      this.#runOnNode(job, { pool, node }, { kind: "release", spec }, () => undefined);
    }
  }

  #runOnNode(
    job: JobRecord,
    at: { pool: PoolEntity; node: NodeEntity },
    what: { kind: "preparation" | "release"; spec: Spec },
    done: (run: NodeTaskRun) => void,
  ): void {
    const clock = this.#account.clock;
    const entry = nodeEntry(job, at.pool, at.node);
    const run: NodeTaskRun = { state: "running", startTime: clock.now(), retryCount: 0 };
    entry[what.kind] = run;
    const complete = (outcome: ProcessOutcome): void => {
      const success = outcome.exitCode === 0 && outcome.failure === undefined;
      Object.assign(run, {
        state: "completed",
        endTime: clock.now(),
        ...(outcome.exitCode === undefined ? {} : { exitCode: outcome.exitCode }),
        result: success ? "success" : "failure",
        ...(success ? {} : { failureInfo: outcome.failure ?? FAILURE_EXIT_CODE }),
      });
      job.lastModified = clock.now();
      done(run);
    };
    const executor = this.#account.executor;
    const root = at.node.rootDir;
    if (executor === undefined || root === undefined) {
      clock.schedule(this.#account.timing.startTaskMs, () => complete({ exitCode: simulatedExitCode(what.spec.commandLine) }));
      return;
    }
    const taskDir = join(root, "workitems", job.id, "job-1", nodeTaskId(job, what.kind));
    const environment = batchEnvironment(
      {
        AZ_BATCH_ACCOUNT_NAME: this.#account.accountName,
        AZ_BATCH_NODE_ROOT_DIR: root,
        AZ_BATCH_NODE_SHARED_DIR: join(root, "shared"),
        AZ_BATCH_NODE_STARTUP_DIR: join(root, "startup"),
        AZ_BATCH_NODE_ID: at.node.id,
        AZ_BATCH_POOL_ID: at.pool.id,
        AZ_BATCH_JOB_ID: job.id,
        AZ_BATCH_TASK_ID: nodeTaskId(job, what.kind),
        AZ_BATCH_TASK_DIR: taskDir,
        AZ_BATCH_TASK_WORKING_DIR: join(taskDir, "wd"),
        AZ_BATCH_JOB_PREP_DIR: join(root, "workitems", job.id, "job-1", nodeTaskId(job, "preparation")),
        AZ_BATCH_JOB_PREP_WORKING_DIR: join(root, "workitems", job.id, "job-1", nodeTaskId(job, "preparation"), "wd"),
      },
      [...asList(job.body.commonEnvironmentSettings), ...asList(what.spec.environmentSettings)],
    );
    const runAs = runAsFor(what.spec.userIdentity, at.pool.spec.userAccounts);
    executor.run(
      {
        commandLine: String(what.spec.commandLine ?? ""),
        taskDir,
        environment,
        resourceFiles: asList(what.spec.resourceFiles),
        ...(runAs === undefined ? {} : { runAs }),
      },
      complete,
    );
  }
}

function nodeEntry(job: JobRecord, pool: PoolEntity, node: NodeEntity): NodeJobTasks {
  job.nodeTasks ??= {};
  const entry = job.nodeTasks[node.id] ?? { poolId: pool.id, nodeId: node.id };
  job.nodeTasks[node.id] = entry;
  return entry;
}

/** `... exit N` at the end of a command line: the simulated exit code (as for start tasks). */
export function simulatedExitCode(commandLine: unknown): number {
  if (typeof commandLine !== "string") return 0;
  const match = /\bexit\s+(\d+)\s*['"]?\s*$/.exec(commandLine);
  return match === null ? 0 : Number(match[1]);
}

function asSpec(value: unknown): Spec | undefined {
  return value !== null && typeof value === "object" ? (value as Spec) : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
