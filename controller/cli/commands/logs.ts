/**
 * `batch-gitops logs <namespace/job> [task]`: a task's stdout (or stderr) through the Batch file API,
 * from Azure Batch or the emulator. Without a task it shows the first failed task, else the latest started.
 */
import { usageFailure } from "../usage.js";
import { parseArgs } from "node:util";
import type { Command } from "../command.js";
import { azureCredential, entraCredentials, sharedKeyCredentials } from "../../batch/credentials.js";
import { createTaskLogReader, type TaskFile, type TaskLogReader, type TaskSummary } from "../../batch/taskLogs.js";
import { ConfigError, parseRunConfig } from "../../config/runConfig.js";
import { describeError } from "../../runtime/reconcileErrors.js";
import { delay, systemClock, type Clock } from "../../time/clock.js";

const USAGE = `Usage: batch-gitops logs <namespace/job> [task] [--stderr] [--follow] [--tail N] [options]

Prints a task's stdout.txt (or stderr.txt) read through the Batch file API. The job is the Batch job
the controller created for the BatchJob <namespace/job>. Without [task]: the first failed task, else
the task that started last.

Options:
  --stderr           stderr.txt instead of stdout.txt
  --follow, -f       keep printing what the task writes until it completes (Ctrl-C stops)
  --tail N           only the last N lines
  --batch-url URL    account URL (or BATCH_ACCOUNT_URL); e.g. the emulator's http://127.0.0.1:8089
  --auth MODE        entra (default; DefaultAzureCredential) or shared-key
                     (BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY from the environment)`;

export interface LogsOptions {
  readonly target: string;
  readonly task?: string;
  readonly stderr: boolean;
  readonly follow: boolean;
  readonly tail?: number;
  /** How often --follow asks for more (default 2 s). */
  readonly pollIntervalMs?: number;
  /** What the follow loop waits on between polls (default the system clock; tests move a manual one). */
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
}

export interface LogsOutput {
  /** The log's bytes, as they are. */
  write(chunk: Buffer): void;
  /** Notes about what is shown (to stderr, so the log itself pipes cleanly). */
  note(line: string): void;
}

export const logsCommand: Command = {
  name: "logs",
  summary: "print a task's stdout/stderr through the Batch file API (--follow, --tail N)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const parsed = parseLogsArgs(args);
    if (typeof parsed === "string") {
      return usageFailure("logs", parsed);
    }
    const abort = new AbortController();
    const stop = (): void => abort.abort();
    process.once("SIGINT", stop);
    try {
      const reader = await connect(parsed.flags);
      const output: LogsOutput = { write: (chunk) => void process.stdout.write(chunk), note: (line) => console.error(line) };
      return await showLogs(reader, { ...parsed.options, signal: abort.signal }, output);
    } catch (error: unknown) {
      console.error(`batch-gitops logs: ${error instanceof ConfigError ? error.message : describeError(error)}`);
      return 1;
    } finally {
      process.off("SIGINT", stop);
    }
  },
};

interface ParsedArgs {
  options: LogsOptions;
  flags: string[];
}

function parseLogsArgs(args: string[]): ParsedArgs | string {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        stderr: { type: "boolean" },
        follow: { type: "boolean", short: "f" },
        tail: { type: "string" },
        "batch-url": { type: "string" },
        auth: { type: "string" },
      },
    });
  } catch (error: unknown) {
    return error instanceof Error ? error.message : String(error);
  }
  const [target, task, ...extra] = parsed.positionals;
  if (target === undefined) return "the job is required, as <namespace/job>";
  if (extra.length > 0) return `unexpected argument ${extra[0] ?? ""}`;
  const { values } = parsed;
  const tail = parseTail(values.tail);
  if (typeof tail === "string") return tail;
  const flags = Object.entries({ "--batch-url": values["batch-url"], "--auth": values.auth }).flatMap(([flag, value]) =>
    value === undefined ? [] : [flag, value],
  );
  return {
    options: {
      target,
      ...(task === undefined ? {} : { task }),
      stderr: values.stderr === true,
      follow: values.follow === true,
      ...(tail === undefined ? {} : { tail }),
    },
    flags,
  };
}

function parseTail(text: string | undefined): number | undefined | string {
  if (text === undefined) return undefined;
  const tail = Number(text);
  return Number.isInteger(tail) && tail >= 0 ? tail : `--tail takes a number of lines, not "${text}"`;
}

async function connect(flags: string[]): Promise<TaskLogReader> {
  const config = parseRunConfig(["--dir", process.cwd(), ...flags], { env: process.env, cwd: process.cwd(), stdoutIsTTY: false });
  if (config.batch.kind === "embedded") throw new ConfigError("logs needs the account: --batch-url URL or BATCH_ACCOUNT_URL");
  const auth = config.batch.auth;
  const credentials =
    auth.kind === "shared-key"
      ? sharedKeyCredentials(auth.accountName, auth.accountKey.reveal())
      : entraCredentials(await azureCredential());
  return createTaskLogReader({ accountUrl: config.batch.url, credentials });
}

