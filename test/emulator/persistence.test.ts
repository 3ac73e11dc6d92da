/**
 * `emulator --location DIR` (docs/adr/0023): what the emulator acknowledged survives SIGKILL, and a
 * journal record cut short by a crash is ignored whole. Through the unmodified @azure/batch SDK against an
 * emulator child process (the kill) and in-process emulators on copies of its directory (the torn tails).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devAccount, startEmulator } from "../../emulator/index.js";

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const image = {
  imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" },
  nodeAgentSKUId: "batch.node.ubuntu 22.04",
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "emulator-location-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Child {
  proc: ChildProcess;
  url: string;
  output: string;
}

/** `batch-gitops emulator --location DIR` on a free port; resolves with its URL once it listens. */
async function startChild(location: string): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, "emulator", "--port", "0", "--location", location], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined && output.includes("execute:")) resolve(match[1]);
    });
    proc.once("exit", (code) => reject(new Error(`emulator exited (${String(code)}) before listening: ${output}`)));
  });
  return { proc, url, output };
}

async function kill9(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.proc.once("exit", () => resolve());
    child.proc.kill("SIGKILL");
  });
}

function clientFor(url: string): BatchServiceClient {
  return new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), url);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not reached within a minute");
}

async function allTasks(client: BatchServiceClient, jobId: string): Promise<BatchServiceModels.CloudTask[]> {
  const tasks: BatchServiceModels.CloudTask[] = [];
  let page = await client.task.list(jobId);
  tasks.push(...page);
  while (page.odatanextLink !== undefined) {
    page = await client.task.listNext(page.odatanextLink);
    tasks.push(...page);
  }
  return tasks;
}

