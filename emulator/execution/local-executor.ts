import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { splitCommandLine } from "./command-line.js";
import { downloadContainer, uploadOutputFiles } from "./blob-files.js";

/**
 * `--execute local`: every emulated node is a directory tree shaped like a real node's
 * (AZ_BATCH_NODE_ROOT_DIR with shared/, startup/, workitems/{job}/job-1/{task}/wd), and start tasks and
 * tasks run as local processes there, as the user the emulator runs as. See docs/adr/0020.
 *
 * What it does not do: isolate anything. Processes share this machine's files, network and users;
 * container tasks run their command line on the host when no container engine is used.
 */

export interface ProcessOutcome {
  /** The exit code; undefined when the program could not be started. */
  exitCode?: number;
  /** Why it failed before or around the process (download, missing program), in the service's terms. */
  failure?: { category: "usererror" | "servererror"; code: string; message: string };
}

export interface RunSpec {
  commandLine: string;
  /** The directory holding stdout.txt, stderr.txt and wd/. */
  taskDir: string;
  environment: Record<string, string>;
  resourceFiles: readonly unknown[];
  /** Uploaded after the process exits, per their uploadCondition. */
  outputFiles?: readonly unknown[];
  /** A line written first to stderr.txt (e.g. that a container task runs on the host). */
  note?: string;
}

export interface RunningProcess {
  kill(): void;
}

export class LocalExecutor {
  readonly #running = new Set<ChildProcess>();

  constructor(readonly workDir: string) {}

  /** Creates a node's directory tree; returns AZ_BATCH_NODE_ROOT_DIR. */
  prepareNode(poolId: string, nodeId: string): string {
    const root = join(this.workDir, safeName(poolId), nodeId);
    for (const dir of ["shared", "startup/wd", "workitems"]) mkdirSync(join(root, dir), { recursive: true });
    return root;
  }

  /**
   * Fetches the resource files into wd/, then runs the command line (argv split, no shell) with stdout.txt
   * and stderr.txt in `taskDir`. `onExit` is called once, unless the run is killed first.
   */
  run(spec: RunSpec, onExit: (outcome: ProcessOutcome) => void): RunningProcess {
    const state: { child?: ChildProcess; killed: boolean } = { killed: false };
    const workingDir = join(spec.taskDir, "wd");
    mkdirSync(workingDir, { recursive: true });
    writeFileSync(join(spec.taskDir, "stdout.txt"), "");
    writeFileSync(join(spec.taskDir, "stderr.txt"), spec.note === undefined ? "" : `${spec.note}\n`);
    const finish = (outcome: ProcessOutcome): void => {
      if (!state.killed) onExit(outcome);
    };
    downloadResourceFiles(spec.resourceFiles, workingDir).then(
      () => {
        if (state.killed) return;
        state.child = this.#spawn(spec, workingDir, finish);
      },
      (error: unknown) => finish({ failure: { category: "usererror", code: "ResourceFileDownloadFailed", message: errorText(error) } }),
    );
    return {
      kill: () => {
        state.killed = true;
        if (state.child !== undefined) killTree(state.child);
      },
    };
  }

  /** Kills every process still running (the emulator is closing). */
  killAll(): void {
    for (const child of this.#running) killTree(child);
    this.#running.clear();
  }

  #spawn(spec: RunSpec, workingDir: string, finish: (outcome: ProcessOutcome) => void): ChildProcess | undefined {
    const [program, ...args] = splitCommandLine(spec.commandLine);
    if (program === undefined) {
      finish({ failure: { category: "usererror", code: "CommandProgramNotFound", message: "The command line is empty" } });
      return undefined;
    }
    const out = openSync(join(spec.taskDir, "stdout.txt"), "a");
    const err = openSync(join(spec.taskDir, "stderr.txt"), "a");
    // detached: the task gets its own process group, so a kill reaches what it started too.
    const child = spawn(program, args, { cwd: workingDir, env: spec.environment, stdio: ["ignore", out, err], detached: true });
    closeSync(out);
    closeSync(err);
    this.#running.add(child);
    child.once("error", (error: NodeJS.ErrnoException) => {
      this.#running.delete(child);
      const missing = error.code === "ENOENT" || error.code === "EACCES";
      finish({ failure: { category: "usererror", code: missing ? "CommandProgramNotFound" : "TaskFailedToStart", message: `${program}: ${error.message}` } });
    });
    child.once("exit", (code, signal) => {
      this.#running.delete(child);
      // A process ended by a signal reports 128 + signal number, as a shell would.
      const exitCode = code ?? 128 + signalNumber(signal);
      uploadOutputFiles(spec.outputFiles ?? [], workingDir, exitCode).then(
        () => finish({ exitCode }),
        (error: unknown) => finish({ exitCode, failure: { category: "usererror", code: "FileUploadFailed", message: errorText(error) } }),
      );
    });
    return child;
  }
}

/** The Batch environment of a task or start task, over the host's PATH/HOME (tasks find programs as the user does). */
export function batchEnvironment(values: Record<string, string | undefined>, settings: readonly unknown[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "LANG", "TMPDIR"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(values)) if (value !== undefined) env[name] = value;
  for (const item of settings) {
    const setting = item as { name?: unknown; value?: unknown } | null;
    if (typeof setting?.name === "string") env[setting.name] = typeof setting.value === "string" ? setting.value : "";
  }
  return env;
}

/** httpUrl resource files (any URL this machine reaches: an Azurite SAS URL, a local server) into wd/. */
async function downloadResourceFiles(resourceFiles: readonly unknown[], workingDir: string): Promise<void> {
  for (const item of resourceFiles) {
    const file = item as { httpUrl?: unknown; filePath?: unknown; storageContainerUrl?: unknown; blobPrefix?: unknown } | null;
    if (typeof file?.storageContainerUrl === "string") {
      await downloadContainer({ storageContainerUrl: file.storageContainerUrl, blobPrefix: file.blobPrefix, filePath: file.filePath }, workingDir);
      continue;
    }
    if (typeof file?.httpUrl !== "string") {
      throw new Error("local mode fetches httpUrl and storageContainerUrl resource files (autoStorageContainerName needs a linked storage account)");
    }
    const url = new URL(file.httpUrl);
    const name = typeof file.filePath === "string" && file.filePath !== "" ? file.filePath : decodeURIComponent(url.pathname.split("/").pop() ?? "file");
    if (name.split(/[\\/]/).includes("..")) throw new Error(`resource file path ${name} leaves the working directory`);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url.origin}${url.pathname} answered ${response.status}`);
    const target = join(workingDir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(await response.arrayBuffer()));
  }
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : (signals[signal] ?? 0);
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