/** Shows the log; resolves to the exit code (1 when the job, task or file cannot be found). */
export async function showLogs(reader: TaskLogReader, options: LogsOptions, out: LogsOutput): Promise<number> {
  const [namespace, name] = options.target.includes("/") ? options.target.split("/", 2) : ["default", options.target];
  const key = `${namespace ?? "default"}/${name ?? ""}`;
  const jobId = await reader.findJob(`BatchJob/${key}`, name ?? "");
  if (jobId === undefined) {
    out.note(`no Batch job for BatchJob ${key}`);
    return 1;
  }
  const task = await findTask(reader, jobId, options.task);
  if (task === undefined) {
    out.note(`job ${jobId} has no task that has started yet`);
    return 1;
  }
  const ref: TaskFile = { jobId, taskId: task.id, path: options.stderr ? "stderr.txt" : "stdout.txt" };
  out.note(`${jobId}/${task.id} ${ref.path}: ${describeTask(task)}`);
  return printLog(reader, ref, options, out);
}

/** Prints the log file (its last `tail` lines), then follows it when asked; 1 when it does not exist and is not followed. */
async function printLog(reader: TaskLogReader, ref: TaskFile, options: LogsOptions, out: LogsOutput): Promise<number> {
  const size = await reader.size(ref);
  if (size === undefined && !options.follow) {
    out.note(`${ref.path} does not exist (yet)`);
    return 1;
  }
  const start = size === undefined ? 0 : await tailStart(reader, ref, size, options.tail);
  const offset = await copy(reader, ref, { from: start, to: size ?? 0 }, out);
  if (options.follow) await follow(reader, ref, offset, { ...options, out });
  return 0;
}

async function findTask(reader: TaskLogReader, jobId: string, taskId: string | undefined): Promise<TaskSummary | undefined> {
  return taskId === undefined ? pickTask(await reader.tasks(jobId)) : reader.task(jobId, taskId);
}

/** The first failed task, else the one that started last. */
export function pickTask(tasks: readonly TaskSummary[]): TaskSummary | undefined {
  const failed = tasks.find((t) => t.state === "completed" && (t.failureCategory !== undefined || (t.exitCode ?? 0) !== 0));
  if (failed !== undefined) return failed;
  let latest: TaskSummary | undefined;
  for (const task of tasks) {
    if (task.startTime !== undefined && (latest?.startTime === undefined || task.startTime > latest.startTime)) latest = task;
  }
  return latest;
}

function describeTask(task: TaskSummary): string {
  const parts = [task.state];
  if (task.exitCode !== undefined) parts.push(`exit code ${task.exitCode}`);
  if (task.failureCategory !== undefined) parts.push(`${task.failureCategory}: ${task.failureMessage ?? ""}`.trim());
  return parts.join(", ");
}

/** Where the last `lines` lines start: reads backwards in growing chunks until it has enough newlines. */
async function tailStart(reader: TaskLogReader, ref: TaskFile, size: number, lines: number | undefined): Promise<number> {
  if (lines === undefined) return 0;
  for (let chunk = 64 * 1024; ; chunk *= 4) {
    const start = Math.max(0, size - chunk);
    const found = lineStart(await reader.read(ref, start, size), lines);
    if (found !== undefined) return start + found;
    if (start === 0) return lines === 0 ? size : 0;
  }
}

/** Offset in `text` where its last `lines` lines start, or undefined when it has fewer. */
function lineStart(text: Buffer, lines: number): number | undefined {
  // A final newline ends the last line; it does not start another.
  const end = text.length > 0 && text[text.length - 1] === 0x0a ? text.length - 1 : text.length;
  let found = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (text[i] !== 0x0a) continue;
    found += 1;
    if (found === lines) return i + 1;
  }
  return undefined;
}

async function copy(reader: TaskLogReader, ref: TaskFile, range: { from: number; to: number }, out: LogsOutput): Promise<number> {
  if (range.to <= range.from) return range.from;
  out.write(await reader.read(ref, range.from, range.to));
  return range.to;
}

/** Prints what is appended until the task has completed and everything it wrote was printed. */
async function follow(reader: TaskLogReader, ref: TaskFile, offset: number, options: LogsOptions & { out: LogsOutput }): Promise<void> {
  let position = offset;
  for (;;) {
    const done = (await reader.task(ref.jobId, ref.taskId)).state === "completed";
    const size = (await reader.size(ref)) ?? 0;
    position = await copy(reader, ref, { from: position, to: size }, options.out);
    if (done || options.signal?.aborted === true) return;
    if (!(await delay(options.clock ?? systemClock, options.pollIntervalMs ?? 2000, options.signal))) return;
  }
}
