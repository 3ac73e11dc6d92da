/**
 * Job health tells the truth (docs/status.md): failed tasks, a pool being deleted or gone, and a
 * pool removed while a job still runs on it, each reported as the status table says.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { isOwnedBy } from "../../controller/core/ownership.js";
import { conditionOf, isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

const exitCode = (value: string) => [{ name: "BATCH_EMULATOR_EXIT_CODE", value }];
const runMs = (value: number) => [{ name: "BATCH_EMULATOR_RUN_MS", value: String(value) }];
const reasonIs = (reason: string) => (s: Parameters<typeof isReady>[0]) => conditionOf(s, "Ready")?.reason === reason;

describe("job health", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it("a job whose task exits 3 is Ready=False, Stalled, TasksFailed, naming the task, its exit code and category", async () => {
    h = await startHarness();
    h.source.set(poolResource("p"));
    h.source.set(
      jobResource("j", "p", {
        tasks: [
          { id: "ok", commandLine: "true" },
          { id: "bad", commandLine: "false", environmentSettings: exitCode("3") },
          { id: "ok2", commandLine: "true" },
        ],
      }),
    );
    h.start();
    // Reconciling while the other tasks run, then Stalled once none is left (docs/status.md).
    const status = await h.waitForStatus("BatchJob/default/j", (s) => conditionOf(s, "Stalled")?.reason === "TasksFailed");
    expect(conditionOf(status, "Ready")?.status).toBe("False");
    expect(conditionOf(status, "Stalled")).toMatchObject({ status: "True", reason: "TasksFailed" });
    expect(conditionOf(status, "Ready")?.message).toMatch(/1\/3 task\(s\) of job j failed: bad \(exit 3, usererror/);
    expect(status.job?.failedTasks).toEqual([expect.objectContaining({ taskId: "bad", exitCode: 3, category: "usererror" })]);
    expect(h.recorded.stallAlerts.some((a) => a.key === "BatchJob/default/j" && a.reason === "TasksFailed")).toBe(true);
  });

  it("with onTaskFailure noaction and tasks still running, a failure is Reconciling, not yet terminal", async () => {
    h = await startHarness();
    h.source.set(poolResource("p"));
    h.source.set(
      jobResource("j", "p", {
        onTaskFailure: "noaction",
        tasks: [
          { id: "bad", commandLine: "false", environmentSettings: exitCode("1") },
          { id: "long", commandLine: "sleep", environmentSettings: runMs(600_000) },
        ],
      }),
    );
    h.start();
    const status = await h.waitForStatus("BatchJob/default/j", reasonIs("TasksFailed"));
    expect(conditionOf(status, "Reconciling")).toMatchObject({ status: "True", reason: "TasksFailed" });
    expect(conditionOf(status, "Stalled")).toBeUndefined();
    expect(conditionOf(status, "Ready")?.message).toMatch(/still active or running \(onTaskFailure: noaction\)/);
  });

  it("a job whose Batch pool is deleted and managed by no manifest is Ready=False, PoolNotFound", async () => {
    h = await startHarness();
    const image = {
      imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" },
      nodeAgentSKUId: "batch.node.ubuntu 22.04",
    };
    await h.batch.createPool({ id: "shared", vmSize: "standard_d2s_v3", virtualMachineConfiguration: image, targetDedicatedNodes: 0 });
    h.source.set(jobResource("j", "unused", { poolRef: undefined, poolId: "shared" }));
    h.start();
    await h.waitForStatus("BatchJob/default/j", isReady);
    await h.batch.deletePool("shared");
    const status = await h.waitForStatus("BatchJob/default/j", reasonIs("PoolNotFound"));
    expect(conditionOf(status, "Stalled")).toMatchObject({ status: "True", reason: "PoolNotFound" });
  });

  it("removing a pool's manifest while a job still runs on it is blocked (DeletionBlocked) until the job is removed too", async () => {
    h = await startHarness();
    h.source.set(poolResource("p"));
    h.source.set(jobResource("j", "p", { tasks: [{ id: "long", commandLine: "sleep", environmentSettings: runMs(600_000) }] }));
    h.start();
    await h.waitForStatus("BatchJob/default/j", isReady);
    const poolId = (await h.batch.listPools()).find((p) => isOwnedBy(p.metadata, "BatchPool/default/p"))?.id;
    expect(poolId).toBeDefined();

    h.source.remove("BatchPool/default/p");
    const blocked = await h.waitForStatus("BatchPool/default/p", reasonIs("DeletionBlocked"));
    expect(conditionOf(blocked, "Ready")?.message).toMatch(/BatchJob\/default\/j/);
    expect((await h.batch.listPools()).find((p) => p.id === poolId)?.state).toBe("active");
    expect(h.recorded.calls.get("pool.delete") ?? 0).toBe(0);

    h.source.remove("BatchJob/default/j");
    await vi.waitFor(async () => expect((await h?.batch.listPools())?.some((p) => p.id === poolId)).toBe(false), {
      timeout: 20_000,
      interval: 100,
    });
  });
});
