/** The Batch file API (simulated mode) through the unmodified @azure/batch SDK. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;

beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "p");
  await h.client.job.add({ id: "j", poolInfo: { poolId: "p" } });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

async function text(response: { readableStreamBody?: NodeJS.ReadableStream }): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

describe("task files (simulated mode)", () => {
  it("lists a task's files, recursively too, and serves a synthetic stdout naming the command line", async () => {
    await h.client.task.add("j", { id: "t1", commandLine: "/bin/sh -c 'echo hi'" });
    h.advance(60_000);
    const top = await h.client.file.listFromTask("j", "t1");
    expect(top.map((f) => f.name).sort()).toEqual(["stderr.txt", "stdout.txt", "wd"]);
    expect(top.find((f) => f.name === "wd")?.isDirectory).toBe(true);
    const recursive = await h.client.file.listFromTask("j", "t1", { recursive: true });
    expect(recursive.map((f) => f.name)).toContain("wd");
    const stdout = await text(await h.client.file.getFromTask("j", "t1", "stdout.txt"));
    expect(stdout).toContain("/bin/sh -c 'echo hi'");
    expect(stdout).toContain("exit code 0");
  });

  it("answers ocp-range with those bytes, HEAD with the properties, and deletes a file", async () => {
    await h.client.task.add("j", { id: "t1", commandLine: "run-me" });
    h.advance(60_000);
    const whole = await text(await h.client.file.getFromTask("j", "t1", "stdout.txt"));
    const part = await text(
      await h.client.file.getFromTask("j", "t1", "stdout.txt", { fileGetFromTaskOptions: { ocpRange: "bytes=0-9" } }),
    );
    expect(part).toBe(whole.slice(0, 10));
    const props = await h.client.file.getPropertiesFromTask("j", "t1", "stdout.txt");
    expect(props.contentLength).toBe(Buffer.byteLength(whole));
    expect(props.ocpBatchFileIsdirectory).toBe(false);
    expect(props.ocpBatchFileUrl).toBe(`${h.emulator.url}/jobs/j/tasks/t1/files/stdout.txt`);
    await h.client.file.deleteFromTask("j", "t1", "stdout.txt");
    expect((await h.client.file.listFromTask("j", "t1")).map((f) => f.name)).not.toContain("stdout.txt");
    // The SDK streams file bodies, so it does not parse the error code of a download; the status tells.
    expect(await batchError(h.client.file.getFromTask("j", "t1", "stdout.txt"))).toMatchObject({ status: 404 });
    expect(await batchError(h.client.file.deleteFromTask("j", "t1", "stdout.txt"))).toMatchObject({ status: 404, code: "FileNotFound" });
  });

  it("puts a failed task's failure in stderr.txt, and refuses files of a task that has not started", async () => {
    await h.client.task.add("j", { id: "bad", commandLine: "x", environmentSettings: [{ name: "BATCH_EMULATOR_EXIT_CODE", value: "3" }] });
    h.advance(60_000);
    expect(await text(await h.client.file.getFromTask("j", "bad", "stderr.txt"))).toContain("FailureExitCode");
    await h.client.job.add({ id: "idle", poolInfo: { poolId: "nopool" } });
    await h.client.task.add("idle", { id: "waiting", commandLine: "x" });
    expect(await batchError(h.client.file.listFromTask("idle", "waiting"))).toMatchObject({ status: 409 });
  });
});

describe("node files", () => {
  it("lists a node's tree (shared, startup, workitems) recursively and reads a task's file by its node path", async () => {
    await h.client.task.add("j", { id: "t1", commandLine: "echo" });
    h.advance(60_000);
    const task = await h.client.task.get("j", "t1");
    const nodeId = task.nodeInfo?.nodeId ?? "";
    const top = await h.client.file.listFromComputeNode("p", nodeId);
    expect(top.map((f) => f.name)).toEqual(expect.arrayContaining(["shared", "startup", "workitems"]));
    const all = await h.client.file.listFromComputeNode("p", nodeId, { recursive: true });
    expect(all.map((f) => f.name)).toContain("workitems/j/job-1/t1/stdout.txt");
    const stdout = await text(await h.client.file.getFromComputeNode("p", nodeId, "workitems/j/job-1/t1/stdout.txt"));
    expect(stdout).toContain("task t1 of job j");
    const props = await h.client.file.getPropertiesFromComputeNode("p", nodeId, "workitems/j/job-1/t1");
    expect(props.ocpBatchFileIsdirectory).toBe(true);
  });
});
