import { join } from "node:path";
import { batchEnvironment, type RunSpec } from "../execution/local-executor.js";
import { runAsFor } from "../execution/run-as.js";
import type { ContainerRun, EngineDetection } from "../execution/container-engine.js";
import type { NodeEntity, PoolEntity } from "../store/pool-store.js";
import { taskRootDirectory, type TaskRecord } from "../store/job-records.js";

/** Shown in a container task's executionInfo.containerInfo, stderr.txt and the emulator's log: it ran on the host, without isolation. */
function onHostNote(reason: string): string {
  return `batch emulator: ${reason}; this container task's command line ran on the host, without the image or any isolation`;
}

/** What a task runs as in local mode: its directory on the node, the Batch environment and its resource files. */
export function localRunSpec(
  task: TaskRecord,
  at: { pool: PoolEntity; node: NodeEntity; accountName: string; engine: () => EngineDetection },
): RunSpec & { containerInfo?: { state: string; error?: string } } {
  const { pool, node, accountName } = at;
  const root = node.rootDir ?? "";
  const taskDir = join(root, taskRootDirectory(task));
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
    ...runAsField(runAsFor(task.body.userIdentity, pool.spec.userAccounts)),
    ...containerParts(task, at.engine),
  };
}

/** A container task: through the engine when one works, else on the host, saying so everywhere. */
function containerParts(
  task: TaskRecord,
  engine: () => EngineDetection,
): Pick<RunSpec, "container" | "note"> & { containerInfo?: { state: string; error?: string } } {
  const settings = task.body.containerSettings as
    { imageName?: unknown; containerRunOptions?: unknown; workingDirectory?: unknown } | undefined;
  if (settings === undefined || settings === null) return {};
  const imageName = String(settings.imageName ?? "");
  const detection = engine();
  if (detection.engine !== undefined) {
    const container: ContainerRun = { imageName };
    if (typeof settings.containerRunOptions === "string") container.containerRunOptions = settings.containerRunOptions;
    if (typeof settings.workingDirectory === "string") container.workingDirectory = settings.workingDirectory;
    return { container, containerInfo: { state: `running in ${imageName} (${detection.engine.program})` } };
  }
  const note = onHostNote(detection.reason);
  console.warn(
    `emulator: container task ${task.job.id}/${task.id} (image ${imageName}) runs on the host without isolation: ${detection.reason}`,
  );
  return { note, containerInfo: { state: "ran on the host: no container engine", error: note } };
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function runAsField(runAs: RunSpec["runAs"]): Pick<RunSpec, "runAs"> {
  return runAs === undefined ? {} : { runAs };
}
