import { join } from "node:path";
import { batchEnvironment, type RunSpec } from "../execution/local-executor.js";
import type { NodeEntity, PoolEntity } from "../store/pool-store.js";
import { taskRootDirectory, type TaskRecord } from "../store/job-records.js";

/** Shown in a container task's executionInfo.containerInfo and stderr.txt: it ran on the host, without isolation. */
const NO_CONTAINER_ENGINE =
  "batch emulator: the emulator runs no container engine; this container task's command line ran on the host, without the image or any isolation";

/** What a task runs as in local mode: its directory on the node, the Batch environment and its resource files. */
export function localRunSpec(task: TaskRecord, pool: PoolEntity, node: NodeEntity, accountName: string): RunSpec & { containerInfo?: { state: string; error: string } } {
  const root = node.rootDir ?? "";
  const taskDir = join(root, taskRootDirectory(task));
  const container = task.body.containerSettings !== undefined;
  const settings = [...asList(task.job.body.commonEnvironmentSettings), ...asList(task.body.environmentSettings)];
  const environment = batchEnvironment(
    {
      AZ_BATCH_ACCOUNT_NAME: accountName,
      AZ_BATCH_NODE_ROOT_DIR: root,
      AZ_BATCH_NODE_SHARED_DIR: join(root, "shared"),
      AZ_BATCH_NODE_STARTUP_DIR: join(root, "startup"),
      AZ_BATCH_NODE_ID: node.id,
      AZ_BATCH_NODE_IS_DEDICATED: String(node.isDedicated),
      AZ_BATCH_POOL_ID: pool.id,
      AZ_BATCH_JOB_ID: task.job.id,
      AZ_BATCH_TASK_ID: task.id,
      AZ_BATCH_TASK_DIR: taskDir,
      AZ_BATCH_TASK_WORKING_DIR: join(taskDir, "wd"),
      AZ_BATCH_TASK_RETRY_COUNT: String(task.retryCount),
    },
    settings,
  );
  return {
    commandLine: String(task.body.commandLine ?? ""),
    taskDir,
    environment,
    resourceFiles: asList(task.body.resourceFiles),
    outputFiles: asList(task.body.outputFiles),
    ...(container ? { note: NO_CONTAINER_ENGINE, containerInfo: { state: "not run: no container engine", error: NO_CONTAINER_ENGINE } } : {}),
  };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}
