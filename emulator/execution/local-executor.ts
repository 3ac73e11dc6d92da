import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import { splitCommandLine } from "./command-line.js";
import { downloadContainer, uploadOutputFiles } from "./blob-files.js";
import type { RunAs } from "./run-as.js";
import {
  containerArgv,
  detectContainerEngine,
  removeContainer,
  type ContainerEngineChoice,
  type ContainerRun,
  type EngineDetection,
} from "./container-engine.js";

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
  /** Switch to this user (the emulator runs as root and the identity is not admin: run-as.ts). */
  runAs?: RunAs;
  /** A container task to run through the detected engine (container-engine.ts). */
  container?: ContainerRun;
}

export interface LocalExecutorOptions {
  /**
   * The account's auto-storage account, as a storage connection string (Azurite's development one works):
   * resource files with `autoStorageContainerName` are downloaded from its containers.
   */
  autoStorage?: string;
  /** Which container engine runs container tasks: auto (docker, else podman, if one works), none, docker, podman. */
  containerEngine?: ContainerEngineChoice;
}

export interface RunningProcess {
  kill(): void;
}

export class LocalExecutor {
  readonly #running = new Set<ChildProcess>();
  readonly #autoStorage: BlobServiceClient | undefined;
  readonly #engineChoice: ContainerEngineChoice;
  #engine: EngineDetection | undefined;

  constructor(
    readonly workDir: string,
    options: LocalExecutorOptions = {},
  ) {
    this.#autoStorage = options.autoStorage === undefined ? undefined : BlobServiceClient.fromConnectionString(options.autoStorage);
    this.#engineChoice = options.containerEngine ?? "auto";
    mkdirSync(workDir, { recursive: true });
    // Tasks that run as an unprivileged user (run-as.ts) must reach their directories below this one.
    if (process.getuid?.() === 0) chmodSync(workDir, 0o755);
  }

  /** The container engine for container tasks, found on first use (`docker info`, `podman info`). */
  containerEngine(): EngineDetection {
    this.#engine ??= detectContainerEngine(this.#engineChoice);
    return this.#engine;
  }

  /** Creates a node's directory tree; returns AZ_BATCH_NODE_ROOT_DIR. */
  prepareNode(poolId: string, nodeId: string): string {
    const root = join(this.workDir, safeName(poolId), nodeId);
    for (const dir of ["shared", "startup/wd", "workitems"]) mkdirSync(join(root, dir), { recursive: true });
    // Every task of the node reads and writes the shared directory, whichever user it runs as.
    chmodSync(join(root, "shared"), 0o1777);
    return root;
  }

  /**
   * Fetches the resource files into wd/, then runs the command line (argv split, no shell) with stdout.txt
   * and stderr.txt in `taskDir`. `onExit` is called once, unless the run is killed first.
   */
  run(spec: RunSpec, onExit: (outcome: ProcessOutcome) => void): RunningProcess {
    const state: { child?: ChildProcess; killed: boolean; container?: string } = { killed: false };
    const workingDir = join(spec.taskDir, "wd");
    mkdirSync(workingDir, { recursive: true });
    writeFileSync(join(spec.taskDir, "stdout.txt"), "");
    writeFileSync(join(spec.taskDir, "stderr.txt"), spec.note === undefined ? "" : `${spec.note}\n`);
    const finish = (outcome: ProcessOutcome): void => {
      if (!state.killed) onExit(outcome);
    };
    downloadResourceFiles(spec.resourceFiles, workingDir, (name) => this.#autoStorageContainer(name)).then(
      () => {
        if (state.killed) return;
        if (spec.runAs !== undefined) chownTree(spec.taskDir, spec.runAs);
        state.child = this.#spawn(spec, workingDir, finish, (name) => (state.container = name));
      },
      (error: unknown) => finish({ failure: { category: "usererror", code: "ResourceFileDownloadFailed", message: errorText(error) } }),
    );
    return {
      kill: () => {
        state.killed = true;
        if (state.child !== undefined) killTree(state.child);
        const engine = this.#engine?.engine;
        if (state.container !== undefined && engine !== undefined) removeContainer(engine, state.container);
      },
    };
  }

