/**
 * Reading a task's stdout.txt / stderr.txt through the Batch file API (File_GetFromTask with ocp-range,
 * File_GetPropertiesFromTask), for `batch-gitops logs`. Works against Azure Batch and the emulator alike.
 */
import { BatchServiceClient } from "@azure/batch";
import type { ServiceClientCredentials } from "@azure/ms-rest-js";
import { OWNER_KEY } from "../core/ownership.js";

export interface TaskSummary {
  readonly id: string;
  readonly state: string;
  readonly exitCode?: number;
  readonly failureCategory?: string;
  readonly failureMessage?: string;
  readonly startTime?: Date;
}

/** A file of a task, by its path relative to the task directory (stdout.txt, wd/out.log). */
export interface TaskFile {
  readonly jobId: string;
  readonly taskId: string;
  readonly path: string;
}

export interface TaskLogReader {
  /** The Batch job the controller created for `ownerKey` (its owner metadata), else one with id `fallbackId`. */
  findJob(ownerKey: string, fallbackId: string): Promise<string | undefined>;
  tasks(jobId: string): Promise<TaskSummary[]>;
  task(jobId: string, taskId: string): Promise<TaskSummary>;
  /** The file's length in bytes, or undefined when it does not exist (yet). */
  size(file: TaskFile): Promise<number | undefined>;
  /** Bytes [start, end) of the file. */
  read(file: TaskFile, start: number, end: number): Promise<Buffer>;
}

export function createTaskLogReader(options: { accountUrl: string; credentials: ServiceClientCredentials }): TaskLogReader {
  const client = new BatchServiceClient(options.credentials, options.accountUrl);
  return {
    async findJob(ownerKey, fallbackId) {
      let byId: string | undefined;
      for (let page = await client.job.list(); ; page = await client.job.listNext(page.odatanextLink ?? "")) {
        for (const job of page) {
          if (job.metadata?.some((m) => m.name === OWNER_KEY && m.value === ownerKey) === true) return job.id;
          if (job.id?.toLowerCase() === fallbackId.toLowerCase()) byId = job.id;
        }
        if (page.odatanextLink === undefined) return byId;
      }
    },
    async tasks(jobId) {
      const out: TaskSummary[] = [];
      for (let page = await client.task.list(jobId); ; page = await client.task.listNext(page.odatanextLink ?? "")) {
        for (const task of page) out.push(summary(task));
        if (page.odatanextLink === undefined) return out;
      }
    },
    async task(jobId, taskId) {
      return summary(await client.task.get(jobId, taskId));
    },
    async size({ jobId, taskId, path }) {
      try {
        return (await client.file.getPropertiesFromTask(jobId, taskId, path)).contentLength;
      } catch (error: unknown) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    },
    async read({ jobId, taskId, path }, start, end) {
      if (end <= start) return Buffer.alloc(0);
      const response = await client.file.getFromTask(jobId, taskId, path, {
        fileGetFromTaskOptions: { ocpRange: `bytes=${start}-${end - 1}` },
      });
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks);
    },
  };
}

interface SdkTask {
  id?: string;
  state?: string;
  executionInfo?: { exitCode?: number; startTime?: Date; failureInfo?: { category?: string; message?: string } };
}

function summary(task: SdkTask): TaskSummary {
  const info = task.executionInfo ?? {};
  const failure = info.failureInfo ?? {};
  const optional = {
    exitCode: info.exitCode,
    failureCategory: failure.category,
    failureMessage: failure.message,
    startTime: info.startTime,
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return { id: task.id ?? "", state: task.state ?? "unknown", ...defined };
}
