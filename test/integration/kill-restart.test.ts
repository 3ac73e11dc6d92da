/**
 * Issue 4, test 7: the controller, run as a child process, is killed with SIGKILL at several
 * points of a large submission and restarted; in the end every task exists exactly once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const TASKS = 3000;
const KILL_AFTER_CALLS = [2, 11, 19];
const BIN = join(import.meta.dirname, "..", "..", "bin", "batch-gitops.js");

const manifests = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: sweep
spec:
  vmSize: standard_f4s_v2
  image:
    marketplace: { publisher: almalinux, offer: almalinux-hpc, sku: 8_7-hpc-gen2, version: latest }
  nodeAgentSkuId: batch.node.el 8
  scale:
    fixed: { targetDedicatedNodes: 1 }
---
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: big
spec:
  poolRef: { name: sweep }
  taskFactory:
    parametricSweep:
      parameters: [{ name: i, start: 0, end: ${TASKS - 1} }]
      taskTemplate:
        id: t-{i:05}
        commandLine: /bin/sh -c "echo {i}"
`;

describe("controller killed during a large submission", () => {
  let emulator: RunningEmulator;
  let root: string;
  let child: ChildProcess | undefined;
  const calls = { addCollection: 0, taskDeletes: 0, jobDeletes: 0 };
  let onAddCollection: (() => void) | undefined;

  beforeAll(async () => {
    // Tasks never finish on their own here, so the submission is all there is to watch.
    emulator = await startEmulator({ timing: { taskRunMs: 3_600_000 } });
    emulator.observe(({ operationId, status }) => {
      if (operationId === "Task_AddCollection" && status === 200) {
        calls.addCollection++;
        onAddCollection?.();
      }
      if (operationId === "Task_Delete") calls.taskDeletes++;
      if (operationId === "Job_Delete") calls.jobDeletes++;
    });
    root = await mkdtemp(join(tmpdir(), "kill-restart-"));
    await mkdir(join(root, "manifests"));
    await writeFile(join(root, "manifests", "sweep.yaml"), manifests);
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  });

  function startController(): ChildProcess {
    const args = [
      "run",
      "--dir",
      join(root, "manifests"),
      "--batch-url",
      emulator.url,
      "--auth",
      "shared-key",
      "--state-dir",
      join(root, "state"),
      "--http-addr",
      "off",
      "--view",
      "off",
      "--log-level",
      "warn",
      // The emulator's fast timing settles in well under a second: the job need not wait 5 s for its pool.
      "--poll-interval",
      "250ms",
    ];
    const proc = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, BATCH_ACCOUNT_NAME: devAccount.name, BATCH_ACCOUNT_KEY: devAccount.key },
      stdio: ["ignore", "ignore", "inherit"],
    });
    child = proc;
    return proc;
  }

  const exited = (proc: ChildProcess): Promise<NodeJS.Signals | number | null> =>
    new Promise((resolve) =>
      proc.exitCode !== null || proc.signalCode !== null
        ? resolve(proc.signalCode ?? proc.exitCode)
        : proc.once("exit", (code, signal) => resolve(signal ?? code)),
    );

  async function taskIds(client: BatchServiceClient): Promise<string[]> {
    const ids: string[] = [];
    let page = await client.task.list("big", { taskListOptions: { select: "id" } });
    ids.push(...page.map((t) => t.id ?? ""));
    while (page.odatanextLink !== undefined) {
      page = await client.task.listNext(page.odatanextLink);
      ids.push(...page.map((t) => t.id ?? ""));
    }
    return ids;
  }

  it("ends with every task present exactly once after SIGKILLs mid-submission", { timeout: 600_000 }, async () => {
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    for (const killAt of KILL_AFTER_CALLS) {
      const proc = startController();
      await new Promise<void>((resolve) => {
        onAddCollection = () => {
          if (calls.addCollection >= killAt) {
            proc.kill("SIGKILL");
            onAddCollection = undefined;
            resolve();
          }
        };
        proc.once("exit", () => resolve());
      });
      expect(await exited(proc)).toBe("SIGKILL");
    }
    // Each kill lands while at most `taskSubmissionConcurrency` calls are in flight, so the
    // submission is unfinished whatever the machine's speed: the last controller has work to resume.
    expect((await taskIds(client)).length).toBeLessThan(TASKS);

    const last = startController();
    let ids: string[] = [];
    await vi.waitFor(
      async () => {
        ids = await taskIds(client);
        expect(ids.length).toBeGreaterThanOrEqual(TASKS);
      },
      { timeout: 400_000, interval: 250 },
    );
    last.kill("SIGTERM");
    expect(await exited(last)).toBe(0);

    const expected = Array.from({ length: TASKS }, (_, i) => `t-${String(i).padStart(5, "0")}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(expected);
    // Nothing was deleted and re-added along the way: the job and its tasks are the first ones.
    expect(calls.taskDeletes).toBe(0);
    expect(calls.jobDeletes).toBe(0);
  });
});
