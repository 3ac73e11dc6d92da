/** A task's executionInfo in wire form: shown by the task API and in a node's recentTasks. */
import { formatTime } from "../http/wire-format.js";
import type { TaskRecord, TaskRun } from "../store/job-records.js";

export function executionInfo(task: TaskRecord): Record<string, unknown> {
  const info: Record<string, unknown> = {};
  const run: TaskRun = task.run ?? {};
  setTime(info, "startTime", run.startTime);
  setTime(info, "endTime", run.endTime);
  setDefined(info, "exitCode", run.exitCode);
  setDefined(info, "containerInfo", run.containerInfo);
  setDefined(info, "failureInfo", run.failureInfo);
  info.retryCount = task.retryCount;
  setTime(info, "lastRetryTime", task.lastRetryTime);
  info.requeueCount = task.requeueCount;
  setTime(info, "lastRequeueTime", task.lastRequeueTime);
  setDefined(info, "result", run.result);
  return info;
}

function setDefined(to: Record<string, unknown>, name: string, value: unknown): void {
  if (value !== undefined) to[name] = value;
}

function setTime(to: Record<string, unknown>, name: string, ms: number | undefined): void {
  if (ms !== undefined) to[name] = formatTime(ms);
}
