import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { splitCommandLine } from "./command-line.js";
import type { RunAs } from "./run-as.js";

/**
 * Container tasks in local mode (docs/adr/0023). A task with `containerSettings` runs in its image through
 * docker or podman when one works here (`docker info` / `podman info` succeed: a CLI without a running
 * daemon does not count); otherwise its command line runs on the host, and its executionInfo, its
 * stderr.txt and an emulator log line say so. As on Batch, the node's root directory is mounted at the
 * same path and the task working directory is the container's working directory (unless the task asks
 * for `containerImageDefault`); the Batch environment variables are passed by name, so values never
 * appear on a command line.
 */
export interface ContainerEngine {
  readonly program: "docker" | "podman";
}

export type ContainerEngineChoice = "auto" | "none" | "docker" | "podman";

export interface EngineDetection {
  engine?: ContainerEngine;
  /** Why there is none (shown in executionInfo and the log), or which one runs containers. */
  reason: string;
}

/** Finds a working engine: `auto` tries docker, then podman; `none` never uses one. */
export function detectContainerEngine(choice: ContainerEngineChoice = "auto"): EngineDetection {
  if (choice === "none") return { reason: "container engines are turned off (containerEngine none)" };
  const candidates: Array<ContainerEngine["program"]> = choice === "auto" ? ["docker", "podman"] : [choice];
  const failures: string[] = [];
  for (const program of candidates) {
    const probe = spawnSync(program, ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8", timeout: 15_000 });
    if (probe.error === undefined && probe.status === 0) return { engine: { program }, reason: `${program} runs container tasks` };
    failures.push(
      `${program} info ${probe.error === undefined ? `exited ${String(probe.status)}` : `failed (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})`}`,
    );
  }
  return { reason: `no working container engine (${failures.join("; ")})` };
}

export interface ContainerRun {
  imageName: string;
  containerRunOptions?: string;
  workingDirectory?: string;
}

/** The engine's argv for one task: `run --rm` with the node root mounted, the Batch environment and the image. */
export function containerArgv(
  engine: ContainerEngine,
  run: ContainerRun,
  at: { nodeRoot: string; workingDir: string; environment: Record<string, string>; runAs?: RunAs; commandLine: string },
): { program: string; args: string[]; name: string } {
  const name = `batch-emulator-${randomBytes(6).toString("hex")}`;
  const args = ["run", "--rm", "--name", name, "--volume", `${at.nodeRoot}:${at.nodeRoot}`];
  if (run.workingDirectory !== "containerImageDefault") args.push("--workdir", at.workingDir);
  if (at.runAs !== undefined) args.push("--user", `${at.runAs.uid}:${at.runAs.gid}`);
  for (const variable of Object.keys(at.environment)) if (!HOST_ONLY.has(variable)) args.push("--env", variable);
  args.push(...splitCommandLine(run.containerRunOptions ?? ""), run.imageName, ...splitCommandLine(at.commandLine));
  return { program: engine.program, args, name };
}

/** Removes a task's container (the engine's CLI being killed does not stop it). */
export function removeContainer(engine: ContainerEngine, name: string): void {
  const child = spawn(engine.program, ["rm", "--force", name], { stdio: "ignore", detached: true });
  child.on("error", () => undefined);
  child.unref();
}

/** Host variables the engine's CLI needs but the container must not inherit. */
const HOST_ONLY = new Set(["PATH", "HOME", "LANG", "TMPDIR"]);
