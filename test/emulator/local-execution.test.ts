/**
 * `--execute local` through the unmodified @azure/batch SDK: tasks and start tasks run as processes in a
 * node directory tree, with the Batch environment, exit codes, retries, wall-clock kills and resource files.
 * Real clock (processes take real time); every wait polls a condition.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { splitCommandLine } from "../../emulator/execution/command-line.js";

let emulator: RunningEmulator;
let client: BatchServiceClient;
let files: Server;
let filesUrl: string;
let workDir: string;

const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached within a minute");
}

async function completed(jobId: string, taskId: string) {
  return until(
    () => client.task.get(jobId, taskId),
    (t) => t.state === "completed",
  );
}

async function fileText(jobId: string, taskId: string, path: string): Promise<string> {
  const response = await client.file.getFromTask(jobId, taskId, path);
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "emulocal-test-"));
  // containerEngine none: the container task below runs on the host wherever docker works (container-tasks.test.ts covers engines).
  emulator = await startEmulator({
    port: 0,
    execute: "local",
    workDir,
    containerEngine: "none",
    timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 },
  });
  client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  files = createServer((req, res) => (req.url === "/input.txt" ? res.end("resource file content\n") : res.writeHead(404).end()));
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  await client.pool.add({
    id: "local",
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: image,
    targetDedicatedNodes: 1,
    taskSlotsPerNode: 4,
    startTask: { commandLine: "/bin/sh -c 'echo from-start-task > $AZ_BATCH_NODE_SHARED_DIR/marker'", waitForSuccess: true },
  });
  await until(
    () => client.computeNode.list("local"),
    (nodes) => nodes[0]?.state === "idle",
  );
  await client.job.add({ id: "j", poolInfo: { poolId: "local" }, commonEnvironmentSettings: [{ name: "GREETING", value: "hello" }] });
});

afterAll(async () => {
  await emulator.close();
  await new Promise<void>((resolve) => files.close(() => resolve()));
  rmSync(workDir, { recursive: true, force: true });
});

describe("command lines", () => {
  it("split into argv like the service, with quotes and escapes and no shell", () => {
    expect(splitCommandLine(`ffmpeg -i "in file.mp4" 'out $x.mp3' a\\ b`)).toEqual(["ffmpeg", "-i", "in file.mp4", "out $x.mp3", "a b"]);
  });
});

describe("--execute local", () => {
  it("runs the start task before the node is idle, and tasks with the Batch environment in their working directory", async () => {
    await client.task.add("j", {
      id: "env",
      commandLine:
        "/bin/sh -c 'echo $AZ_BATCH_TASK_ID $AZ_BATCH_JOB_ID $GREETING; pwd; cat $AZ_BATCH_NODE_SHARED_DIR/marker; echo oops >&2; exit 3'",
    });
    const task = await completed("j", "env");
    expect(task.executionInfo).toMatchObject({ exitCode: 3, result: "failure", failureInfo: { category: "usererror" } });
    const stdout = await fileText("j", "env", "stdout.txt");
    expect(stdout).toContain("env j hello");
    expect(stdout).toContain(join(workDir, "local"));
    expect(stdout).toContain("/workitems/j/job-1/env/wd");
    expect(stdout).toContain("from-start-task");
    expect(await fileText("j", "env", "stderr.txt")).toBe("oops\n");
    const [node] = await client.computeNode.list("local");
    expect(node?.startTaskInfo).toMatchObject({ exitCode: 0, result: "success" });
  });

  it("passes $VARS through as text without a shell", async () => {
    await client.task.add("j", { id: "noshell", commandLine: "echo $HOME" });
    expect((await completed("j", "noshell")).executionInfo?.exitCode).toBe(0);
    expect(await fileText("j", "noshell", "stdout.txt")).toBe("$HOME\n");
  });

  it("reports a missing program as CommandProgramNotFound", async () => {
    await client.task.add("j", { id: "missing", commandLine: "no-such-program-xyz" });
    expect((await completed("j", "missing")).executionInfo?.failureInfo?.code).toBe("CommandProgramNotFound");
  });

  it("gives a task run as another user a home it owns and a PATH it can search", async () => {
    await client.task.add("j", { id: "home", commandLine: "/bin/sh -c 'echo $HOME; no-such-program-xyz'" });
    expect((await completed("j", "home")).executionInfo?.exitCode).toBe(127);
    // As root, a nonadmin task runs as nobody, who cannot enter root's home (docs/adr/0023).
    const home = process.getuid?.() === 0 ? "/workitems/j/job-1/home" : (process.env.HOME ?? "");
    expect((await fileText("j", "home", "stdout.txt")).trim().endsWith(home)).toBe(true);
    expect(await fileText("j", "home", "stderr.txt")).toMatch(/no-such-program-xyz: (command )?not found/);
  });

  it("retries a failing task up to maxTaskRetryCount", async () => {
    await client.task.add("j", {
      id: "retry",
      commandLine: "/bin/sh -c 'echo attempt >> $AZ_BATCH_NODE_SHARED_DIR/attempts; exit 1'",
      constraints: { maxTaskRetryCount: 2 },
    });
    const task = await completed("j", "retry");
    expect(task.executionInfo).toMatchObject({ exitCode: 1, retryCount: 2 });
  });

  it("kills a task at maxWallClockTime, and on terminate", async () => {
    await client.task.add("j", {
      id: "slow",
      commandLine: "/bin/sh -c 'echo $$; exec sleep 60'",
      constraints: { maxWallClockTime: "PT1S" },
    });
    const slow = await completed("j", "slow");
    expect(slow.executionInfo?.failureInfo?.message).toContain("maximum wall clock time");
    const slowPid = Number((await fileText("j", "slow", "stdout.txt")).trim());
    await until(
      async () => alive(slowPid),
      (isAlive) => !isAlive,
    );
    await client.task.add("j", { id: "stopme", commandLine: "/bin/sh -c 'echo $$; exec sleep 60'" });
    const pidText = await until(
      () => fileText("j", "stopme", "stdout.txt").catch(() => ""),
      (text) => text.trim() !== "",
    );
    await client.task.terminate("j", "stopme");
    expect((await completed("j", "stopme")).executionInfo?.failureInfo?.code).toBe("TaskEnded");
    await until(
      async () => alive(Number(pidText.trim())),
      (isAlive) => !isAlive,
    );
  });

  it("fetches httpUrl resource files into the working directory first", async () => {
    await client.task.add("j", {
      id: "resource",
      commandLine: "cat in/input.txt",
      resourceFiles: [{ httpUrl: `${filesUrl}/input.txt`, filePath: "in/input.txt" }],
    });
    expect((await completed("j", "resource")).executionInfo?.exitCode).toBe(0);
    expect(await fileText("j", "resource", "stdout.txt")).toBe("resource file content\n");
    await client.task.add("j", { id: "badresource", commandLine: "true", resourceFiles: [{ httpUrl: `${filesUrl}/nope.txt` }] });
    expect((await completed("j", "badresource")).executionInfo?.failureInfo?.code).toBe("ResourceFileDownloadFailed");
  });

  it("runs a container task's command line on the host and says so", async () => {
    await client.task.add("j", { id: "container", commandLine: "echo in-container", containerSettings: { imageName: "ubuntu:22.04" } });
    const task = await completed("j", "container");
    expect(task.executionInfo?.containerInfo?.error).toContain("ran on the host");
    expect(await fileText("j", "container", "stderr.txt")).toContain("without the image or any isolation");
  });

  it("lists the task's real files, recursively", async () => {
    await client.task.add("j", { id: "writer", commandLine: "/bin/sh -c 'mkdir -p out && echo x > out/result.txt'" });
    await completed("j", "writer");
    const names = (await client.file.listFromTask("j", "writer", { recursive: true })).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(["stdout.txt", "stderr.txt", "wd", "wd/out", "wd/out/result.txt"]));
  });

  it("leaves a node starttaskfailed when its start task fails", async () => {
    await client.pool.add({
      id: "broken",
      vmSize: "standard_d2s_v3",
      virtualMachineConfiguration: image,
      targetDedicatedNodes: 1,
      startTask: { commandLine: "/bin/sh -c 'exit 7'", waitForSuccess: true },
    });
    const [node] = await until(
      () => client.computeNode.list("broken"),
      (nodes) => nodes[0]?.state === "starttaskfailed",
    );
    expect(node?.startTaskInfo).toMatchObject({ exitCode: 7, result: "failure" });
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