  #autoStorageContainer(name: string): ContainerClient {
    if (this.#autoStorage === undefined) {
      throw new Error(`autoStorageContainerName ${name}: the account has no auto-storage account (start the emulator with --auto-storage)`);
    }
    return this.#autoStorage.getContainerClient(name);
  }

  #argv(spec: RunSpec, workingDir: string, onContainer: (name: string) => void): Argv | undefined {
    const engine = spec.container === undefined ? undefined : this.containerEngine().engine;
    if (spec.container === undefined || engine === undefined || spec.commandLine.trim() === "") return hostArgv(spec);
    const nodeRoot = spec.environment.AZ_BATCH_NODE_ROOT_DIR ?? spec.taskDir;
    const runAs = spec.runAs === undefined ? {} : { runAs: spec.runAs };
    const { program, args, name } = containerArgv(engine, spec.container, {
      nodeRoot,
      workingDir,
      environment: spec.environment,
      commandLine: spec.commandLine,
      ...runAs,
    });
    onContainer(name);
    // The engine's CLI runs as the emulator's user; the container's user is set with --user.
    return { program, args, user: {} };
  }

  /** Kills every process still running (the emulator is closing). */
  killAll(): void {
    for (const child of this.#running) killTree(child);
    this.#running.clear();
  }

  #spawn(
    spec: RunSpec,
    workingDir: string,
    finish: (outcome: ProcessOutcome) => void,
    onContainer: (name: string) => void,
  ): ChildProcess | undefined {
    const argv = this.#argv(spec, workingDir, onContainer);
    if (argv === undefined) {
      finish({ failure: { category: "usererror", code: "CommandProgramNotFound", message: "The command line is empty" } });
      return undefined;
    }
    const { program, args, user } = argv;
    const out = openSync(join(spec.taskDir, "stdout.txt"), "a");
    const err = openSync(join(spec.taskDir, "stderr.txt"), "a");
    // detached: the task gets its own process group, so a kill reaches what it started too.
    const env =
      user.uid === undefined
        ? spec.environment
        : environmentForOtherUser(spec.environment, spec.taskDir, { uid: user.uid, gid: user.gid ?? user.uid });
    const child = spawn(program, args, { cwd: workingDir, env, stdio: ["ignore", out, err], detached: true, ...user });
    closeSync(out);
    closeSync(err);
    this.#running.add(child);
    child.once("error", (error: NodeJS.ErrnoException) => {
      this.#running.delete(child);
      const missing = error.code === "ENOENT" || error.code === "EACCES";
      finish({
        failure: {
          category: "usererror",
          code: missing ? "CommandProgramNotFound" : "TaskFailedToStart",
          message: `${program}: ${error.message}`,
        },
      });
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

/** What to spawn: the command line itself (as `runAs`), or the container engine running it in the task's image. */
type Argv = { program: string; args: string[]; user: { uid?: number; gid?: number } };

function hostArgv(spec: RunSpec): Argv | undefined {
  const [program, ...args] = splitCommandLine(spec.commandLine);
  if (program === undefined) return undefined;
  return { program, args, user: spec.runAs === undefined ? {} : { uid: spec.runAs.uid, gid: spec.runAs.gid } };
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

/**
 * A process run as another user (`nobody` for a nonadmin task of an emulator run as root) does not inherit the
 * emulator's home: HOME is its task directory, and PATH keeps only the directories that user can search (not
 * root's home, not a checkout in a 0700 temp directory), so a missing command says "not found", not "Permission
 * denied". What the task set itself (environmentSettings) stays.
 */
export function environmentForOtherUser(env: Record<string, string>, taskDir: string, user: RunAs): Record<string, string> {
  const out = { ...env };
  if (env.HOME !== undefined && env.HOME === process.env.HOME) out.HOME = taskDir;
  if (env.PATH !== undefined && env.PATH === process.env.PATH) {
    out.PATH = env.PATH.split(":")
      .filter((dir) => dir !== "" && searchableBy(dir, user))
      .join(":");
  }
  return out;
}

/** Whether `user` may enter `dir`: it and every directory above it let that user search (x) them. */
function searchableBy(dir: string, user: RunAs): boolean {
  for (let at = dir; ; at = dirname(at)) {
    let mode: number;
    let owner: { uid: number; gid: number };
    try {
      const stat = statSync(at);
      mode = stat.mode;
      owner = { uid: stat.uid, gid: stat.gid };
    } catch {
      return false;
    }
    const bit = owner.uid === user.uid ? 0o100 : owner.gid === user.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return false;
    if (at === dirname(at)) return true;
  }
}

interface ResourceFileSpec {
  httpUrl?: unknown;
  filePath?: unknown;
  storageContainerUrl?: unknown;
  autoStorageContainerName?: unknown;
  blobPrefix?: unknown;
}

/**
 * Resource files into wd/: httpUrl (any URL this machine reaches: an Azurite SAS URL, a local server),
 * storageContainerUrl, and autoStorageContainerName (a container of the account's auto-storage account).
 */
async function downloadResourceFiles(
  resourceFiles: readonly unknown[],
  workingDir: string,
  autoStorage: (name: string) => ContainerClient,
): Promise<void> {
  for (const item of resourceFiles) {
    const file = item as ResourceFileSpec | null;
    if (typeof file?.storageContainerUrl === "string" || typeof file?.autoStorageContainerName === "string") {
      const container =
        typeof file.storageContainerUrl === "string"
          ? new ContainerClient(file.storageContainerUrl)
          : autoStorage(String(file.autoStorageContainerName));
      await downloadContainer(container, { blobPrefix: file.blobPrefix, filePath: file.filePath }, workingDir);
      continue;
    }
    if (typeof file?.httpUrl !== "string")
      throw new Error("a resource file names httpUrl, storageContainerUrl or autoStorageContainerName");
    await downloadHttp(file.httpUrl, file.filePath, workingDir);
  }
}

/** One httpUrl resource file into wd/ (at filePath, else the URL's last path segment). */
async function downloadHttp(httpUrl: string, filePath: unknown, workingDir: string): Promise<void> {
  const url = new URL(httpUrl);
  const name = typeof filePath === "string" && filePath !== "" ? filePath : decodeURIComponent(url.pathname.split("/").pop() ?? "file");
  if (name.split(/[\\/]/).includes("..")) throw new Error(`resource file path ${name} leaves the working directory`);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url.origin}${url.pathname} answered ${response.status}`);
  const target = join(workingDir, name);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, Buffer.from(await response.arrayBuffer()));
}

/** Hands a task's directory (and what was downloaded into it) to the user it runs as. */
function chownTree(path: string, user: RunAs): void {
  chownSync(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), user);
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
