import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { externalClientAvailable } from "../helpers/externalClient.js";

const python = "/usr/bin/python3";
const flow = fileURLToPath(new URL("./python/flow.py", import.meta.url));
const localFiles = fileURLToPath(new URL("./python/local_files.py", import.meta.url));
const run = promisify(execFile);
const available = externalClientAvailable("the Python Batch SDK", python, ["-c", "import azure.batch"], "python3-azure");

let emulator: RunningEmulator;

beforeAll(async () => {
  // Real clock with short durations: the Python client polls, as it would against the service.
  emulator = await startEmulator({ port: 0, timing: { taskPreparingMs: 0, taskRunMs: 5, jobTransitionMs: 50 } });
});

afterAll(async () => {
  await emulator.close();
});

describe.skipIf(!available)("the official Python SDK (azure-batch, Debian python3-azure)", () => {
  it("runs a pool → job → tasks flow against the emulator", async () => {
    const { stdout } = await run(python, [flow, emulator.url, emulator.account.name, emulator.account.key], { timeout: 120_000 });
    expect(stdout).toContain("python flow ok");
  });

  it("runs a task as a local process and reads its files through the file API (--execute local)", async () => {
    const local = await startEmulator({
      port: 0,
      execute: "local",
      timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 },
    });
    try {
      const { stdout } = await run(python, [localFiles, local.url, local.account.name, local.account.key], { timeout: 120_000 });
      expect(stdout).toContain("python local files ok");
    } finally {
      await local.close();
      if (local.workDir !== undefined) rmSync(local.workDir, { recursive: true, force: true });
    }
  });
});