function taskBatch(
  prefix: string,
  count: number,
  extra: Partial<BatchServiceModels.TaskAddParameter> = {},
): BatchServiceModels.TaskAddParameter[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${i}`, commandLine: `/bin/echo ${prefix} ${i}`, ...extra }));
}

describe("emulator --location", () => {
  it(
    "restarts after kill -9 with every pool, node, job and task it acknowledged; running tasks are requeued",
    { timeout: 120_000 },
    async () => {
      const location = join(root, "kill");
      const first = await startChild(location);
      const before = clientFor(first.url);
      try {
        await before.pool.add({
          id: "kept",
          vmSize: "standard_d2s_v3",
          virtualMachineConfiguration: image,
          targetDedicatedNodes: 2,
          metadata: [{ name: "team", value: "media" }],
        });
        const nodes = await until(
          () => before.computeNode.list("kept"),
          (list) => list.length === 2 && list.every((n) => n.state === "idle"),
        );
        await before.job.add({ id: "work", poolInfo: { poolId: "kept" }, priority: 7, metadata: [{ name: "owner", value: "me" }] });
        await before.task.addCollection("work", taskBatch("done", 10));
        await until(
          () => before.job.getTaskCounts("work"),
          (counts) => counts.taskCounts.succeeded === 10,
        );
        await before.task.add("work", {
          id: "failing",
          commandLine: "/bin/false",
          environmentSettings: [{ name: "BATCH_EMULATOR_EXIT_CODE", value: "3" }],
        });
        await until(
          () => before.task.get("work", "failing"),
          (task) => task.state === "completed",
        );
        await before.job.add({ id: "idle-job", poolInfo: { poolId: "nowhere" } });
        await before.task.addCollection("idle-job", taskBatch("waiting", 25));
        await before.job.patch("work", { metadata: [{ name: "owner", value: "you" }] });
        // Runs for an hour of emulator time: still running when killed.
        await before.job.add({ id: "long-job", poolInfo: { poolId: "kept" } });
        await before.task.add("long-job", {
          id: "long",
          commandLine: "/bin/sleep 3600",
          environmentSettings: [{ name: "BATCH_EMULATOR_RUN_MS", value: "3600000" }],
        });
        await until(
          () => before.task.get("long-job", "long"),
          (t) => t.state === "running",
        );
        await before.job.deleteMethod("idle-job");
        await until(
          () => before.job.list(),
          (jobs) => !jobs.some((j) => j.id === "idle-job"),
        );
        await before.job.add({ id: "idle-job", poolInfo: { poolId: "nowhere" } });
        await before.task.add("idle-job", { id: "after-recreate", commandLine: "/bin/true" });
        const poolBefore = await before.pool.get("kept");
        const failingBefore = await before.task.get("work", "failing");
        await kill9(first);

        const second = await startChild(location);
        try {
          const after = clientFor(second.url);
          const pool = await after.pool.get("kept");
          expect(pool).toMatchObject({
            id: "kept",
            vmSize: "standard_d2s_v3",
            targetDedicatedNodes: 2,
            metadata: [{ name: "team", value: "media" }],
          });
          expect(pool.creationTime).toEqual(poolBefore.creationTime);
          expect((await after.computeNode.list("kept")).map((n) => n.id).sort()).toEqual(nodes.map((n) => n.id).sort());
          const job = await after.job.get("work");
          expect(job).toMatchObject({ priority: 7, metadata: [{ name: "owner", value: "you" }], state: "active" });
          const tasks = await allTasks(after, "work");
          expect(tasks.filter((t) => t.id?.startsWith("done-")).map((t) => [t.state, t.executionInfo?.exitCode])).toEqual(
            Array(10).fill(["completed", 0]),
          );
          const failing = tasks.find((t) => t.id === "failing");
          expect(failing?.executionInfo).toMatchObject({ exitCode: 3, result: "failure" });
          expect(failing?.executionInfo?.endTime).toEqual(failingBefore.executionInfo?.endTime);
          expect((await after.job.getTaskCounts("work")).taskCounts).toMatchObject({ succeeded: 10, failed: 1, active: 0 });
          // The job deleted and added again under the same id has only its new task.
          expect((await allTasks(after, "idle-job")).map((t) => t.id)).toEqual(["after-recreate"]);
          // A task that was running lost its run with the emulator: it is requeued and runs again.
          const long = await after.task.get("long-job", "long");
          expect(long.executionInfo?.requeueCount).toBe(1);
          expect(["active", "preparing", "running"]).toContain(long.state);
          // And the restarted emulator keeps working: a new task runs on the restored nodes.
          await after.task.add("work", { id: "after-restart", commandLine: "/bin/true" });
          expect(
            (
              await until(
                () => after.task.get("work", "after-restart"),
                (t) => t.state === "completed",
              )
            ).executionInfo?.result,
          ).toBe("success");
        } finally {
          await kill9(second);
        }
      } finally {
        await kill9(first);
      }
    },
  );
});

describe("emulator --location with --execute local", () => {
  it("keeps the nodes' directories under DIR/nodes, so a task's files are still served after a restart", { timeout: 60_000 }, async () => {
    const location = join(root, "local");
    const timing = { nodeCreatingMs: 10, nodeStartingMs: 10, taskPreparingMs: 0 };
    const first = await startEmulator({ port: 0, location, execute: "local", containerEngine: "none", timing });
    try {
      const client = clientFor(first.url);
      expect(first.workDir).toBe(join(location, "nodes"));
      await client.pool.add({ id: "p", vmSize: "standard_d2s_v3", virtualMachineConfiguration: image, targetDedicatedNodes: 1 });
      await until(
        () => client.computeNode.list("p"),
        (nodes) => nodes[0]?.state === "idle",
      );
      await client.job.add({ id: "j", poolInfo: { poolId: "p" } });
      await client.task.add("j", { id: "t", commandLine: "/bin/sh -c 'echo kept'" });
      await until(
        () => client.task.get("j", "t"),
        (task) => task.state === "completed",
      );
    } finally {
      await first.close();
    }
    const second = await startEmulator({ port: 0, location, execute: "local", containerEngine: "none", timing });
    try {
      const client = clientFor(second.url);
      expect((await client.task.get("j", "t")).executionInfo).toMatchObject({ exitCode: 0, result: "success" });
      const response = await client.file.getFromTask("j", "t", "stdout.txt");
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
      expect(Buffer.concat(chunks).toString()).toBe("kept\n");
    } finally {
      await second.close();
    }
  });
});

describe("a torn last journal record", () => {
  /** A directory whose journal ends with the record of a 100-task addtaskcollection (nothing runs: no nodes). */
  async function journalEndingWithCollection(): Promise<{ dir: string; lastRecord: Buffer; journal: Buffer }> {
    const dir = join(root, `torn-source-${Math.random().toString(36).slice(2)}`);
    const emulator = await startEmulator({ port: 0, location: dir });
    const client = clientFor(emulator.url);
    await client.pool.add({ id: "empty", vmSize: "standard_d2s_v3", virtualMachineConfiguration: image, targetDedicatedNodes: 0 });
    await client.job.add({ id: "j", poolInfo: { poolId: "empty" } });
    await client.task.add("j", { id: "acknowledged", commandLine: "/bin/true" });
    const result = await client.task.addCollection("j", taskBatch("batch", 100));
    expect(result.value?.every((r) => r.status?.toLowerCase() === "success")).toBe(true);
    // A copy taken while the emulator runs is what a crash at this instant leaves on disk.
    const copy = `${dir}-copy`;
    cpSync(dir, copy, { recursive: true });
    await emulator.close();
    const journal = readFileSync(join(copy, "journal.jsonl"));
    const lines = journal.toString("utf8").trimEnd().split("\n");
    const lastRecord = Buffer.from(`${lines.at(-1) ?? ""}\n`);
    expect(lastRecord.toString()).toContain("batch-99");
    return { dir: copy, lastRecord, journal };
  }

  it(
    "is ignored whole: the tasks of a half-written addtaskcollection are all absent, earlier writes all present",
    { timeout: 60_000 },
    async () => {
      const { dir, lastRecord, journal } = await journalEndingWithCollection();
      const intact = journal.subarray(0, journal.length - lastRecord.length);
      const snapshot = readFileSync(join(dir, "snapshot.jsonl"));
      // Cut inside the record, just before its newline, and with one byte of it flipped: never half applied.
      const flipped = Buffer.from(lastRecord);
      const middle = Math.floor(flipped.length / 2);
      flipped[middle] = (flipped[middle] ?? 0) ^ 1;
      const tails = [
        lastRecord.subarray(0, 1),
        lastRecord.subarray(0, lastRecord.length >> 1),
        lastRecord.subarray(0, lastRecord.length - 1),
        flipped,
      ];
      for (const tail of tails) {
        writeFileSync(join(dir, "journal.jsonl"), Buffer.concat([intact, tail]));
        const emulator = await startEmulator({ port: 0, location: dir });
        try {
          expect(emulator.tornJournalBytes).toBe(tail.length);
          const client = clientFor(emulator.url);
          expect((await allTasks(client, "j")).map((t) => t.id)).toEqual(["acknowledged"]);
          expect((await client.pool.get("empty")).id).toBe("empty");
        } finally {
          await emulator.close();
        }
        // Loading folded the intact records into a new snapshot; put the crashed files back for the next cut.
        writeFileSync(join(dir, "snapshot.jsonl"), snapshot);
      }
    },
  );

  it("loads the whole record when it is intact, and appends after a restart", { timeout: 60_000 }, async () => {
    const { dir } = await journalEndingWithCollection();
    const emulator = await startEmulator({ port: 0, location: dir });
    const client = clientFor(emulator.url);
    expect(emulator.tornJournalBytes).toBe(0);
    expect((await allTasks(client, "j")).length).toBe(101);
    await client.task.add("j", { id: "later", commandLine: "/bin/true" });
    const copy = `${dir}-again`;
    cpSync(dir, copy, { recursive: true });
    await emulator.close();
    const again = await startEmulator({ port: 0, location: copy });
    try {
      expect((await allTasks(clientFor(again.url), "j")).length).toBe(102);
    } finally {
      await again.close();
    }
  });
});
