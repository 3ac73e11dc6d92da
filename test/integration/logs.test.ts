/** `batch-gitops logs`: a task's stdout/stderr through the Batch file API of the emulator (simulated mode). */
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { createTaskLogReader, type TaskLogReader } from "../../controller/batch/taskLogs.js";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { logsCommand, showLogs, type LogsOptions } from "../../controller/cli/commands/logs.js";

let emulator: RunningEmulator;
let client: BatchServiceClient;
let reader: TaskLogReader;

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached");
}

async function logs(
  options: Omit<LogsOptions, "stderr" | "follow"> & Partial<LogsOptions>,
): Promise<{ code: number; text: string; notes: string[] }> {
  const chunks: Buffer[] = [];
  const notes: string[] = [];
  const code = await showLogs(
    reader,
    { stderr: false, follow: false, pollIntervalMs: 20, ...options },
    { write: (c) => chunks.push(c), note: (n) => notes.push(n) },
  );
  return { code, text: Buffer.concat(chunks).toString("utf8"), notes };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0, taskRunMs: 5 } });
  client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  reader = createTaskLogReader({
    accountUrl: emulator.url,
    credentials: sharedKeyCredentials(emulator.account.name, emulator.account.key),
  });
  await client.pool.add({
    id: "p",
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: {
      imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
      nodeAgentSKUId: "batch.node.ubuntu 22.04",
    },
    targetDedicatedNodes: 1,
    taskSlotsPerNode: 4,
  });
  // A job the controller made for BatchJob media/convert carries its owner key; its Batch id differs.
  await client.job.add({
    id: "convert-1a2b",
    poolInfo: { poolId: "p" },
    metadata: [{ name: "batch-gitops/owner", value: "BatchJob/media/convert" }],
  });
  await client.task.add("convert-1a2b", { id: "ok", commandLine: "ffmpeg -i in.mp4 out.mp3" });
  await client.task.add("convert-1a2b", {
    id: "bad",
    commandLine: "ffmpeg -i missing.mp4 out.mp3",
    environmentSettings: [{ name: "BATCH_EMULATOR_EXIT_CODE", value: "3" }],
  });
  await until(async () => (await client.task.list("convert-1a2b")).every((t) => t.state === "completed"));
});

afterAll(async () => {
  await emulator.close();
});

describe("batch-gitops logs", () => {
  it("finds the job by its owner, picks the first failed task, and names its exit code and failure", async () => {
    const { code, text, notes } = await logs({ target: "media/convert" });
    expect(code).toBe(0);
    expect(notes.join("\n")).toContain("convert-1a2b/bad stdout.txt: completed, exit code 3, usererror");
    expect(text).toContain("ffmpeg -i missing.mp4 out.mp3");
  });

  it("reads stderr, and only the last N lines with --tail", async () => {
    expect((await logs({ target: "media/convert", task: "bad", stderr: true })).text).toContain("FailureExitCode");
    const whole = (await logs({ target: "media/convert", task: "ok" })).text;
    const lines = whole.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    expect((await logs({ target: "media/convert", task: "ok", tail: 1 })).text).toBe(`${lines.at(-1) ?? ""}\n`);
  });

  it("follows a running task until it completes", async () => {
    await client.task.add("convert-1a2b", {
      id: "slow",
      commandLine: "sleep",
      environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "400" }],
    });
    await until(async () => (await client.task.get("convert-1a2b", "slow")).state === "running");
    const { code, text } = await logs({ target: "media/convert", task: "slow", follow: true });
    expect(code).toBe(0);
    expect(text).toContain("exit code 0");
  });

  it("says so when the job does not exist, and refuses a bad --tail", async () => {
    const missing = await logs({ target: "media/nothing" });
    expect(missing.code).toBe(1);
    expect(missing.notes.join()).toContain("no Batch job for BatchJob media/nothing");
    expect(await logsCommand.run(["media/convert", "--tail", "many"])).toBe(64);
  });
});
