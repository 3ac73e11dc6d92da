/**
 * `--execute local`: job preparation and release tasks (once per node before the job's first task there;
 * release when the job ends) as Job_ListPreparationAndReleaseTaskStatus reports them, and elevationLevel
 * (nothing runs as root unless the emulator does and admin is asked). Unmodified @azure/batch SDK and the
 * official Python SDK; real clock, every wait polls a condition.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";
import { externalClientAvailable } from "../helpers/externalClient.js";

let emulator: RunningEmulator;
let client: BatchServiceClient;
let workDir: string;
let nodeId: string;

const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};
const PYTHON = "/usr/bin/python3";
// Skipped without Debian's python3-azure (as the other Python SDK tests are), required under CI.
const hasPythonSdk = externalClientAvailable("the Python Batch SDK", PYTHON, ["-c", "import azure.batch"], "python3-azure");

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached within a minute");
}

const completed = (jobId: string, taskId: string) =>
  until(
    () => client.task.get(jobId, taskId),
    (t) => t.state === "completed",
  );

async function fileText(jobId: string, taskId: string, path: string): Promise<string> {
  const response = await client.file.getFromTask(jobId, taskId, path);
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "emulocal-prep-"));
  emulator = await startEmulator({
    port: 0,
    execute: "local",
    workDir,
    timing: { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 },
  });
  client = new BatchServiceClient(new BatchSharedKeyCredentials(emulator.account.name, emulator.account.key), emulator.url);
  await client.pool.add({
    id: "p",
    vmSize: "standard_d2s_v3",
    virtualMachineConfiguration: image,
    targetDedicatedNodes: 1,
    taskSlotsPerNode: 3,
  });
  const [node] = await until(
    () => client.computeNode.list("p"),
    (nodes) => nodes[0]?.state === "idle",
  );
  nodeId = node?.id ?? "";
});

afterAll(async () => {
  await emulator.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe("job preparation and release tasks", () => {
  it("runs the preparation once per node before the job's tasks there, and the release when the job ends", async () => {
    await client.job.add({
      id: "prep",
      poolInfo: { poolId: "p" },
      jobPreparationTask: { commandLine: "/bin/sh -c 'echo prepared >> $AZ_BATCH_NODE_SHARED_DIR/prep-$AZ_BATCH_JOB_ID; echo prep-out'" },
      jobReleaseTask: { commandLine: "/bin/sh -c 'echo released > $AZ_BATCH_NODE_SHARED_DIR/release-$AZ_BATCH_JOB_ID'" },
    });
    await client.task.addCollection(
      "prep",
      ["a", "b", "c", "d"].map((id) => ({ id, commandLine: "/bin/sh -c 'cat $AZ_BATCH_NODE_SHARED_DIR/prep-$AZ_BATCH_JOB_ID'" })),
    );
    for (const id of ["a", "b", "c", "d"]) {
      expect((await completed("prep", id)).executionInfo?.exitCode).toBe(0);
      // Once on the node, whatever the number of tasks: one line.
      expect(await fileText("prep", id, "stdout.txt")).toBe("prepared\n");
    }
    const [status] = await client.job.listPreparationAndReleaseTaskStatus("prep");
    expect(status).toMatchObject({
      poolId: "p",
      nodeId,
      jobPreparationTaskExecutionInfo: { state: "completed", exitCode: 0, retryCount: 0, result: "success" },
    });
    expect(status?.jobPreparationTaskExecutionInfo?.taskRootDirectory).toBe("workitems/prep/job-1/jobpreparation");
    expect(status?.jobReleaseTaskExecutionInfo).toBeUndefined();
    expect(readFileSync(join(workDir, "p", nodeId, "workitems", "prep", "job-1", "jobpreparation", "stdout.txt"), "utf8")).toBe(
      "prep-out\n",
    );

    await client.job.terminate("prep");
    const [after] = await until(
      () => client.job.listPreparationAndReleaseTaskStatus("prep"),
      (list) => list[0]?.jobReleaseTaskExecutionInfo?.state === "completed",
    );
    expect(after?.jobReleaseTaskExecutionInfo).toMatchObject({
      exitCode: 0,
      result: "success",
      taskRootDirectory: "workitems/prep/job-1/jobrelease",
    });
    expect(readFileSync(join(workDir, "p", nodeId, "shared", "release-prep"), "utf8")).toBe("released\n");
  });

  it("fails the waiting task when the preparation fails (waitForSuccess), and reports the preparation's exit code", async () => {
    await client.job.add({ id: "badprep", poolInfo: { poolId: "p" }, jobPreparationTask: { commandLine: "/bin/sh -c 'exit 4'" } });
    await client.task.add("badprep", { id: "t", commandLine: "/bin/true" });
    expect((await completed("badprep", "t")).executionInfo).toMatchObject({
      result: "failure",
      failureInfo: { code: "JobPreparationTaskFailed" },
    });
    const [status] = await client.job.listPreparationAndReleaseTaskStatus("badprep");
    expect(status?.jobPreparationTaskExecutionInfo).toMatchObject({
      state: "completed",
      exitCode: 4,
      result: "failure",
      failureInfo: { category: "usererror" },
    });
  });

  it("answers 409 JobPreparationTaskNotSpecified for a job without them", async () => {
    await client.job.add({ id: "plain", poolInfo: { poolId: "p" } });
    await expect(client.job.listPreparationAndReleaseTaskStatus("plain")).rejects.toMatchObject({
      statusCode: 409,
      code: "JobPreparationTaskNotSpecified",
    });
  });

  it.skipIf(!hasPythonSdk)("reads the same status through the Python SDK", async () => {
    const script = fileURLToPath(new URL("./python/prep_status.py", import.meta.url));
    const { stdout } = await promisify(execFile)(PYTHON, [script, emulator.url, emulator.account.name, emulator.account.key, "prep"]);
    expect(JSON.parse(stdout)).toEqual([{ node_id: nodeId, preparation: ["completed", 0], release: ["completed", 0] }]);
  });
});

describe("elevationLevel", () => {
  const root = process.getuid?.() === 0;
  const emulatorUid = String(process.getuid?.());

  it(
    root
      ? "runs nonadmin tasks as nobody and admin tasks as root (the emulator runs as root)"
      : "runs every task as the emulator's user (it is not root)",
    async () => {
      await client.job.add({ id: "who", poolInfo: { poolId: "p" } });
      await client.task.add("who", { id: "default", commandLine: "id -u" });
      await client.task.add("who", {
        id: "nonadmin",
        commandLine: "id -u",
        userIdentity: { autoUser: { scope: "task", elevationLevel: "nonadmin" } },
      });
      await client.task.add("who", {
        id: "admin",
        commandLine: "id -u",
        userIdentity: { autoUser: { scope: "task", elevationLevel: "admin" } },
      });
      const uid = async (id: string): Promise<string> => {
        await completed("who", id);
        return (await fileText("who", id, "stdout.txt")).trim();
      };
      const unprivileged = root ? "65534" : emulatorUid;
      expect(await uid("default")).toBe(unprivileged);
      expect(await uid("nonadmin")).toBe(unprivileged);
      expect(await uid("admin")).toBe(emulatorUid);
    },
  );
});
