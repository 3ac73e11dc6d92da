/**
 * What status says when a manifest changes where Batch cannot follow at once: a job
 * Stalled because its BatchPool is invalid (PoolInvalid) is not polled, so fixing the pool must reconcile it
 * again at once, not at the next resync (an hour here); a completed job cannot take a changed manifest, and
 * says so instead of Ready with "Batch matches the manifest"; neither does a suspended pool claim it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { conditionOf, isReady, jobResource, poolResource, startHarness, type Harness } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("a job stalled on its invalid pool", () => {
  it("is reconciled again as soon as its pool is fixed and Ready, not at the next resync", async () => {
    h = await startHarness({ engine: { resyncIntervalMs: 3_600_000 } });
    h.source.set(jobResource("frames", "render"));
    h.source.addProblem({ severity: "error", key: "BatchPool/default/render", message: "spec.nodeAgentSkuId: does not match the image" });
    h.start();
    await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Stalled")?.reason === "PoolInvalid");

    h.source.clearProblems("BatchPool/default/render");
    h.source.set(poolResource("render"));
    await h.waitForStatus("BatchPool/default/render", isReady);
    await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Stalled")?.status !== "True");
    await vi.waitFor(async () => expect((await h?.batch.listJobs())?.some((j) => j.id === "frames")).toBe(true), { timeout: 30_000 });
  });
});

describe("a completed job whose manifest changes afterwards", () => {
  it("says so (Stalled, JobFinished) instead of Ready with 'Batch matches the manifest', and writes nothing to Batch", async () => {
    h = await startHarness({ emulator: { timingPreset: "fast" } });
    h.source.set(poolResource("render"));
    h.source.set(jobResource("frames", "render", { onAllTasksComplete: "terminatejob" }));
    h.start();
    await h.waitForStatus("BatchJob/default/frames", (s) => isReady(s) && s.job?.state === "completed");
    h.source.edit<{ tasks: unknown[] }>("BatchJob/default/frames", (spec) => ({
      ...spec,
      tasks: [...spec.tasks, { id: "t3", commandLine: "echo three" }],
    }));
    const stalled = await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(stalled, "Ready")).toMatchObject({ status: "False", reason: "JobFinished" });
    expect(conditionOf(stalled, "Ready")?.message).toContain("rename the BatchJob");
    const ids: string[] = [];
    for await (const page of h.batch.listTasks("frames")) ids.push(...page.map((t) => t.id));
    expect(ids.sort()).toEqual(["t1", "t2"]);
  });
});

describe("a suspended pool whose manifest changes", () => {
  it("names the change it does not apply, instead of 'Batch matches the manifest', and applies it once resumed", async () => {
    h = await startHarness({ emulator: { timingPreset: "fast" } });
    h.source.set(poolResource("render"));
    h.start();
    await h.waitForStatus("BatchPool/default/render", isReady);
    const key = "BatchPool/default/render";
    type Spec = { suspend?: boolean; scale: { fixed: { targetDedicatedNodes: number } } };
    h.source.edit<Spec>(key, (spec) => ({ ...spec, suspend: true }));
    await h.waitForStatus(key, (s) => s.observedGeneration === 2);
    h.source.edit<Spec>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 3 } } }));
    const pending = await h.waitForStatus(key, (s) => s.observedGeneration === 3);
    expect(conditionOf(pending, "Ready")?.message).toContain("not applied until resumed: targetDedicatedNodes: desired 3, live 1");
    expect(conditionOf(pending, "Drifted")).toMatchObject({ status: "True", message: expect.stringContaining("suspended, not applied") });
    expect((await h.batch.listPools()).find((p) => p.id === pending.batchIds?.[0])?.targetDedicatedNodes).toBe(1);

    h.source.edit<Spec>(key, (spec) => ({ ...spec, suspend: false }));
    const resumed = await h.waitForStatus(key, (s) => s.observedGeneration === 4 && isReady(s));
    expect(conditionOf(resumed, "Drifted")).toMatchObject({ status: "False", message: "Batch matches the manifest" });
  });
});

describe("a pool resized by its manifest", () => {
  it("reports the target it wrote in the pass that wrote it, not the pool as it was before the write", async () => {
    h = await startHarness({ emulator: { timingPreset: "fast" } });
    const key = "BatchPool/default/render";
    h.source.set(poolResource("render"));
    h.start();
    await h.waitForStatus(key, isReady);
    type Spec = { scale: { fixed: { targetDedicatedNodes: number } } };
    h.source.edit<Spec>(key, (spec) => ({ ...spec, scale: { fixed: { targetDedicatedNodes: 3 } } }));
    await h.waitForStatus(key, (s) => s.observedGeneration === 2);
    // The first status of generation 2 is the pass that wrote the resize; later polls re-read Batch anyway.
    const written = h.recorded.statusWrites.find((w) => w.key === key && w.status.observedGeneration === 2)?.status;
    expect(conditionOf(written, "Reconciling")).toMatchObject({ status: "True", reason: "Resizing" });
    expect(written?.pool).toMatchObject({ targetDedicatedNodes: 3, allocationState: "resizing" });
  });
});

describe("a pool adopted by id whose image then changes in the manifest", () => {
  it("is Stalled (AdoptedPoolImmutable) and its status names the image Batch runs, not the manifest's", async () => {
    h = await startHarness({ emulator: { timingPreset: "fast" } });
    const vm = {
      imageReference: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" },
      nodeAgentSKUId: "batch.node.ubuntu 22.04",
    };
    await h.batch.createPool({ id: "legacy", vmSize: "standard_d2s_v3", virtualMachineConfiguration: vm, targetDedicatedNodes: 1 });
    const key = "BatchPool/default/legacy";
    h.source.set(poolResource("legacy", { adopt: { poolId: "legacy" } }));
    h.start();
    await h.waitForStatus(key, isReady);
    type Spec = { image: unknown; nodeAgentSkuId: string };
    h.source.edit<Spec>(key, (spec) => ({
      ...spec,
      image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2004", version: "latest" } },
      nodeAgentSkuId: "batch.node.ubuntu 20.04",
    }));
    const stalled = await h.waitForStatus(key, (s) => s.observedGeneration === 2 && conditionOf(s, "Stalled")?.status === "True");
    expect(conditionOf(stalled, "Ready")).toMatchObject({ status: "False", reason: "AdoptedPoolImmutable" });
    expect(stalled.pool?.image).toBe("ubuntu-hpc/2204");
    expect((await h.batch.getPool("legacy"))?.virtualMachineConfiguration).toMatchObject({ imageReference: { sku: "2204" } });
  });
});

describe("a job waiting for its pool", () => {
  it("claims nothing about drift while it has no Batch job to compare", async () => {
    h = await startHarness();
    // Suspended from the start: the pool is never created, so the job keeps waiting for it.
    h.source.set(poolResource("render", { suspend: true }));
    h.source.set(jobResource("frames", "render"));
    h.start();
    const waiting = await h.waitForStatus("BatchJob/default/frames", (s) => conditionOf(s, "Ready")?.reason === "DependencyNotReady");
    expect(conditionOf(waiting, "Drifted")).toBeUndefined();
  });
});
