/**
 * A third independent client: the Azure CLI (Debian's azure-cli, `az batch ...`), pointed at the
 * emulator with --account-endpoint, as a user would point it at a real account. .ci/run installs it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { externalClientAvailable } from "../helpers/externalClient.js";

const execFileAsync = promisify(execFile);
const available = externalClientAvailable("the Azure CLI", "sh", ["-c", "command -v az"], "azure-cli");

let emulator: RunningEmulator;
let configDir: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { taskPreparingMs: 0, taskRunMs: 5, jobTransitionMs: 50 } });
  // Its own config dir: no login state, no telemetry, nothing from the user's ~/.azure.
  configDir = await mkdtemp(join(tmpdir(), "az-config-"));
});

afterAll(async () => {
  await emulator.close();
  await rm(configDir, { recursive: true, force: true });
});

/**
 * The Azure CLI starts a Python interpreter and imports hundreds of modules per command: seconds on
 * an idle machine, over a minute with every core busy. Bounds are generous failure limits only.
 */
const AZ_COMMAND_TIMEOUT_MS = 300_000;

interface AzResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function az(args: readonly string[], key = emulator.account.key): Promise<AzResult> {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: configDir,
    AZURE_CONFIG_DIR: configDir,
    AZURE_CORE_COLLECT_TELEMETRY: "false",
    AZURE_CORE_NO_COLOR: "true",
    AZURE_BATCH_ACCOUNT: emulator.account.name,
    AZURE_BATCH_ACCESS_KEY: key,
    AZURE_BATCH_ENDPOINT: emulator.url,
  };
  try {
    const { stdout, stderr } = await execFileAsync("az", ["batch", ...args, "--output", "json"], { env, timeout: AZ_COMMAND_TIMEOUT_MS });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? String(error),
    };
  }
}

async function azJson<T>(args: readonly string[]): Promise<T> {
  const result = await az(args);
  expect(result.stderr, `az batch ${args.join(" ")}`).not.toMatch(/ERROR/);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + AZ_COMMAND_TIMEOUT_MS;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

describe.skipIf(!available)("the Azure CLI (az batch, Debian azure-cli)", () => {
  it("creates a pool, resizes it, runs a job's tasks and reads their counts", { timeout: 10 * AZ_COMMAND_TIMEOUT_MS }, async () => {
    const image = "microsoft-dsvm:ubuntu-hpc:2204:latest";
    const created = await az([
      "pool",
      "create",
      "--id",
      "cli-pool",
      "--vm-size",
      "standard_d2s_v3",
      "--image",
      image,
      "--node-agent-sku-id",
      "batch.node.ubuntu 22.04",
      "--target-dedicated-nodes",
      "1",
    ]);
    expect(created.stderr).not.toMatch(/ERROR/);
    expect(created.code).toBe(0);
    const pool = await eventually(
      () => azJson<{ allocationState: string; currentDedicatedNodes: number }>(["pool", "show", "--pool-id", "cli-pool"]),
      (p) => p.allocationState === "steady" && p.currentDedicatedNodes === 1,
    );
    expect(pool).toMatchObject({ allocationState: "steady", currentDedicatedNodes: 1 });

    expect((await az(["pool", "resize", "--pool-id", "cli-pool", "--target-dedicated-nodes", "2"])).code).toBe(0);
    const nodes = await eventually(
      () => azJson<{ state: string }[]>(["node", "list", "--pool-id", "cli-pool"]),
      (list) => list.length === 2 && list.every((n) => n.state === "idle"),
    );
    expect(nodes.map((n) => n.state)).toEqual(["idle", "idle"]);

    expect((await az(["job", "create", "--id", "cli-job", "--pool-id", "cli-pool"])).code).toBe(0);
    for (const id of ["t1", "t2", "t3"]) {
      expect((await az(["task", "create", "--job-id", "cli-job", "--task-id", id, "--command-line", "/bin/bash -c 'echo hi'"])).code).toBe(
        0,
      );
    }
    const counts = await eventually(
      () =>
        azJson<{ taskCounts: { completed: number; succeeded: number; failed: number } }>([
          "job",
          "task-counts",
          "show",
          "--job-id",
          "cli-job",
        ]),
      (c) => c.taskCounts.completed === 3,
    );
    expect(counts.taskCounts).toMatchObject({ completed: 3, succeeded: 3, failed: 0 });
    const tasks = await azJson<{ id: string; state: string; executionInfo: { exitCode: number } }[]>([
      "task",
      "list",
      "--job-id",
      "cli-job",
    ]);
    expect(tasks.map((t) => [t.id, t.state, t.executionInfo.exitCode])).toEqual([
      ["t1", "completed", 0],
      ["t2", "completed", 0],
      ["t3", "completed", 0],
    ]);
  });

  it("gets the service's errors: an existing pool id, and a wrong key", { timeout: 4 * AZ_COMMAND_TIMEOUT_MS }, async () => {
    expect(
      (
        await az([
          "pool",
          "create",
          "--id",
          "cli-dupe",
          "--vm-size",
          "standard_d2s_v3",
          "--image",
          "microsoft-dsvm:ubuntu-hpc:2204:latest",
          "--node-agent-sku-id",
          "batch.node.ubuntu 22.04",
        ])
      ).code,
    ).toBe(0);
    const again = await az([
      "pool",
      "create",
      "--id",
      "cli-dupe",
      "--vm-size",
      "standard_d2s_v3",
      "--image",
      "microsoft-dsvm:ubuntu-hpc:2204:latest",
      "--node-agent-sku-id",
      "batch.node.ubuntu 22.04",
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain("The specified pool already exists");

    const wrongKey = Buffer.alloc(64, 7).toString("base64");
    const refused = await az(["pool", "list"], wrongKey);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/AuthenticationFailed|Server failed to authenticate/);
  });
});
