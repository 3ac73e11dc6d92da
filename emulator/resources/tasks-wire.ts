/** The CloudTask wire form and the view $filter reads of a task. */
import { formatTime } from "../http/wire-format.js";
import { maxRetries, taskRootDirectory, type TaskRecord } from "../store/job-records.js";
import { executionInfo } from "../lifecycle/task-execution-info.js";
import { INFINITE_DURATION, type Body } from "./jobs-validation.js";
import { DEFAULT_USER_IDENTITY, outputFilesCasing, withoutSecrets } from "./service-defaults.js";

/** Properties clients can filter tasks by. */
export const TASK_FILTER_PATHS = [
  "id",
  "displayName",
  "state",
  "previousState",
  "commandLine",
  "requiredSlots",
  "creationTime",
  "lastModified",
  "stateTransitionTime",
  "previousStateTransitionTime",
  "executionInfo/startTime",
  "executionInfo/endTime",
  "executionInfo/exitCode",
  "executionInfo/result",
  "executionInfo/retryCount",
  "executionInfo/requeueCount",
  "nodeInfo/nodeId",
  "nodeInfo/poolId",
] as const;

/** Properties of a task shown as they were added. */
const FIXED_PROPERTIES = [
  "exitConditions",
  "commandLine",
  "containerSettings",
  "resourceFiles",
  "outputFiles",
  "environmentSettings",
  "affinityInfo",
] as const;
const FIXED_AFTER_CONSTRAINTS = ["userIdentity"] as const;
const FIXED_TAIL = ["multiInstanceSettings", "dependsOn", "applicationPackageReferences", "authenticationTokenSettings"] as const;

/** The CloudTask wire form. */
export function taskToWire(task: TaskRecord, url: string, nodeUrl?: (poolId: string, nodeId: string) => string): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: task.id };
  copy(task.body, wire, ["displayName"]);
  Object.assign(wire, {
    url,
    eTag: task.eTag,
    creationTime: formatTime(task.creationTime),
    lastModified: formatTime(task.lastModified),
    state: task.state,
    stateTransitionTime: formatTime(task.stateTransitionTime),
  });
  if (task.previousState !== undefined && task.previousStateTransitionTime !== undefined) {
    wire.previousState = task.previousState;
    wire.previousStateTransitionTime = formatTime(task.previousStateTransitionTime);
  }
  copy(task.body, wire, FIXED_PROPERTIES);
  if (wire.outputFiles !== undefined) wire.outputFiles = outputFilesCasing(wire.outputFiles);
  if (wire.containerSettings !== undefined) wire.containerSettings = withoutSecrets(wire.containerSettings);
  wire.constraints = {
    maxWallClockTime: task.constraints.maxWallClockTime ?? task.job.constraints.maxWallClockTime ?? INFINITE_DURATION,
    retentionTime: task.constraints.retentionTime ?? "P7D",
    maxTaskRetryCount: maxRetries(task),
  };
  wire.requiredSlots = task.requiredSlots;
  copy(task.body, wire, FIXED_AFTER_CONSTRAINTS);
  wire.userIdentity ??= DEFAULT_USER_IDENTITY;
  wire.executionInfo = executionInfo(task);
  if (task.node !== undefined) wire.nodeInfo = nodeInfo(task, task.node, nodeUrl);
  copy(task.body, wire, FIXED_TAIL);
  return wire;
}

/** Where a task ran: its node, and its directory there (path and file API URL). */
function nodeInfo(
  task: TaskRecord,
  node: { poolId: string; nodeId: string },
  nodeUrl?: (poolId: string, nodeId: string) => string,
): Record<string, unknown> {
  const root = taskRootDirectory(task);
  const url = nodeUrl?.(node.poolId, node.nodeId);
  return {
    affinityId: `TVM:${node.nodeId}`,
    ...(url === undefined ? {} : { nodeUrl: url }),
    poolId: node.poolId,
    nodeId: node.nodeId,
    taskRootDirectory: `/${root}`,
    ...(url === undefined ? {} : { taskRootDirectoryUrl: `${url}/files/${root}` }),
  };
}

function copy(from: Body, to: Record<string, unknown>, names: readonly string[]): void {
  for (const name of names) {
    const value = from[name];
    if (value !== undefined && value !== null) to[name] = value;
  }
}

/**
 * What $filter sees of a task: the filterable properties in wire form, computed only when the filter reads
 * them, so filtering a million tasks does not build a million full wire objects.
 */
export class TaskFilterView {
  constructor(private readonly task: TaskRecord) {}
  get id(): string {
    return this.task.id;
  }
  get displayName(): unknown {
    return this.task.body.displayName;
  }
  get state(): string {
    return this.task.state;
  }
  get previousState(): string | undefined {
    return this.task.previousState;
  }
  get commandLine(): unknown {
    return this.task.body.commandLine;
  }
  get requiredSlots(): number {
    return this.task.requiredSlots;
  }
  get creationTime(): string {
    return formatTime(this.task.creationTime);
  }
  get lastModified(): string {
    return formatTime(this.task.lastModified);
  }
  get stateTransitionTime(): string {
    return formatTime(this.task.stateTransitionTime);
  }
  get previousStateTransitionTime(): string | undefined {
    const time = this.task.previousStateTransitionTime;
    return time === undefined ? undefined : formatTime(time);
  }
  get executionInfo(): Record<string, unknown> {
    return executionInfo(this.task);
  }
  get nodeInfo(): Record<string, unknown> | undefined {
    return this.task.node;
  }
}
