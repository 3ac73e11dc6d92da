/**
 * Container tasks in `--execute local`: through docker or podman when one works here (`docker info` /
 * `podman info` succeed), else on the host, saying so in executionInfo, stderr.txt and the emulator's log.
 * Unmodified @azure/batch SDK; real clock, every wait polls a condition.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { detectContainerEngine } from "../../emulator/execution/container-engine.js";

const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};
const works = (program: string): boolean => spawnSync(program, ["info"], { stdio: "ignore", timeout: 15_000 }).status === 0;
const engineHere = works("docker") ? "docker" : works("podman") ? "podman" : undefined;

let emulator: RunningEmulator;
let client: BatchServiceClient;
let workDir: string;

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 2400; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached within two minutes");
}

async function fileText(jobId: string, taskId: string, path: string): Promise<string> {
  const response = await client.file.getFromTask(jobId, taskId, path);
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "emulocal-containers-"));
  emulator = await startEmulator({
    port: 0,
    execute: "local",
    workDir,
    timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 },
  });
  client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  await client.pool.add({ id: "p", vmSize: "standard_d2s_v3", virtualMachineConfiguration: image, targetDedicatedNodes: 1 });
  await until(
    () => client.computeNode.list("p"),
    (nodes) => nodes[0]?.state === "idle",
  );
  await client.job.add({ id: "j", poolInfo: { poolId: "p" } });
});

afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe("container engine detection", () => {
  it("finds an engine exactly when `docker info` or `podman info` works here (a CLI without a daemon does not count)", () => {
    const detection = detectContainerEngine("auto");
    expect(detection.engine?.program).toBe(engineHere);
    if (engineHere === undefined) expect(detection.reason).toMatch(/^no working container engine \(docker info (exited|failed)/);
    expect(detectContainerEngine("none")).toEqual({ reason: "container engines are turned off (containerEngine none)" });
  });
});

describe("container tasks", () => {
  it.skipIf(engineHere !== undefined)(
    "without a working engine: the command line runs on the host, and executionInfo, stderr.txt and a log line say so",
    async () => {
      const warnings: string[] = [];
      vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
      await client.task.add("j", {
        id: "on-host",
        commandLine: "/bin/sh -c 'echo ran; cat /etc/hostname >/dev/null'",
        containerSettings: { imageName: "alpine:3.20" },
      });
      const task = await until(
        () => client.task.get("j", "on-host"),
        (t) => t.state === "completed",
      );
      expect(task.executionInfo).toMatchObject({
        exitCode: 0,
        result: "success",
        containerInfo: { state: "ran on the host: no container engine" },
      });
      expect(task.executionInfo?.containerInfo?.error).toMatch(
        /no working container engine.*ran on the host, without the image or any isolation/,
      );
      expect(await fileText("j", "on-host", "stdout.txt")).toBe("ran\n");
      expect((await fileText("j", "on-host", "stderr.txt")).split("\n")[0]).toContain("without the image or any isolation");
      expect(
        warnings.some((line) => line.includes("container task j/on-host (image alpine:3.20) runs on the host without isolation")),
      ).toBe(true);
    },
  );

  // Needs a running docker or podman daemon and the alpine image (pulled on first use).
  it.skipIf(engineHere === undefined)(
    `with ${engineHere ?? "an engine"}: runs in the image, in the task working directory, with the Batch environment`,
    { timeout: 300_000 },
    async () => {
      await client.task.add("j", {
        id: "in-image",
        commandLine: "/bin/sh -c 'cat /etc/alpine-release >/dev/null && echo $AZ_BATCH_TASK_ID && pwd'",
        containerSettings: { imageName: "alpine:3.20" },
      });
      const task = await until(
        () => client.task.get("j", "in-image"),
        (t) => t.state === "completed",
      );
      expect(task.executionInfo).toMatchObject({ exitCode: 0, result: "success" });
      expect(await fileText("j", "in-image", "stdout.txt")).toMatch(/^in-image\n.*\/workitems\/j\/job-1\/in-image\/wd\n$/);
    },
  );
});
