import type { NodeEntity } from "../store/pool-store.js";
import { taskRootDirectory, type TaskRecord } from "../store/job-records.js";
import { sliceRange, type ByteRange, type FileEntry, type NodeFileSource, type RemoveOutcome } from "./node-files.js";

interface VirtualFile extends FileEntry {
  readonly content?: () => Buffer;
}

const prefix = "[batch emulator, simulated]";

/**
 * The files of a simulated node, synthesized from what ran there: the directory tree of a real node
 * (shared/, startup/, workitems/{job}/job-1/{task}/wd) and, for the start task and each task that started,
 * a short stdout.txt saying what would have run (nothing runs in simulated mode) and a stderr.txt with the
 * failure, if any. Deletions are remembered in `deleted` (paths, lowercased).
 */
export class SimulatedNodeFiles implements NodeFileSource {
  private readonly entries = new Map<string, VirtualFile>();

  constructor(
    node: NodeEntity,
    tasks: readonly TaskRecord[],
    private readonly deleted: Set<string>,
    now: number,
  ) {
    for (const dir of ["shared", "startup", "workitems"]) this.dir(dir, node.allocationTime);
    const start = node.startTaskInfo;
    if (start !== undefined) {
      this.dir("startup/wd", start.startTime);
      const end = start.endTime ?? now;
      this.file(
        "startup/stdout.txt",
        start.startTime,
        end,
        () => `${prefix} start task on node ${node.id}${start.exitCode === undefined ? "" : `\n${prefix} exit code ${start.exitCode}`}\n`,
      );
      this.file("startup/stderr.txt", start.startTime, end, () => "");
    }
    for (const task of tasks) this.addTask(node, task, now);
  }

  private addTask(node: NodeEntity, task: TaskRecord, now: number): void {
    const started = task.run?.startTime;
    if (started === undefined) return;
    const root = taskRootDirectory(task);
    const parts = root.split("/");
    for (let i = 2; i <= parts.length; i++) this.dir(parts.slice(0, i).join("/"), started);
    this.dir(`${root}/wd`, started);
    const end = task.run?.endTime ?? now;
    this.file(`${root}/stdout.txt`, started, end, () => simulatedStdout(node, task));
    this.file(`${root}/stderr.txt`, started, end, () => {
      const failure = task.state === "completed" ? task.run?.failureInfo : undefined;
      return failure === undefined ? "" : `${prefix} ${failure.code}: ${failure.message}\n`;
    });
  }

  private dir(path: string, time: number): void {
    if (!this.entries.has(path)) this.entries.set(path, { path, isDirectory: true, size: 0, creationTime: time, lastModified: time });
  }

  private file(path: string, created: number, modified: number, text: () => string): void {
    const content = (): Buffer => Buffer.from(text(), "utf8");
    this.entries.set(path, { path, isDirectory: false, size: content().length, creationTime: created, lastModified: modified, content });
  }

  private isDeleted(path: string): boolean {
    const lower = path.toLowerCase();
    for (const gone of this.deleted) if (lower === gone || lower.startsWith(`${gone}/`)) return true;
    return false;
  }

  walk(dir: string): FileEntry[] | undefined {
    if (dir !== "" && this.stat(dir) === undefined) return undefined;
    const below = dir === "" ? "" : `${dir.toLowerCase()}/`;
    return [...this.entries.values()]
      .filter((entry) => entry.path.toLowerCase().startsWith(below) && !this.isDeleted(entry.path))
      .sort((a, b) => a.path.localeCompare(b.path))
      .map(({ content: _content, ...entry }) => entry);
  }

  stat(path: string): FileEntry | undefined {
    const entry = this.find(path);
    if (entry === undefined) return undefined;
    const { content: _content, ...rest } = entry;
    return rest;
  }

  read(path: string, range?: ByteRange): Buffer | undefined {
    const entry = this.find(path);
    if (entry?.content === undefined) return undefined;
    return sliceRange(entry.content(), range);
  }

  remove(path: string, recursive: boolean): RemoveOutcome {
    const entry = this.find(path);
    if (entry === undefined) return "notFound";
    if (entry.isDirectory && !recursive && (this.walk(entry.path)?.length ?? 0) > 0) return "notEmpty";
    this.deleted.add(entry.path.toLowerCase());
    return "deleted";
  }

  private find(path: string): VirtualFile | undefined {
    const lower = path.toLowerCase();
    for (const entry of this.entries.values()) if (entry.path.toLowerCase() === lower && !this.isDeleted(entry.path)) return entry;
    return undefined;
  }
}

function simulatedStdout(node: NodeEntity, task: TaskRecord): string {
  const lines = [
    `${prefix} task ${task.id} of job ${task.job.id} on node ${node.id}`,
    `${prefix} command line (not run: the emulator is in simulated mode): ${String(task.body.commandLine)}`,
  ];
  if (task.state === "completed" && task.run?.exitCode !== undefined) lines.push(`${prefix} exit code ${task.run.exitCode}`);
  return `${lines.join("\n")}\n`;
}
